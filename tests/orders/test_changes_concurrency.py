"""Order changes at the same time never oversell nor give a place back twice. PostgreSQL only."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from rideau.core.access import Actor
from rideau.core.errors import RideauError
from rideau.inventory import services as inventory
from rideau.inventory.models import Quota
from rideau.inventory.queries import check_integrity
from rideau.orders import changes, services
from rideau.orders.models import Order, Position
from rideau.orders.services import Buyer, OrderLine
from tests.factories import EventDateFactory, EventFactory, ProductFactory, RateFactory

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]
THREADS = 8


@pytest.fixture
def world(organizer, actor):
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event, start=timezone.now() + datetime.timedelta(days=10))
    product = ProductFactory(event=event, organizer=organizer, max_per_order=10)
    rate = RateFactory(product=product, price=Decimal("25.00"))
    quota = inventory.create_quota(
        actor=actor, organizer=organizer, name="Hall", size=THREADS * 2, date=date
    )
    return {"event": event, "rate": rate, "quota": quota}


def place(organizer, world, quantity) -> Order:
    return services.place_order(
        organizer,
        event=world["event"],
        lines=[OrderLine(rate=world["rate"], quantity=quantity)],
        buyer=Buyer(email="ana@example.net"),
    )


def at_once(calls) -> list[str]:
    start = threading.Barrier(len(calls))

    def run(call) -> str:
        try:
            start.wait(timeout=30)
            call()
            return "ok"
        except RideauError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def taken(world) -> int:
    return Quota.objects.get(pk=world["quota"].pk).taken


def test_adding_to_many_orders_at_once_never_oversells(organizer, world, actor):
    orders = [place(organizer, world, 1) for _ in range(THREADS)]
    place(organizer, world, THREADS - 1)  # one place left
    actor = Actor(user=actor.user)
    results = at_once(
        [
            lambda order=order: changes.add_positions(
                order, lines=[OrderLine(rate=world["rate"])], actor=actor, notify=False
            )
            for order in orders
        ]
    )
    assert sorted(results) == ["ok"] + ["sold_out"] * (THREADS - 1)
    assert taken(world) == THREADS * 2
    assert Position.objects.count() == THREADS * 2
    assert check_integrity()[1] == []


def test_removing_the_same_ticket_at_once_gives_its_place_back_once(organizer, world, actor):
    order = place(organizer, world, 3)
    ticket = order.positions.first()
    results = at_once(
        [
            lambda: changes.remove_position(Position.objects.get(pk=ticket.pk), actor=actor)
            for _ in range(THREADS)
        ]
    )
    assert sorted(results) == ["already_removed"] * (THREADS - 1) + ["ok"]
    assert taken(world) == 2
    order.refresh_from_db()
    assert order.total == Decimal("50.00")
    assert check_integrity()[1] == []


def test_removing_both_tickets_at_once_keeps_one(organizer, world, actor):
    order = place(organizer, world, 2)
    first, second = order.positions.order_by("id")
    results = at_once(
        [
            lambda: changes.remove_position(first, actor=actor),
            lambda: changes.remove_position(second, actor=actor),
        ]
    )
    assert sorted(results) == ["last_position", "ok"]
    assert order.positions.filter(cancelled=False).count() == 1
    assert taken(world) == 1
    assert check_integrity()[1] == []
