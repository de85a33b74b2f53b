"""Races on PostgreSQL (SPEC D7): shop carts racing for a sold-out date's listed places each
claim a different one — never one place for two carts — and, paid, each listing is sold
once. With a control run showing the race when the protection (the listings locked with
SKIP LOCKED, the engine's lock on the claimed place and its one-live-claim index) is off."""

import time
from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from rideau.events.models import EventDate
from rideau.inventory import services as inventory
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota
from rideau.inventory.queries import check_integrity, live_claims
from rideau.orders import carts
from rideau.orders import services as orders
from rideau.passes import resale, services
from rideau.passes.models import Resale
from tests.factories import ProductFactory, RateFactory
from tests.inventory.test_concurrency import run_buyers
from tests.passes.conftest import make_world
from tests.passes.test_resale_checkout_concurrency import assert_each_place_once

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]

LISTINGS = 10


@pytest.fixture
def sold_out(organizer, actor):
    """An unnumbered date whose fresh places are all gone but LISTINGS pass tickets are
    on resale, and an ordinary rate of its event."""
    world = make_world(organizer, actor, seated=False)
    date = world.dates[0]
    made = []
    for i in range(LISTINGS):
        p = services.sell_pass(
            world.organizer,
            rate=world.auto_rate,
            holder=services.HolderInput(last_name=f"Holder {i}", first_name="A"),
            buyer=orders.Buyer(email=f"holder{i}@example.net"),
            paid=True,
            provider="cash",
        )
        made += resale.list_tickets(p, tickets=[p.tickets.get(date=date)], method="credit")
    quota = Quota.objects.get(date=date)
    Quota.objects.filter(pk=quota.pk).update(size=quota.taken)
    rate = RateFactory(product=ProductFactory(event=date.event), price=Decimal("30"))
    return world, date, rate, made


def fill_cart(world, date_id, rate, i, *, pay=False):
    date = EventDate.objects.select_related("event").get(pk=date_id)
    token = carts.add_to_cart(
        world.organizer,
        date.event,
        token="",
        items=[carts.CartItem(rate=rate, date=date, quantity=1)],
    )
    if pay:
        order = carts.check_out(
            world.organizer,
            date.event,
            token=token,
            buyer=orders.Buyer(email=f"buyer{i}@example.net"),
            attendees=[],
            provider="",
        )
        orders.mark_paid(order, provider="cash", amount=order.total)
    return "ok"


def claims_per_place() -> Counter:
    return Counter(live_claims(timezone.now()).values_list("claims_id", flat=True))


def test_40_carts_race_for_10_listed_places_each_claimed_once_then_sold_once(sold_out):
    world, date, rate, made = sold_out

    results = run_buyers(lambda i: fill_cart(world, date.pk, rate, i, pay=True), n=4 * LISTINGS)

    assert Counter(results) == {"ok": LISTINGS, "sold_out": 3 * LISTINGS}
    assert claims_per_place() == Counter()  # every claim settled: none left
    sold = Resale.objects.filter(state=Resale.State.SOLD)
    assert sold.count() == LISTINGS
    assert sold.values("buyer_order").distinct().count() == LISTINGS
    assert EventDate.objects.get(pk=date.pk).offered_back == 0
    assert_each_place_once(made)


def test_carts_that_only_claim_never_share_a_place(sold_out):
    world, date, rate, _made = sold_out

    results = run_buyers(lambda i: fill_cart(world, date.pk, rate, i), n=4 * LISTINGS)

    assert Counter(results) == {"ok": LISTINGS, "sold_out": 3 * LISTINGS}
    per_place = claims_per_place()
    assert len(per_place) == LISTINGS and max(per_place.values()) == 1
    assert Resale.objects.filter(state=Resale.State.LISTED).count() == LISTINGS
    assert check_integrity()[1] == []


# --- the control: listings read without a lock, claims made by read-check-(slowly)-write ---


@pytest.fixture
def unprotected(monkeypatch):
    """No SKIP LOCKED on the listings, no lock on the claimed place, and the engine's
    one-live-claim index dropped for the run (put back after)."""
    constraint = next(c for c in Hold._meta.constraints if c.name == "hold_one_live_claim")

    def unlocked(organizer_id, date_id, quota_ids, count, now, *, seat_id=None):
        return list(
            resale._listed(organizer_id, [date_id], now)
            .select_related("ticket__position__hold", "ticket__date__event", "ticket__pass_obj")
            .order_by("created", "pk")[:count]
        )

    def naive_claim(hold, *, owner_ref, expires_at, rate, kind="cart", now=None, actor=None):
        now = now or timezone.now()
        if live_claims(now).filter(claims=hold).exists():
            raise InventoryError("hold_claimed")
        time.sleep(0.02)
        return Hold.objects.create(
            organizer_id=hold.organizer_id,
            owner_ref=owner_ref,
            kind=kind,
            quantity=hold.quantity,
            date_id=hold.date_id,
            product=rate.product,
            rate=rate,
            expires_at=expires_at,
            claims=hold,
        )

    with connection.schema_editor() as editor:
        editor.remove_constraint(Hold, constraint)
    monkeypatch.setattr(resale, "_candidates", unlocked)
    monkeypatch.setattr(inventory, "claim", naive_claim)
    yield
    Hold.objects.filter(claims__isnull=False).delete()
    with connection.schema_editor() as editor:
        editor.add_constraint(Hold, constraint)


def test_control_without_the_protection_two_carts_claim_one_place(sold_out, unprotected):
    world, date, rate, _made = sold_out

    run_buyers(lambda i: fill_cart(world, date.pk, rate, i), n=4 * LISTINGS)

    assert max(claims_per_place().values()) > 1  # one listed place in several carts
