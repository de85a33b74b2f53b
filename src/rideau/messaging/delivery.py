"""Delivering the outbox (DESIGN rule 3).

A pass claims a batch of due messages with a lease and commits the claim, then sends them
over one reused SMTP connection, outside any transaction or lock, and marks the whole
batch sent in one UPDATE at its end. What the server accepted is known only to the
worker until then, so each acceptance is appended to the batch's **journal**, a small
file named by the lease token (`RIDEAU_OUTBOX_JOURNAL_DIR`): an append costs a system
call, not a database round trip, and survives the worker being killed (the kernel keeps
what was written). A worker killed mid-batch loses nothing (its messages come back when
the lease expires) and sends nothing twice: the worker that claims them back reads the
dead batch's journal and marks the messages listed there sent instead of sending them
again. The only possible duplicate is the message in flight when the worker died
(accepted by the server, not yet written to the journal: microseconds); every copy
carries the same `Message-ID` (the idempotency key). See `docs/outbox.md`.
"""

import logging
import os
import random
import smtplib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from enum import Enum
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import transaction
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from rideau.core import audit

from . import feedback, mime, templating, tracking
from . import sms as sms_gateways
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


NOTIFY_CHANNEL = "rideau_outbox"  # migration 0006: a trigger notifies it on every insert


def due_messages(now: datetime, queue: str | None = None) -> QuerySet[OutboxMessage]:
    """Messages to send now: waiting ones, and those whose sender's lease has expired."""
    due = OutboxMessage.objects.filter(next_attempt_at__lte=now).filter(
        Q(status=OutboxMessage.Status.PENDING)
        | Q(status=OutboxMessage.Status.SENDING, lease_until__lt=now)
    )
    if queue is not None:
        due = due.filter(queue=queue)
    return due


def _over_rate(now: datetime) -> Q:
    """Campaign messages whose organiser or sender sent its per-minute allowance already
    (the limit can be passed by at most one batch: counted per pass, not per message)."""
    excluded = Q(pk__in=[])
    since = now - timedelta(minutes=1)
    recent = OutboxMessage.objects.filter(queue=OutboxMessage.Queue.CAMPAIGN, sent_at__gte=since)
    limits = {
        "organizer": settings.RIDEAU_CAMPAIGN_RATE_PER_ORGANIZER,
        "from_email": settings.RIDEAU_CAMPAIGN_RATE_PER_SENDER,
    }
    for field, limit in limits.items():
        if limit > 0:
            full = (
                recent.values(field)
                .annotate(n=Count("id"))
                .filter(n__gte=limit)
                .values_list(field, flat=True)
            )
            excluded |= Q(**{f"{field}__in": list(full)})
    return excluded


def claim_due_messages(
    *, limit: int, lease_seconds: int, queue: str | None = None
) -> tuple[uuid.UUID, list[OutboxMessage]]:
    """Take up to `limit` due messages for this caller and commit the claim.

    PostgreSQL skips rows another worker is claiming (`FOR UPDATE SKIP LOCKED`); on SQLite,
    where the claim transaction holds the write lock, the conditional UPDATE re-checks that
    each row is still due. Either way a message is claimed by one worker at a time.
    Messages of a dead worker's batch that its journal lists as accepted are marked sent
    here, in the claim's transaction, instead of being claimed again.
    """
    now = timezone.now()
    token = uuid.uuid4()
    due = due_messages(now, queue)
    if queue == OutboxMessage.Queue.CAMPAIGN:
        due = due.exclude(_over_rate(now))
    with transaction.atomic():
        rows = list(
            due.select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "id")
            .values_list("id", "lease_token")[:limit]
        )
        if not rows:
            return token, []
        previous = {pk: old for pk, old in rows if old is not None}
        recovered = _recover(previous, now) if previous else set()
        ids = [pk for pk, _old in rows if pk not in recovered]
        if ids:
            due_messages(now).filter(id__in=ids).update(
                status=OutboxMessage.Status.SENDING,
                lease_until=now + timedelta(seconds=lease_seconds),
                lease_token=token,
            )
    if previous:
        _forget_journals(set(previous.values()))
    if not ids:
        return token, []
    claimed = (
        OutboxMessage.objects.filter(id__in=ids, lease_token=token)
        .select_related("template", "contact", "organizer")
        .prefetch_related("attachments")
        .order_by("next_attempt_at", "id")
    )
    return token, list(claimed)


# --- the journal of a batch --------------------------------------------------------------


def journal_path(token: uuid.UUID) -> Path:
    return Path(settings.RIDEAU_OUTBOX_JOURNAL_DIR) / f"{token}.sent"


class _Journal:
    """The messages of one batch the server accepted, one line each (`id<TAB>provider id`),
    appended as soon as the server said so. Opened on the first acceptance."""

    def __init__(self, token: uuid.UUID) -> None:
        self.path = journal_path(token)
        self.fd: int | None = None

    def record(self, pk: int, provider_id: str = "") -> None:
        if self.fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        # one write(2) of one line: after a kill the line is there whole, or not at all
        os.write(self.fd, f"{pk}\t{''.join(provider_id.split())}\n".encode())

    def remove(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
            self.path.unlink(missing_ok=True)


def read_journal(token: uuid.UUID) -> dict[int, str]:
    """{message id: provider id} a batch's journal lists; empty when there is none."""
    try:
        data = journal_path(token).read_bytes()
    except FileNotFoundError:
        return {}
    accepted: dict[int, str] = {}
    for line in data.decode(errors="replace").splitlines(keepends=True):
        if not line.endswith("\n"):
            break  # a torn last line (cannot happen with one write, but never trust a crash)
        pk, _tab, provider = line.rstrip("\n").partition("\t")
        if pk.isdigit():
            accepted[int(pk)] = provider
    return accepted


def _recover(previous: dict[int, uuid.UUID], now: datetime) -> set[int]:
    """Mark sent the messages (id → the dead batch's token) its journal lists as accepted."""
    recovered: set[int] = set()
    for old in set(previous.values()):
        accepted = read_journal(old)
        mine = {pk: accepted[pk] for pk, t in previous.items() if t == old and pk in accepted}
        if mine:
            _mark_sent(list(mine.items()), old, now)
            recovered |= set(mine)
    if recovered:
        logger.warning(
            "outbox: %d messages of a dead worker's batch were already accepted by the "
            "server (its journal says so): marked sent, not sent again",
            len(recovered),
        )
    return recovered


def _forget_journals(tokens: set[uuid.UUID]) -> None:
    """Remove the journals of batches no message belongs to any more."""
    alive = set(
        OutboxMessage.objects.filter(lease_token__in=tokens)
        .values_list("lease_token", flat=True)
        .distinct()
    )
    for old in tokens - alive:
        journal_path(old).unlink(missing_ok=True)


def prune_journals(older_than: timedelta = timedelta(days=1)) -> int:
    """Remove journals left by a worker killed between its batch's UPDATE and the removal
    (their messages are marked already); a live batch is never that old."""
    folder = Path(settings.RIDEAU_OUTBOX_JOURNAL_DIR)
    if not folder.is_dir():
        return 0
    limit = time.time() - older_than.total_seconds()
    removed = 0
    for entry in os.scandir(folder):
        if entry.name.endswith(".sent") and entry.stat().st_mtime < limit:
            os.unlink(entry.path)
            removed += 1
    return removed


def _mark_sent(accepted: list[tuple[int, str]], token: uuid.UUID, now: datetime) -> int:
    """One UPDATE for a batch's accepted messages (id, provider id), if still ours."""
    changes: dict = {
        "status": OutboxMessage.Status.SENT,
        "sent_at": now,
        "lease_until": None,
        "lease_token": None,
        "last_error": "",
    }
    providers = [When(pk=pk, then=Value(p[:100])) for pk, p in accepted if p]
    if providers:
        changes["provider_id"] = Case(*providers, default=F("provider_id"))
    return OutboxMessage.objects.filter(
        id__in=[pk for pk, _p in accepted], lease_token=token
    ).update(**changes)


class _Batch:
    """The messages of a pass the server accepted: journaled one by one, marked sent
    together by `commit`."""

    def __init__(self, token: uuid.UUID) -> None:
        self.token = token
        self.journal = _Journal(token)
        self.accepted: list[tuple[int, str]] = []

    def accept(self, message: OutboxMessage, provider_id: str = "") -> None:
        # listed first: should the journal fail (disk full), `commit` still marks it
        self.accepted.append((message.pk, provider_id))
        self.journal.record(message.pk, provider_id)

    def commit(self) -> int:
        if not self.accepted:
            self.journal.remove()
            return 0
        updated = _mark_sent(self.accepted, self.token, timezone.now())
        if updated < len(self.accepted):
            logger.warning(
                "outbox: %d messages were sent after their lease expired",
                len(self.accepted) - updated,
            )
        self.accepted = []
        self.journal.remove()  # after the commit: a kill in between leaves a harmless file
        return updated


@dataclass
class Content:
    subject: str
    text: str
    html: str


def render_content(
    message: OutboxMessage, *, links: dict[str, int] | None = None, track: bool = True
) -> Content:
    """What the message says: its stored texts, or its template rendered for its contact
    (with tracked links, pixel and honeypot for marketing messages, unless `track` is
    False: a preview for staff writes nothing)."""
    if message.renderer:
        subject, text = message.rendered()
        return Content(subject, text, message.body_html)
    if message.template_id is None:
        return Content(message.subject, message.body_text, message.body_html)
    template = message.template
    assert template is not None
    organizer = message.organizer
    fallback = organizer.default_language if organizer is not None else ""
    language = message.language or fallback
    contact = message.contact
    token = tracking.token_for(message.pk)
    values = {
        "organizer": organizer.name if organizer is not None else "",
        "unsubscribe_url": tracking.unsubscribe_url(token) if message.tracked else "",
    }
    if contact is not None:
        values |= {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "name": contact.name,
            "email": contact.email,
        }
    subject, text, html = template.texts_for(language, fallback)
    subject = templating.render(subject, values)
    text = templating.render(text, values)
    html = templating.render(html, values, escape=True)
    if track and message.tracked and organizer is not None:
        text = tracking.decorate_text(text, token=token, organizer_id=organizer.pk, cache=links)
        if html:
            html = tracking.decorate_html(html, token=token, organizer_id=organizer.pk, cache=links)
    return Content(subject, text, html)


def _headers_and_content(
    message: OutboxMessage, links: dict[str, int] | None
) -> tuple[dict[str, str], Content, str]:
    """The message's headers, its content and its envelope sender."""
    headers = {k: v for k, v in message.headers.items() if k.lower() not in _OWN_HEADERS}
    headers["Message-ID"] = message.message_id
    headers[IDEMPOTENCY_HEADER] = str(message.key)
    content = render_content(message, links=links)
    if message.tracked:
        # one-click unsubscribe (RFC 8058): mail clients show an "Unsubscribe" button
        headers["List-Unsubscribe"] = (
            f"<{tracking.unsubscribe_url(tracking.token_for(message.pk))}>"
        )
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    from_email = message.from_email
    envelope = feedback.bounce_address(message.pk)
    if envelope is not None:
        # bounces come back to this message's own address (VERP); people see the sender
        headers["From"] = message.from_email or settings.DEFAULT_FROM_EMAIL
        from_email = envelope
    return headers, content, from_email


def build_email(
    message: OutboxMessage, *, connection=None, links: dict[str, int] | None = None
) -> EmailMultiAlternatives:
    """The e-mail for an outbox row, with its idempotency key as `Message-ID`."""
    headers, content, from_email = _headers_and_content(message, links)
    email = EmailMultiAlternatives(
        subject=content.subject,
        body=content.text,
        from_email=from_email,
        to=message.to,
        cc=message.cc,
        bcc=message.bcc,
        reply_to=message.reply_to,
        headers=headers,
        connection=connection,
    )
    if content.html:
        email.attach_alternative(content.html, "text/html")
    for attachment in message.attachments.all():
        email.attach(attachment.filename, attachment.render(), attachment.mimetype)
    return email


def campaign_bytes(
    message: OutboxMessage, links: dict[str, int] | None = None
) -> tuple[str, bytes] | None:
    """(envelope sender, bytes) of a campaign e-mail written directly (`mime.py`), or
    None when the message is not of that simple shape: build it with `build_email`."""
    if (
        message.template_id is None
        or len(message.to) != 1
        or message.cc
        or message.bcc
        or message.reply_to
        or message.attachments.all()
    ):
        return None
    headers, content, from_email = _headers_and_content(message, links)
    from_header = headers.pop("From", None) or from_email or settings.DEFAULT_FROM_EMAIL
    envelope = parseaddr(from_email or settings.DEFAULT_FROM_EMAIL)[1]
    data = mime.campaign_bytes(
        from_header=from_header,
        to=message.to[0],
        subject=content.subject,
        headers=headers,
        text=content.text,
        html=content.html,
        boundary=f"=_rideau_{message.key.hex}",
    )
    if data is None or not envelope.isascii():
        return None
    return envelope, data


def deliver_due_messages(
    *,
    limit: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    queues: tuple[str, ...] = (OutboxMessage.Queue.MAIL, OutboxMessage.Queue.CAMPAIGN),
) -> DeliveryReport:
    """Claim one batch of due messages and send it. Call outside any transaction.

    Queues are served in order and only one per pass: a campaign batch is claimed only
    when no transactional message is due, and is at most `RIDEAU_CAMPAIGN_BATCH` long, so
    a ticket waits at most one (short) campaign batch. `should_stop` is asked before each
    message; when it answers True the rest of the batch is handed back at once.
    """
    report = DeliveryReport()
    for queue in queues:
        batch = limit or settings.RIDEAU_OUTBOX_BATCH
        if queue == OutboxMessage.Queue.CAMPAIGN:
            batch = min(limit or settings.RIDEAU_CAMPAIGN_BATCH, settings.RIDEAU_CAMPAIGN_BATCH)
        report = _deliver_queue(queue, batch, should_stop)
        if report.claimed:
            return report
    return report


def _deliver_queue(
    queue: str, limit: int, should_stop: Callable[[], bool] | None
) -> DeliveryReport:
    lease_seconds = settings.RIDEAU_OUTBOX_LEASE_SECONDS
    sender = _Sender()  # a misconfigured backend fails here, before anything is claimed
    token, claimed = claim_due_messages(limit=limit, lease_seconds=lease_seconds, queue=queue)
    report = DeliveryReport(claimed=len(claimed))
    if not claimed:
        return report
    # Stop early enough that a slow server cannot keep us sending past our lease.
    margin = timedelta(seconds=min(settings.EMAIL_TIMEOUT or 10, lease_seconds / 4))
    batch = _Batch(token)
    try:
        for index, message in enumerate(claimed):
            if (should_stop is not None and should_stop()) or (
                message.lease_until is not None and timezone.now() + margin >= message.lease_until
            ):
                report.released += _release(claimed[index:], token)
                break
            if not _deliver_one(message, token, sender, report, batch):
                # The server cannot be reached: the rest of the batch waits too.
                for rest in claimed[index + 1 :]:
                    _record_failure(
                        rest, token, "SMTP server unavailable", report, _Failure.CONNECTION
                    )
                break
    finally:
        sender.close()
        batch.commit()  # also after an unexpected error: what was accepted is marked
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
    message: OutboxMessage,
    token: uuid.UUID,
    sender: "_Sender",
    report: DeliveryReport,
    batch: _Batch,
) -> bool:
    """Send one claimed message and record the outcome; False when SMTP is unreachable."""
    if message.channel == "sms":
        return _deliver_sms(message, token, sender, report, batch)
    email: EmailMultiAlternatives | tuple[str, bytes] | None = None
    try:
        if sender.smtp:  # campaigns: bytes written directly, not through `email`
            email = campaign_bytes(message, links=sender.links)
        if email is None:
            email = build_email(message, links=sender.links)
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
        if isinstance(email, tuple):
            accepted = sender.send_bytes(email[0], message.to, email[1])
        else:
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
    if message.renderer and not isinstance(email, tuple) and email.subject != message.subject:
        # rendered when sent (an order paid before its "placed" e-mail left): the list of
        # messages shows what the recipient got
        OutboxMessage.objects.filter(pk=message.pk).update(subject=email.subject)
    batch.accept(message)
    report.sent += 1
    return True


def _deliver_sms(
    message: OutboxMessage,
    token: uuid.UUID,
    sender: "_Sender",
    report: DeliveryReport,
    batch: _Batch,
) -> bool:
    try:
        content = render_content(message, links=sender.links)
        sms = sms_gateways.Sms(to=message.to[0], text=content.text, sender="", key=str(message.key))
    except Exception as exc:
        _record_failure(message, token, f"invalid message: {exc}", report, _Failure.PERMANENT)
        return True
    try:
        provider_id = sender.sms().send(sms)
    except sms_gateways.SmsError as exc:
        kind = _Failure.PERMANENT if exc.permanent else _Failure.TRANSIENT
        _record_failure(message, token, str(exc), report, kind)
        return True
    batch.accept(message, provider_id)
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
        if kind is _Failure.PERMANENT:
            changes["bounced_at"] = timezone.now()
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
        self.links: dict[str, int] = {}  # tracked link ids, looked up once per pass
        self._sms: sms_gateways.SmsGateway | None = None

    def sms(self) -> sms_gateways.SmsGateway:
        if self._sms is None:
            self._sms = sms_gateways.gateway()
        return self._sms

    def open(self) -> None:
        if not self.is_open:
            self.backend.open()
            self.is_open = True

    def send(self, email: EmailMultiAlternatives) -> int:
        return self.backend.send_messages([email])

    @property
    def smtp(self) -> bool:
        """Whether messages may be handed to the SMTP connection as bytes."""
        return isinstance(self.backend, SmtpBackend)

    def send_bytes(self, envelope: str, to: list[str], data: bytes) -> int:
        connection = self.backend.connection  # type: ignore[attr-defined]
        if connection is None:
            raise smtplib.SMTPServerDisconnected("not connected")
        # refusing every recipient raises SMTPRecipientsRefused, as Django's path does
        connection.sendmail(envelope, to, data)
        return 1

    def close(self) -> None:
        if self.is_open:
            self.is_open = False
            try:
                self.backend.close()
            except Exception:  # closing a broken connection may fail too
                logger.debug("closing the SMTP connection failed", exc_info=True)
