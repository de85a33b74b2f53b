"""Who hears that places came back, and who may keep newcomers off them (ADR 0004).

Every path that frees places — `release` (cancel, refund, remove a ticket, empty a cart),
the lazy reclaim of expired holds inside another buyer's `take()`, `release_expired_holds`
and a quota growing — reports the quotas that gained room to the registered *listeners*,
in the same transaction, before it commits: a waitlist can offer the place to the next
person in line (by taking it, kind `offer`) before anyone else can see it free.

A *gate* answers "do people wait for these quotas?". When the lazy reclaim inside a
newcomer's `take()` frees places of a gated quota, the newcomer does not get them
(`sold_out`): they are for the people waiting, and the listener (or the periodic job) hands
them over. Quotas nobody waits for are never slowed down: the gate is asked only after a
reclaim, never on the common path.

Apps register in their `AppConfig.ready()`:

    from rideau.inventory import hooks
    hooks.on_freed(my_listener)      # my_listener(freed: Freed) -> None
    hooks.gate(my_gate)              # my_gate(quota_ids: set[int]) -> set[int] (the gated)

Listeners must not raise for business reasons: an exception rolls back the freeing.
"""

import datetime
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["Freed", "gate", "gated", "listening", "on_freed", "report"]


@dataclass(frozen=True)
class Freed:
    """Places that came back, as the listeners see them.

    `room`: quota id → places free on it now (size − taken, only quotas with room: places
    freed from an overbooked quota still above its size are not reported). `given_back`:
    quota id → places this event gave back. `sessions`: the sessions of the quotas with
    room. `events`: the events of event-wide quotas with room (no date, product, rate or
    session: the places an event-level registration takes). `reason`: "released",
    "expired" or "resized".
    """

    room: dict[int, int]
    given_back: dict[int, int]
    sessions: frozenset[int]
    reason: str
    now: datetime.datetime
    holds: tuple[int, ...] = field(default=())
    events: frozenset[int] = field(default=frozenset())


Listener = Callable[[Freed], None]
Gate = Callable[[set[int]], set[int]]

_listeners: list[Listener] = []
_gates: list[Gate] = []


def on_freed(listener: Listener) -> Listener:
    """Register `listener` (idempotent); usable as a decorator."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def gate(check: Gate) -> Gate:
    """Register a gate (idempotent); usable as a decorator."""
    if check not in _gates:
        _gates.append(check)
    return check


@contextmanager
def listening(*, listener: Listener | None = None, check: Gate | None = None) -> Iterator[None]:
    """Register for the duration of a block (tests, one-off scripts)."""
    if listener is not None:
        on_freed(listener)
    if check is not None:
        gate(check)
    try:
        yield
    finally:
        if listener is not None and listener in _listeners:
            _listeners.remove(listener)
        if check is not None and check in _gates:
            _gates.remove(check)


def gated(quota_ids: Iterable[int]) -> set[int]:
    """The quotas among `quota_ids` some gate keeps for people waiting."""
    ids = set(quota_ids)
    if not ids or not _gates:
        return set()
    held: set[int] = set()
    for check in list(_gates):
        held |= set(check(ids)) & ids
    return held


def report(
    given_back: dict[int, int],
    *,
    reason: str,
    now: datetime.datetime,
    holds: Iterable[int] = (),
) -> Freed | None:
    """Tell the listeners which of these quotas have room now (one query, only when someone
    listens). Called by the engine right after it gave places back, in the same
    transaction."""
    if not _listeners or not given_back:
        return None
    from .models import Quota  # the models import the catalogue; keep this module light

    rows = Quota.objects.filter(pk__in=list(given_back)).values_list(
        "pk", "size", "taken", "session_id", "event_id", "date_id", "product_id", "rate_id"
    )
    room: dict[int, int] = {}
    sessions: set[int] = set()
    events: set[int] = set()
    for pk, size, taken, session_id, event_id, date_id, product_id, rate_id in rows:
        if size > taken:
            room[pk] = size - taken
            if session_id is not None:
                sessions.add(session_id)
            elif event_id is not None and date_id is None and product_id is None and not rate_id:
                events.add(event_id)
    if not room:
        return None
    freed = Freed(
        room=room,
        given_back=dict(given_back),
        sessions=frozenset(sessions),
        reason=reason,
        now=now,
        holds=tuple(holds),
        events=frozenset(events),
    )
    for listener in list(_listeners):
        listener(freed)
    return freed
