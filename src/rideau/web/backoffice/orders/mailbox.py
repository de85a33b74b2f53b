"""The mailbox: every message the organiser's outbox holds, with its delivery state.

The outbox is the record of what was sent (DESIGN rule 3); this page reads it. In the demo
(no EMAIL_URL: the worker writes mail to files) it is where the newcomer finds the e-mails;
in production staff check that a buyer's tickets left, and why a message is retrying.
"""

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.core.access import get_scoped_or_404, scoped
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.messaging.delivery import render_content
from rideau.messaging.models import OutboxAttachment, OutboxMessage
from rideau.orders.models import Order

from ...decorators import Request, organizer_view
from ...toolkit import file_response
from ..collection import listing

MESSAGES_PER_PAGE = 50
STATES = [
    ("queued", _("Queued")),
    ("sending", _("Being sent")),
    ("retrying", _("Retrying")),
    ("sent", _("Sent")),
    ("failed", _("Failed")),
]
STATE_FILTERS = {
    "queued": Q(status=OutboxMessage.Status.PENDING, attempts=0),
    "sending": Q(status=OutboxMessage.Status.SENDING),
    "retrying": Q(status=OutboxMessage.Status.PENDING, attempts__gt=0),
    "sent": Q(status=OutboxMessage.Status.SENT),
    "failed": Q(status=OutboxMessage.Status.FAILED),
}


class MailboxFilter(forms.Form):
    q = forms.CharField(label=_("Recipient or subject"), required=False, max_length=200)
    state = forms.ChoiceField(
        label=_("Delivery state"), required=False, choices=[("", _("All")), *STATES]
    )


def messages_for(organizer: Organizer) -> QuerySet[OutboxMessage]:
    """The organiser's messages, newest first, without their bodies."""
    return (
        scoped(OutboxMessage.objects.all(), organizer)
        .select_related("template")
        .defer("body_text", "body_html", "headers")
        .order_by("-id")
    )


def order_messages(organizer: Organizer, order) -> list[OutboxMessage]:
    """The messages written about one order (`reference` "order:<id>"), oldest first."""
    return list(messages_for(organizer).filter(reference=f"order:{order.pk}").order_by("id"))


# a message due this long ago and still waiting means no worker is delivering
STALLED_AFTER = datetime.timedelta(minutes=5)


def stalled(organizer: Organizer) -> bool:
    """True when a message has been due for a while and is still waiting: the worker that
    delivers mail does not seem to run (the page says so instead of staying silent)."""
    due = timezone.now() - STALLED_AFTER
    return (
        scoped(OutboxMessage.objects.all(), organizer)
        .filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lt=due)
        .exists()
    )


def file_sink() -> bool:
    """True when the worker writes mail to files (no EMAIL_URL) instead of sending it."""
    return settings.RIDEAU_DELIVERY_BACKEND.endswith("filebased.EmailBackend")


@organizer_view(Perm.VIEW_ORDERS)
def mailbox(request: Request, organizer: Organizer) -> HttpResponse:
    form = MailboxFilter(request.GET or None)
    found = messages_for(organizer)
    if form.is_valid():
        if text := form.cleaned_data["q"].strip():
            found = found.filter(Q(subject__icontains=text) | Q(to__icontains=text))
        if state := form.cleaned_data["state"]:
            found = found.filter(STATE_FILTERS[state])
    return listing(
        request,
        rows=found,
        name="mail",
        template="web/backoffice/mailbox.html",
        context={
            "organizer": organizer,
            "form": form,
            "file_sink": file_sink(),
            "mail_dir": settings.EMAIL_FILE_PATH,
            "stalled": stalled(organizer),
            "active": "mailbox",
        },
        per_page=MESSAGES_PER_PAGE,
        status=422 if form.errors else 200,
    )


@organizer_view(Perm.VIEW_ORDERS)
def mailbox_message(request: Request, organizer: Organizer, message: int) -> HttpResponse:
    obj = get_scoped_or_404(OutboxMessage.objects.all(), organizer, pk=message)
    if obj.template_id is not None or obj.renderer:  # rendered for its contact or order
        try:
            content = render_content(obj, track=False)
            obj.subject, obj.body_text, obj.body_html = content.subject, content.text, content.html
        except ObjectDoesNotExist:  # the contact or order it was about is gone (erased)
            obj.body_text = str(
                _("This message's text can no longer be shown: what it was about was deleted.")
            )
    order = None
    kind, _sep, ref = obj.reference.partition(":")
    if kind == "order" and ref.isdigit():
        order = Order.objects.filter(organizer=organizer, pk=int(ref)).first()
    return render(
        request,
        "web/backoffice/mailbox_message.html",
        {
            "organizer": organizer,
            "message": obj,
            "attachments": list(obj.attachments.defer("content").order_by("id")),
            "order": order,
            "file_sink": file_sink(),
            "mail_dir": settings.EMAIL_FILE_PATH,
            "active": "mailbox",
        },
    )


@organizer_view(Perm.VIEW_ORDERS)
def mailbox_attachment(
    request: Request, organizer: Organizer, message: int, attachment: int
) -> HttpResponse:
    """An attachment as the buyer received it (a deferred one, e.g. the PDF tickets, is
    rendered now, from the order as it is)."""
    obj = get_scoped_or_404(
        OutboxAttachment.objects.all(),
        organizer,
        "message__organizer",
        message_id=message,
        pk=attachment,
    )
    filename = obj.filename.replace('"', "")
    return file_response(obj.render(), obj.mimetype, filename, inline=True)
