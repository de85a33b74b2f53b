"""The background job model moves from `orders` to `core` (`rideau.core.jobs`) without moving
its rows: only the migration state changes here (the table keeps its name, `orders_job`, and
its columns, keys and indexes); `orders.0009_job_to_core` removes the model from the orders'
state. `kind` has no fixed choices any more: the areas register their kinds.

Tasks queued before the move name the old task (`rideau.orders.jobs.run_job`): they are
pointed at the new one so the worker still finds them."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

OLD_TASK = "rideau.orders.jobs.run_job"
NEW_TASK = "rideau.core.jobs.run_job"


def _retarget(apps, old, new):
    try:
        result = apps.get_model("django_tasks_database", "DBTaskResult")
    except LookupError:  # the database task backend is not installed
        return
    result.objects.filter(task_path=old).update(task_path=new)


def forwards(apps, schema_editor):
    _retarget(apps, OLD_TASK, NEW_TASK)


def backwards(apps, schema_editor):
    _retarget(apps, NEW_TASK, OLD_TASK)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_organizer_is_demo"),
        ("events", "0006_resale_checkout_offered_back"),
        ("orders", "0008_documents_attachment_paths"),  # the table exists (orders.0003)
        ("django_tasks_database", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Job",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(max_length=20, verbose_name="kind")),
                        ("status", models.CharField(choices=[("queued", "Waiting"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")], default="queued", max_length=10, verbose_name="status")),
                        ("params", models.JSONField(blank=True, default=dict)),
                        ("progress", models.PositiveIntegerField(default=0)),
                        ("total", models.PositiveIntegerField(blank=True, null=True)),
                        ("file", models.FileField(blank=True, max_length=300, upload_to="exports/")),
                        ("error", models.CharField(blank=True, max_length=500)),
                        ("result", models.JSONField(blank=True, default=dict)),
                        ("created", models.DateTimeField(default=django.utils.timezone.now)),
                        ("finished", models.DateTimeField(blank=True, null=True)),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("event", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="jobs", to="events.event")),
                        ("organizer", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="jobs", to="core.organizer")),
                    ],
                    options={
                        "verbose_name": "background job",
                        "db_table": "orders_job",
                        "ordering": ["-created", "-id"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
