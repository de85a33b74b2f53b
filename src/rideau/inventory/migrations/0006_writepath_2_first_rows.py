"""PostgreSQL: `rideau_take(jsonb)` also writes the caller's rows that come before the holds
(a contact, an order, its e-mail and domain event: `core.rows.Batch`), in the same single
statement (ADR 0020, amended). Nothing on SQLite.

The document's optional "first" list is written in order before the holds; every row of it
carries a sentinel id (`core.rows.SENTINEL_BASE` + n) that later rows may contain (a foreign
key, a text such as a hold's `order:<id>`, a JSON payload): once a row is written, its
sentinel's digits are replaced by the real id in everything that follows. A refused "unique"
row (a taken order code or idempotency key) undoes every write of the statement, like a full
quota, and answers {"conflict": index}: the caller then writes through the ORM.
"""

from django.db import migrations

WRITE_OP = r"""
CREATE OR REPLACE FUNCTION rideau_write_op(op jsonb) RETURNS bigint[] LANGUAGE plpgsql AS $$
-- Write op.rows into op.table by op.mode (core.rows.Op); the ids in row order, NULL when a
-- "unique" row was refused.
DECLARE
    cols text;
    conds text;
    ids bigint[];
    found bigint;
    mode text := op->>'mode';
BEGIN
    SELECT string_agg(quote_ident(c), ', ') INTO cols
    FROM jsonb_array_elements_text(op->'columns') AS c;
    IF mode = 'insert' THEN
        EXECUTE format(
            'WITH ins AS (INSERT INTO %1$I (%2$s) SELECT %2$s FROM jsonb_populate_recordset('
            'NULL::%1$I, $1) RETURNING id) SELECT array_agg(id ORDER BY id) FROM ins',
            op->>'table', cols) INTO ids USING op->'rows';
        RETURN ids;
    END IF;
    IF mode = 'ignore' THEN
        EXECUTE format(
            'INSERT INTO %1$I (%2$s) SELECT %2$s FROM jsonb_populate_recordset('
            'NULL::%1$I, $1) ON CONFLICT DO NOTHING', op->>'table', cols) USING op->'rows';
        RETURN '{}';
    END IF;
    EXECUTE format(
        'WITH ins AS (INSERT INTO %1$I (%2$s) SELECT %2$s FROM jsonb_populate_recordset('
        'NULL::%1$I, $1) ON CONFLICT DO NOTHING RETURNING id) '
        'SELECT array_agg(id ORDER BY id) FROM ins',
        op->>'table', cols) INTO ids USING op->'rows';
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

TAKE = r"""
CREATE OR REPLACE FUNCTION rideau_take(doc jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
-- Every item's quotas (the scope rule of inventory.queries.find_quotas), then the caller's
-- first rows (with their sentinels replaced as they get ids), the holds, their quota links,
-- the groups of rows (audit entries, an order's tickets) and, last, one conditional counter
-- UPDATE per quota in id order. A full quota or a refused unique row undoes every write of
-- the block and answers {"full": quota id} / {"conflict": op index}; an item without a
-- quota writes nothing and answers {"no_quota": item index}.
DECLARE
    org bigint := (doc->>'organizer')::bigint;
    item jsonb;
    matched bigint[];
    link_items int[] := '{}';
    link_quotas bigint[] := '{}';
    hold_ids bigint[];
    grp jsonb;
    group_ids jsonb := '[]';
    first_ids jsonb := '[]';
    holds jsonb := doc->'holds';
    groups jsonb := doc->'groups';
    op jsonb;
    ids bigint[];
    sentinels text[] := '{}';
    real_ids text[] := '{}';
    qid bigint;
    need int;
    full_quota bigint;
    refused int;
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
        FOR k IN 0 .. coalesce(jsonb_array_length(doc->'first'), 0) - 1 LOOP
            op := doc->'first'->k;
            FOR s IN 1 .. coalesce(cardinality(sentinels), 0) LOOP
                op := replace(op::text, sentinels[s], real_ids[s])::jsonb;
            END LOOP;
            ids := rideau_write_op(op);
            IF ids IS NULL THEN
                refused := k;
                RAISE EXCEPTION 'row % refused', k USING ERRCODE = 'RD002';
            END IF;
            first_ids := first_ids || jsonb_build_array(to_jsonb(ids));
            IF jsonb_array_length(op->'sentinels') > 0 THEN
                sentinels := sentinels || ARRAY(
                    SELECT jsonb_array_elements_text(op->'sentinels'));
                real_ids := real_ids || ids::text[];
            END IF;
        END LOOP;
        IF cardinality(sentinels) > 0 THEN
            holds := doc->'holds';
            groups := doc->'groups';
            FOR s IN 1 .. cardinality(sentinels) LOOP
                holds := replace(holds::text, sentinels[s], real_ids[s])::jsonb;
                groups := replace(groups::text, sentinels[s], real_ids[s])::jsonb;
            END LOOP;
        END IF;
        hold_ids := rideau_insert_rows(holds, NULL);
        INSERT INTO inventory_holdquota (hold_id, quota_id, overbooked)
        SELECT hold_ids[li + 1], lq, false FROM unnest(link_items, link_quotas) AS t(li, lq);
        FOR grp IN SELECT g FROM jsonb_array_elements(groups) WITH ORDINALITY AS x(g, n)
                   ORDER BY n LOOP
            group_ids := group_ids || jsonb_build_array(to_jsonb(rideau_insert_rows(grp, hold_ids)));
        END LOOP;
        FOR qid, need IN
            SELECT lq, sum((holds->'rows'->li->>'quantity')::int)
            FROM unnest(link_items, link_quotas) AS t(li, lq) GROUP BY lq ORDER BY lq
        LOOP
            UPDATE inventory_quota SET taken = taken + need WHERE id = qid AND taken <= size - need;
            IF NOT FOUND THEN
                full_quota := qid;
                RAISE EXCEPTION 'quota % is full', qid USING ERRCODE = 'RD001';
            END IF;
        END LOOP;
    EXCEPTION
        WHEN SQLSTATE 'RD001' THEN
            RETURN jsonb_build_object('full', full_quota);
        WHEN SQLSTATE 'RD002' THEN
            RETURN jsonb_build_object('conflict', refused);
    END;
    RETURN jsonb_build_object(
        'holds', to_jsonb(hold_ids), 'groups', group_ids, 'first', first_ids);
END $$;
"""

DROP = "DROP FUNCTION IF EXISTS rideau_write_op(jsonb);"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no parameters: "%" is literal
            cursor.execute(WRITE_OP)
            cursor.execute(TAKE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        previous = import_module("rideau.inventory.migrations.0005_lean_take")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(previous.TAKE)
            cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0005_lean_take")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
