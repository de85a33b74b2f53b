"""Model instances as the JSON rows PostgreSQL's `jsonb_populate_record(set)` reads, and an
INSERT that a unique constraint turns into "nothing" instead of an error (ADR 0020).

The columns come from the same unsaved instance the ORM would save (every concrete field,
Python defaults and `pre_save` applied), so a field added to a model is written here too.
"""

import datetime
import decimal
import functools
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import (
    AutoField,
    BigAutoField,
    BigIntegerField,
    BinaryField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    EmailField,
    Field,
    ForeignKey,
    IntegerField,
    JSONField,
    Model,
    OneToOneField,
    PositiveBigIntegerField,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SlugField,
    SmallAutoField,
    SmallIntegerField,
    TextField,
    UUIDField,
)


def _json_value(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def _aware_iso(value: datetime.datetime) -> str | None:
    # a naive value takes Django's path (a warning, the default zone)
    return value.isoformat() if value.tzinfo is not None else None


# Fields whose value of the given exact type is saved as it is, or as the function makes
# it (their `pre_save` reads the attribute; on PostgreSQL their `get_db_prep_save` returns
# such a value unchanged, and `_json_value` would give that text): `row()` skips Django's
# conversion calls for them, the bulk of an order's columns.
_AS_IS: dict[type[Field], tuple[type, Callable[[Any], Any] | None]] = {
    **dict.fromkeys((CharField, TextField, SlugField, EmailField), (str, None)),
    **dict.fromkeys(
        (
            IntegerField,
            SmallIntegerField,
            BigIntegerField,
            PositiveIntegerField,
            PositiveSmallIntegerField,
            PositiveBigIntegerField,
            ForeignKey,
            OneToOneField,
        ),
        (int, None),
    ),
    BooleanField: (bool, None),
    DecimalField: (decimal.Decimal, str),
    UUIDField: (uuid.UUID, str),
    DateField: (datetime.date, datetime.date.isoformat),
    DateTimeField: (datetime.datetime, _aware_iso),
}

_Plan = list[tuple[Field, type | None, Callable[[Any], Any] | None]]


@functools.cache
def _plan(model: type[Model]) -> _Plan:
    """`model`'s written fields, each with the type its value is saved as it is, if any,
    and the function that makes that value its JSON."""
    plan: _Plan = []
    for f in model._meta.concrete_fields:
        if f.generated:
            continue
        fast = _AS_IS.get(type(f))
        if isinstance(f, ForeignKey) and not _int_target(f):
            fast = None
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            fast = None  # `pre_save` stamps the time
        plan.append((f, *fast) if fast else (f, None, None))
    return plan


def _int_target(f: ForeignKey) -> bool:
    return type(f.target_field) in (AutoField, BigAutoField, SmallAutoField)


def row(obj: Model) -> dict:
    """`obj`'s columns as the ORM would insert them; a SQL NULL is left out (a missing key
    is NULL to `jsonb_populate_record`, where a JSON null would be a jsonb `null`)."""
    values = {}
    state = obj.__dict__
    db = connections[DEFAULT_DB_ALIAS]  # once: the `connection` proxy costs a lookup a use
    for f, as_is, convert in _plan(type(obj)):
        if as_is is not None:
            value = state.get(f.attname)
            if type(value) is as_is:  # exactly: a bool is not an int here
                if convert is None:
                    values[f.column] = value
                    continue
                converted = convert(value)
                if converted is not None:
                    values[f.column] = converted
                    continue
            elif value is None and not f.primary_key and f.attname in state:
                continue
        if f.primary_key and getattr(obj, f.attname) is None:
            continue
        value = f.pre_save(obj, add=True)
        if isinstance(f, JSONField):
            if value is None and f.null:
                continue
            values[f.column] = json.loads(json.dumps(value, cls=f.encoder)) if f.encoder else value
            continue
        if not isinstance(f, BinaryField):  # psycopg would wrap bytes: kept as they are
            value = f.get_db_prep_save(value, db)
        if value is None:
            continue
        values[f.column] = _json_value(value)
    return values


def columns(model: type[Model]) -> list[str]:
    """The columns an insert of `model` names (all but an automatic primary key)."""
    return [
        f.column
        for f in model._meta.concrete_fields
        if not f.primary_key and f.column and not f.generated  # the database computes those
    ]


def insert_unless_taken(obj: Model) -> bool:
    """INSERT `obj` in one statement, or nothing when a unique constraint already holds its
    values (`ON CONFLICT DO NOTHING`): no error, so no savepoint is needed around it.
    True and `obj` saved (its pk set), or False. PostgreSQL only."""
    model = type(obj)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns(model))
    assert model._meta.pk is not None and model._meta.pk.column
    pk = quote(model._meta.pk.column)
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {names} "  # noqa: S608 (quoted model identifiers)
        f"FROM jsonb_populate_record(NULL::{table}, %s::jsonb) ON CONFLICT DO NOTHING "
        f"RETURNING {pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(row(obj))])
        found = cursor.fetchone()
    if found is None:
        return False
    obj.pk = found[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return True


# --- rows written later, in one statement with the engine's (ADR 0020) ----------------------

# A deferred row's id before it exists: an int of 19 digits that no real id reaches, so code
# that builds other rows from the object (`str(order.pk)`, `f"order:{order.pk}"`, an event's
# payload) works unchanged; the database function puts the real id in place of its digits.
SENTINEL_BASE = 7_300_000_000_000_000_000
_SENTINEL_DIGITS = re.compile(r"7300000000000000\d{3}")
MAX_DEFERRED = 999


@dataclass
class Op:
    """Rows of one model written together: `mode` "insert"; "unique" (a unique constraint
    already holding a row's values refuses the whole statement: the ORM writer then decides,
    e.g. a new order code); "upsert" (one row; a unique constraint holding its values gives
    the existing row's id, found by `find`: the columns to compare, "lower:<column>" compared
    case-insensitively); "ignore" (rows a unique constraint holds are skipped, no ids)."""

    objects: list[Model]
    mode: str
    orm: Callable[[list[Any]], None]
    find: tuple[str, ...] = ()


def _save_all(objects: list[Model]) -> None:
    type(objects[0])._default_manager.bulk_create(objects)


@dataclass
class Batch:
    """Rows a write path hands to the capacity engine to be written, in the order they were
    added, in the engine's single statement (`defer`: PostgreSQL's lean path) — or at once,
    through the ORM (`defer` False: SQLite, or a path that does not take places).

    A deferred object gets a sentinel id (`SENTINEL_BASE` + n), so later rows can refer to it
    (foreign keys, texts, JSON); the engine's statement replaces the sentinels with the real
    ids and `resolve` does the same in Python afterwards. If the engine's statement writes
    nothing (a full quota, a taken unique value), `replay` writes the rows through their ORM
    writers in order, exactly as the undeferred batch would have."""

    defer: bool
    ops: list[Op] = field(default_factory=list)
    ids: dict[int, int] = field(default_factory=dict)  # sentinel → real id, once written
    written: bool = False
    count: int = 0

    def add(
        self,
        *objects: Model,
        mode: str = "insert",
        orm: Callable[[list[Any]], None] | None = None,
        find: tuple[str, ...] = (),
    ) -> None:
        if not objects:
            return
        writer = orm or _save_all
        if not self.defer:
            writer(list(objects))
            return
        if mode != "ignore":
            for obj in objects:
                self.count += 1
                if self.count > MAX_DEFERRED:
                    raise ValueError("too many deferred rows")
                obj.pk = SENTINEL_BASE + self.count
        self.ops.append(Op(list(objects), mode, writer, find))

    @property
    def pending(self) -> bool:
        return self.defer and not self.written and bool(self.ops)

    def document(self) -> list[dict]:
        """The ops as the engine's statement reads them."""
        found = []
        for op in self.ops:
            model = type(op.objects[0])
            ignore = op.mode == "ignore"
            found.append(
                {
                    "table": model._meta.db_table,
                    "columns": columns(model),
                    "mode": op.mode,
                    "find": list(op.find),
                    "rows": [row(obj) for obj in op.objects],  # pk: not a column
                    "sentinels": [] if ignore else [str(obj.pk) for obj in op.objects],
                }
            )
        return found

    def written_with(self, ids: list[list[int]]) -> None:
        """The engine's statement wrote the ops: `ids[k]`, the new ids of op k's rows."""
        for op, new in zip(self.ops, ids, strict=True):
            if op.mode == "ignore":
                continue
            for obj, pk in zip(op.objects, new, strict=True):
                self.ids[obj.pk] = pk
        for op in self.ops:
            for obj in op.objects:
                resolve_object(obj, self.ids)
                obj._state.adding = False
                obj._state.db = connection.alias
        self.written = True

    def replay(self) -> None:
        """Write the ops through their ORM writers, in order (the engine's statement wrote
        nothing), turning every sentinel into the id written before it."""
        for op in self.ops:
            sentinels = [obj.pk for obj in op.objects]
            for obj in op.objects:
                resolve_object(obj, self.ids)
                if op.mode != "ignore":
                    obj.pk = None
                    obj._state.adding = True
            op.orm(op.objects)
            if op.mode != "ignore":
                for sentinel, obj in zip(sentinels, op.objects, strict=True):
                    self.ids[sentinel] = obj.pk
        self.written = True

    def resolve(self, value):
        """`value` with the real ids in place of the sentinels written so far."""
        return resolve_value(value, self.ids) if self.ids else value


def resolve_value(value, ids: dict[int, int]):
    if type(value) is int:
        return ids.get(value, value)
    if isinstance(value, str):
        if "7300000000000000" not in value:
            return value
        return _SENTINEL_DIGITS.sub(lambda m: str(ids.get(int(m.group()), m.group())), value)
    if isinstance(value, dict):
        return {k: resolve_value(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_value(v, ids) for v in value]
    return value


@functools.cache
def _attnames(model: type[Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


def resolve_object(obj: Model, ids: dict[int, int]) -> None:
    """Put the real ids in place of sentinels in `obj`'s column values."""
    state = obj.__dict__
    for attname in _attnames(type(obj)):
        value = state.get(attname)
        kind = type(value)
        if kind is int:
            if value in ids:
                state[attname] = ids[value]
        elif isinstance(value, str):
            if "7300000000000000" in value:
                state[attname] = resolve_value(value, ids)
        elif isinstance(value, dict | list):
            new = resolve_value(value, ids)
            if new != value:
                state[attname] = new
