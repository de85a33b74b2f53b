"""Races on PostgreSQL (SPEC D7): a withdrawal racing a sale of the same resale ends in exactly
one outcome; credit on a pass spent many times at once never goes below zero. Each with a
control run showing the race when the protection (the conditional UPDATE) is off."""

import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction

from rideau.orders import services as orders
from rideau.passes import resale, services
from rideau.passes.errors import PassError
from rideau.passes.models import Pass, PassTicket, Resale
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


@pytest.fixture
def listings(world):
    rates = {
        e.pk: RateFactory(product=ProductFactory(event=e), price=Decimal("30"))
        for e in world.events
    }
    made = []
    for i in range(10):
        p = services.sell_pass(
            world.organizer,
            rate=world.auto_rate,
            holder=services.HolderInput(last_name=f"Holder {i}", first_name="A"),
            buyer=orders.Buyer(email=f"holder{i}@example.net"),
            paid=True,
            provider="cash",
        )
        made += resale.list_tickets(p, tickets=list(p.tickets.all()), method="credit")
    return made, rates


def race(listings, rates, buy_one, withdraw_one):
    def one(i: int) -> str:
        listing = listings[i // 2]
        try:
            if i % 2 == 0:
                rate = rates[listing.ticket.event_id]
                buy_one(listing, rate, i)
                return "sold"
            withdraw_one(listing)
            return "withdrawn"
        except PassError as exc:
            return exc.code

    return run_buyers(one, n=2 * len(listings))


def test_withdrawal_racing_a_sale_ends_in_exactly_one_outcome(listings):
    made, rates = listings

    results = race(
        made,
        rates,
        lambda listing, rate, i: resale.buy(
            listing,
            rate=rate,
            buyer=orders.Buyer(email=f"buyer{i}@example.net"),
            paid=True,
            provider="cash",
        ),
        lambda listing: resale.withdraw(listing),
    )

    for n, listing in enumerate(made):
        pair = results[2 * n : 2 * n + 2]
        assert sorted(pair) in (["not_on_resale", "sold"], ["not_on_resale", "withdrawn"])
        listing.refresh_from_db()
        ticket = PassTicket.objects.get(pk=listing.ticket_id)
        if "sold" in pair:
            assert listing.state == Resale.State.SOLD and listing.buyer_order_id is not None
            assert ticket.state == PassTicket.State.RESOLD
        else:
            assert listing.state == Resale.State.WITHDRAWN and listing.buyer_order_id is None
            assert ticket.state == PassTicket.State.VALID


def naive_end(listing, state):
    """The protection off: read the state, check it, (slowly) write it."""
    with transaction.atomic():
        current = Resale.objects.get(pk=listing.pk)
        if current.state != Resale.State.LISTED:
            raise PassError("not_on_resale")
        time.sleep(0.01)
        Resale.objects.filter(pk=listing.pk).update(state=state)


def test_control_without_the_conditional_update_both_outcomes_happen(listings):
    made, rates = listings

    results = race(
        made,
        rates,
        lambda listing, rate, i: naive_end(listing, Resale.State.SOLD),
        lambda listing: naive_end(listing, Resale.State.WITHDRAWN),
    )

    both = sum(
        1 for n in range(len(made)) if sorted(results[2 * n : 2 * n + 2]) == ["sold", "withdrawn"]
    )
    assert both > 0


@pytest.fixture
def funded(world):
    p = services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Rich", first_name="A"),
        buyer=orders.Buyer(email="rich@example.net"),
        paid=True,
        provider="cash",
    )
    Pass.objects.filter(pk=p.pk).update(credit=Decimal("100.00"))
    return p


def test_credit_spent_200_times_at_once_never_goes_below_zero(funded):
    def spend(i: int) -> str:
        try:
            with transaction.atomic():
                services.spend_credit(funded, Decimal("10.00"), reason=f"order {i}")
        except PassError as exc:
            return exc.code
        return "ok"

    results = run_buyers(spend)

    assert results.count("ok") == 10
    assert results.count("credit_too_low") == 190
    funded.refresh_from_db()
    assert funded.credit == Decimal("0.00")


def test_control_a_read_then_write_spends_more_than_the_credit(funded):
    def naive(i: int) -> str:
        with transaction.atomic():
            credit = Pass.objects.get(pk=funded.pk).credit
            if credit < 10:
                return "credit_too_low"
            time.sleep(0.005)
            Pass.objects.filter(pk=funded.pk).update(credit=credit - 10)
        return "ok"

    results = run_buyers(naive)

    assert results.count("ok") > 10  # more spent than the pass held: lost updates
