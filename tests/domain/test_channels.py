"""Sales channels and audience types (SPEC CORE-8, ADR 0006): the catalogue services and
the check `place_order` makes before taking anything."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rideau.catalog import services as catalog
from rideau.catalog.models import AudienceType, Rate
from rideau.core.access import Actor
from rideau.core.errors import PermissionDenied, RideauError, ValidationFailed
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.inventory import services as inventory
from rideau.inventory.models import Hold
from rideau.inventory.queries import check_integrity
from rideau.orders import sellable, services
from rideau.orders.errors import OrderError
from rideau.orders.models import Order
from rideau.orders.services import Buyer, OrderLine
from tests.factories import EventDateFactory, EventFactory, ProductFactory, member

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def audience(organizer, actor, code: str, **fields) -> AudienceType:
    return catalog.create_audience_type(
        organizer, actor=actor, code=code, name={"en": code.title()}, **fields
    )


@pytest.fixture
def world(organizer, actor):
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event, start=NOW + datetime.timedelta(days=10))
    product = ProductFactory(event=event, organizer=organizer, max_per_order=10)
    schools = audience(organizer, actor, "schools")
    groups = audience(organizer, actor, "groups")
    rate = catalog.create_rate(product, actor=actor, name="Full", price=Decimal("20"))
    box_only = catalog.create_rate(
        product, actor=actor, name="Door", price=Decimal("18"), channels=["box_office"]
    )
    school = catalog.create_rate(
        product, actor=actor, name="School", price=Decimal("8"), audience_types=[schools]
    )
    quota = inventory.create_quota(
        actor=actor, organizer=organizer, name="Hall", size=20, date=date
    )
    return {
        "event": event,
        "date": date,
        "full": rate,
        "box_only": box_only,
        "school": school,
        "schools": schools,
        "groups": groups,
        "quota": quota,
    }


def place(organizer, world, rate, **kwargs):
    return services.place_order(
        organizer,
        event=world["event"],
        lines=[OrderLine(rate=Rate.objects.select_related("product").get(pk=rate.pk), quantity=2)],
        buyer=Buyer(email="ana@example.net"),
        now=NOW,
        **kwargs,
    )


def assert_nothing_taken(world):
    assert not Order.objects.exists()
    assert not Hold.objects.exists()
    world["quota"].refresh_from_db()
    assert world["quota"].taken == 0
    assert check_integrity()[1] == []


# --- audience types ------------------------------------------------------------------------


def test_audience_types_are_created_changed_and_audited(organizer, actor):
    schools = audience(organizer, actor, " Schools ", description={"en": "Classes with a teacher"})
    assert schools.code == "schools"
    catalog.update_audience_type(schools, actor=actor, name={"en": "Schools and colleges"})
    schools.refresh_from_db()
    assert schools.name == {"en": "Schools and colleges"}
    actions = list(
        AuditLogEntry.objects.filter(object_id=str(schools.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["audience_type.created", "audience_type.updated"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "not a slug!"}, "code"),
        ({"code": ""}, "code"),
        ({"name": {}}, "name"),
        ({"name": {"de": "Schulen"}}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"code": "nul\x00"}, "code"),
    ],
)
def test_bad_audience_types_are_refused_per_field(organizer, actor, fields, field):
    data = {"code": "schools", "name": {"en": "Schools"}, **fields}
    with pytest.raises(ValidationFailed) as exc:
        catalog.create_audience_type(organizer, actor=actor, **data)
    assert field in exc.value.errors
    assert not AudienceType.objects.exists()


def test_audience_codes_are_unique_per_organizer(organizer, other_organizer, actor):
    audience(organizer, actor, "schools")
    with pytest.raises(ValidationFailed) as exc:
        audience(organizer, actor, "schools")
    assert "code" in exc.value.errors
    other_owner = member(other_organizer, email="boss@rival.example")
    audience(other_organizer, Actor(user=other_owner), "schools")  # another organiser: fine
    groups = audience(organizer, actor, "groups")
    with pytest.raises(ValidationFailed) as exc:
        catalog.update_audience_type(groups, actor=actor, code="schools")
    assert "code" in exc.value.errors
    groups.refresh_from_db()
    assert groups.code == "groups"


def test_audience_types_need_the_events_permission(organizer):
    cashier = Actor(user=member(organizer, Role.BOX_OFFICE, email="cash@example.org"))
    with pytest.raises(PermissionDenied):
        audience(organizer, cashier, "schools")


def test_an_audience_type_in_use_cannot_be_deleted(organizer, actor, world):
    with pytest.raises(RideauError) as exc:
        catalog.delete_audience_type(world["schools"], actor=actor)
    assert exc.value.code == "audience_type_in_use"
    assert AudienceType.objects.filter(pk=world["schools"].pk).exists()
    catalog.delete_audience_type(world["groups"], actor=actor)  # unused
    assert not AudienceType.objects.filter(pk=world["groups"].pk).exists()
    assert AuditLogEntry.objects.filter(action="audience_type.deleted").count() == 1


# --- rates ---------------------------------------------------------------------------------


def test_rate_channels_are_validated_and_kept_in_order(organizer, actor, world):
    rate = world["full"]
    catalog.update_rate(rate, actor=actor, channels=["phone", "web", "phone"])
    rate.refresh_from_db()
    assert rate.channels == ["web", "phone"]
    for bad in (["web", "fax"], "web", [1]):
        with pytest.raises(ValidationFailed) as exc:
            catalog.update_rate(rate, actor=actor, channels=bad)
        assert list(exc.value.errors) == ["channels"]
        rate.refresh_from_db()
        assert rate.channels == ["web", "phone"]


def test_rate_audiences_are_set_audited_and_flagged(organizer, actor, world):
    rate = world["full"]
    assert rate.audience_restricted is False
    catalog.update_rate(rate, actor=actor, audience_types=[world["groups"], world["schools"]])
    rate.refresh_from_db()
    assert rate.audience_restricted is True
    assert set(rate.audience_types.all()) == {world["groups"], world["schools"]}
    entry = AuditLogEntry.objects.get(action="rate.audience_types_changed", object_id=str(rate.pk))
    assert entry.after == {"audience_types": ["schools", "groups"]}
    catalog.update_rate(rate, actor=actor, audience_types=[])
    rate.refresh_from_db()
    assert rate.audience_restricted is False
    assert not rate.audience_types.exists()


def test_a_rate_cannot_name_another_organizers_audience(organizer, other_organizer, actor, world):
    other = audience(other_organizer, Actor(user=member(other_organizer)), "vip")
    rate = world["full"]
    with pytest.raises(ValidationFailed) as exc:
        catalog.update_rate(rate, actor=actor, audience_types=[other], price=Decimal("-1"))
    assert set(exc.value.errors) == {"audience_types", "price"}  # reported together
    rate.refresh_from_db()
    assert rate.audience_restricted is False
    assert rate.price == Decimal("20")
    with pytest.raises(ValidationFailed) as exc:
        catalog.create_rate(
            rate.product, actor=actor, name="VIP", price=Decimal("1"), audience_types=[other]
        )
    assert "audience_types" in exc.value.errors
    assert not Rate.objects.filter(name={"en": "VIP"}).exists()


# --- placing orders ------------------------------------------------------------------------


def test_a_rate_not_sold_on_the_channel_is_refused_and_nothing_is_taken(organizer, world):
    with pytest.raises(OrderError) as exc:
        place(organizer, world, world["box_only"])  # web by default
    assert (exc.value.code, exc.value.field) == ("not_on_channel", "rate")
    assert "Web shop" in exc.value.message
    assert_nothing_taken(world)

    order = place(organizer, world, world["box_only"], channel="box_office", paid=True)
    assert order.channel == "box_office"
    assert order.positions.count() == 2


def test_a_restricted_rate_needs_one_of_its_audiences(organizer, world):
    for kwargs in ({}, {"audience_type": world["groups"], "channel": "phone"}):
        with pytest.raises(OrderError) as exc:
            place(organizer, world, world["school"], **kwargs)
        assert (exc.value.code, exc.value.field) == ("not_for_audience", "rate")
        assert_nothing_taken(world)

    order = place(
        organizer, world, world["school"], channel="phone", audience_type=world["schools"]
    )
    assert order.audience_type == world["schools"]
    assert Order.objects.get(pk=order.pk).audience_type == world["schools"]


def test_an_unrestricted_rate_is_sold_to_any_audience(organizer, world):
    order = place(organizer, world, world["full"], channel="phone", audience_type=world["groups"])
    assert order.audience_type == world["groups"]


def test_an_inactive_or_foreign_audience_type_is_refused(organizer, other_organizer, actor, world):
    catalog.update_audience_type(world["schools"], actor=actor, active=False)
    foreign = audience(other_organizer, Actor(user=member(other_organizer)), "schools")
    for audience_type in (world["schools"], foreign):
        with pytest.raises(OrderError) as exc:
            place(organizer, world, world["school"], audience_type=audience_type, channel="phone")
        assert (exc.value.code, exc.value.field) == ("invalid_audience_type", "audience_type")
    assert_nothing_taken(world)


def test_the_web_path_costs_no_query_for_channels_and_audiences(organizer, world):
    """An unrestricted rate on the web: the checks read the rate's own columns only."""
    rate = Rate.objects.select_related("product").get(pk=world["full"].pk)
    lines = [OrderLine(rate=rate, quantity=1, date=world["date"])]
    world["date"].event = world["event"]
    with CaptureQueriesContext(connection) as queries:
        sellable.check_lines(world["event"], lines, NOW)
    assert len(queries) == 0

    school = Rate.objects.select_related("product").get(pk=world["school"].pk)
    lines = [
        OrderLine(rate=school, quantity=1, date=world["date"]),
        OrderLine(rate=school, quantity=1, date=world["date"]),
    ]
    with CaptureQueriesContext(connection) as queries:
        sellable.check_lines(
            world["event"], lines, NOW, channel="phone", audience_type=world["schools"]
        )
    assert len(queries) == 1  # the restricted rates' audiences, once per order


def test_a_duplicated_event_keeps_its_rates_restrictions(organizer, actor, world):
    from rideau.programme.services import duplicate_event

    copy = duplicate_event(world["event"], actor=actor, slug="copy")

    rates = {
        str(r): r
        for r in Rate.objects.filter(product__event=copy).prefetch_related("audience_types")
    }
    assert rates["Door"].channels == ["box_office"]
    assert rates["School"].audience_restricted
    assert list(rates["School"].audience_types.all()) == [world["schools"]]
    assert not rates["Full"].audience_restricted
