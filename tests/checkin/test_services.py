import datetime
import zoneinfo

import pytest

from rideau.checkin import services
from rideau.checkin.models import Checkin, CheckinList
from rideau.core.access import Actor
from rideau.core.errors import PermissionDenied, ValidationFailed
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.orders import services as orders
from rideau.orders.models import Order, Position
from tests.factories import EventFactory, ProductFactory, member

from .conftest import NOW, make_world

pytestmark = pytest.mark.django_db


def scan(world, position_or_secret, *, checkin_list=None, nonce=None):
    secret = getattr(position_or_secret, "secret", position_or_secret)
    return services.scan(
        checkin_list=checkin_list or world.checkin_list,
        secret=secret,
        nonce=nonce,
        actor=world.actor,
        now=NOW,
    )


def test_valid_then_already_used_on_an_entry_once_list(world):
    ticket = world.ticket()

    first = scan(world, ticket)
    second = scan(world, ticket)

    assert (first.result, first.ok, first.attendee_name) == ("valid", True, "Ana Lopez")
    assert first.order_code == ticket.order.code
    assert (second.result, second.ok, second.first_entry_at) == ("already_used", False, NOW)
    assert list(
        Checkin.objects.order_by("id").values_list("result", "position", "first_entry")
    ) == [("valid", ticket.pk, True), ("already_used", ticket.pk, None)]
    assert services.present_count(world.checkin_list) == 1


def test_the_door_counts_the_performance_it_admits_not_every_night(organizer, actor):
    """A list of every date (with any day allowed): last week's entries are not tonight's."""
    world = make_world(organizer, actor, any_day=True)
    scan(world, world.ticket(date=world.second, email="b@example.net"))  # another night
    scan(world, world.ticket())

    tonight = services.admitting(world.checkin_list, NOW)
    assert tonight == [world.first]
    assert services.present_count(world.checkin_list, dates=tonight) == 1
    assert services.present_count(world.checkin_list) == 2  # every night
    # between performances no door is open: the count is the list's, every night
    later = NOW + datetime.timedelta(days=5)
    assert services.admitting(world.checkin_list, later) == []


def test_a_list_with_re_entry_lets_the_ticket_in_every_time(organizer, actor):
    world = make_world(organizer, actor, allow_multiple_entries=True)
    ticket = world.ticket()

    results = [scan(world, ticket).result for _ in range(3)]

    assert results == ["valid", "valid", "valid"]
    assert Checkin.objects.filter(result="valid").count() == 3
    assert services.present_count(world.checkin_list) == 1


def test_a_ticket_of_another_event_is_wrong_event(world):
    other_event = EventFactory(organizer=world.organizer)
    other_list = services.create_checkin_list(
        actor=world.actor, organizer=world.organizer, event=other_event, name="Other door"
    )
    ticket = world.ticket()

    outcome = scan(world, ticket, checkin_list=other_list)

    assert outcome.result == "wrong_event"
    assert Checkin.objects.get().result == "wrong_event"
    assert services.present_count(other_list) == 0


def test_products_and_dates_not_on_the_list_are_wrong_event(organizer, actor):
    world = make_world(organizer, actor)
    services.update_checkin_list(
        world.checkin_list,
        actor=actor,
        name="VIP door, first night",
        products=[world.vip.product],
        dates=[world.first],
    )
    standard = world.ticket()
    vip_second_night = world.ticket(rate=world.vip, date=world.second)
    vip_first_night = world.ticket(rate=world.vip, date=world.first)

    assert scan(world, standard).result == "wrong_event"
    assert scan(world, vip_second_night).result == "wrong_date"
    assert scan(world, vip_first_night).result == "valid"


def test_cancelled_expired_and_refunded_orders_and_cancelled_tickets(world):
    cancelled = world.order()
    orders.cancel_order(cancelled, actor=world.actor, now=NOW)
    expired = world.order(paid=False, email="late@example.net")
    assert orders.expire_orders(NOW + datetime.timedelta(hours=2)) == 1
    refunded = world.order(email="refund@example.net")
    Order.objects.filter(pk=refunded.pk).update(status=Order.Status.REFUNDED)
    one_cancelled = world.ticket(email="seat@example.net")
    Position.objects.filter(pk=one_cancelled.pk).update(cancelled=True)

    results = [
        scan(world, order.positions.get()).result for order in (cancelled, expired, refunded)
    ]

    assert results == ["cancelled", "cancelled", "cancelled"]
    assert scan(world, one_cancelled).result == "cancelled"
    assert Checkin.objects.filter(result="cancelled").count() == 4
    assert services.present_count(world.checkin_list) == 0


def test_a_pending_order_is_unpaid(world):
    ticket = world.ticket(paid=False)

    assert scan(world, ticket).result == "unpaid"
    assert Checkin.objects.get().result == "unpaid"


def test_unknown_secrets_and_other_organisers_tickets_are_unknown(world, other_organizer):
    rival = make_world(other_organizer, Actor(user=member(other_organizer, Role.OWNER)))
    rival_ticket = rival.ticket()

    assert scan(world, "no-such-ticket").result == "unknown"
    assert scan(world, "").result == "unknown"
    assert scan(world, rival_ticket).result == "unknown"
    assert scan(world, "x" * 5000).result == "unknown"
    assert Checkin.objects.count() == 0


def test_the_same_nonce_returns_the_first_answer_and_records_nothing_new(world):
    ticket = world.ticket()

    first = scan(world, ticket, nonce="scan-1")
    resent = scan(world, ticket, nonce="scan-1")
    again = scan(world, ticket, nonce="scan-2")
    again_resent = scan(world, ticket, nonce="scan-2")

    assert (first.result, first.replayed) == ("valid", False)
    assert (resent.result, resent.replayed, resent.checkin) == ("valid", True, first.checkin)
    assert (again.result, again.replayed) == ("already_used", False)
    assert (again_resent.result, again_resent.replayed) == ("already_used", True)
    assert again_resent.first_entry_at == NOW
    assert Checkin.objects.count() == 2
    assert services.present_count(world.checkin_list) == 1


def test_a_nonce_is_per_list(world):
    second_list = services.create_checkin_list(
        actor=world.actor, organizer=world.organizer, event=world.event, name="Side door"
    )
    ticket = world.ticket()

    assert scan(world, ticket, nonce="n-1").result == "valid"
    assert scan(world, ticket, nonce="n-1", checkin_list=second_list).result == "valid"
    assert Checkin.objects.count() == 2


def test_scanning_needs_the_check_in_permission(world):
    marketing = Actor(user=member(world.organizer, Role.MARKETING))
    door = Actor(user=member(world.organizer, Role.CHECKIN))
    ticket = world.ticket()

    with pytest.raises(PermissionDenied):
        services.scan(
            checkin_list=world.checkin_list, secret=ticket.secret, actor=marketing, now=NOW
        )
    assert Checkin.objects.count() == 0
    outcome = services.scan(
        checkin_list=world.checkin_list, secret=ticket.secret, actor=door, now=NOW
    )
    assert outcome.result == "valid"


def test_creating_a_list_checks_its_products_dates_and_event(world, other_organizer):
    other_event = EventFactory(organizer=world.organizer)
    stranger = ProductFactory(event=other_event, organizer=world.organizer)
    rival_event = EventFactory(organizer=other_organizer)
    lists, audits = CheckinList.objects.count(), AuditLogEntry.objects.count()

    with pytest.raises(ValidationFailed) as exc:
        services.create_checkin_list(
            actor=world.actor,
            organizer=world.organizer,
            event=world.event,
            name="",
            products=[stranger],
            dates=[other_event.dates.create(start=NOW)],
        )
    assert exc.value.errors == {
        "products": ["Choose products of the list's event only."],
        "dates": ["Choose dates of the list's event only."],
        "name": ["This field cannot be blank."],
    }
    with pytest.raises(ValidationFailed) as exc:
        services.create_checkin_list(
            actor=world.actor, organizer=world.organizer, event=rival_event, name="Door"
        )
    assert exc.value.errors == {"event": ["Choose one of your events."]}
    assert (CheckinList.objects.count(), AuditLogEntry.objects.count()) == (lists, audits)


def test_a_refused_update_changes_nothing(world):
    stranger = ProductFactory(
        event=EventFactory(organizer=world.organizer), organizer=world.organizer
    )

    with pytest.raises(ValidationFailed) as exc:
        services.update_checkin_list(
            world.checkin_list, actor=world.actor, name="Renamed", products=[stranger]
        )

    assert exc.value.errors == {"products": ["Choose products of the list's event only."]}
    fresh = CheckinList.objects.get(pk=world.checkin_list.pk)
    assert (fresh.name, list(fresh.products.all())) == ("Main entrance", [])
    assert world.checkin_list.name == "Main entrance"


def test_a_new_access_code_replaces_the_old_one_and_stays_out_of_the_audit_log(world):
    old = world.checkin_list.access_code

    services.regenerate_access_code(world.checkin_list, actor=world.actor)

    new = CheckinList.objects.get(pk=world.checkin_list.pk).access_code
    assert new != old
    assert len(new) == 32
    assert services.list_for_access_code(old, client="10.0.0.1") is None
    assert services.list_for_access_code(new, client="10.0.0.1") == world.checkin_list
    logged = [
        repr((e.before, e.after))
        for e in AuditLogEntry.objects.filter(action__startswith="checkin_list.")
    ]
    assert len(logged) == 2
    assert not any(old in text or new in text for text in logged)


def test_only_event_managers_and_above_manage_lists(world):
    door = Actor(user=member(world.organizer, Role.CHECKIN))

    with pytest.raises(PermissionDenied):
        services.create_checkin_list(
            actor=door, organizer=world.organizer, event=world.event, name="Door"
        )
    with pytest.raises(PermissionDenied):
        services.regenerate_access_code(world.checkin_list, actor=door)
    assert CheckinList.objects.count() == 1


def test_wrong_access_codes_are_rate_limited_per_client(world):
    code = world.checkin_list.access_code
    for _ in range(services.WRONG_CODE_LIMIT):
        assert services.list_for_access_code("guess", client="10.0.0.9") is None

    with pytest.raises(services.TooManyWrongCodes):
        services.list_for_access_code(code, client="10.0.0.9")
    assert services.list_for_access_code(code, client="10.0.0.10") == world.checkin_list


def test_counts_per_list_in_one_query(world, django_assert_num_queries):
    side = services.create_checkin_list(
        actor=world.actor, organizer=world.organizer, event=world.event, name="Side door"
    )
    tickets = [world.ticket(email=f"fan{i}@example.net") for i in range(3)]
    for ticket in tickets:
        scan(world, ticket)
    scan(world, tickets[0])  # already used: not counted twice
    scan(world, tickets[0], checkin_list=side)

    with django_assert_num_queries(1):
        counts = dict(
            services.with_counts(CheckinList.objects.all()).values_list("name", "present")
        )

    assert counts == {"Main entrance": 3, "Side door": 1}


def test_a_list_of_every_date_admits_a_ticket_on_its_own_day_only(organizer, actor):
    """A ticket for 21 December is not valid on the 22nd (nor the 20th) at a door that
    admits every date; a list that allows any day admits it whenever."""
    organizer.timezone = "America/Los_Angeles"
    organizer.save()
    world = make_world(organizer, actor)
    zone = zoneinfo.ZoneInfo("America/Los_Angeles")
    world.second.start = datetime.datetime(2026, 12, 21, 20, 0, tzinfo=zone)
    world.second.end = world.second.start + datetime.timedelta(hours=2)
    world.second.save()
    ticket = world.ticket(date=world.second)

    def at(day, hour, minute=0, checkin_list=None):
        when = datetime.datetime(2026, 12, day, hour, minute, tzinfo=zone)
        return services.scan(
            checkin_list=checkin_list or world.checkin_list,
            secret=ticket.secret,
            actor=world.actor,
            now=when,
        ).result

    assert at(20, 21) == "wrong_date"  # the night before
    assert at(22, 19) == "wrong_date"  # the night after
    assert at(21, 0, 30) == "valid"  # its day, in the organiser's zone (08:30 UTC)
    anywhere = services.create_checkin_list(
        actor=actor, organizer=organizer, event=world.event, name="Goodies", any_day=True
    )
    assert at(24, 12, checkin_list=anywhere) == "valid"
    # until 6 hours after the end, for a late show running past midnight
    second_list = services.create_checkin_list(
        actor=actor, organizer=organizer, event=world.event, name="Bar", allow_multiple_entries=True
    )
    assert at(22, 3, 59, checkin_list=second_list) == "valid"
    assert at(22, 4, 1, checkin_list=second_list) == "wrong_date"
    # a cancelled ticket is "cancelled" on any day: "another date" would say it is good later
    ticket.cancelled = True
    ticket.save()
    assert at(20, 21, checkin_list=second_list) == "cancelled"
