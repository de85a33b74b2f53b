"""The outbox: messages written with the change that causes them, delivered after (rule 3)."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.core.models import Organizer


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    organizer = models.ForeignKey(
        Organizer, null=True, blank=True, on_delete=models.CASCADE, related_name="outbox"
    )
    # The idempotency key doubles as the Message-ID, so a receiver (and our tests) can
    # recognise a re-delivery after a worker died between SMTP "250 OK" and our commit.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(max_length=10, default="email")
    from_email = models.CharField(max_length=300)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=998)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Set by the worker that claimed the message; only that worker may mark it sent/failed.
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True)
    # what the message is about, e.g. "order:42": the back-office order page lists its messages
    reference = models.CharField(max_length=100, blank=True, db_index=True)
    created = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"

    @property
    def delivery_state(self) -> str:
        """queued, sending, retrying (an attempt failed, another is planned), sent, failed."""
        if self.status == self.Status.PENDING:
            return "retrying" if self.attempts else "queued"
        return self.status

    @property
    def message_id(self) -> str:
        return f"<{self.key}@rideau>"


class OutboxAttachment(models.Model):
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    mimetype = models.CharField(max_length=100)
    content = models.BinaryField(default=bytes, blank=True)
    # A deferred attachment is rendered by the worker when the message is sent, not in the
    # transaction that queued it (PDF tickets): `renderer` is a dotted path to a function
    # taking `params` as keyword arguments and returning the bytes.
    renderer = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.filename

    def render(self) -> bytes:
        if not self.renderer:
            return bytes(self.content)
        from django.utils.module_loading import import_string

        return import_string(self.renderer)(**self.params)
