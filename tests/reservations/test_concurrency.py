"""On PostgreSQL: "pay now" and the automatic release of the same reservation, at the same
moment, resolve to exactly one outcome — paid, or released — never both; with a control
run showing both happen when the release does not lock the reservation and its order."""

import datetime
import time

import pytest
from django.conf import settings
from django.utils import timezone

from rideau.inventory.models import Quota
from rideau.inventory.queries import check_integrity
from rideau.orders.errors import OrderError
from rideau.orders.models import Order
from rideau.orders.services import Buyer, mark_paid
from rideau.reservations import services
from rideau.reservations.models import Reservation
from tests.inventory.test_concurrency import run_buyers

from .conftest import make_world

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]

PAIRS = 40


def _reservations(organizer) -> tuple[list[Reservation], datetime.datetime]:
    world = make_world(organizer, size=PAIRS)
    now = timezone.now()
    made = [
        services.reserve(
            organizer,
            event=world.event,
            lines=world.lines(1),
            buyer=Buyer(email=f"school{i}@example.org"),
            point_of_sale=world.phone,
            now=now,
        )
        for i in range(PAIRS)
    ]
    return made, made[0].release_at


def _race(made, release_at) -> list[str]:
    def one(i: int) -> str:
        reservation = made[i // 2]
        if i % 2 == 0:  # the buyer pays a second before the deadline, arriving now
            try:
                mark_paid(
                    reservation.order,
                    provider="demo_card",
                    amount=reservation.order.total,
                    now=release_at - datetime.timedelta(seconds=1),
                )
            except OrderError as exc:
                return exc.code
            return "paid"
        released = services.release(reservation, now=release_at)
        return "released" if released else "kept"

    return run_buyers(one, n=2 * PAIRS)


def _both(results) -> int:
    """How many reservations were both paid and released."""
    return sum(
        1 for k in range(PAIRS) if results[2 * k] == "paid" and results[2 * k + 1] == "released"
    )


def test_pay_now_and_release_resolve_to_exactly_one_outcome(organizer):
    made, release_at = _reservations(organizer)

    results = _race(made, release_at)

    assert _both(results) == 0
    for k, reservation in enumerate(made):
        paid, released = results[2 * k], results[2 * k + 1]
        assert (paid, released) in (("paid", "kept"), ("not_pending", "released")), (k, results)
        order = Order.objects.get(pk=reservation.order_id)
        expected = Order.Status.PAID if paid == "paid" else Order.Status.CANCELLED
        assert order.status == expected
    paid = results[0::2].count("paid")
    print("outcomes: paid", paid, "released", results[1::2].count("released"))
    assert Quota.objects.get(organizer=organizer).taken == paid
    assert check_integrity()[1] == []


def test_control_an_unlocked_release_lets_both_happen(organizer, monkeypatch):
    """Proves the test above can fail: a release that reads the reservation and its order
    without locking them, then cancels, also cancels orders paid meanwhile."""
    made, release_at = _reservations(organizer)

    def unlocked(reservation):
        locked = Reservation.objects.get(pk=reservation.pk)
        order = Order.objects.get(pk=locked.order_id)
        locked.order = order
        time.sleep(0.02)  # other work between the read and the write
        return locked, order

    monkeypatch.setattr(services, "_locked", unlocked)
    results = _race(made, release_at)

    assert _both(results) > 0
