"""PostgreSQL: every write to an event's products, rates, rates' audience types, questions
and dates bumps `events_event.catalog_version` in the same transaction (ADR 0020, third
step). The shop API keeps the catalogue it reads for an order per event and version, so the
version must change with anything that catalogue holds, whoever writes it (a service, a
queryset `update()`, a raw statement, the admin); triggers see every one. Nothing on SQLite
(the shop API reads the catalogue there for every order)."""

from django.db import migrations

BUMP = r"""
CREATE OR REPLACE FUNCTION rideau_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
-- The events whose catalogue the changed row belongs to (before and after the change).
DECLARE
    events bigint[];
BEGIN
    IF TG_TABLE_NAME = 'events_eventdate' OR TG_TABLE_NAME = 'catalog_product' THEN
        events := ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN OLD.event_id END,
                        CASE WHEN TG_OP <> 'DELETE' THEN NEW.event_id END];
    ELSIF TG_TABLE_NAME = 'catalog_rate' OR TG_TABLE_NAME = 'catalog_question' THEN
        SELECT array_agg(p.event_id) INTO events FROM catalog_product p
        WHERE p.id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.product_id END,
                       CASE WHEN TG_OP <> 'DELETE' THEN NEW.product_id END);
    ELSE  -- catalog_rate_audience_types
        SELECT array_agg(p.event_id) INTO events FROM catalog_rate r
        JOIN catalog_product p ON p.id = r.product_id
        WHERE r.id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.rate_id END,
                       CASE WHEN TG_OP <> 'DELETE' THEN NEW.rate_id END);
    END IF;
    UPDATE events_event SET catalog_version = catalog_version + 1
    WHERE id = ANY(events);
    RETURN NULL;
END $$;
"""
# An event saved by the ORM writes the version it read: it never goes back (a catalogue kept
# for an older version would be taken for the current one).
KEEP = r"""
CREATE OR REPLACE FUNCTION rideau_catalog_version_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.catalog_version := greatest(NEW.catalog_version, OLD.catalog_version);
    RETURN NEW;
END $$;
"""
TABLES = [
    "events_eventdate",
    "catalog_product",
    "catalog_rate",
    "catalog_question",
    "catalog_rate_audience_types",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:  # no parameters: "%" is literal
        cursor.execute(BUMP)
        cursor.execute(KEEP)
        cursor.execute(
            "CREATE TRIGGER rideau_catalog_version_kept BEFORE UPDATE ON events_event "
            "FOR EACH ROW EXECUTE FUNCTION rideau_catalog_version_kept()"
        )
        for table in TABLES:
            cursor.execute(
                f"CREATE TRIGGER rideau_catalog_changed AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION rideau_catalog_changed()"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DROP TRIGGER IF EXISTS rideau_catalog_changed ON {table}")
        cursor.execute("DROP TRIGGER IF EXISTS rideau_catalog_version_kept ON events_event")
        cursor.execute("DROP FUNCTION IF EXISTS rideau_catalog_changed()")
        cursor.execute("DROP FUNCTION IF EXISTS rideau_catalog_version_kept()")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_audience_types"),
        ("events", "0007_writepath_3_catalog_version"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
