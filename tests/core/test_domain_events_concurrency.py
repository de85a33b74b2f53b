"""Two workers processing domain events at the same moment on PostgreSQL: each handler still
runs once per event; a control run of the naive path (read, run, mark) runs it twice."""

import dataclasses
import threading
from collections.abc import Callable
from typing import ClassVar

import pytest
from django.conf import settings
from django.db import connection, transaction

from rideau.core import domain_events
from rideau.core.domain_events import DomainEvent, process_events, publish, subscribe
from rideau.core.models import AuditLogEntry, DomainEventDelivery

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Struck(DomainEvent):
    name: ClassVar[str] = "test.struck"
    n: int


class Gate:
    """The first run of the handler waits, inside its transaction, until the other worker has
    finished its whole pass: the two passes overlap for certain, without sleeping."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.other_done = threading.Event()
        self.lock = threading.Lock()
        self.first = True

    def handler(self, event: Struck) -> None:
        AuditLogEntry.objects.create(action="test.struck", object_type="e", object_id=str(event.n))
        with self.lock:
            first, self.first = self.first, False
        if first:
            self.entered.set()
            assert self.other_done.wait(timeout=20)


gate = Gate()


def handle(event: Struck) -> None:
    gate.handler(event)


@pytest.fixture
def published():
    global gate
    gate = Gate()
    subscribe(Struck)(handle)
    with transaction.atomic():
        publish(Struck(organizer_id=None, n=1))
    domain_events.dispatch()
    yield
    domain_events.unsubscribe(Struck, handle)


def two_workers(process: Callable[[], object]) -> None:
    errors: list[BaseException] = []

    def first() -> None:
        try:
            process()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    def second() -> None:
        try:
            assert gate.entered.wait(timeout=20)
            process()
        except BaseException as exc:
            errors.append(exc)
        finally:
            gate.other_done.set()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def runs() -> int:
    return AuditLogEntry.objects.filter(action="test.struck").count()


def test_two_workers_at_once_run_a_handler_once(published):
    two_workers(process_events)

    assert runs() == 1
    assert DomainEventDelivery.objects.get().status == "done"


def naive_process() -> None:
    """Read the pending deliveries, run them, mark them done: no lock, no condition."""
    for delivery in DomainEventDelivery.objects.filter(status="pending").select_related("event"):
        with transaction.atomic():
            handle(domain_events.load(delivery.event))
            DomainEventDelivery.objects.filter(pk=delivery.pk).update(status="done")


def test_control_the_naive_path_runs_a_handler_twice(published):
    two_workers(naive_process)

    assert runs() == 2
