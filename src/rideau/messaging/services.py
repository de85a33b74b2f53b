"""Writing messages to the outbox. Call inside the transaction that causes the message.

The row is written with the caller's change, so a rolled-back transaction sends nothing;
the worker (`rideau worker`, see `delivery.py`) sends what was committed (DESIGN rule 3).
"""

from email.mime.base import MIMEBase

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import connection, transaction

from rideau.core.instances import new
from rideau.core.rows import Batch

from .models import MessageTemplate, OutboxAttachment, OutboxMessage


def queue_email(
    *,
    to: list[str],
    subject: str,
    text: str = "",
    deferred_text: tuple[str, dict] | None = None,
    html: str = "",
    organizer=None,
    from_email: str | None = None,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    reply_to: list[str] | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    deferred_attachments: list[tuple[str, str, str, dict]] | None = None,
    headers: dict | None = None,
    reference: str = "",
    contact=None,
    dedupe_key: str | None = None,
    batch: Batch | None = None,
) -> OutboxMessage:
    """Write one e-mail to the outbox; `attachments` are (filename, content, mimetype).

    `deferred_attachments` are (filename, mimetype, renderer dotted path, params): rendered by
    the worker at delivery, so heavy work (PDF tickets) stays out of the caller's transaction.
    `deferred_text` (renderer dotted path, params) likewise gives the text, instead of `text`.
    `batch` (the capacity engine's `batch()`): the rows are written with the engine's.
    """
    # no savepoint inside the caller's transaction: a failure here fails the caller's
    # change with it, which is what a message written "with the change" must do
    with transaction.atomic(savepoint=False):
        message = new(
            OutboxMessage,
            organizer=organizer,
            from_email=from_email or settings.DEFAULT_FROM_EMAIL,
            to=list(to),
            cc=list(cc or []),
            bcc=list(bcc or []),
            reply_to=list(reply_to or []),
            subject=str(subject),
            body_text=str(text),
            renderer=deferred_text[0] if deferred_text else "",
            params=deferred_text[1] if deferred_text else {},
            body_html=str(html or ""),
            headers={str(k): str(v) for k, v in (headers or {}).items()},
            reference=reference[:100],
            contact=contact,
            dedupe_key=dedupe_key,
        )
        batch = batch or Batch(defer=False)
        batch.add(message)
        batch.add(
            *[
                *(
                    OutboxAttachment(
                        message=message, filename=name, mimetype=mimetype, content=content
                    )
                    for name, content, mimetype in attachments or []
                ),
                *(
                    OutboxAttachment(
                        message=message,
                        filename=name,
                        mimetype=mimetype,
                        renderer=renderer,
                        params=params,
                    )
                    for name, mimetype, renderer, params in deferred_attachments or []
                ),
            ]
        )
    _deliver_soon()
    return message


def queue_campaign_messages(
    *,
    organizer,
    template: MessageTemplate,
    recipients: list[tuple[int, str, str]],
    reference: str,
    dedupe_prefix: str,
    from_email: str | None = None,
) -> int:
    """Write one marketing message per recipient (contact id, address or phone, language)
    of `template`, rendered for each contact by the worker. Rows whose `dedupe_prefix` +
    contact id already exist are skipped (a fan-out run twice writes each message once).
    Returns how many rows were written."""
    sender = from_email or settings.DEFAULT_FROM_EMAIL
    rows = [
        OutboxMessage(
            organizer=organizer,
            channel=template.channel,
            kind=OutboxMessage.Kind.MARKETING,
            queue=OutboxMessage.Queue.CAMPAIGN,
            contact_id=contact_id,
            template=template,
            language=language,
            from_email=sender,
            to=[address],
            subject="",
            reference=reference[:100],
            dedupe_key=f"{dedupe_prefix}{contact_id}"[:100],
        )
        for contact_id, address, language in recipients
    ]
    with transaction.atomic(savepoint=False):
        before = OutboxMessage.objects.filter(reference=reference[:100]).count()
        OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
        written = OutboxMessage.objects.filter(reference=reference[:100]).count() - before
    if written:
        _deliver_soon()
    return written


def queue_email_message(message: EmailMessage, *, organizer=None) -> OutboxMessage:
    """Write a Django EmailMessage (what `send_mail` and friends build) to the outbox."""
    html: object = ""
    if isinstance(message, EmailMultiAlternatives):
        html = next((c for c, mimetype in message.alternatives if mimetype == "text/html"), "")
    return queue_email(
        to=list(message.to),
        cc=list(message.cc),
        bcc=list(message.bcc),
        reply_to=list(message.reply_to),
        subject=str(message.subject),
        text=str(message.body),
        html=str(html),
        organizer=organizer,
        from_email=message.from_email,
        attachments=[_attachment(a) for a in message.attachments],
        headers=message.extra_headers or {},
    )


def _attachment(attachment) -> tuple[str, bytes, str]:
    if isinstance(attachment, MIMEBase):
        payload = attachment.get_payload(decode=True)
        return (
            attachment.get_filename() or "attachment",
            payload if isinstance(payload, bytes) else b"",
            attachment.get_content_type(),
        )
    filename, content, mimetype = attachment
    if isinstance(content, str):
        content = content.encode()
    return filename or "attachment", bytes(content), mimetype or "application/octet-stream"


def _deliver_soon() -> None:
    """Have the outbox delivered now rather than at the worker's next scan.

    On PostgreSQL this costs nothing here: a trigger on the outbox table sends a `NOTIFY`
    that the worker (`rideau worker`) listens to, delivered at commit and dropped with a
    rollback — no statement after the commit, so the order path stays lean. Elsewhere,
    after commit, one request to the task backend per transaction, however many messages
    it queues. The worker's periodic scan delivers everything anyway; this only shortens
    the wait.
    """
    if connection.vendor == "postgresql":
        return
    pending = getattr(connection, "run_on_commit", [])
    if any(func is _enqueue_delivery for _sids, func, _robust in pending):
        return
    transaction.on_commit(_enqueue_delivery, robust=True)


def _enqueue_delivery() -> None:
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from .tasks import deliver_outbox_now

    backend = deliver_outbox_now.get_backend()
    if isinstance(backend, DatabaseBackend) and (
        DBTaskResult.objects.ready()
        .filter(backend_name=backend.alias, task_path=deliver_outbox_now.module_path)
        .exists()
    ):
        return  # one waiting request is enough: it delivers everything due when it runs
    deliver_outbox_now.enqueue()
