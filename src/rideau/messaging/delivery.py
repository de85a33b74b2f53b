"""Delivering the outbox (DESIGN rule 3).

A pass claims a batch of due messages with a lease and commits the claim, then sends them
over one reused SMTP connection, outside any transaction or lock, marking each message as
soon as the server accepted it. A worker killed mid-pass loses nothing: the messages it
claimed come back when their lease expires. The only possible duplicate is the message in
flight when it died (accepted by the server, not yet marked sent); every copy carries the
same `Message-ID` (the idempotency key), so receivers and our tests can recognise it.
"""

import logging
import random
import smtplib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from rideau.core import audit

from .models import OutboxMessage

logger = logging.getLogger("rideau.messaging")

IDEMPOTENCY_HEADER = "X-Rideau-Idempotency-Key"
_OWN_HEADERS = {"message-id", IDEMPOTENCY_HEADER.lower()}


@dataclass
class DeliveryReport:
    """What one pass did: `retried` failed this time and will be tried again, `failed`
    were given up, `released` were handed back untouched (stop asked, lease running out)."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0


class _Failure(Enum):
    PERMANENT = "permanent"  # the server refused this message: retrying will not help
    TRANSIENT = "transient"  # refused for now (4xx): try this message again later
    CONNECTION = "connection"  # the connection broke: try again later on a new one


NOTIFY_CHANNEL = "rideau_outbox"  # migration 0005: a trigger notifies it on every insert


def due_messages(now: datetime) -> QuerySet[OutboxMessage]:
    """Messages to send now: waiting ones, and those whose sender's lease has expired."""
    return OutboxMessage.objects.filter(next_attempt_at__lte=now).filter(
        Q(status=OutboxMessage.Status.PENDING)
        | Q(status=OutboxMessage.Status.SENDING, lease_until__lt=now)
    )


def claim_due_messages(*, limit: int, lease_seconds: int) -> tuple[uuid.UUID, list[OutboxMessage]]:
    """Take up to `limit` due messages for this caller and commit the claim.

    PostgreSQL skips rows another worker is claiming (`FOR UPDATE SKIP LOCKED`); on SQLite,
    where the claim transaction holds the write lock, the conditional UPDATE re-checks that
    each row is still due. Either way a message is claimed by one worker at a time.
    """
    now = timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        ids = list(
            due_messages(now)
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return token, []
        due_messages(now).filter(id__in=ids).update(
            status=OutboxMessage.Status.SENDING,
            lease_until=now + timedelta(seconds=lease_seconds),
            lease_token=token,
        )
    claimed = (
        OutboxMessage.objects.filter(id__in=ids, lease_token=token)
        .prefetch_related("attachments")
        .order_by("next_attempt_at", "id")
    )
    return token, list(claimed)


def build_email(message: OutboxMessage, *, connection=None) -> EmailMultiAlternatives:
    """The e-mail for an outbox row, with its idempotency key as `Message-ID`."""
    headers = {k: v for k, v in message.headers.items() if k.lower() not in _OWN_HEADERS}
    headers["Message-ID"] = message.message_id
    headers[IDEMPOTENCY_HEADER] = str(message.key)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=message.from_email,
        to=message.to,
        cc=message.cc,
        bcc=message.bcc,
        reply_to=message.reply_to,
        headers=headers,
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments.all():
        email.attach(attachment.filename, attachment.render(), attachment.mimetype)
    return email


def deliver_due_messages(
    *, limit: int | None = None, should_stop: Callable[[], bool] | None = None
) -> DeliveryReport:
    """Claim one batch of due messages and send it. Call outside any transaction.

    `should_stop` is asked before each message; when it answers True the rest of the
    batch is handed back at once (graceful shutdown).
    """
    lease_seconds = settings.RIDEAU_OUTBOX_LEASE_SECONDS
    sender = _Sender()  # a misconfigured backend fails here, before anything is claimed
    token, claimed = claim_due_messages(
        limit=limit or settings.RIDEAU_OUTBOX_BATCH, lease_seconds=lease_seconds
    )
    report = DeliveryReport(claimed=len(claimed))
    if not claimed:
        return report
    # Stop early enough that a slow server cannot keep us sending past our lease.
    margin = timedelta(seconds=min(settings.EMAIL_TIMEOUT or 10, lease_seconds / 4))
    try:
        for index, message in enumerate(claimed):
            if (should_stop is not None and should_stop()) or (
                message.lease_until is not None and timezone.now() + margin >= message.lease_until
            ):
                report.released += _release(claimed[index:], token)
                break
            if not _deliver_one(message, token, sender, report):
                # The server cannot be reached: the rest of the batch waits too.
                for rest in claimed[index + 1 :]:
                    _record_failure(
                        rest, token, "SMTP server unavailable", report, _Failure.CONNECTION
                    )
                break
    finally:
        sender.close()
    if report.retried or report.failed:
        logger.info(
            "outbox pass: %d claimed, %d sent, %d to retry, %d failed, %d released",
            report.claimed,
            report.sent,
            report.retried,
            report.failed,
            report.released,
        )
    return report


def _deliver_one(
    message: OutboxMessage, token: uuid.UUID, sender: "_Sender", report: DeliveryReport
) -> bool:
    """Send one claimed message and record the outcome; False when SMTP is unreachable."""
    try:
        email = build_email(message)
    except Exception as exc:  # a message we cannot even build will not get better
        logger.exception("outbox message %s cannot be built", message.pk)
        _record_failure(message, token, f"invalid message: {exc}", report, _Failure.PERMANENT)
        return True
    try:
        sender.open()
    except Exception as exc:  # refused, timed out, TLS or login failure
        logger.warning("SMTP server unavailable: %s", exc)
        _record_failure(message, token, f"connect: {exc}", report, _Failure.CONNECTION)
        return False
    try:
        accepted = sender.send(email)
    except Exception as exc:
        kind = _classify(exc)
        logger.warning("outbox message %s not sent (%s): %s", message.pk, kind.value, exc)
        if kind is _Failure.CONNECTION:
            sender.close()
        _record_failure(message, token, f"{type(exc).__name__}: {exc}", report, kind)
        return True
    if not accepted:
        _record_failure(message, token, "no recipients", report, _Failure.PERMANENT)
        return True
    updated = OutboxMessage.objects.filter(pk=message.pk, lease_token=token).update(
        status=OutboxMessage.Status.SENT,
        sent_at=timezone.now(),
        lease_until=None,
        lease_token=None,
        last_error="",
    )
    if not updated:
        logger.warning("outbox message %s was sent after its lease expired", message.pk)
    report.sent += 1
    return True


def _classify(exc: Exception) -> _Failure:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in exc.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            return _Failure.PERMANENT
        return _Failure.TRANSIENT
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return _Failure.PERMANENT if 500 <= exc.smtp_code < 600 else _Failure.TRANSIENT
    # Disconnected, timed out, broken pipe, authentication lost: the message is fine.
    return _Failure.CONNECTION


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter after `attempts` failed attempts (1, 2, …)."""
    base = settings.RIDEAU_OUTBOX_RETRY_SECONDS
    cap = settings.RIDEAU_OUTBOX_RETRY_MAX_SECONDS
    delay = min(cap, base * 2 ** (attempts - 1))
    return timedelta(seconds=delay / 2 + random.uniform(0, delay / 2))


def _record_failure(
    message: OutboxMessage,
    token: uuid.UUID,
    error: str,
    report: DeliveryReport,
    kind: _Failure,
) -> None:
    attempts = message.attempts + 1
    give_up = kind is _Failure.PERMANENT or attempts >= settings.RIDEAU_OUTBOX_MAX_ATTEMPTS
    changes = {"attempts": attempts, "last_error": error[:2000], "lease_until": None}
    if give_up:
        changes["status"] = OutboxMessage.Status.FAILED
    else:
        changes["status"] = OutboxMessage.Status.PENDING
        changes["next_attempt_at"] = timezone.now() + retry_delay(attempts)
    with transaction.atomic():
        updated = OutboxMessage.objects.filter(pk=message.pk, lease_token=token).update(
            lease_token=None, **changes
        )
        if updated and give_up:
            audit.record(
                "message.failed",
                message,
                organizer=message.organizer if message.organizer_id else None,
                after={"attempts": attempts, "error": changes["last_error"]},
            )
    if give_up:
        report.failed += 1
    else:
        report.retried += 1


def _release(messages: list[OutboxMessage], token: uuid.UUID) -> int:
    """Hand claimed messages back untouched, for the next pass or another worker."""
    return OutboxMessage.objects.filter(id__in=[m.pk for m in messages], lease_token=token).update(
        status=OutboxMessage.Status.PENDING, lease_until=None, lease_token=None
    )


class _Sender:
    """One connection of the delivery backend, opened on first use and reused."""

    def __init__(self) -> None:
        self.backend = get_connection(settings.RIDEAU_DELIVERY_BACKEND, fail_silently=False)
        self.is_open = False

    def open(self) -> None:
        if not self.is_open:
            self.backend.open()
            self.is_open = True

    def send(self, email: EmailMultiAlternatives) -> int:
        return self.backend.send_messages([email])

    def close(self) -> None:
        if self.is_open:
            self.is_open = False
            try:
                self.backend.close()
            except Exception:  # closing a broken connection may fail too
                logger.debug("closing the SMTP connection failed", exc_info=True)
