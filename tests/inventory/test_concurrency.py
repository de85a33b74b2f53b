"""Concurrent buyers against PostgreSQL: no oversell, and a control run proving the race.

Buyers run in threads, each thread with its own database connection (closed at the end).
200 buyers go through a pool of 25 threads so the test stays well under PostgreSQL's
connection limit on a shared machine.
"""

import datetime
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from rideau.inventory import queries, services
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, HoldQuota, Quota, SeatHold
from rideau.inventory.services import HoldRequest
from tests.factories import EventDateFactory, EventFactory, OrganizerFactory, QuotaFactory

from .conftest import seat, seated_plan

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]

BUYERS = 200
THREADS = 25


def run_buyers(buy, n=BUYERS) -> list[str]:
    """Run `buy(i)` for n buyers concurrently; each returns "ok" or an error code."""
    start = threading.Barrier(THREADS)
    done = threading.Barrier(THREADS)
    started = threading.local()

    def one(i: int) -> str:
        if not getattr(started, "yes", False):
            started.yes = True
            start.wait(timeout=30)  # every thread's first buyer starts at the same moment
        try:
            return buy(i)
        except InventoryError as exc:
            return exc.code

    def close(_: int) -> None:
        done.wait(timeout=30)  # holds each thread until all run one close: one per thread
        connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(one, range(n)))
        list(pool.map(close, range(THREADS)))
    return results


@pytest.fixture
def date():
    organizer = OrganizerFactory()
    return EventDateFactory(event=EventFactory(organizer=organizer))


def take_one(date, **item):
    def buy(i: int) -> str:
        with transaction.atomic():
            services.take(
                organizer=date.event.organizer,
                items=[HoldRequest(date=date, **item)],
                expires_at=timezone.now() + datetime.timedelta(minutes=15),
                owner_ref=f"buyer-{i}",
            )
        return "ok"

    return buy


# PostgreSQL's one-round-trip implementation of the engine and its ORM implementation
BOTH_IMPLEMENTATIONS = pytest.mark.parametrize("lean_take", [True, False], ids=["lean", "orm"])


@BOTH_IMPLEMENTATIONS
def test_200_buyers_against_50_places_sell_exactly_50(date, settings, lean_take):
    settings.RIDEAU_LEAN_TAKE = lean_take
    quota = QuotaFactory(date=date, size=50)

    results = run_buyers(take_one(date, quantity=1))

    assert results.count("ok") == 50
    assert results.count("sold_out") == 150
    quota.refresh_from_db()
    assert quota.taken == 50
    assert Hold.objects.filter(state=Hold.State.HELD).count() == 50
    assert queries.check_integrity() == (1, [])


@BOTH_IMPLEMENTATIONS
def test_expired_holds_are_reclaimed_exactly_once_under_contention(date, settings, lean_take):
    settings.RIDEAU_LEAN_TAKE = lean_take
    quota = QuotaFactory(date=date, size=50)
    past = timezone.now() - datetime.timedelta(minutes=1)
    with transaction.atomic():
        services.take(
            organizer=date.event.organizer,
            items=[HoldRequest(quantity=1, date=date) for _ in range(50)],
            expires_at=timezone.now() + datetime.timedelta(seconds=30),
            owner_ref="old-carts",
        )
    Hold.objects.update(expires_at=past)

    results = run_buyers(take_one(date, quantity=1))

    assert results.count("ok") == 50
    quota.refresh_from_db()
    assert quota.taken == 50
    assert Hold.objects.filter(state=Hold.State.EXPIRED).count() == 50
    assert Hold.objects.filter(state=Hold.State.HELD).count() == 50
    assert queries.check_integrity() == (1, [])


def test_200_buyers_for_one_seat_sell_it_once(date):
    plan = seated_plan(date.event.organizer, {"A": 1})
    date.location = plan.location
    date.save()
    QuotaFactory(date=date, size=100)
    only = seat(plan, "A", 1)

    results = run_buyers(take_one(date, seats=[only]))

    assert results.count("ok") == 1
    assert results.count("seat_taken") == 199
    assert SeatHold.objects.filter(active=True).count() == 1
    assert Quota.objects.get().taken == 1
    assert queries.check_integrity() == (1, [])


def test_best_available_buyers_never_share_a_seat(date):
    plan = seated_plan(date.event.organizer, {"A": 10, "B": 10})
    date.location = plan.location
    date.save()
    QuotaFactory(date=date, size=100)

    results = run_buyers(take_one(date, quantity=2, best_available=True), n=60)

    sold = results.count("ok")
    active = list(SeatHold.objects.filter(active=True).values_list("seat_id", flat=True))
    assert len(active) == 2 * sold
    assert len(set(active)) == len(active)
    assert Quota.objects.get().taken == 2 * sold
    assert set(results) <= {"ok", "seat_taken", "seats_sold_out"}
    assert results.count("seats_sold_out") + results.count("seat_taken") == 60 - sold
    assert queries.check_integrity() == (1, [])


def naive_take(date, quota_id: int, i: int) -> str:
    """The protection switched off: read, check, (slow) write. Used only by the control."""
    with transaction.atomic():
        quota = Quota.objects.get(pk=quota_id)
        if quota.taken + 1 > quota.size:
            return "sold_out"
        time.sleep(0.005)  # a request doing other work between the check and the write
        hold = Hold.objects.create(
            organizer_id=quota.organizer_id,
            owner_ref=f"buyer-{i}",
            quantity=1,
            date=date,
            state=Hold.State.CONFIRMED,
        )
        HoldQuota.objects.create(hold=hold, quota=quota)
        Quota.objects.filter(pk=quota_id).update(taken=quota.taken + 1)
    return "ok"


def test_control_the_naive_path_oversells(date):
    """Proves the tests above can fail: without the conditional update, the race happens."""
    quota = QuotaFactory(date=date, size=50)

    results = run_buyers(lambda i: naive_take(date, quota.pk, i))

    sold = results.count("ok")
    assert sold > quota.size
    assert Hold.objects.count() == sold
    _checked, drifts = queries.check_integrity()
    assert [(d.object_id, d.recounted) for d in drifts] == [(quota.pk, sold)]
