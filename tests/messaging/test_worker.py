"""`rideau worker` in-process (--once) and the periodic job registry."""

import logging

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from rideau.core.periodic import PeriodicJob, Scheduler, periodic, registered_jobs
from rideau.messaging.models import OutboxMessage
from rideau.messaging.services import queue_email
from rideau.messaging.tasks import deliver_outbox_now


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "postgresql" in settings.DATABASES["default"]["ENGINE"],
    reason="PostgreSQL wakes the worker through NOTIFY instead (test_outbox_wakeup.py)",
)
def test_worker_once_delivers_a_committed_message_and_runs_the_delivery_task(smtp_server):
    with transaction.atomic():
        row = queue_email(to=["ada@example.org"], subject="Ticket", text="Here it is")
        second = queue_email(to=["bob@example.org"], subject="Ticket", text="Here it is")
        assert DBTaskResult.objects.count() == 0  # requested only once committed

    [task] = DBTaskResult.objects.all()
    assert task.task_path == deliver_outbox_now.module_path
    assert task.queue_name == "mail"
    # a later commit finds the request still waiting and does not add another
    third = queue_email(to=["cy@example.org"], subject="Ticket", text="Here it is")
    assert DBTaskResult.objects.count() == 1

    call_command("worker", "--once")

    received = smtp_server.wait_for(3)
    assert [r.message_id for r in received] == [
        row.message_id,
        second.message_id,
        third.message_id,
    ]
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count() == 3
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert len(smtp_server.received) == 3


@pytest.mark.django_db(transaction=True)
def test_worker_logs_a_broken_delivery_backend_and_goes_on(smtp_server, settings, caplog):
    settings.RIDEAU_DELIVERY_BACKEND = "rideau.messaging.no_such_backend.EmailBackend"
    row = queue_email(to=["ada@example.org"], subject="Ticket", text="Here it is")

    with caplog.at_level(logging.ERROR, logger="rideau.worker"):
        call_command("worker", "--once")

    # the scan failed, the delivery task failed, the loop went on and tried the scan again
    # (PostgreSQL queues no delivery task: NOTIFY wakes the worker, test_outbox_wakeup.py)
    tasks = 0 if "postgresql" in settings.DATABASES["default"]["ENGINE"] else 1
    assert [r.getMessage() for r in caplog.records if r.name == "rideau.worker"] == [
        "worker: outbox delivery failed"
    ] * (1 + tasks)
    assert [t.status for t in DBTaskResult.objects.all()] == ["FAILED"] * tasks
    row.refresh_from_db()
    assert (row.status, row.attempts, row.lease_token) == (OutboxMessage.Status.PENDING, 0, None)
    assert smtp_server.received == []


def test_scheduler_runs_due_jobs_and_survives_a_failing_one(caplog):
    calls = []
    now = [1000.0]

    def boom():
        calls.append("boom")
        raise RuntimeError("job failed")

    jobs = [
        PeriodicJob(name="boom", func=boom, every=10),
        PeriodicJob(name="tick", func=lambda: calls.append("tick"), every=30),
    ]
    scheduler = Scheduler(jobs, clock=lambda: now[0])

    with caplog.at_level(logging.ERROR, logger="rideau.periodic"):
        assert scheduler.run_due() == ["boom", "tick"]
    now[0] += 9
    assert scheduler.run_due() == []
    now[0] += 1
    assert scheduler.run_due() == ["boom"]
    now[0] += 20
    assert scheduler.run_due() == ["boom", "tick"]
    assert calls == ["boom", "tick", "boom", "boom", "tick"]
    assert [r.getMessage() for r in caplog.records if r.name == "rideau.periodic"] == [
        "periodic job boom failed"
    ] * 3


def test_periodic_registers_the_job_by_name():
    @periodic(every=45, name="tests.example_job")
    def example_job():
        return "done"

    try:
        [job] = [j for j in registered_jobs() if j.name == "tests.example_job"]
        assert (job.every, job.func()) == (45, "done")
    finally:
        from rideau.core import periodic as module

        del module._registry["tests.example_job"]


def test_periodic_refuses_a_non_positive_interval():
    with pytest.raises(ValueError, match="positive"):
        periodic(every=0)
