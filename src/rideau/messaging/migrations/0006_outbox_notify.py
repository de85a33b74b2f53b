"""PostgreSQL: a committed outbox row wakes the worker through NOTIFY (nothing on SQLite).

A statement-level trigger: one notification per INSERT statement, and PostgreSQL folds the
identical notifications of one transaction into one, delivered at commit and dropped with a
rollback. The writer sends no statement of its own for it (the order path stays lean).
"""

from django.db import migrations

CHANNEL = "rideau_outbox"

CREATE = f"""
CREATE OR REPLACE FUNCTION rideau_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END $$;
CREATE TRIGGER rideau_outbox_notify AFTER INSERT ON messaging_outboxmessage
    FOR EACH STATEMENT EXECUTE FUNCTION rideau_outbox_notify();
"""

DROP = """
DROP TRIGGER IF EXISTS rideau_outbox_notify ON messaging_outboxmessage;
DROP FUNCTION IF EXISTS rideau_outbox_notify();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0005_trackedlink_trackingevent_outboxmessage_bounced_at_and_more")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
