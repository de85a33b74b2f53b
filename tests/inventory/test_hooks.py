"""The freed-place hook: every path that frees places tells the listeners in the same
transaction, and a gate keeps newcomers off places freed for people waiting."""

import datetime

import pytest
from django.db import connection, transaction

from rideau.inventory import hooks, queries, services
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold
from rideau.inventory.services import HoldRequest
from tests.factories import QuotaFactory, SessionFactory

from .conftest import NOW
from .waitlist import Waitlist

pytestmark = pytest.mark.django_db
LATER = NOW + datetime.timedelta(minutes=20)


def take(show, owner, *, minutes=None, now=NOW, **item):
    with transaction.atomic():
        [hold] = services.take(
            organizer=show.organizer,
            items=[HoldRequest(quantity=item.pop("quantity", 1), **item)],
            expires_at=None if minutes is None else now + datetime.timedelta(minutes=minutes),
            owner_ref=owner,
            now=now,
        )
    return hold


@pytest.fixture
def heard():
    calls = []

    def listener(freed):
        calls.append((freed, connection.in_atomic_block))

    with hooks.listening(listener=listener):
        yield calls


def test_release_reports_the_quotas_that_gained_room_in_its_transaction(show, heard):
    hall = QuotaFactory(date=show.date, size=5)
    hold = take(show, "order:1", date=show.date, quantity=2)

    services.release([hold], now=NOW)

    [(freed, in_transaction)] = heard
    assert in_transaction
    assert (freed.room, freed.given_back, freed.reason) == ({hall.pk: 5}, {hall.pk: 2}, "released")
    assert freed.holds == (hold.pk,)


def test_session_places_name_their_session(show, heard):
    talk = SessionFactory(event=show.event)
    room = QuotaFactory(organizer=show.organizer, date=None, session=talk, size=2)
    hold = take(show, "attendee", session=talk)

    services.release([hold], now=NOW)

    [(freed, _)] = heard
    assert (freed.room, freed.sessions) == ({room.pk: 2}, {talk.pk})


def test_the_periodic_job_and_a_growing_quota_report_too(show, heard):
    hall = QuotaFactory(date=show.date, size=1)
    take(show, "cart:a", date=show.date, minutes=10)

    services.release_expired_holds(now=LATER)
    services.resize_quota(hall, size=3, now=LATER)

    assert [(f.reason, f.room) for f, _ in heard] == [
        ("expired", {hall.pk: 1}),
        ("resized", {hall.pk: 3}),
    ]


def test_nobody_listening_costs_no_statement(show, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(hooks, "_listeners", [])  # the registration app listens otherwise
    QuotaFactory(date=show.date, size=5)
    hold = take(show, "order:1", date=show.date)

    # savepoint, lock, 2 state updates, give-back read, counter, audit read + insert, release
    with django_assert_num_queries(9):
        services.release([hold], now=NOW)


def test_a_cancellation_offers_the_place_before_anyone_else_can_take_it(show):
    hall = QuotaFactory(date=show.date, size=1)
    sold = take(show, "order:1", date=show.date)
    waitlist = Waitlist(show.organizer)
    waitlist.wait(hall.pk, "alice", HoldRequest(quantity=1, date=show.date))

    with waitlist.plugged(), transaction.atomic():
        services.release([sold], now=NOW)
        with pytest.raises(InventoryError) as err:
            take(show, "newcomer", date=show.date)

    assert err.value.code == "sold_out"
    assert waitlist.offered() == {"alice"}
    assert queries.check_integrity() == (1, [])


def test_the_lazy_reclaim_inside_a_newcomers_take_keeps_the_place_for_the_waiting(show):
    """The place of an expired cart is reclaimed inside a newcomer's take(): with people
    waiting, the newcomer is refused, and the periodic job hands it to the first in line."""
    hall = QuotaFactory(date=show.date, size=1)
    take(show, "cart:old", date=show.date, minutes=10)
    waitlist = Waitlist(show.organizer)
    waitlist.wait(hall.pk, "alice", HoldRequest(quantity=1, date=show.date))

    with waitlist.plugged(listener=False):  # the gate alone keeps the newcomer off
        with pytest.raises(InventoryError) as err:
            take(show, "newcomer", date=show.date, now=LATER)
        assert err.value.code == "sold_out"
    with waitlist.plugged():
        with pytest.raises(InventoryError):
            take(show, "newcomer", date=show.date, now=LATER)
        services.release_expired_holds(now=LATER)

    assert waitlist.offered() == {"alice"}
    assert not Hold.objects.filter(owner_ref="newcomer").exists()
    assert queries.check_integrity() == (1, [])


def test_control_without_the_gate_the_newcomer_takes_the_freed_place(show):
    hall = QuotaFactory(date=show.date, size=1)
    take(show, "cart:old", date=show.date, minutes=10)
    waitlist = Waitlist(show.organizer)
    waitlist.wait(hall.pk, "alice", HoldRequest(quantity=1, date=show.date))

    take(show, "newcomer", date=show.date, now=LATER)

    assert waitlist.offered() == set()
    assert Hold.objects.get(owner_ref="newcomer").state == Hold.State.CONFIRMED


def test_quotas_nobody_waits_for_sell_freed_places_as_before(show):
    hall = QuotaFactory(date=show.date, size=1)
    take(show, "cart:old", date=show.date, minutes=10)
    waitlist = Waitlist(show.organizer)

    with waitlist.plugged():
        take(show, "newcomer", date=show.date, now=LATER)

    assert hall.holds.get(state=Hold.State.CONFIRMED).owner_ref == "newcomer"


def test_cancel_and_ticket_removal_report_their_freed_places(show, actor, heard):
    from rideau.orders import changes
    from rideau.orders import services as orders
    from rideau.orders.services import Buyer, OrderLine

    hall = QuotaFactory(date=show.date, size=3)
    order = orders.place_order(
        show.organizer,
        event=show.event,
        lines=[OrderLine(rate=show.full, quantity=3, date=show.date)],
        buyer=Buyer(email="ana@example.net"),
        paid=True,
    )
    first = order.positions.order_by("pk").first()

    changes.remove_position(first, actor=actor)
    orders.cancel_order(order, actor=actor)

    assert [(f.reason, f.room, inside) for f, inside in heard] == [
        ("released", {hall.pk: 1}, True),
        ("released", {hall.pk: 3}, True),
    ]
