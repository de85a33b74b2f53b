"""The outbox wake-up on PostgreSQL: a trigger's NOTIFY, no statement after the commit."""

import time

import pytest
from django.conf import settings
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from rideau.messaging.services import queue_email
from rideau.ops.management.commands.worker import Command
from tests.perf.statements import recorded

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="the NOTIFY wake-up is PostgreSQL's",
    ),
]


def test_a_committed_message_wakes_the_listening_worker_without_a_statement_after_commit():
    worker = Command()
    worker.running, worker.listened = True, None
    assert worker.listening() is not None  # LISTEN on the worker's connection

    with recorded() as found:
        with transaction.atomic():
            queue_email(to=["ada@example.org"], subject="Ticket", text="Here it is")
            written = len(found.statements)
    assert len(found.statements) == written  # nothing after the commit
    assert DBTaskResult.objects.count() == 0  # no task request either

    started = time.monotonic()
    worker.sleep(30)  # returns as soon as the notification is there
    assert time.monotonic() - started < 10


def test_a_rolled_back_message_wakes_nobody():
    worker = Command()
    worker.running, worker.listened = True, None
    listener = worker.listening()
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_email(to=["ada@example.org"], subject="Ticket", text="Here it is")
        raise RuntimeError("rolled back")
    assert list(listener.notifies(timeout=0.5, stop_after=1)) == []
    assert connection.vendor == "postgresql"
