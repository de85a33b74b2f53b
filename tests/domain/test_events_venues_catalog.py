import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rideau.catalog import services as catalog
from rideau.catalog.models import Product, Rate
from rideau.core.access import Actor
from rideau.core.errors import PermissionDenied, ValidationFailed
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.events import services as events
from rideau.events.models import Event, Session
from rideau.venues import services as venues
from rideau.venues.models import Location, Venue
from tests.factories import (
    EventDateFactory,
    EventFactory,
    LocationFactory,
    ProductFactory,
    SessionFactory,
    TicketTemplateFactory,
    VenueFactory,
    member,
)

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0) + datetime.timedelta(days=10)
END = START + datetime.timedelta(hours=1)


# --- venues and locations ----------------------------------------------------------------


def test_venue_and_nested_locations(organizer, actor):
    venue = venues.create_venue(organizer, actor=actor, name="Opéra", country="FR", capacity=900)
    building = venues.create_location(venue, actor=actor, kind="building", name="Main")
    room = venues.create_location(venue, actor=actor, kind="room", name="Hall", parent=building)
    layout = venues.create_location(
        venue, actor=actor, kind="layout", name="Seated", parent=room, capacity=400
    )
    assert str(layout) == "Main › Hall › Seated"
    assert room.effective_capacity() == 900
    assert layout.effective_capacity() == 400
    with pytest.raises(ValidationFailed) as exc:
        venues.create_location(venue, actor=actor, kind="layout", name="Loose")
    assert exc.value.errors == {"parent": ["A layout belongs to a room."]}
    with pytest.raises(ValidationFailed) as exc:
        venues.create_location(venue, actor=actor, kind="room", name="X", parent=layout)
    assert exc.value.errors == {"parent": ["A room must be inside a building."]}
    assert Location.objects.filter(venue=venue).count() == 3
    assert list(
        AuditLogEntry.objects.filter(organizer=organizer).values_list("action", flat=True)
    ) == ["location.created", "location.created", "location.created", "venue.created"]


def test_location_parent_in_another_venue_is_refused(organizer, actor):
    room = LocationFactory(venue=VenueFactory(organizer=organizer), kind="room")
    other = VenueFactory(organizer=organizer)
    with pytest.raises(ValidationFailed) as exc:
        venues.create_location(other, actor=actor, kind="layout", name="L", parent=room)
    assert exc.value.errors == {"parent": ["The parent location is in another venue."]}


def test_location_kind_change_must_keep_children_valid(organizer, actor):
    venue = VenueFactory(organizer=organizer)
    building = LocationFactory(venue=venue, kind="building", name="B")
    LocationFactory(venue=venue, kind="room", parent=building)
    with pytest.raises(ValidationFailed) as exc:
        venues.update_location(building, actor=actor, kind="room")
    assert exc.value.errors == {
        "kind": ["This location holds other locations that cannot be inside a room."]
    }
    building.refresh_from_db()
    assert building.kind == "building"


def test_venue_update_audits_diff_and_refusal_changes_nothing(organizer, actor):
    venue = VenueFactory(organizer=organizer, name="Old", city="Lyon")
    venues.update_venue(venue, actor=actor, name="New")
    entry = AuditLogEntry.objects.get(action="venue.updated")
    assert (entry.before, entry.after) == ({"name": "Old"}, {"name": "New"})
    with pytest.raises(ValidationFailed) as exc:
        venues.update_venue(venue, actor=actor, name="", country="ZZ")
    assert exc.value.errors == {
        "name": ["This field cannot be blank."],
        "country": ["Value 'ZZ' is not a valid choice."],
    }
    assert venue.name == "New"
    assert Venue.objects.get(pk=venue.pk).name == "New"


# --- events ------------------------------------------------------------------------------


def test_create_event_cleans_translations_and_audits(organizer, actor):
    venue = VenueFactory(organizer=organizer)
    event = events.create_event(
        organizer,
        actor=actor,
        slug="hamlet",
        name={"en": " Hamlet ", "fr": "Hamlet"},
        description="A play",
        venue=venue,
    )
    assert event.name == {"en": "Hamlet", "fr": "Hamlet"}
    assert event.description == {"en": "A play"}
    assert event.visibility == Event.Visibility.DRAFT
    entry = AuditLogEntry.objects.get(action="event.created")
    assert entry.after["slug"] == "hamlet"
    assert entry.after["venue_id"] == venue.pk


def test_event_field_errors(organizer, other_organizer, actor):
    EventFactory(organizer=organizer, slug="taken")
    EventFactory(organizer=other_organizer, slug="free-here")
    foreign_venue = VenueFactory(organizer=other_organizer)
    with pytest.raises(ValidationFailed) as exc:
        events.create_event(
            organizer,
            actor=actor,
            slug="taken",
            name={"de": "Weiler"},
            venue=foreign_venue,
            sales_start=END,
            sales_end=START,
        )
    assert exc.value.errors == {
        "name": ["de is not one of this organiser's languages (en, fr)."],
        "slug": ["An event with this short name already exists."],
        "venue": ["This venue belongs to another organiser."],
        "sales_end": ["Sales must close after they open."],
    }
    # slugs are unique per organiser only
    events.create_event(organizer, actor=actor, slug="free-here", name="Free")
    assert Event.objects.filter(organizer=organizer).count() == 2


def test_self_agenda_needs_session_capacities(organizer, actor):
    event = EventFactory(organizer=organizer)
    SessionFactory(event=event, capacity=None)
    with pytest.raises(ValidationFailed) as exc:
        events.update_event(event, actor=actor, self_agenda=True)
    assert list(exc.value.errors) == ["self_agenda"]
    event.refresh_from_db()
    assert event.self_agenda is False


def test_session_capacity_defaults_to_location_a3(organizer, actor):
    venue = VenueFactory(organizer=organizer, capacity=500)
    room = LocationFactory(venue=venue, kind="room", capacity=80)
    layout = LocationFactory(venue=venue, kind="layout", parent=room, capacity=None)
    other_room = LocationFactory(venue=venue, kind="room", capacity=30)
    event = EventFactory(organizer=organizer, self_agenda=True)
    session = events.create_session(
        event, actor=actor, title="Keynote", start=START, end=END, location=layout
    )
    assert session.capacity == 80
    # moving a session whose capacity was the location's default takes the new default
    events.update_session(session, actor=actor, location=other_room)
    assert session.capacity == 30
    # an explicit capacity is kept when moving
    events.update_session(session, actor=actor, capacity=25)
    events.update_session(session, actor=actor, location=room)
    assert session.capacity == 25
    with pytest.raises(ValidationFailed) as exc:
        events.create_session(event, actor=actor, title="No room", start=START, end=END)
    assert exc.value.errors == {
        "capacity": ["Sessions need a maximum capacity when registrants build their own agenda."]
    }


def test_session_references_stay_inside_the_event_and_organizer(organizer, other_organizer, actor):
    event = EventFactory(organizer=organizer)
    other_date = EventDateFactory(event=EventFactory(organizer=organizer))
    foreign_room = LocationFactory(venue=VenueFactory(organizer=other_organizer))
    with pytest.raises(ValidationFailed) as exc:
        events.create_session(
            event,
            actor=actor,
            title="T",
            start=END,
            end=START,
            date=other_date,
            location=foreign_room,
            speakers=["", "x"],
        )
    assert exc.value.errors == {
        "location": ["This location belongs to another organiser."],
        "date": ["This date belongs to another event."],
        "speakers": ["Give at most 50 speaker names of up to 200 characters each."],
        "end": ["The end must be after the start."],
    }
    assert Session.objects.count() == 0


def test_event_dates(organizer, actor):
    event = EventFactory(organizer=organizer)
    date = events.create_event_date(event, actor=actor, start=START, end=END, name="Première")
    assert date.name == {"en": "Première"}
    with pytest.raises(ValidationFailed) as exc:
        events.update_event_date(date, actor=actor, end=START - datetime.timedelta(hours=1))
    assert exc.value.errors == {"end": ["The end must be after the start."]}
    date.refresh_from_db()
    assert date.end == END
    events.delete_event_date(date, actor=actor)
    assert event.dates.count() == 0
    assert AuditLogEntry.objects.filter(action__startswith="event_date.").count() == 2


@pytest.mark.parametrize("role", [Role.READ_ONLY, Role.CHECKIN, Role.MARKETING, Role.BOX_OFFICE])
def test_event_and_venue_writes_need_change_events(organizer, role):
    actor = Actor(user=member(organizer, role))
    event = EventFactory(organizer=organizer, slug="kept")
    venue = VenueFactory(organizer=organizer, name="Kept")
    with pytest.raises(PermissionDenied):
        events.create_event(organizer, actor=actor, slug="new", name="New")
    with pytest.raises(PermissionDenied):
        events.update_event(event, actor=actor, slug="changed")
    with pytest.raises(PermissionDenied):
        venues.update_venue(venue, actor=actor, name="Changed")
    with pytest.raises(PermissionDenied):
        catalog.create_product(organizer, actor=actor, name="P", kind="pass")
    event.refresh_from_db()
    venue.refresh_from_db()
    assert (event.slug, venue.name) == ("kept", "Kept")
    assert Event.objects.count() == 1
    assert Product.objects.count() == 0
    assert AuditLogEntry.objects.count() == 0


# --- catalogue ---------------------------------------------------------------------------


def test_products_and_rates(organizer, other_organizer, actor):
    event = EventFactory(organizer=organizer)
    foreign_template = TicketTemplateFactory(organizer=other_organizer)
    with pytest.raises(ValidationFailed) as exc:
        catalog.create_product(
            organizer, actor=actor, name="Ticket", ticket_template=foreign_template
        )
    assert exc.value.errors == {
        "ticket_template": ["This template belongs to another organiser."],
        "event": ["An admission ticket belongs to an event."],
    }
    product = catalog.create_product(organizer, actor=actor, name="Ticket", event=event)
    rate = catalog.create_rate(product, actor=actor, name="Full", price=Decimal("25.50"))
    assert rate.price == Decimal("25.50")
    with pytest.raises(ValidationFailed) as exc:
        catalog.create_rate(product, actor=actor, name="Neg", price=Decimal("-1"))
    assert exc.value.errors == {"price": ["Ensure this value is greater than or equal to 0."]}
    with pytest.raises(ValidationFailed) as exc:
        catalog.update_rate(rate, actor=actor, price=Decimal("123456789.00"))
    assert exc.value.errors == {"price": ["Ensure that there are no more than 10 digits in total."]}
    rate.refresh_from_db()
    assert rate.price == Decimal("25.50")
    catalog.update_product(product, actor=actor, max_per_order=4)
    with pytest.raises(ValidationFailed) as exc:
        catalog.update_product(product, actor=actor, max_per_order=501)
    assert exc.value.errors == {"max_per_order": ["Enter a number from 1 to 500."]}
    catalog.delete_product(product, actor=actor)
    assert Rate.objects.count() == 0
    actions = list(
        AuditLogEntry.objects.filter(organizer=organizer)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["product.created", "rate.created", "product.updated", "product.deleted"]


def test_pass_product_without_event(organizer, actor):
    product = catalog.create_product(organizer, actor=actor, name="Season pass", kind="pass")
    assert product.event is None
    assert ProductFactory._meta.model.objects.filter(organizer=organizer).count() == 1
