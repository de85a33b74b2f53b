"""Model instances as the JSON rows PostgreSQL's `jsonb_populate_record(set)` reads, and an
INSERT that a unique constraint turns into "nothing" instead of an error (ADR 0020).

The columns come from the same unsaved instance the ORM would save (every concrete field,
Python defaults and `pre_save` applied), so a field added to a model is written here too.
"""

import datetime
import decimal
import json
import uuid

from django.db import connection
from django.db.models import JSONField, Model


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


def row(obj: Model) -> dict:
    """`obj`'s columns as the ORM would insert them; a SQL NULL is left out (a missing key
    is NULL to `jsonb_populate_record`, where a JSON null would be a jsonb `null`)."""
    values = {}
    for f in obj._meta.concrete_fields:
        if f.generated or (f.primary_key and getattr(obj, f.attname) is None):
            continue
        value = f.pre_save(obj, add=True)
        if isinstance(f, JSONField):
            if value is None and f.null:
                continue
            values[f.column] = json.loads(json.dumps(value, cls=f.encoder)) if f.encoder else value
            continue
        value = f.get_db_prep_save(value, connection)
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
