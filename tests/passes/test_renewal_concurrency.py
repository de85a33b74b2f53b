"""A renewal window's held seat against 200 concurrent public buyers (PostgreSQL, SPEC D5):
nobody takes it while the window is open; the control run (no pre-hold) gives it away."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rideau.inventory import services as inventory
from rideau.inventory.models import SeatHold
from rideau.orders.services import Buyer
from rideau.passes import queries, renewals, services
from tests.factories import EventDateFactory, EventFactory, QuotaFactory
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


@pytest.fixture
def setting(organizer, actor):
    world = make_world(organizer, actor, events=1)
    holder = services.sell_pass(
        organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=Buyer(email="ana@example.net"),
        paid=True,
        provider="cash",
    )
    seat = queries.usual_seat(holder)
    start = world.dates[-1].start + datetime.timedelta(days=100)
    season = services.create_season(
        organizer,
        actor=actor,
        name="Next",
        starts=start.date(),
        ends=(start + datetime.timedelta(days=30)).date(),
    )
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event, start=start, location=world.plan.location)
    QuotaFactory(date=date, size=100)
    product = services.create_pass_product(
        organizer,
        actor=actor,
        data=services.PassProductInput(
            name="Next",
            season=season,
            events=[event],
            rates=[services.RateInput(name="Full", price=Decimal("10"))],
        ),
    )
    return world, product, date, seat


def public_buyers(organizer, date, seat):
    def buy(i: int) -> str:
        with transaction.atomic():
            inventory.take(
                organizer=organizer,
                items=[inventory.HoldRequest(date=date, seats=(seat,))],
                expires_at=None,
                owner_ref=f"order:public-{i}",
            )
        return "ok"

    return buy


def test_the_public_never_takes_a_seat_held_for_renewal(setting, organizer, actor):
    world, product, date, seat = setting
    renewals.create_campaign(
        organizer,
        actor=actor,
        name="Renew",
        from_product=world.automatic,
        to_products=[product],
        closes=timezone.now() + datetime.timedelta(days=5),
    )

    results = run_buyers(public_buyers(organizer, date, seat))

    assert results.count("ok") == 0
    assert results.count("seat_taken") == 200
    assert SeatHold.objects.get(date=date, active=True).hold.owner_ref.startswith("renewal:")


def test_control_without_the_window_hold_the_public_takes_the_seat(setting, organizer):
    _world, _product, date, seat = setting

    results = run_buyers(public_buyers(organizer, date, seat))

    assert results.count("ok") == 1
    assert SeatHold.objects.get(date=date, active=True).hold.owner_ref.startswith("order:public")
