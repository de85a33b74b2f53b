"""A delivery pass marks its batch sent in one UPDATE; the batch's journal keeps a killed
worker's accepted messages from being sent again."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rideau.messaging import delivery
from rideau.messaging.models import OutboxMessage
from rideau.messaging.services import queue_email

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def journal_dir(settings, tmp_path):
    settings.RIDEAU_OUTBOX_JOURNAL_DIR = tmp_path / "journal"
    return settings.RIDEAU_OUTBOX_JOURNAL_DIR


def _queue(count: int, start: int = 0) -> list[OutboxMessage]:
    with transaction.atomic():
        return [
            queue_email(to=[f"guest{i}@example.org"], subject=f"Invitation {i}", text="Hi")
            for i in range(start, start + count)
        ]


def _statements_to_deliver(count: int, start: int) -> int:
    _queue(count, start)
    with CaptureQueriesContext(connection) as queries:
        report = delivery.deliver_due_messages(queues=(OutboxMessage.Queue.MAIL,))
    assert report.sent == count
    # savepoints stand for the claim's BEGIN/COMMIT inside the test's transaction
    return len([q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]])


def test_a_pass_costs_the_same_statements_for_5_or_20_messages(smtp_server, settings):
    settings.RIDEAU_OUTBOX_BATCH = 50
    few = _statements_to_deliver(5, 0)
    many = _statements_to_deliver(20, 100)
    smtp_server.wait_for(25)
    # the claim (SELECT … FOR UPDATE SKIP LOCKED, UPDATE), reading the batch and its
    # attachments, then one UPDATE marks the whole batch sent
    assert few == many == 5
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def _die_mid_batch(accepted: int) -> tuple[list[OutboxMessage], object]:
    """A worker claims 10 messages, the server accepts `accepted` of them, and the worker
    is killed before its batch's UPDATE: its journal lists them, its lease runs out."""
    _queue(10)
    token, claimed = delivery.claim_due_messages(limit=10, lease_seconds=60)
    batch = delivery._Batch(token)
    for message in claimed[:accepted]:
        batch.accept(message)  # the server said 250: journaled, not yet marked
    OutboxMessage.objects.update(lease_until=timezone.now() - timezone.timedelta(seconds=1))
    return claimed, batch


def test_the_next_worker_marks_journaled_messages_sent_instead_of_sending_them(smtp_server):
    claimed, batch = _die_mid_batch(accepted=4)
    assert batch.journal.path.exists()

    report = delivery.deliver_due_messages()

    assert report.sent == 6
    received = smtp_server.wait_for(6)
    assert {r.message_id for r in received} == {m.message_id for m in claimed[4:]}
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert not batch.journal.path.exists()  # nothing owns that batch any more


def test_control_without_the_journal_the_accepted_messages_are_sent_twice(smtp_server):
    _claimed, batch = _die_mid_batch(accepted=4)
    batch.journal.path.unlink()  # what a journal on another host's disk looks like

    report = delivery.deliver_due_messages()

    assert report.sent == 10  # the 4 the server had accepted go out a second time
    smtp_server.wait_for(10)


def test_a_journaled_sms_keeps_its_provider_id(settings):
    _queue(2)
    OutboxMessage.objects.update(channel="sms", to=["+33612345678"])
    token, claimed = delivery.claim_due_messages(limit=10, lease_seconds=60)
    batch = delivery._Batch(token)
    batch.accept(claimed[0], "SM0001")
    OutboxMessage.objects.update(lease_until=timezone.now() - timezone.timedelta(seconds=1))

    delivery.claim_due_messages(limit=10, lease_seconds=60)

    first = OutboxMessage.objects.get(pk=claimed[0].pk)
    assert (first.status, first.provider_id) == ("sent", "SM0001")
    assert OutboxMessage.objects.get(pk=claimed[1].pk).status == "sending"


def test_old_journals_are_pruned(journal_dir):
    journal_dir.mkdir()
    old = journal_dir / "0d6c1f8e-0000-4000-8000-000000000000.sent"
    old.write_text("1\t\n")
    assert delivery.prune_journals(older_than=timezone.timedelta(0)) == 1
    assert not old.exists()
