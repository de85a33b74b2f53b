"""Races on PostgreSQL (SPEC D7) when the event's ordinary checkout sells listed places first:
many checkouts of a sold-out date share its listed places — never one place twice — and a
withdrawal racing the checkouts ends each listing one way; shop carts racing for them each
claim a different one (the engine's claim) and, paid, each listing is sold once. Each with
a control run showing the race when the protection (the locked listings, the conditional
UPDATE, the engine's lock on the claimed place and its one-live-claim index) is off."""

import time
from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from rideau.events.models import EventDate
from rideau.inventory import services as inventory
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota
from rideau.inventory.queries import check_integrity, live_claims
from rideau.orders import carts
from rideau.orders import services as orders
from rideau.orders.models import Position
from rideau.passes import resale, services
from rideau.passes.errors import PassError
from rideau.passes.models import PassTicket, Resale
from tests.factories import ProductFactory, RateFactory
from tests.inventory.test_concurrency import run_buyers

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
def sold_out(world):
    """A date whose fresh places are all gone but LISTINGS pass tickets are on resale."""
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
        ticket = p.tickets.get(date=date)
        made += resale.list_tickets(p, tickets=[ticket], method="credit")
    quota = Quota.objects.get(date=date)
    Quota.objects.filter(pk=quota.pk).update(size=quota.taken)
    rate = RateFactory(product=ProductFactory(event=date.event), price=Decimal("30"))
    return world, date, rate, made


def checkout(world, date_id, rate, i):
    date = EventDate.objects.select_related("event").get(pk=date_id)
    orders.place_order(
        world.organizer,
        event=date.event,
        lines=[orders.OrderLine(rate=rate, date=date)],
        buyer=orders.Buyer(email=f"buyer{i}@example.net"),
        paid=True,
        provider="cash",
    )
    return "ok"


def assert_each_place_once(made):
    """Every listed place belongs to exactly one live order: its buyer's, or still the
    holder's; no two tickets share a hold."""
    live = Position.objects.filter(cancelled=False, hold__state__in=Hold.ACTIVE_STATES)
    shared = [h for h, n in Counter(live.values_list("hold_id", flat=True)).items() if n > 1]
    assert shared == []
    for listing in made:
        listing.refresh_from_db()
        hold = Hold.objects.get(pk=listing.ticket.position.hold_id)
        if listing.state == Resale.State.SOLD:
            assert hold.owner_ref == f"order:{listing.buyer_order_id}"
        else:
            assert hold.owner_ref == f"order:{listing.ticket.position.order_id}"
    assert check_integrity()[1] == []


def test_40_checkouts_share_10_listed_places_never_one_twice(sold_out):
    world, date, rate, made = sold_out

    results = run_buyers(lambda i: checkout(world, date.pk, rate, i), n=4 * LISTINGS)

    assert Counter(results) == {"ok": LISTINGS, "seats_sold_out": 3 * LISTINGS}
    assert Resale.objects.filter(state=Resale.State.SOLD).count() == LISTINGS
    sold = Resale.objects.filter(state=Resale.State.SOLD)
    assert sold.values("buyer_order").distinct().count() == LISTINGS
    assert EventDate.objects.get(pk=date.pk).offered_back == 0
    assert_each_place_once(made)


def test_a_withdrawal_racing_the_checkouts_ends_each_listing_one_way(sold_out):
    world, date, rate, made = sold_out

    def one(i: int) -> str:  # each listing withdrawn once, two checkouts per listing
        if i % 3 == 0:
            try:
                resale.withdraw(made[i // 3])
            except PassError as exc:
                return exc.code
            return "withdrawn"
        return checkout(world, date.pk, rate, i)

    results = Counter(run_buyers(one, n=3 * LISTINGS))

    sold = Resale.objects.filter(state=Resale.State.SOLD).count()
    withdrawn = Resale.objects.filter(state=Resale.State.WITHDRAWN).count()
    assert sold + withdrawn == LISTINGS
    assert results["ok"] == sold and results["withdrawn"] == withdrawn
    assert results["not_on_resale"] == sold and results["seats_sold_out"] == 2 * LISTINGS - sold
    assert PassTicket.objects.filter(state=PassTicket.State.VALID, date=date).count() == withdrawn
    assert EventDate.objects.get(pk=date.pk).offered_back == 0
    assert_each_place_once(made)


# --- the controls: the claim without its lock and its conditional UPDATE ----------------


@pytest.fixture
def unprotected(monkeypatch):
    """Listings read without a lock and ended by read-check-(slowly)-write; counts the
    callers each believed they ended a listing."""
    wins: Counter = Counter()

    def naive_end(listing, state, now):
        with transaction.atomic():
            current = Resale.objects.get(pk=listing.pk)
            if current.state != Resale.State.LISTED:
                return False
            # the window the race needs: wide enough that a loaded machine (the suite's
            # two workers) still starts the racing withdrawal inside it
            time.sleep(0.2)
            Resale.objects.filter(pk=listing.pk).update(state=state, ended=now)
        wins[listing.pk] += 1
        return True

    def unlocked(organizer_id, date_id, quota_ids, count, now, *, seat_id=None):
        return list(
            resale._listed(organizer_id, [date_id], now)
            .select_related("ticket__position__hold", "ticket__date__event", "ticket__pass_obj")
            .order_by("created", "pk")[:count]
        )

    monkeypatch.setattr(resale, "_end", naive_end)
    monkeypatch.setattr(resale, "_candidates", unlocked)
    return wins


def test_control_without_the_locked_claim_two_checkouts_take_one_listing(sold_out, unprotected):
    world, date, rate, _made = sold_out

    run_buyers(lambda i: checkout(world, date.pk, rate, i), n=4 * LISTINGS)

    assert max(unprotected.values()) > 1  # one listed place claimed by several checkouts


def test_control_without_the_conditional_update_a_listing_is_sold_and_withdrawn(
    sold_out, unprotected
):
    world, date, rate, made = sold_out

    def one(i: int) -> str:  # each listing withdrawn once, two checkouts per listing
        if i % 3 == 0:
            try:
                resale.withdraw(made[i // 3])
            except PassError as exc:
                return exc.code
            return "withdrawn"
        return checkout(world, date.pk, rate, i)

    results = Counter(run_buyers(one, n=3 * LISTINGS))

    assert results["ok"] + results["withdrawn"] > LISTINGS  # both outcomes for some listing


# --- shop carts: each claims a different listed place, paid each is sold once ----------


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

    assert Counter(results) == {"ok": LISTINGS, "seats_sold_out": 3 * LISTINGS}
    assert claims_per_place() == Counter()  # every claim settled: none left
    sold = Resale.objects.filter(state=Resale.State.SOLD)
    assert sold.count() == LISTINGS
    assert sold.values("buyer_order").distinct().count() == LISTINGS
    assert EventDate.objects.get(pk=date.pk).offered_back == 0
    assert_each_place_once(made)


def test_carts_that_only_claim_never_share_a_place(sold_out):
    world, date, rate, _made = sold_out

    results = run_buyers(lambda i: fill_cart(world, date.pk, rate, i), n=4 * LISTINGS)

    assert Counter(results) == {"ok": LISTINGS, "seats_sold_out": 3 * LISTINGS}
    per_place = claims_per_place()
    assert len(per_place) == LISTINGS and max(per_place.values()) == 1
    assert Resale.objects.filter(state=Resale.State.LISTED).count() == LISTINGS
    assert check_integrity()[1] == []


# --- the control: listings read without a lock, claims made by read-check-(slowly)-write ---


@pytest.fixture
def unprotected_claims(monkeypatch):
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


def test_control_without_the_protection_two_carts_claim_one_place(sold_out, unprotected_claims):
    world, date, rate, _made = sold_out

    run_buyers(lambda i: fill_cart(world, date.pk, rate, i), n=4 * LISTINGS)

    assert max(claims_per_place().values()) > 1  # one listed place in several carts
