"""The background job model now lives in `core` (`core.0007_job_from_orders`): remove it from
the orders' migration state only; its table and rows stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_documents_attachment_paths"),
        ("core", "0007_job_from_orders"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Job")],
            database_operations=[],
        ),
    ]
