"""Domain events: how one area reacts to another without importing it.

An area declares what happened as a typed event, publishes it inside the transaction that
made it happen, and any area subscribes to it::

    @dataclass(frozen=True, kw_only=True)
    class OrderPaid(DomainEvent):
        name: ClassVar[str] = "order.paid"
        order_id: int

    publish(OrderPaid(organizer_id=org.pk, order_id=order.pk))     # in the order's transaction

    @subscribe(OrderPaid)                                           # in another app's handlers.py
    def count_the_sale(event: OrderPaid) -> None: ...   # e.g. a partner's quota report

Guarantees, the outbox's (DESIGN rule 3, ADR 0009):

- **written with the change**: `publish` is one INSERT in the caller's transaction; an event
  of a rolled-back transaction never exists, so it is never delivered;
- **delivered after**: `rideau worker` runs `process_events` (a periodic job, `core.tasks`):
  it writes one delivery row per registered handler (`dispatch`), then runs the due ones;
- **at most once per handler** (exactly once for the handler's database writes): a delivery
  runs in a transaction holding its row (`FOR UPDATE SKIP LOCKED`; SQLite serialises
  writers) and is marked done by a conditional UPDATE in the same transaction as the
  handler's writes, so a second processor skips it or rolls back;
- **retried, never blocking**: a handler that raises has its writes rolled back (savepoint)
  and is tried again later with backoff (`MAX_ATTEMPTS`, then `failed`); other deliveries
  go on.

Handlers only write (rows, outbox messages, queued tasks): no network call under the
delivery's lock (DESIGN rule 6). They live in an app's `handlers.py`, imported by the
processor. A handler registered after an event was dispatched does not receive it.
"""

import dataclasses
import datetime
import json
import logging
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .instances import new
from .models import DomainEventDelivery, DomainEventRecord
from .rows import Batch

logger = logging.getLogger("rideau.domain_events")

MAX_ATTEMPTS = 8
BACKOFF_SECONDS = 30  # doubled at each failure: 30 s, 1 min, 2 min … ~1 h


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every event kind: a frozen dataclass of JSON-friendly fields (ints, strings,
    booleans, lists, dicts) with a unique `name` ("area.what_happened")."""

    name: ClassVar[str]
    organizer_id: int | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if not isinstance(name, str) or not name:
            raise TypeError(f"{cls.__qualname__} needs a `name`")
        known = _kinds.get(name)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(f"two event kinds are named {name!r}")
        _kinds[name] = cls

    def payload(self) -> dict:
        """The event's fields but the organiser, as JSON values. Fields are plain ints,
        texts and flags, taken as they are; anything else (a list, a lazy text, a choice
        member) goes through JSON and back."""
        data = {name: getattr(self, name) for name in _payload_names(type(self))}
        if all(type(value) in _PLAIN for value in data.values()):
            return data
        return json.loads(DjangoJSONEncoder().encode(data))


_PLAIN = frozenset({int, str, bool, type(None)})


_names: dict[type, tuple[str, ...]] = {}  # event kind → its payload's field names


def _payload_names(kind: type[DomainEvent]) -> tuple[str, ...]:
    names = _names.get(kind)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(kind) if f.name != "organizer_id")
        _names[kind] = names
    return names


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Any], object]

_kinds: dict[str, type[DomainEvent]] = {}
_handlers: dict[str, dict[str, Handler]] = {}  # event name → handler name → handler
_discovered = False


def handler_name(func: Callable) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def subscribe(kind: type[E]) -> Callable[[Callable[[E], object]], Callable[[E], object]]:
    """Register the decorated function to run once for every event of `kind`."""

    def decorator(func: Callable[[E], object]) -> Callable[[E], object]:
        _handlers.setdefault(kind.name, {})[handler_name(func)] = func
        return func

    return decorator


def unsubscribe(kind: type[DomainEvent], func: Callable) -> None:
    """Forget a handler (tests)."""
    _handlers.get(kind.name, {}).pop(handler_name(func), None)


def discover_kinds() -> None:
    """Import every installed app's `domain_events` module so its event kinds register."""
    autodiscover_modules("domain_events")


def kinds() -> list[type[DomainEvent]]:
    """Every registered event kind, by name (call `discover_kinds` first)."""
    return [_kinds[name] for name in sorted(_kinds)]


def handlers_for(name: str) -> dict[str, Handler]:
    return dict(_handlers.get(name, {}))


def publish(*events: DomainEvent, batch: Batch | None = None) -> None:
    """Record events in the current transaction (one INSERT for all of them; with `batch`,
    the capacity engine's `batch()`, in the engine's statement)."""
    if not connection.in_atomic_block:
        raise RuntimeError("publish domain events inside the transaction that causes them")
    now = timezone.now()
    (batch or Batch(defer=False)).add(
        *[
            new(
                DomainEventRecord,
                organizer_id=event.organizer_id,
                name=event.name,
                payload=event.payload(),
                created=now,
            )
            for event in events
        ]
    )


def load(record: DomainEventRecord) -> DomainEvent:
    """The typed event of a stored record."""
    kind = _kinds[record.name]
    return kind(organizer_id=record.organizer_id, **record.payload)


@dataclasses.dataclass
class ProcessReport:
    dispatched: int = 0
    done: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0


def discover_handlers() -> None:
    """Import every installed app's `handlers` module so its subscriptions register."""
    global _discovered
    if not _discovered:
        autodiscover_modules("handlers")
        _discovered = True


def dispatch(*, limit: int = 200) -> int:
    """Write one delivery per registered handler for events not dispatched yet."""
    with transaction.atomic():
        records = list(
            DomainEventRecord.objects.filter(dispatched=False)
            .select_for_update(skip_locked=True)
            .order_by("id")[:limit]
        )
        if not records:
            return 0
        DomainEventDelivery.objects.bulk_create(
            [
                DomainEventDelivery(event=record, handler=name, next_attempt_at=record.created)
                for record in records
                for name in handlers_for(record.name)
            ],
            ignore_conflicts=True,
        )
        DomainEventRecord.objects.filter(pk__in=[r.pk for r in records]).update(dispatched=True)
    return len(records)


def process_events(*, limit: int = 100, now: datetime.datetime | None = None) -> ProcessReport:
    """Dispatch new events, then run up to `limit` due deliveries, each in its own
    transaction. Safe to run on several workers at once."""
    discover_handlers()
    report = ProcessReport(dispatched=dispatch(limit=limit * 2))
    now = now or timezone.now()
    due = list(
        DomainEventDelivery.objects.filter(
            status=DomainEventDelivery.Status.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        outcome = _deliver(pk, now)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


class _Lost(Exception):
    """Another processor finished this delivery first: roll back this run's writes."""


def _deliver(pk: int, now: datetime.datetime) -> str:
    try:
        with transaction.atomic():
            delivery = (
                DomainEventDelivery.objects.select_for_update(skip_locked=True)
                .select_related("event")
                .filter(pk=pk, status=DomainEventDelivery.Status.PENDING)
                .first()
            )
            if delivery is None:
                return "skipped"
            handler = handlers_for(delivery.event.name).get(delivery.handler)
            try:
                if handler is None:
                    raise LookupError(f"no handler {delivery.handler} is registered")
                with transaction.atomic():
                    handler(load(delivery.event))
            except Exception as exc:
                logger.exception("domain event handler %s failed", delivery.handler)
                return _failed(delivery, exc, now)
            changed = DomainEventDelivery.objects.filter(
                pk=pk, status=DomainEventDelivery.Status.PENDING, attempts=delivery.attempts
            ).update(
                status=DomainEventDelivery.Status.DONE,
                attempts=F("attempts") + 1,
                done_at=timezone.now(),
                last_error="",
            )
            if not changed:
                raise _Lost
            return "done"
    except _Lost:
        return "skipped"


def _failed(delivery: DomainEventDelivery, exc: Exception, now: datetime.datetime) -> str:
    attempts = delivery.attempts + 1
    gave_up = attempts >= MAX_ATTEMPTS
    DomainEventDelivery.objects.filter(
        pk=delivery.pk, status=DomainEventDelivery.Status.PENDING, attempts=delivery.attempts
    ).update(
        attempts=attempts,
        status=DomainEventDelivery.Status.FAILED if gave_up else DomainEventDelivery.Status.PENDING,
        next_attempt_at=now + datetime.timedelta(seconds=BACKOFF_SECONDS * 2 ** (attempts - 1)),
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )
    return "failed" if gave_up else "retried"
