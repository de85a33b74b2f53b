"""PostgreSQL: the engine's write path in one round trip, `rideau_take(jsonb)` (ADR 0020).

Called by `rideau.inventory.lean.take` (the engine's implementation on PostgreSQL; the ORM
implementation in `services._take` is the other, and the differential test keeps them
equal). Nothing on SQLite. Re-created by later migrations with `CREATE OR REPLACE` when the
engine's rules change.
"""

from django.db import migrations

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
BEGIN
    SELECT string_agg(quote_ident(c), ', ') INTO cols
    FROM jsonb_array_elements_text(grp->'columns') AS c;
    IF hold_column <> '' THEN
        SELECT jsonb_agg(
            CASE WHEN r ? '_hold'
                THEN (r - '_hold') || jsonb_build_object(
                    hold_column, hold_ids[(r->>'_hold')::int + 1])
                ELSE r END
            ORDER BY n)
        INTO rows FROM jsonb_array_elements(rows) WITH ORDINALITY AS t(r, n);
    END IF;
    EXECUTE format(
        'WITH ins AS (INSERT INTO %1$I (%2$s) SELECT %2$s FROM jsonb_populate_recordset('
        'NULL::%1$I, $1) RETURNING id) SELECT array_agg(id ORDER BY id) FROM ins',
        grp->>'table', cols
    ) INTO ids USING rows;
    RETURN ids;
END $$;
"""

TAKE = r"""
CREATE OR REPLACE FUNCTION rideau_take(doc jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
-- Every item's quotas (the scope rule of inventory.queries.find_quotas), then the holds,
-- their quota links, the groups of rows (audit entries, an order's tickets) and, last,
-- one conditional counter UPDATE per quota in id order. A full quota undoes every write
-- of the block and answers {"full": quota id}; an item without a quota writes nothing
-- and answers {"no_quota": item index}.
DECLARE
    org bigint := (doc->>'organizer')::bigint;
    item jsonb;
    matched bigint[];
    link_items int[] := '{}';
    link_quotas bigint[] := '{}';
    hold_ids bigint[];
    grp jsonb;
    group_ids jsonb := '[]';
    qid bigint;
    need int;
    full_quota bigint;
BEGIN
    FOR i IN 0 .. jsonb_array_length(doc->'items') - 1 LOOP
        item := doc->'items'->i;
        SELECT coalesce(array_agg(q.id ORDER BY q.id), '{}') INTO matched
        FROM inventory_quota q
        WHERE q.organizer_id = org
          AND (q.event_id IS NULL OR q.event_id = (item->>'event_id')::bigint)
          AND (q.date_id IS NULL OR q.date_id = (item->>'date_id')::bigint)
          AND (q.product_id IS NULL OR q.product_id = (item->>'product_id')::bigint)
          AND (q.rate_id IS NULL OR q.rate_id = (item->>'rate_id')::bigint)
          AND CASE WHEN item->>'session_id' IS NULL THEN q.session_id IS NULL
                   ELSE q.session_id = (item->>'session_id')::bigint
                        OR (q.session_id IS NULL AND q.covers_sessions) END;
        IF cardinality(matched) = 0 THEN
            RETURN jsonb_build_object('no_quota', i);
        END IF;
        link_items := link_items || array_fill(i, ARRAY[cardinality(matched)]);
        link_quotas := link_quotas || matched;
    END LOOP;
    BEGIN
        hold_ids := rideau_insert_rows(doc->'holds', NULL);
        INSERT INTO inventory_holdquota (hold_id, quota_id, overbooked)
        SELECT hold_ids[li + 1], lq, false FROM unnest(link_items, link_quotas) AS t(li, lq);
        FOR grp IN SELECT g FROM jsonb_array_elements(doc->'groups') WITH ORDINALITY AS x(g, n)
                   ORDER BY n LOOP
            group_ids := group_ids || jsonb_build_array(to_jsonb(rideau_insert_rows(grp, hold_ids)));
        END LOOP;
        FOR qid, need IN
            SELECT lq, sum((doc->'holds'->'rows'->li->>'quantity')::int)
            FROM unnest(link_items, link_quotas) AS t(li, lq) GROUP BY lq ORDER BY lq
        LOOP
            UPDATE inventory_quota SET taken = taken + need WHERE id = qid AND taken <= size - need;
            IF NOT FOUND THEN
                full_quota := qid;
                RAISE EXCEPTION 'quota % is full', qid USING ERRCODE = 'RD001';
            END IF;
        END LOOP;
    EXCEPTION WHEN SQLSTATE 'RD001' THEN
        RETURN jsonb_build_object('full', full_quota);
    END;
    RETURN jsonb_build_object('holds', to_jsonb(hold_ids), 'groups', group_ids);
END $$;
"""

DROP = """
DROP FUNCTION IF EXISTS rideau_take(jsonb);
DROP FUNCTION IF EXISTS rideau_insert_rows(jsonb, bigint[]);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no parameters: "%" is literal
            cursor.execute(INSERT_ROWS)
            cursor.execute(TAKE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0004_hold_kind")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
