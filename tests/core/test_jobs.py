"""The background job facility (`rideau.core.jobs`): kinds registered by the areas, one
runner, progress and failure; and the job model's move from `orders` (ADR 0027)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from rideau.core import jobs
from rideau.core.access import Actor
from rideau.core.models import AuditLogEntry, Job
from rideau.orders import jobs as order_jobs
from tests.factories import OrganizerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kind():
    """A kind registered for the test only: counts three items, or fails on the second."""

    def run(job: Job) -> None:
        report = jobs.progress(job)
        for done in range(1, 4):
            if job.params.get("fail") and done == 2:
                raise RuntimeError("the second item broke")
            report(done, 3)
        jobs.finish(job, result={"counted": 3})

    registered = jobs.JobKind("test_count", "Counting", run)
    jobs.register(registered)
    yield registered
    jobs._KINDS.pop(registered.key)


def test_every_orders_kind_is_registered_by_the_app():
    keys = {kind.key for kind in jobs.registered()}
    assert {
        order_jobs.EXPORT_CSV,
        order_jobs.EXPORT_XLSX,
        order_jobs.EMAIL_BUYERS,
        order_jobs.BULK_ORDERS,
    } <= keys
    assert jobs.kind_of(order_jobs.EXPORT_CSV).content_type.startswith("text/csv")


def test_a_registered_kind_runs_with_progress_and_is_audited(
    kind, django_capture_on_commit_callbacks
):
    organizer, user = OrganizerFactory(), UserFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        job = jobs.start(organizer=organizer, actor=Actor(user=user), kind=kind.key, params={})
    assert len(callbacks) == 1  # the task is queued once the transaction commits
    assert AuditLogEntry.objects.filter(action="job.test_count").count() == 1
    assert job.kind_label == "Counting" and str(job) == f"Counting #{job.pk}"

    assert jobs.run_job.call(job.pk) == Job.Status.DONE
    job.refresh_from_db()
    assert (job.status, job.progress, job.total, job.result) == ("done", 3, 3, {"counted": 3})
    assert job.finished is not None
    assert jobs.run_job.call(job.pk) == Job.Status.DONE  # a done job is not run again


def test_a_failing_run_marks_the_job_failed_with_its_progress(kind):
    job = jobs.start(
        organizer=OrganizerFactory(), actor=Actor(user=None), kind=kind.key, params={"fail": 1}
    )
    with pytest.raises(RuntimeError):
        jobs.run_job.call(job.pk)
    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == ("failed", 1, "the second item broke")


def test_unknown_and_clashing_kinds_are_refused(kind):
    with pytest.raises(ValueError, match="unknown job kind"):
        jobs.start(organizer=OrganizerFactory(), actor=Actor(user=None), kind="nope", params={})
    jobs.register(kind)  # the same kind again: a no-op
    with pytest.raises(ValueError, match="already registered"):
        jobs.register(jobs.JobKind(kind.key, "Another", lambda job: None))


def test_a_job_whose_kind_is_no_longer_registered_fails_and_shows_its_key():
    job = Job.objects.create(organizer=OrganizerFactory(), kind="gone_kind")
    assert job.kind_label == "gone_kind"
    with pytest.raises(LookupError):
        jobs.run_job.call(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_the_table_and_rows_and_goes_back_and_forth():
    """From the state before the move (orders.Job), forwards, backwards and forwards again:
    the rows stay in `orders_job` and queued tasks and e-mail attachments follow the code."""
    from django_tasks_db.models import DBTaskResult

    before = [("core", "0006_organizer_is_demo"), ("orders", "0007_position_signed_secret")]
    after = [("core", "0007_job_from_orders"), ("orders", "0009_job_to_core")]
    organizer = OrganizerFactory()
    job = Job.objects.create(organizer=organizer, kind=order_jobs.EXPORT_CSV)
    executor = MigrationExecutor(connection)
    old = executor.migrate(before).apps
    assert old.get_model("orders", "Job").objects.get().pk == job.pk  # the same table
    queued = jobs.run_job.enqueue(job.pk)  # queued before the upgrade, by the old name:
    DBTaskResult.objects.filter(pk=queued.id).update(task_path="rideau.orders.jobs.run_job")
    task_row = DBTaskResult.objects.get(pk=queued.id)
    message = old.get_model("messaging", "OutboxMessage").objects.create(
        organizer_id=organizer.pk, to=["a@example.org"], subject="s", body_text="b"
    )
    attachment = old.get_model("messaging", "OutboxAttachment").objects.create(
        message=message,
        filename="t.pdf",
        mimetype="application/pdf",
        renderer="rideau.orders.tickets.tickets_attachment",
        params={"order_id": 1},
    )

    executor = MigrationExecutor(connection)
    new = executor.migrate(after).apps
    task_row.refresh_from_db()
    assert task_row.task_path == "rideau.core.jobs.run_job"
    assert new.get_model("messaging", "OutboxAttachment").objects.get(
        pk=attachment.pk
    ).renderer == ("rideau.orders.attachments.tickets_attachment")
    assert (
        new.get_model("messaging", "OutboxAttachment")
        .objects.filter(renderer__startswith="rideau.orders.tickets")
        .count()
        == 0
    )
    assert new.get_model("core", "Job").objects.get().pk == job.pk
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    assert "orders_job" in tables and "core_job" not in tables

    executor = MigrationExecutor(connection)
    executor.migrate(before)  # and back
    task_row.refresh_from_db()
    assert task_row.task_path == "rideau.orders.jobs.run_job"
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Job.objects.get().pk == job.pk
