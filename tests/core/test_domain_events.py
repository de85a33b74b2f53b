"""Domain events (`rideau.core.domain_events`): written with the change, each handler run once
per event, failures retried without blocking the others; the orders services publish theirs."""

import dataclasses
import datetime
from decimal import Decimal
from typing import ClassVar

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rideau.core import domain_events
from rideau.core.domain_events import DomainEvent, process_events, publish, subscribe
from rideau.core.models import AuditLogEntry, DomainEventDelivery, DomainEventRecord
from rideau.core.periodic import discover_jobs
from rideau.orders import domain_events as order_events
from rideau.orders import services
from rideau.orders.services import Buyer, OrderLine
from tests.factories import (
    EventDateFactory,
    EventFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
)

pytestmark = pytest.mark.django_db


@dataclasses.dataclass(frozen=True, kw_only=True)
class Rang(DomainEvent):
    name: ClassVar[str] = "test.rang"
    n: int


failures = {"left": 0}


def note(event: Rang) -> None:
    AuditLogEntry.objects.create(action="test.noted", object_type="rang", object_id=str(event.n))


def flaky(event: Rang) -> None:
    AuditLogEntry.objects.create(action="test.flaky", object_type="rang", object_id=str(event.n))
    if failures["left"] > 0:
        failures["left"] -= 1
        raise RuntimeError("the partner's system is down")


@pytest.fixture
def handlers():
    subscribe(Rang)(note)
    subscribe(Rang)(flaky)
    failures["left"] = 0
    yield
    domain_events.unsubscribe(Rang, note)
    domain_events.unsubscribe(Rang, flaky)


def ran(action: str) -> list[str]:
    entries = AuditLogEntry.objects.filter(action=action).order_by("id")
    return list(entries.values_list("object_id", flat=True))


@pytest.mark.django_db(transaction=True)  # outside any atomic block
def test_publish_needs_the_causing_transaction():
    with pytest.raises(RuntimeError):
        publish(Rang(organizer_id=None, n=1))

    assert DomainEventRecord.objects.count() == 0


def test_each_handler_runs_once_even_when_processing_runs_twice(handlers):
    with transaction.atomic():
        publish(Rang(organizer_id=None, n=1), Rang(organizer_id=None, n=2))

    first = process_events()
    second = process_events()

    assert (first.dispatched, first.done) == (2, 4)
    assert (second.dispatched, second.done) == (0, 0)
    assert ran("test.noted") == ["1", "2"]
    assert ran("test.flaky") == ["1", "2"]
    assert set(DomainEventDelivery.objects.values_list("status", flat=True)) == {"done"}


def test_an_event_of_a_rolled_back_transaction_is_never_delivered(handlers):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        publish(Rang(organizer_id=None, n=1))
        1 / 0  # noqa: B018 — the change fails after the event was published

    report = process_events()

    assert DomainEventRecord.objects.count() == 0
    assert (report.dispatched, report.done) == (0, 0)
    assert ran("test.noted") == []


def test_a_failing_handler_is_retried_later_and_blocks_nobody(handlers):
    failures["left"] = 1
    with transaction.atomic():
        publish(Rang(organizer_id=None, n=7))
    now = timezone.now()

    first = process_events(now=now)

    assert (first.done, first.retried) == (1, 1)
    assert ran("test.noted") == ["7"]  # the other handler went on
    assert ran("test.flaky") == []  # the failed attempt's writes were rolled back
    flaky_delivery = DomainEventDelivery.objects.get(handler__endswith=".flaky")
    assert (flaky_delivery.status, flaky_delivery.attempts) == ("pending", 1)
    assert "partner's system is down" in flaky_delivery.last_error
    assert flaky_delivery.next_attempt_at > now

    assert process_events(now=now).done == 0  # not due yet
    later = process_events(now=flaky_delivery.next_attempt_at)

    assert later.done == 1
    assert ran("test.flaky") == ["7"]
    assert ran("test.noted") == ["7"]
    flaky_delivery.refresh_from_db()
    assert (flaky_delivery.status, flaky_delivery.attempts, flaky_delivery.last_error) == (
        "done",
        2,
        "",
    )


def test_a_handler_failing_every_time_is_given_up(handlers):
    failures["left"] = domain_events.MAX_ATTEMPTS + 5
    with transaction.atomic():
        publish(Rang(organizer_id=None, n=3))
    when = timezone.now()
    for _attempt in range(domain_events.MAX_ATTEMPTS):
        process_events(now=when)
        when += datetime.timedelta(days=1)

    delivery = DomainEventDelivery.objects.get(handler__endswith=".flaky")
    assert (delivery.status, delivery.attempts) == ("failed", domain_events.MAX_ATTEMPTS)
    assert process_events(now=when + datetime.timedelta(days=9)).retried == 0


def test_the_worker_processes_events_periodically():
    assert "core.process_domain_events" in [job.name for job in discover_jobs()]


# --- the orders' events -------------------------------------------------------------------


seen: list[DomainEvent] = []


def remember(event: DomainEvent) -> None:
    seen.append(event)


@pytest.fixture
def orders_world(organizer):
    for kind in (order_events.OrderPlaced, order_events.OrderPaid, order_events.OrderCanceled):
        subscribe(kind)(remember)
    seen.clear()
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event, start=timezone.now() + datetime.timedelta(days=5))
    product = ProductFactory(event=event, organizer=organizer)
    QuotaFactory(organizer=organizer, date=date, size=10)
    yield {
        "event": event,
        "paying": RateFactory(product=product, price=Decimal("20.00")),
        "free": RateFactory(product=product, price=Decimal("0.00")),
    }
    for kind in (order_events.OrderPlaced, order_events.OrderPaid, order_events.OrderCanceled):
        domain_events.unsubscribe(kind, remember)


def place(organizer, world, rate):
    return services.place_order(
        organizer,
        event=world["event"],
        lines=[OrderLine(rate=world[rate], quantity=2)],
        buyer=Buyer(email="ana@example.net"),
    )


def test_orders_publish_placed_paid_and_canceled(organizer, orders_world):
    order = place(organizer, orders_world, "paying")
    services.mark_paid(order, provider="cash", amount=Decimal("40.00"))
    services.cancel_order(order, reason="ill")
    free = place(organizer, orders_world, "free")

    process_events()

    assert [(type(e).__name__, e.order_id) for e in seen] == [
        ("OrderPlaced", order.pk),
        ("OrderPaid", order.pk),
        ("OrderCanceled", order.pk),
        ("OrderPlaced", free.pk),
        ("OrderPaid", free.pk),  # free: paid at once
    ]
    paid, canceled = seen[1], seen[2]
    assert (paid.organizer_id, paid.code, paid.total, paid.provider) == (
        organizer.pk,
        order.code,
        "40.00",
        "cash",
    )
    assert (canceled.status, canceled.reason) == ("cancelled", "ill")


def test_placing_an_order_adds_one_insert_for_its_events(organizer, orders_world):
    with CaptureQueriesContext(connection) as queries:
        place(organizer, orders_world, "free")

    table = DomainEventRecord._meta.db_table
    touching = [q["sql"] for q in queries if table in q["sql"] or "rideau_take" in q["sql"]]
    # one statement writes both: an INSERT, or on PostgreSQL the engine's single statement
    # that carries the order's rows (ADR 0020)
    assert len(touching) == 1
    assert touching[0].startswith(
        "INSERT" if connection.vendor != "postgresql" else "SELECT rideau_take"
    )
    assert DomainEventRecord.objects.count() == 2  # placed and paid, in that one statement
