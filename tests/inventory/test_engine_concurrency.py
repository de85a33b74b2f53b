"""Races of the engine's newer paths on PostgreSQL, each with a control run that shows the
race when the protection is off: a freed place with people waiting, staff overriding a full
quota, a transfer against a cancellation of the seller's order."""

import datetime
import time

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rideau.inventory import queries, services
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota
from rideau.inventory.services import HoldRequest
from tests.factories import EventDateFactory, EventFactory, OrganizerFactory, QuotaFactory

from .test_concurrency import run_buyers
from .waitlist import Waitlist

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]

NEWCOMERS = 100


@pytest.fixture
def date():
    return EventDateFactory(event=EventFactory(organizer=OrganizerFactory()))


def _expired_sale(date, quota) -> None:
    """The quota's one place, held by a cart whose deadline has just passed."""
    with transaction.atomic():
        services.take(
            organizer=date.event.organizer,
            items=[HoldRequest(quantity=1, date=date)],
            expires_at=timezone.now() + datetime.timedelta(minutes=5),
            owner_ref="cart:old",
        )
    Hold.objects.filter(owner_ref="cart:old").update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def _race_newcomers_and_the_job(date) -> list[str]:
    def one(i: int) -> str:
        if i == NEWCOMERS // 2:  # the periodic job runs in the middle of the rush
            services.release_expired_holds()
            return "job"
        with transaction.atomic():
            services.take(
                organizer=date.event.organizer,
                items=[HoldRequest(quantity=1, date=date)],
                expires_at=timezone.now() + datetime.timedelta(minutes=15),
                owner_ref=f"newcomer-{i}",
            )
        return "ok"

    results = run_buyers(one, n=NEWCOMERS + 1)
    services.release_expired_holds()  # had a newcomer's reclaim the row locked: now
    return results


@pytest.mark.parametrize("round_", range(3))
def test_a_freed_place_goes_to_the_waiting_person_not_to_100_newcomers(date, round_):
    quota = QuotaFactory(date=date, size=1)
    _expired_sale(date, quota)
    waitlist = Waitlist(date.event.organizer)
    waitlist.wait(quota.pk, "alice", HoldRequest(quantity=1, date=date))

    with waitlist.plugged():
        results = _race_newcomers_and_the_job(date)

    assert results.count("ok") == 0
    assert results.count("sold_out") == NEWCOMERS
    assert waitlist.offered() == {"alice"}
    assert Quota.objects.get(pk=quota.pk).taken == 1
    assert queries.check_integrity() == (1, [])


def test_control_without_the_hook_a_newcomer_takes_the_freed_place(date):
    quota = QuotaFactory(date=date, size=1)
    _expired_sale(date, quota)
    waitlist = Waitlist(date.event.organizer)
    waitlist.wait(quota.pk, "alice", HoldRequest(quantity=1, date=date))

    results = _race_newcomers_and_the_job(date)

    assert results.count("ok") == 1
    assert waitlist.offered() == set()
    assert queries.check_integrity() == (1, [])


# --- staff override against normal sales -------------------------------------------------

SIZE = 20


def _full_quota(date) -> Quota:
    quota = QuotaFactory(date=date, size=SIZE)
    with transaction.atomic():
        services.take(
            organizer=date.event.organizer,
            items=[HoldRequest(quantity=SIZE, date=date)],
            expires_at=None,
            owner_ref="order:early",
        )
    return quota


def _sales_and_one_override(date, override) -> list[str]:
    def one(i: int) -> str:
        if i == NEWCOMERS // 2:
            return "override:" + override()
        with transaction.atomic():
            services.take(
                organizer=date.event.organizer,
                items=[HoldRequest(quantity=1, date=date)],
                expires_at=None,
                owner_ref=f"buyer-{i}",
            )
        return "ok"

    return run_buyers(one, n=NEWCOMERS + 1)


def test_an_override_racing_normal_sales_on_a_full_quota(date):
    quota = _full_quota(date)
    staff = _staff(date.event.organizer)

    def override() -> str:
        with transaction.atomic():
            services.overbook(
                organizer=date.event.organizer,
                items=[HoldRequest(quantity=1, date=date)],
                actor=staff,
                reason="VIP",
                owner_ref="order:staff",
            )
        return "ok"

    results = _sales_and_one_override(date, override)

    assert "override:ok" in results
    assert results.count("ok") == 0  # no buyer ever sees the overbooked place
    quota.refresh_from_db()
    assert (quota.taken, quota.overbooked) == (SIZE + 1, 1)
    assert queries.check_integrity() == (1, [])


def test_control_growing_the_quota_instead_hands_the_place_to_a_buyer(date):
    """What staff did without an override: grow the quota, then take the place. The buyers
    racing in between take the place that was meant for the override."""
    quota = _full_quota(date)

    def override() -> str:
        services.resize_quota(Quota.objects.get(pk=quota.pk), size=SIZE + 1)
        time.sleep(0.02)  # the box office screen between the two steps
        try:
            with transaction.atomic():
                services.take(
                    organizer=date.event.organizer,
                    items=[HoldRequest(quantity=1, date=date)],
                    expires_at=None,
                    owner_ref="order:staff",
                )
        except InventoryError as exc:
            return exc.code
        return "ok"

    results = _sales_and_one_override(date, override)

    assert results.count("ok") == 1  # a buyer got the place the organiser added
    assert "override:sold_out" in results
    assert queries.check_integrity() == (1, [])


def _staff(organizer):
    from rideau.core.access import Actor
    from rideau.core.roles import Role
    from tests.factories import member

    return Actor(user=member(organizer, Role.OWNER))


# --- a transfer against a cancellation of the seller's order -------------------------------

PAIRS = 25


def _sold_orders(date) -> list:
    from rideau.orders import services as orders
    from rideau.orders.services import Buyer, OrderLine
    from tests.factories import ProductFactory, RateFactory

    QuotaFactory(date=date, size=PAIRS)
    product = ProductFactory(event=date.event, organizer=date.event.organizer)
    rate = RateFactory(product=product)
    return [
        orders.place_order(
            date.event.organizer,
            event=date.event,
            lines=[OrderLine(rate=rate, date=date)],
            buyer=Buyer(email=f"seller{k}@example.net"),
            paid=True,
        )
        for k in range(PAIRS)
    ]


def _transfers_and_cancels(orders_, cancel) -> dict[int, tuple[str, Hold]]:
    holds = [order.positions.get().hold for order in orders_]

    def one(i: int) -> str:
        k = i // 2
        if i % 2:
            cancel(orders_[k])
            return "cancelled"
        services.transfer(
            [holds[k]], owner_ref=f"order:buyer-{k}", from_owner=f"order:{orders_[k].pk}"
        )
        return "ok"

    results = run_buyers(one, n=2 * PAIRS)
    return {k: (results[2 * k], Hold.objects.get(pk=holds[k].pk)) for k in range(PAIRS)}


def test_a_transfer_racing_a_cancellation_of_the_sellers_order(date):
    from rideau.orders import services as orders

    sold = _sold_orders(date)

    outcome = _transfers_and_cancels(sold, lambda order: orders.cancel_order(order))

    for k, (transferred, hold) in outcome.items():
        if transferred == "ok":  # the buyer's place survives the seller's cancellation
            assert (hold.state, hold.owner_ref) == (Hold.State.CONFIRMED, f"order:buyer-{k}")
        else:  # the cancellation came first: nothing was transferred
            assert (transferred, hold.state) == ("hold_released", Hold.State.RELEASED)
    assert queries.check_integrity() == (1, [])


def test_control_releasing_without_the_owner_check_frees_sold_places(date):
    from rideau.orders import services as orders

    sold = _sold_orders(date)

    def cancel_ignoring_owner(order) -> None:
        with transaction.atomic():
            services.release(orders.holds_of(order))  # the old order path: any owner

    outcome = _transfers_and_cancels(sold, cancel_ignoring_owner)

    lost = [k for k, (t, hold) in outcome.items() if t == "ok" and hold.state != "confirmed"]
    assert lost, "a transferred place should have been freed by the seller's cancellation"
