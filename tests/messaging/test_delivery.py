"""Outbox delivery against a real local SMTP server (tests/smtp.py)."""

import datetime
from email.mime.application import MIMEApplication

import pytest
from django.contrib.auth.forms import PasswordResetForm
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from rideau.core.models import AuditLogEntry
from rideau.messaging.delivery import DeliveryReport, deliver_due_messages, retry_delay
from rideau.messaging.models import OutboxMessage
from rideau.messaging.services import queue_email
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n\x00\x01\x02\xff binary ticket \r\n\x00 end"


def make_due() -> None:
    """Let time pass: every waiting message becomes due now."""
    OutboxMessage.objects.update(next_attempt_at=timezone.now())


def test_message_is_sent_with_its_key_html_and_attachment(smtp_server):
    with transaction.atomic():
        row = queue_email(
            to=["ada@example.org"],
            cc=["grace@example.org"],
            subject="Your tickets for Tartuffe",
            text="Hello Ada, your tickets are attached.",
            html="<p>Hello <b>Ada</b>, your tickets are attached.</p>",
            attachments=[("tickets.pdf", PDF, "application/pdf")],
            headers={"Message-ID": "<not-ours@example.org>", "X-Campaign": "spring"},
        )

    report = deliver_due_messages()

    assert report == DeliveryReport(claimed=1, sent=1)
    [received] = smtp_server.wait_for(1)
    message = received.message
    assert received.mail_from == "noreply@rideau.localhost"
    assert received.rcpt_tos == ["ada@example.org", "grace@example.org"]
    assert message["Subject"] == "Your tickets for Tartuffe"
    assert message["To"] == "ada@example.org"
    assert message["Cc"] == "grace@example.org"
    assert message["Message-ID"] == row.message_id == f"<{row.key}@rideau>"
    assert message["X-Rideau-Idempotency-Key"] == str(row.key)
    assert message["X-Campaign"] == "spring"
    assert message.get_body(("plain",)).get_content().strip() == (
        "Hello Ada, your tickets are attached."
    )
    assert message.get_body(("html",)).get_content().strip() == (
        "<p>Hello <b>Ada</b>, your tickets are attached.</p>"
    )
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "tickets.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.SENT
    assert row.sent_at is not None
    assert row.attempts == 0
    assert row.lease_token is None
    assert deliver_due_messages() == DeliveryReport()
    assert len(smtp_server.received) == 1


def test_rolled_back_send_mail_leaves_nothing(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            mail.send_mail("Order confirmed", "Thanks", None, ["ada@example.org"])
            assert OutboxMessage.objects.count() == 1
            raise RuntimeError("the order failed after the e-mail was written")

    assert OutboxMessage.objects.count() == 0
    assert callbacks == []
    assert deliver_due_messages() == DeliveryReport()
    assert smtp_server.received == []


def test_django_send_mail_goes_through_the_outbox(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        mail.send_mail("One", "first", None, ["a@example.org"])
        mail.send_mail("Two", "second", None, ["b@example.org"], html_message="<i>2</i>")

    assert OutboxMessage.objects.count() == 2
    # one delivery request per transaction; none on PostgreSQL, where the outbox table's
    # trigger wakes the worker (test_outbox_wakeup.py)
    assert len(callbacks) == (0 if connection.vendor == "postgresql" else 1)
    assert smtp_server.received == []
    assert deliver_due_messages().sent == 2
    received = smtp_server.wait_for(2)
    assert [r.message["Subject"] for r in received] == ["One", "Two"]
    assert received[1].message.get_body(("html",)).get_content().strip() == "<i>2</i>"


def test_twenty_messages_share_one_smtp_connection(smtp_server):
    rows = [
        queue_email(to=[f"guest{i}@example.org"], subject=f"Invitation {i}", text="Welcome")
        for i in range(20)
    ]

    report = deliver_due_messages(limit=50)

    assert report == DeliveryReport(claimed=20, sent=20)
    received = smtp_server.wait_for(20)
    assert smtp_server.sessions == 1
    assert sorted(r.message_id for r in received) == sorted(row.message_id for row in rows)
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count() == 20


def test_batches_are_limited(smtp_server):
    for i in range(5):
        queue_email(to=[f"guest{i}@example.org"], subject="Hi", text="Hi")

    assert deliver_due_messages(limit=3) == DeliveryReport(claimed=3, sent=3)
    assert deliver_due_messages(limit=3) == DeliveryReport(claimed=2, sent=2)
    assert len(smtp_server.wait_for(5)) == 5


def test_server_down_retries_with_backoff_then_succeeds(smtp_server):
    smtp_server.down()
    row = queue_email(to=["ada@example.org"], subject="Reminder", text="Tonight!")
    before = timezone.now()

    assert deliver_due_messages() == DeliveryReport(claimed=1, retried=1)

    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.PENDING
    assert row.attempts == 1
    assert row.last_error.startswith("connect: ")
    # first retry: 60 s base, jittered into [30 s, 60 s]
    assert before + datetime.timedelta(seconds=30) <= row.next_attempt_at
    assert row.next_attempt_at <= timezone.now() + datetime.timedelta(seconds=60)

    smtp_server.up()
    assert deliver_due_messages() == DeliveryReport()  # not due yet
    make_due()
    assert deliver_due_messages() == DeliveryReport(claimed=1, sent=1)
    [received] = smtp_server.wait_for(1)
    assert received.message_id == row.message_id
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxMessage.Status.SENT, 1)


def test_dropped_connection_retries_that_message_and_reconnects_for_the_rest(smtp_server):
    first = queue_email(to=["a@example.org"], subject="First", text="1")
    second = queue_email(to=["b@example.org"], subject="Second", text="2")
    smtp_server.drop_next = 1

    assert deliver_due_messages() == DeliveryReport(claimed=2, sent=1, retried=1)

    assert [r.message_id for r in smtp_server.wait_for(1)] == [second.message_id]
    assert smtp_server.sessions == 2
    first.refresh_from_db()
    assert (first.status, first.attempts) == (OutboxMessage.Status.PENDING, 1)
    make_due()
    assert deliver_due_messages() == DeliveryReport(claimed=1, sent=1)
    assert [r.message_id for r in smtp_server.wait_for(2)] == [
        second.message_id,
        first.message_id,
    ]


def test_temporary_refusal_is_retried(smtp_server):
    smtp_server.refuse("busy@example.org", "451 4.7.1 Try again later")
    row = queue_email(to=["busy@example.org"], subject="Hi", text="Hi")

    assert deliver_due_messages() == DeliveryReport(claimed=1, retried=1)

    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxMessage.Status.PENDING, 1)
    assert "451" in row.last_error


def test_refused_recipient_fails_at_once_and_the_batch_goes_on(smtp_server, organizer):
    smtp_server.refuse("nobody@example.org")
    bad = queue_email(to=["nobody@example.org"], subject="Hi", text="Hi", organizer=organizer)
    good = queue_email(to=["ada@example.org"], subject="Hi", text="Hi", organizer=organizer)

    assert deliver_due_messages() == DeliveryReport(claimed=2, sent=1, failed=1)

    bad.refresh_from_db()
    assert (bad.status, bad.attempts) == (OutboxMessage.Status.FAILED, 1)
    assert "550" in bad.last_error
    assert [r.message_id for r in smtp_server.wait_for(1)] == [good.message_id]
    entry = AuditLogEntry.objects.get(action="message.failed")
    assert (entry.organizer, entry.object_id) == (organizer, str(bad.pk))
    make_due()
    assert deliver_due_messages() == DeliveryReport()


def test_gives_up_after_max_attempts(smtp_server, settings):
    settings.RIDEAU_OUTBOX_MAX_ATTEMPTS = 3
    smtp_server.down()
    row = queue_email(to=["ada@example.org"], subject="Hi", text="Hi")

    reports = []
    for _ in range(4):
        make_due()
        reports.append(deliver_due_messages())

    assert reports == [
        DeliveryReport(claimed=1, retried=1),
        DeliveryReport(claimed=1, retried=1),
        DeliveryReport(claimed=1, failed=1),
        DeliveryReport(),
    ]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxMessage.Status.FAILED, 3)
    assert AuditLogEntry.objects.filter(action="message.failed").count() == 1


def test_an_expired_lease_makes_a_message_due_again(smtp_server):
    row = queue_email(to=["ada@example.org"], subject="Hi", text="Hi")
    # a worker claimed it, then died before sending
    OutboxMessage.objects.filter(pk=row.pk).update(
        status=OutboxMessage.Status.SENDING,
        lease_until=timezone.now() + datetime.timedelta(seconds=60),
    )
    assert deliver_due_messages() == DeliveryReport()

    OutboxMessage.objects.filter(pk=row.pk).update(
        lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert deliver_due_messages() == DeliveryReport(claimed=1, sent=1)
    assert [r.message_id for r in smtp_server.wait_for(1)] == [row.message_id]


def test_stop_request_hands_the_rest_of_the_batch_back(smtp_server):
    for i in range(3):
        queue_email(to=[f"guest{i}@example.org"], subject="Hi", text="Hi")
    asked = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) > 1

    assert deliver_due_messages(should_stop=should_stop) == DeliveryReport(
        claimed=3, sent=1, released=2
    )
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count() == 2
    assert OutboxMessage.objects.filter(lease_token__isnull=False).count() == 0
    assert deliver_due_messages() == DeliveryReport(claimed=2, sent=2)


@pytest.mark.parametrize(
    ("attempts", "low", "high"),
    [(1, 30, 60), (2, 60, 120), (4, 240, 480), (20, 3 * 3600, 6 * 3600)],
)
def test_retry_delay_doubles_with_jitter_up_to_a_cap(attempts, low, high):
    delays = {retry_delay(attempts).total_seconds() for _ in range(50)}
    assert min(delays) >= low
    assert max(delays) <= high
    assert len(delays) > 1


def test_password_reset_writes_an_outbox_row(smtp_server):
    user = UserFactory(email="ada@example.org")
    form = PasswordResetForm({"email": "ada@example.org"})
    assert form.is_valid()

    form.save(
        domain_override="tickets.example.org",
        subject_template_name="web/control/password_reset_subject.txt",
        email_template_name="web/control/password_reset_email.txt",
    )

    [row] = OutboxMessage.objects.all()
    assert row.to == [user.email]
    assert row.status == OutboxMessage.Status.PENDING
    assert f"/{urlsafe_base64_encode(force_bytes(user.pk))}/" in row.body_text  # the reset link
    assert deliver_due_messages() == DeliveryReport(claimed=1, sent=1)
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["ada@example.org"]
    assert received.message["Subject"] == row.subject


def test_a_lease_about_to_expire_hands_the_batch_back(smtp_server, settings):
    for i in range(2):
        queue_email(to=[f"guest{i}@example.org"], subject="Hi", text="Hi")
    settings.RIDEAU_OUTBOX_LEASE_SECONDS = 0  # no time left to send anything safely

    assert deliver_due_messages() == DeliveryReport(claimed=2, released=2)

    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count() == 2
    assert smtp_server.received == []


def test_django_email_message_attachments_are_kept(smtp_server):
    message = mail.EmailMessage(
        "Badge",
        "Your badge",
        "Festival <festival@example.org>",
        ["ada@example.org"],
        bcc=["archive@example.org"],
        reply_to=["help@example.org"],
    )
    message.attach("badge.pdf", PDF, "application/pdf")
    message.attach(MIMEApplication(b"\x00\x01raw", Name="raw.bin"))
    message.send()

    [row] = OutboxMessage.objects.all()
    assert [(a.filename, bytes(a.content), a.mimetype) for a in row.attachments.all()] == [
        ("badge.pdf", PDF, "application/pdf"),
        ("raw.bin", b"\x00\x01raw", "application/octet-stream"),
    ]
    assert deliver_due_messages() == DeliveryReport(claimed=1, sent=1)
    [received] = smtp_server.wait_for(1)
    assert received.mail_from == "festival@example.org"
    assert received.rcpt_tos == ["ada@example.org", "archive@example.org"]
    assert received.message["Bcc"] is None
    assert received.message["Reply-To"] == "help@example.org"
    assert [(a.get_filename(), a.get_content()) for a in received.message.iter_attachments()] == [
        ("badge.pdf", PDF),
        ("raw.bin", b"\x00\x01raw"),
    ]


def test_without_an_smtp_server_the_demo_sink_keeps_the_message_in_files(settings, tmp_path):
    """EMAIL_URL unset (the demo): the worker writes each message under var/mail/ and marks
    it sent, instead of retrying against an SMTP server that is not there."""
    settings.RIDEAU_DELIVERY_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    with transaction.atomic():
        row = queue_email(to=["ada@example.org"], subject="Your tickets", text="Hello Ada")
    make_due()

    report = deliver_due_messages()

    assert report.sent == 1
    row.refresh_from_db()
    assert (row.status, row.delivery_state) == (OutboxMessage.Status.SENT, "sent")
    [written] = (tmp_path / "mail").iterdir()
    assert "Subject: Your tickets" in written.read_text()
