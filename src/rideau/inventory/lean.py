"""The engine's write path on PostgreSQL in one round trip (ADR 0020).

`take()` on PostgreSQL sends one statement: `SELECT rideau_take(%s)` with a JSON document of
everything it writes. The function (inventory migration 0005, PL/pgSQL, its plans cached by
the server once per connection) finds each item's quotas by the scope rule, writes the
holds, their quota links, the audit entries and the caller's rows that refer to the holds
(an order's tickets), and runs the conditional counter UPDATEs last, in quota id order
(DESIGN rule 1) — all inside a block that undoes every one of its writes when a quota is
full. It is not a second engine: it only ever does what the ORM implementation
(`services._take`) does when every quota has room, and answers "full" otherwise, and then
`take()` runs the ORM implementation, which reclaims expired holds, asks the gates and
retries exactly as before. Seats, staff overrides and callers that need a Python callback
before the counters always take the ORM implementation.

The rows are serialised from the same unsaved model instances the ORM implementation
saves (every concrete field, Python defaults included), so a field added to a model is
written by both. `tests/inventory/test_differential.py` runs the engine's state machine
against both implementations and compares every outcome and counter.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Model

from rideau.core.rows import Batch, columns, row

from .queries import event_id_of

FULL = "full"
NO_QUOTA = "no_quota"
CONFLICT = "conflict"


@dataclass(frozen=True)
class Rows:
    """Rows to write with the holds, before the counters change (an order's tickets).

    `objects`: unsaved instances of one model. `holds[i]`: the index in `take()`'s `items`
    of the hold that `objects[i]` refers to through its foreign key `hold_field`, or None.
    Both implementations of the engine write them the same way: the ORM one with one
    `bulk_create`, the lean one in its single statement.
    """

    objects: Sequence[Model]
    hold_field: str = "hold"
    holds: Sequence[int | None] = field(default=())


def enabled() -> bool:
    """Whether `take()` tries the one-round-trip implementation: PostgreSQL only, unless
    `RIDEAU_LEAN_TAKE` is off (the differential test switches it)."""
    return connection.vendor == "postgresql" and getattr(settings, "RIDEAU_LEAN_TAKE", True)


def _group(objects: Sequence[Model], hold_column: str, holds: Sequence[int | None]) -> dict:
    rows = []
    for obj, hold in zip(objects, holds or [None] * len(objects), strict=True):
        values = row(obj)
        if hold is not None:
            values["_hold"] = hold
        rows.append(values)
    model = type(objects[0])
    return {
        "table": model._meta.db_table,
        "columns": columns(model),
        "hold_column": hold_column,
        "rows": rows,
    }


def _item(item) -> dict:
    """A `HoldRequest`'s scope, as `find_quotas` reads it (the product comes from the rate)."""
    product = item.product or (item.rate.product if item.rate is not None else None)
    return {
        "event_id": event_id_of(
            date=item.date, product=item.product, rate=item.rate, session=item.session
        ),
        "date_id": item.date.pk if item.date is not None else None,
        "product_id": product.pk if product is not None else None,
        "rate_id": item.rate.pk if item.rate is not None else None,
        "session_id": item.session.pk if item.session is not None else None,
    }


@dataclass
class Outcome:
    """What the function answered: the new ids, or why it wrote nothing."""

    refused: str | None = None  # FULL, NO_QUOTA or CONFLICT
    item: int | None = None  # the item without a quota (NO_QUOTA)
    quota_id: int | None = None  # the full quota (FULL)
    ids: list[list[int]] = field(default_factory=list)  # per group, in order


def take(
    *,
    organizer_id: int,
    items: Sequence,
    holds: Sequence[Model],
    groups: Sequence[tuple[Sequence[Model], str, Sequence[int | None]]],
    first: Batch | None = None,
) -> Outcome:
    """One round trip: quotas, `first` (the caller's rows that come before the holds, in
    order, each one's sentinel id replaced by its real id in what follows), holds, links,
    `groups` (rows that may refer to the holds: (objects, hold column, hold index per
    object)), then the counters. Sets the new ids on `holds`, on every object of `groups`
    and (`Batch.written_with`) of `first`; writes nothing unless every quota had room and
    every unique row of `first` was free.
    """
    document = {
        "organizer": organizer_id,
        "items": [_item(item) for item in items],
        "holds": _group(holds, "", ()),
        "groups": [_group(objects, column, hold_of) for objects, column, hold_of in groups],
    }
    if first is not None and first.pending:
        document["first"] = first.document()
    with connection.cursor() as cursor:
        cursor.execute("SELECT rideau_take(%s::jsonb)", [json.dumps(document)])
        (answer,) = cursor.fetchone()
    if isinstance(answer, str):
        answer = json.loads(answer)
    if answer.get(FULL) is not None:
        return Outcome(refused=FULL, quota_id=answer[FULL])
    if answer.get(NO_QUOTA) is not None:
        return Outcome(refused=NO_QUOTA, item=answer[NO_QUOTA])
    if answer.get(CONFLICT) is not None:
        return Outcome(refused=CONFLICT)
    if "first" in document:
        assert first is not None
        first.written_with(answer["first"])
    outcome = Outcome(ids=[answer["holds"], *answer["groups"]])
    for objects, ids in zip([holds, *(g[0] for g in groups)], outcome.ids, strict=True):
        for obj, pk in zip(objects, ids, strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
    return outcome
