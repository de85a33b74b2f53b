"""“Update the passes” becomes a kind of `core.jobs` (ADR 0029): each `PassUpdate` row is
copied into `core.Job` (kind `pass_update`, the pass product in its params, the passes
updated and failed in its result), then the model is removed. Tasks queued for an update
(`rideau.passes.updates.run_update`) are pointed at the job runner with the job's id, so the
worker still runs them. Reversed, the jobs of that kind whose pass product still exists are
copied back, their queued tasks with them."""

from django.db import migrations

KIND = "pass_update"
OLD_TASK = "rideau.passes.updates.run_update"
NEW_TASK = "rideau.core.jobs.run_job"


def _retarget(apps, old, new, ids):
    """Point the queued tasks of `old` at `new`, their one argument mapped through `ids`."""
    try:
        result = apps.get_model("django_tasks_database", "DBTaskResult")
    except LookupError:  # the database task backend is not installed
        return
    # only the columns every version of the table has
    for pk, args_kwargs in result.objects.filter(task_path=old).values_list("pk", "args_kwargs"):
        args = (args_kwargs or {}).get("args") or []
        if len(args) == 1 and args[0] in ids:
            result.objects.filter(pk=pk).update(
                task_path=new, args_kwargs={**args_kwargs, "args": [ids[args[0]]]}
            )


def updates_to_jobs(apps, schema_editor):
    PassUpdate = apps.get_model("passes", "PassUpdate")
    Job = apps.get_model("core", "Job")
    ids = {}
    for update in PassUpdate.objects.order_by("pk").iterator():
        job = Job.objects.create(
            organizer_id=update.organizer_id,
            kind=KIND,
            status=update.status,
            params={"pass_product": update.pass_product_id},
            progress=update.progress,
            total=update.total,
            error=update.error,
            result={"updated": update.updated, "failed": update.failed},
            created=update.created,
            finished=update.finished,
        )
        ids[update.pk] = job.pk
    _retarget(apps, OLD_TASK, NEW_TASK, ids)


def jobs_to_updates(apps, schema_editor):
    PassUpdate = apps.get_model("passes", "PassUpdate")
    PassProduct = apps.get_model("passes", "PassProduct")
    Job = apps.get_model("core", "Job")
    products = set(PassProduct.objects.values_list("pk", flat=True))
    ids = {}
    for job in Job.objects.filter(kind=KIND).order_by("pk").iterator():
        product = (job.params or {}).get("pass_product")
        if product not in products:
            continue
        result = job.result or {}
        update = PassUpdate.objects.create(
            organizer_id=job.organizer_id,
            pass_product_id=product,
            status=job.status,
            total=job.total or 0,
            progress=job.progress,
            updated=result.get("updated", 0),
            failed=result.get("failed", 0),
            error=job.error,
            created=job.created,
            finished=job.finished,
        )
        ids[job.pk] = update.pk
    _retarget(apps, NEW_TASK, OLD_TASK, ids)
    Job.objects.filter(kind=KIND).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_job_from_orders"),
        ("passes", "0002_resale_checkout_offered_back"),
        ("django_tasks_database", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(updates_to_jobs, jobs_to_updates),
        migrations.DeleteModel(name="PassUpdate"),
    ]
