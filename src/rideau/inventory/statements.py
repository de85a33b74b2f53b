"""The static INSERTs of `rideau_insert_known` (inventory migration 0008, ADR 0020 fourth
step), re-created after every `migrate` from the models as the migrations left them.

PL/pgSQL prepares a static statement's plan once per connection, where `EXECUTE` of a
statement built as text parses and plans it on every call: for the rows an order writes
in the engine's single statement (contact, order, e-mail, domain event, holds, audit
entries, tickets) that planning was most of the database's work. Each table gets its three
INSERTs (`insert`, `ignore`, and `unique`/`upsert`: ON CONFLICT DO NOTHING RETURNING id),
each guarded by the column list it was made with: a caller sending other columns (code
newer than the schema) gets `known = false` and the dynamic statement runs instead (the
lists are compared as sets: the INSERT names its columns, their order does not matter).
"""

import hashlib
import json

from django.apps import apps as global_apps
from django.db import connections
from django.db.models import AutoField, BigAutoField, Model, SmallAutoField

from rideau.core.rows import columns

_installed: set[tuple[str, str]] = set()  # (database, digest) made by this process


def _written(model: type[Model]) -> bool:
    meta = model._meta
    return (
        meta.managed
        and not meta.proxy
        and meta.pk is not None
        and meta.pk.column == "id"
        and isinstance(meta.pk, AutoField | BigAutoField | SmallAutoField)
    )


def _branch(model: type[Model], quote) -> str:
    table = quote(model._meta.db_table)
    names = columns(model)
    cols = ", ".join(quote(c) for c in names)
    expected = json.dumps(names).replace("'", "''")
    source = f"jsonb_populate_recordset(NULL::{table}, rows)"
    insert = f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {source}"  # noqa: S608 (identifiers)
    return f"""
    WHEN {_literal(model._meta.db_table)} THEN
        IF NOT (cols @> '{expected}' AND cols <@ '{expected}') THEN
            RETURN;
        END IF;
        known := true;
        IF mode = 'insert' THEN
            WITH ins AS ({insert} RETURNING id)
            SELECT array_agg(id ORDER BY id) INTO ids FROM ins;
        ELSIF mode = 'ignore' THEN
            {insert} ON CONFLICT DO NOTHING;
            ids := '{{}}';
        ELSE
            WITH ins AS ({insert} ON CONFLICT DO NOTHING RETURNING id)
            SELECT array_agg(id ORDER BY id) INTO ids FROM ins;
        END IF;"""  # noqa: S608 (quoted model identifiers, no input)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def function_sql(models, using: str = "default") -> str:
    """`rideau_insert_known` with a branch per table of `models` that the ORM writes with an
    automatic `id` (the column lists from `core.rows.columns`, as `lean.take` sends them),
    for the database `using`."""
    quote = connections[using].ops.quote_name
    branches = "".join(_branch(m, quote) for m in sorted(models, key=lambda m: m._meta.db_table))
    return f"""
CREATE OR REPLACE FUNCTION rideau_insert_known(
    tbl text, cols jsonb, rows jsonb, mode text, OUT known boolean, OUT ids bigint[])
LANGUAGE plpgsql AS $fn$
BEGIN
    known := false;
    CASE tbl{branches}
    ELSE
        RETURN;
    END CASE;
END $fn$;
"""


def install(sender, *, using: str = "default", apps=global_apps, **kwargs) -> None:
    """post_migrate: (re)create `rideau_insert_known` for the schema the migrations left
    (their `apps`), once per database and schema in this process; PostgreSQL only."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    try:
        apps.get_model("inventory", "Hold")
    except LookupError:  # inventory not migrated (yet): migration 0008 has not run
        return
    sql = function_sql([m for m in apps.get_models() if _written(m)], using)
    key = (connection.settings_dict["NAME"], hashlib.sha256(sql.encode()).hexdigest())
    if key in _installed:
        return
    with connection.cursor() as cursor:
        cursor.execute(sql)
    _installed.add(key)
