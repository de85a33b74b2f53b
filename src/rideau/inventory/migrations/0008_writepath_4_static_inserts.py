"""PostgreSQL: the rows of `rideau_take` are inserted by statements whose plans the server
keeps (ADR 0020, fourth step). Nothing on SQLite.

`rideau_write_op` and `rideau_insert_rows` built each INSERT as text and ran it with
`EXECUTE`, which parses and plans it on every call (about two thirds of an insert's cost).
They now first ask `rideau_insert_known(table, columns, rows, mode)`, a PL/pgSQL function
with one static INSERT per table and mode, whose plans PL/pgSQL prepares once per
connection. This migration creates it knowing no table; `rideau.inventory.statements`
re-creates it after every `migrate` (post_migrate) from the models as they are then, so
its column lists always match the schema. A table it does not know, or columns that differ
from the ones it was made with, answer `known = false`, and the dynamic statement runs as
before: the outcome is the same either way.
"""

from django.db import migrations

KNOWN_NONE = r"""
CREATE OR REPLACE FUNCTION rideau_insert_known(
    tbl text, cols jsonb, rows jsonb, mode text, OUT known boolean, OUT ids bigint[])
LANGUAGE plpgsql AS $$
BEGIN
    known := false;
END $$;
"""

INSERT_ROWS = r"""
CREATE OR REPLACE FUNCTION rideau_insert_rows(grp jsonb, hold_ids bigint[])
RETURNS bigint[] LANGUAGE plpgsql AS $$
-- Insert grp.rows (column → value objects, NULLs left out) into grp.table, the row key
-- "_hold" (an index into hold_ids) becoming grp.hold_column; the new ids, in row order.
DECLARE
    cols text;
    hold_column text := grp->>'hold_column';
    rows jsonb := grp->'rows';
    ids bigint[];
    known boolean;
BEGIN
    IF hold_column <> '' THEN
        SELECT jsonb_agg(
            CASE WHEN r ? '_hold'
                THEN (r - '_hold') || jsonb_build_object(
                    hold_column, hold_ids[(r->>'_hold')::int + 1])
                ELSE r END
            ORDER BY n)
        INTO rows FROM jsonb_array_elements(rows) WITH ORDINALITY AS t(r, n);
    END IF;
    SELECT k.known, k.ids INTO known, ids
    FROM rideau_insert_known(grp->>'table', grp->'columns', rows, 'insert') AS k;
    IF known THEN
        RETURN ids;
    END IF;
    SELECT string_agg(quote_ident(c), ', ') INTO cols
    FROM jsonb_array_elements_text(grp->'columns') AS c;
    EXECUTE format(
        'WITH ins AS (INSERT INTO %1$I (%2$s) SELECT %2$s FROM jsonb_populate_recordset('
        'NULL::%1$I, $1) RETURNING id) SELECT array_agg(id ORDER BY id) FROM ins',
        grp->>'table', cols
    ) INTO ids USING rows;
    RETURN ids;
END $$;
"""

WRITE_OP = r"""
CREATE OR REPLACE FUNCTION rideau_write_op(op jsonb) RETURNS bigint[] LANGUAGE plpgsql AS $$
-- Write op.rows into op.table by op.mode (core.rows.Op); the ids in row order, NULL when a
-- "unique" row was refused.
DECLARE
    cols text;
    conds text;
    ids bigint[];
    found bigint;
    known boolean;
    mode text := op->>'mode';
BEGIN
    SELECT k.known, k.ids INTO known, ids
    FROM rideau_insert_known(op->>'table', op->'columns', op->'rows', mode) AS k;
    IF NOT known THEN
        SELECT string_agg(quote_ident(c), ', ') INTO cols
        FROM jsonb_array_elements_text(op->'columns') AS c;
        IF mode = 'insert' THEN
            EXECUTE format(
                'WITH ins AS (INSERT INTO %1$I (%2$s) SELECT %2$s FROM jsonb_populate_recordset('
                'NULL::%1$I, $1) RETURNING id) SELECT array_agg(id ORDER BY id) FROM ins',
                op->>'table', cols) INTO ids USING op->'rows';
        ELSIF mode = 'ignore' THEN
            EXECUTE format(
                'INSERT INTO %1$I (%2$s) SELECT %2$s FROM jsonb_populate_recordset('
                'NULL::%1$I, $1) ON CONFLICT DO NOTHING', op->>'table', cols) USING op->'rows';
            ids := '{}';
        ELSE
            EXECUTE format(
                'WITH ins AS (INSERT INTO %1$I (%2$s) SELECT %2$s FROM jsonb_populate_recordset('
                'NULL::%1$I, $1) ON CONFLICT DO NOTHING RETURNING id) '
                'SELECT array_agg(id ORDER BY id) FROM ins',
                op->>'table', cols) INTO ids USING op->'rows';
        END IF;
    END IF;
    IF mode IN ('insert', 'ignore') THEN
        RETURN ids;
    END IF;
    IF coalesce(cardinality(ids), 0) = jsonb_array_length(op->'rows') THEN
        RETURN ids;
    END IF;
    IF mode <> 'upsert' THEN
        RETURN NULL;  -- 'unique': refused
    END IF;
    -- one row, held by a unique constraint: the existing row (a statement of its own, so
    -- its snapshot sees a row a concurrent transaction committed while the insert waited)
    SELECT string_agg(CASE WHEN c LIKE 'lower:%'
            THEN format('lower(t.%1$I) = lower(r.%1$I)', substr(c, 7))
            ELSE format('t.%1$I = r.%1$I', c) END, ' AND ') INTO conds
    FROM jsonb_array_elements_text(op->'find') AS c;
    EXECUTE format(
        'SELECT t.id FROM %1$I t, jsonb_populate_record(NULL::%1$I, $1) r WHERE %2$s',
        op->>'table', conds) INTO found USING op->'rows'->0;
    RETURN ARRAY[found];
END $$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no parameters: "%" is literal
            cursor.execute(KNOWN_NONE)
            cursor.execute(INSERT_ROWS)
            cursor.execute(WRITE_OP)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        lean = import_module("rideau.inventory.migrations.0005_lean_take")
        first_rows = import_module("rideau.inventory.migrations.0006_writepath_2_first_rows")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(lean.INSERT_ROWS)
            cursor.execute(first_rows.WRITE_OP)
            cursor.execute("DROP FUNCTION IF EXISTS rideau_insert_known(text, jsonb, jsonb, text)")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0007_resale_claims")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
