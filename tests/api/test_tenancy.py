"""Tenancy and permissions through the API: other tenants are invisible (404), members
without the permission get 403, and in both cases nothing changes."""

import pytest

from rideau.catalog.models import Product, Rate
from rideau.contacts.models import Contact, CustomField
from rideau.core.models import AuditLogEntry, Organizer
from rideau.core.roles import Role
from rideau.events.models import Event, EventDate, Session
from rideau.venues.models import Location, Venue
from tests.api.conftest import ApiClient, make_token
from tests.factories import (
    ContactFactory,
    CustomFieldFactory,
    EventDateFactory,
    EventFactory,
    LocationFactory,
    ProductFactory,
    RateFactory,
    SessionFactory,
    TicketTemplateFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db
ORG = "/organizers/theatre"


@pytest.fixture
def world(organizer):
    venue = VenueFactory(organizer=organizer, name="Kept venue")
    location = LocationFactory(venue=venue, name="Kept room")
    event = EventFactory(organizer=organizer, slug="kept", venue=venue)
    date = EventDateFactory(event=event)
    session = SessionFactory(event=event)
    product = ProductFactory(event=event)
    rate = RateFactory(product=product)
    contact = ContactFactory(organizer=organizer, first_name="Kept")
    field = CustomFieldFactory(organizer=organizer, key="kept")
    return {
        "venue": f"{ORG}/venues/{venue.pk}",
        "location": f"{ORG}/venues/{venue.pk}/locations/{location.pk}",
        "event": f"{ORG}/events/{event.slug}",
        "date": f"{ORG}/events/{event.slug}/dates/{date.pk}",
        "session": f"{ORG}/events/{event.slug}/sessions/{session.pk}",
        "product": f"{ORG}/products/{product.pk}",
        "rate": f"{ORG}/products/{product.pk}/rates/{rate.pk}",
        "contact": f"{ORG}/contacts/{contact.pk}",
        "field": f"{ORG}/contact-fields/{field.pk}",
    }


VALID_PATCHES = {
    "venue": {"name": "Changed"},
    "location": {"name": "Changed"},
    "event": {"visibility": "private"},
    "date": {"capacity": 3},
    "session": {"capacity": 3},
    "product": {"max_per_order": 3},
    "rate": {"price": "1.00"},
    "contact": {"first_name": "Changed"},
    "field": {"required": True},
}
VALID_CREATES = {
    f"{ORG}/venues": {"name": "New"},
    f"{ORG}/events": {"slug": "new", "name": "New"},
    f"{ORG}/events/kept/sessions": {
        "title": "T",
        "start": "2030-01-01T10:00:00Z",
        "end": "2030-01-01T11:00:00Z",
        "capacity": 5,
    },
    f"{ORG}/products": {"kind": "pass", "name": "New"},
    f"{ORG}/contacts": {"email": "new@example.net"},
    f"{ORG}/contact-fields": {"key": "new", "label": "New"},
}


def snapshot() -> dict:
    """Everything the API can change, to prove a refused request changed nothing."""
    models = [Venue, Location, Event, EventDate, Session, Product, Rate, Contact, CustomField]
    data = {m.__name__: sorted(map(str, m.objects.values_list())) for m in models}
    data["Organizer"] = sorted(map(str, Organizer.objects.values_list()))
    data["audit"] = AuditLogEntry.objects.count()
    return data


def test_token_of_another_organizer_gets_404_everywhere(world, rival_api):
    before = snapshot()
    for name, url in world.items():
        assert rival_api.get(url).status_code == 404, url
        assert rival_api.patch(url, VALID_PATCHES[name]).status_code == 404, url
        assert rival_api.delete(url).status_code == 404, url
    for url, body in VALID_CREATES.items():
        response = rival_api.post(url, body)
        assert response.status_code == 404, url
        assert response.json() == {"detail": "Not found.", "code": "not_found"}
    assert rival_api.get(ORG).status_code == 404
    assert rival_api.patch(ORG, {"name": "Taken over"}).status_code == 404
    assert rival_api.get(f"{ORG}/contacts").status_code == 404
    assert [o["slug"] for o in rival_api.get("/organizers").json()["results"]] == ["rival"]
    assert snapshot() == before


@pytest.mark.parametrize("role", [Role.READ_ONLY, Role.CHECKIN])
def test_members_without_permission_get_403_and_change_nothing(organizer, world, role):
    client = ApiClient(make_token(organizer, role))
    before = snapshot()
    for name, url in world.items():
        response = client.patch(url, VALID_PATCHES[name])
        assert response.status_code == 403, url
        assert response.json() == {
            "detail": "You do not have permission to do this.",
            "code": "permission_denied",
        }
        assert client.delete(url).status_code == 403, url
    for url, body in VALID_CREATES.items():
        assert client.post(url, body).status_code == 403, url
    assert client.patch(ORG, {"name": "Renamed"}).status_code == 403
    assert snapshot() == before
    # they can still read what their role lets them see
    assert client.get(world["event"]).status_code == 200
    expected_contacts = 200 if role == Role.READ_ONLY else 403
    assert client.get(f"{ORG}/contacts").status_code == expected_contacts


def test_event_manager_changes_events_but_not_contacts(organizer, world):
    client = ApiClient(make_token(organizer, Role.EVENT_MANAGER))
    assert client.patch(world["event"], {"visibility": "public"}).status_code == 200
    assert client.patch(world["contact"], {"first_name": "X"}).status_code == 403
    assert client.patch(ORG, {"name": "X"}).status_code == 403
    assert Contact.objects.get().first_name == "Kept"
    assert Event.objects.get().visibility == "public"


def test_references_to_other_tenants_are_field_errors(api, organizer, other_organizer, world):
    foreign_venue = VenueFactory(organizer=other_organizer)
    foreign_room = LocationFactory(venue=foreign_venue)
    foreign_template = TicketTemplateFactory(organizer=other_organizer)
    EventFactory(organizer=other_organizer, slug="theirs")
    before = snapshot()
    cases = [
        (f"{ORG}/events", {"slug": "x", "name": "X", "venue": foreign_venue.pk}, "venue"),
        (world["event"], {"venue": foreign_venue.pk}, "venue"),
        (
            f"{ORG}/events/kept/dates",
            {"start": "2030-01-01T10:00:00Z", "location": foreign_room.pk},
            "location",
        ),
        (world["session"], {"location": foreign_room.pk}, "location"),
        (f"{ORG}/products", {"event": "theirs", "name": "X"}, "event"),
        (world["product"], {"ticket_template": foreign_template.pk}, "ticket_template"),
        (
            f"{ORG}/venues/{Venue.objects.get(organizer=organizer).pk}/locations",
            {"kind": "layout", "name": "L", "parent": foreign_room.pk},
            "parent",
        ),
    ]
    for url, body, field in cases:
        response = (
            api.post(url, body)
            if url.endswith(("events", "dates", "products", "locations"))
            else api.patch(url, body)
        )
        assert response.status_code == 422, url
        assert response.json()["detail"] == [
            {"loc": ["body", field], "msg": "Unknown or not available here.", "type": "value_error"}
        ]
    assert snapshot() == before


def test_nested_objects_are_only_reached_through_their_parent(api, organizer, world):
    other_event = EventFactory(organizer=organizer, slug="other")
    session_url = world["session"].replace("/events/kept/", f"/events/{other_event.slug}/")
    assert api.get(session_url).status_code == 404
    other_venue = VenueFactory(organizer=organizer)
    location_url = world["location"].split("/locations/")
    assert api.get(f"{ORG}/venues/{other_venue.pk}/locations/{location_url[1]}").status_code == 404
