"""The outbox: messages written with the change that causes them, delivered after (rule 3)."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.contacts.models import Contact
from rideau.core.models import Organizer


class MessageTemplate(models.Model):
    """An e-mail or SMS prepared in advance (SPEC E1), one text per organiser language.

    Texts use the placeholder language of `rideau.messaging.templating` (`{{ first_name }}`),
    rendered by the worker for each recipient: no access to anything but the placeholders.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    organizer = models.ForeignKey(
        Organizer, on_delete=models.CASCADE, related_name="message_templates"
    )
    name = models.CharField(_("name"), max_length=200)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    # {language: text}; an SMS has only `body_text`
    subject = models.JSONField(_("subject"), default=dict, blank=True)
    body_text = models.JSONField(_("text"), default=dict, blank=True)
    body_html = models.JSONField(_("HTML"), default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organizer", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def language_for(self, language: str, fallback: str) -> str:
        """The one language a message of this template is written in: `language` when it
        has the main content (the text, and the subject of an e-mail), else `fallback`,
        else the first language that has it."""

        def complete(code: str) -> bool:
            return bool(self.body_text.get(code)) and (
                self.channel == self.Channel.SMS or bool(self.subject.get(code))
            )

        candidates = [code for code in (language, fallback, *self.body_text) if code]
        return next((code for code in candidates if complete(code)), None) or next(
            (code for code in candidates if self.body_text.get(code)), fallback
        )

    def texts_for(self, language: str, fallback: str) -> tuple[str, str, str]:
        """(subject, text, HTML) all in the one language of `language_for`: parts never
        mix languages (mail clients show the HTML, so a French HTML under an English
        subject is read in French); a language without HTML is sent as text only."""
        chosen = self.language_for(language, fallback)
        return (
            self.subject.get(chosen, ""),
            self.body_text.get(chosen, ""),
            self.body_html.get(chosen, ""),
        )


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        HELD = "held", _("Held")  # its scenario is paused
        CANCELED = "canceled", _("Canceled")  # its scenario was stopped

    class Kind(models.TextChoices):
        TRANSACTIONAL = "transactional", _("Transactional")  # tickets, codes: never tracked
        MARKETING = "marketing", _("Marketing")  # campaigns: tracked, unsubscribe link

    class Queue(models.TextChoices):
        MAIL = "mail", _("Transactional mail")
        CAMPAIGN = "campaign", _("Campaigns")

    organizer = models.ForeignKey(
        Organizer, null=True, blank=True, on_delete=models.CASCADE, related_name="outbox"
    )
    # The idempotency key doubles as the Message-ID, so a receiver (and our tests) can
    # recognise a re-delivery after a worker died between SMTP "250 OK" and our commit.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(max_length=10, default="email")  # "email" or "sms"
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.TRANSACTIONAL)
    # campaigns have their own queue, claimed after the transactional one and in smaller
    # batches, so a big campaign never delays a ticket (`delivery.deliver_due_messages`)
    queue = models.CharField(max_length=10, choices=Queue.choices, default=Queue.MAIL)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    # one message per cause: a fan-out run twice (crash, retry) writes each message once
    dedupe_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    # rendered by the worker for `contact` when set (campaigns: cheap rows, cheap fan-out)
    template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(max_length=10, blank=True)
    from_email = models.CharField(max_length=300)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=998)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    # a text rendered when the message is sent (an order's e-mail, ADR 0031): `renderer` is
    # a dotted path to a function taking `params` as keyword arguments, returning the text,
    # or (subject, text) when the subject too depends on the moment it is sent
    renderer = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
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
    provider_id = models.CharField(max_length=100, blank=True)  # the SMS gateway's id
    # what the SMS gateway last reported (its status callback): queued, sent, delivered,
    # undelivered, failed
    provider_status = models.CharField(max_length=20, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)  # an SMS delivery receipt
    # refused for good: at once (SMTP 5xx), later (a bounce report) or by the SMS gateway
    bounced_at = models.DateTimeField(null=True, blank=True)
    # first human open and click (E5); machine signals are kept apart
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    machine_opened_at = models.DateTimeField(null=True, blank=True)
    machine_clicked_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # when a later scenario step first branched on this message: opens and clicks after it
    # never change the branch the contact took (no one both opener and non-opener)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["queue", "status", "next_attempt_at"]),
            models.Index(fields=["reference", "contact"]),
            models.Index(fields=["provider_id"], name="outbox_provider_id"),
        ]

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

    @property
    def tracked(self) -> bool:
        return self.kind == self.Kind.MARKETING

    def rendered(self) -> tuple[str, str]:
        """(subject, plain text): rendered now by its `renderer`, or as stored (a
        campaign's template is rendered per contact by `delivery.render_content`)."""
        if not self.renderer:
            return self.subject, self.body_text
        from django.utils.module_loading import import_string

        result = import_string(self.renderer)(**self.params)
        return result if isinstance(result, tuple) else (self.subject, result)

    def text(self) -> str:
        """The plain text it carries (see `rendered`)."""
        return self.rendered()[1]


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


class TrackedLink(models.Model):
    """A link of a tracked message: click redirects go only to stored links (no open
    redirect)."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=2000)
    url_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organizer", "url_hash"], name="tracked_link_unique")
        ]

    def __str__(self) -> str:
        return self.url


class TrackingEvent(models.Model):
    """One open or click signal, classified human or machine (`reason` says why)."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        CLICK = "click", _("Click")
        HONEYPOT = "honeypot", _("Hidden link followed")
        DELIVERED = "delivered", _("Delivered")

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="tracking")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    link = models.ForeignKey(TrackedLink, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(default=timezone.now)
    human = models.BooleanField(default=True)
    reason = models.CharField(max_length=50, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id}"
