"""Numbered seats: chosen seats, best available, no double booking, expired seats reclaimed."""

import datetime

import pytest
from django.db import transaction

from rideau.inventory import queries, services
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota, SeatHold
from rideau.inventory.services import HoldRequest
from tests.factories import EventDateFactory, QuotaFactory

from .conftest import NOW, seat, seated_plan

LATER = NOW + datetime.timedelta(minutes=15)


@pytest.fixture
def seated(show):
    plan = seated_plan(show.organizer, {"A": 4, "B": 6})
    show.date.location = plan.location
    show.date.save()
    QuotaFactory(date=show.date, size=10, name="Seated hall")
    return plan


def take_seats(show, *, seats=(), quantity=0, best=False, expires_at=LATER, now=NOW, date=None):
    with transaction.atomic():
        [hold] = services.take(
            organizer=show.organizer,
            items=[
                HoldRequest(
                    date=date or show.date,
                    rate=show.full,
                    seats=list(seats),
                    quantity=quantity,
                    best_available=best,
                )
            ],
            expires_at=expires_at,
            owner_ref="cart",
            now=now,
        )
    return hold


def held_seats(hold: Hold) -> list[str]:
    rows = hold.seat_holds.filter(active=True).select_related("seat").order_by("seat__number")
    return [f"{sh.seat.row}{sh.seat.number}" for sh in rows]


def test_chosen_seats_are_taken_and_counted(show, seated):
    hold = take_seats(show, seats=[seat(seated, "A", 1), seat(seated, "A", 2)])

    assert hold.quantity == 2
    assert held_seats(hold) == ["A1", "A2"]
    assert Quota.objects.get(name="Seated hall").taken == 2


def test_a_taken_seat_is_refused_and_nothing_changes(show, seated):
    take_seats(show, seats=[seat(seated, "A", 2)])

    with pytest.raises(InventoryError) as err:
        take_seats(show, seats=[seat(seated, "A", 3), seat(seated, "A", 2)])

    assert err.value.code == "seat_taken"
    assert err.value.params == {"seat": "Row A, seat 2"}
    assert SeatHold.objects.filter(active=True).count() == 1
    assert Quota.objects.get(name="Seated hall").taken == 1


def test_the_same_seat_is_free_on_another_date(show, seated):
    other = EventDateFactory(event=show.event, location=seated.location)
    QuotaFactory(date=other, size=10)
    take_seats(show, seats=[seat(seated, "A", 1)])

    hold = take_seats(show, seats=[seat(seated, "A", 1)], date=other)

    assert held_seats(hold) == ["A1"]


def test_a_seat_of_an_expired_hold_is_reclaimed(show, seated):
    old = take_seats(show, seats=[seat(seated, "A", 1)])

    new = take_seats(show, seats=[seat(seated, "A", 1)], now=LATER, expires_at=None)

    old.refresh_from_db()
    assert old.state == Hold.State.EXPIRED
    assert held_seats(new) == ["A1"]
    assert Quota.objects.get(name="Seated hall").taken == 1


def test_a_released_seat_can_be_taken_again(show, seated):
    old = take_seats(show, seats=[seat(seated, "B", 3)])
    services.release([old], now=NOW)

    new = take_seats(show, seats=[seat(seated, "B", 3)])

    assert held_seats(new) == ["B3"]
    assert SeatHold.objects.filter(active=False).count() == 1


def test_a_seat_of_another_plan_is_refused(show, seated):
    other_plan = seated_plan(show.organizer, {"Z": 1})

    with pytest.raises(InventoryError) as err:
        take_seats(show, seats=[seat(other_plan, "Z", 1)])

    assert err.value.code == "invalid_seat"
    assert Hold.objects.count() == 0


def test_seats_need_a_date_with_a_plan(show):
    QuotaFactory(date=show.date, size=10)
    plan = seated_plan(show.organizer, {"A": 2})

    with pytest.raises(InventoryError) as err:
        take_seats(show, seats=[seat(plan, "A", 1)])

    assert err.value.code == "no_seating_plan"


def test_best_available_prefers_adjacent_seats_in_the_nearest_row(show, seated):
    take_seats(show, seats=[seat(seated, "A", 2)])

    picked = queries.best_available(plan=seated, date=show.date, n=2, now=NOW)
    assert [(s.row, s.number) for s in picked] == [("A", 3), ("A", 4)]
    picked = queries.best_available(plan=seated, date=show.date, n=3, now=NOW)
    assert [(s.row, s.number) for s in picked] == [("B", 1), ("B", 2), ("B", 3)]


def test_best_available_follows_rank(show, seated):
    seated.seats.filter(row="B", number__in=[4, 5]).update(rank=0)
    seated.seats.exclude(row="B", number__in=[4, 5]).update(rank=5)

    picked = queries.best_available(plan=seated, date=show.date, n=2, now=NOW)

    assert [(s.row, s.number) for s in picked] == [("B", 4), ("B", 5)]


def test_best_available_splits_a_group_when_no_block_is_left(show, seated):
    for row, number in [("A", 2), ("A", 4), ("B", 2), ("B", 4), ("B", 6)]:
        take_seats(show, seats=[seat(seated, row, number)])

    picked = queries.best_available(plan=seated, date=show.date, n=2, now=NOW)

    assert [(s.row, s.number) for s in picked] == [("A", 1), ("A", 3)]


def test_best_available_take_picks_and_holds_seats(show, seated):
    take_seats(show, seats=[seat(seated, "A", 2)])

    hold = take_seats(show, quantity=3, best=True)

    assert held_seats(hold) == ["B1", "B2", "B3"]
    assert Quota.objects.get(name="Seated hall").taken == 4


def test_best_available_take_when_seats_run_out(show, seated):
    Quota.objects.filter(name="Seated hall").update(size=100)
    take_seats(show, quantity=9, best=True)

    with pytest.raises(InventoryError) as err:
        take_seats(show, quantity=2, best=True)

    assert err.value.code == "seats_sold_out"
    assert SeatHold.objects.filter(active=True).count() == 9


def test_free_seats_treat_expired_holds_as_free(show, seated):
    take_seats(show, seats=[seat(seated, "A", 1)])

    assert queries.free_seats(plan=seated, date=show.date, now=NOW).count() == 9
    assert queries.free_seats(plan=seated, date=show.date, now=LATER).count() == 10
