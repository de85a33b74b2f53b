"""The buyer's e-mail about an order, written by the outbox worker when the message is
sent (`messaging.OutboxMessage.renderer` names `order_email`), not in the transaction
that places, pays or cancels the order (ADR 0031): the order's request stays short, and
the e-mail lists the tickets with the seats they were given."""

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from rideau.core.i18n import localize
from rideau.core.timezones import organizer_time
from rideau.documents.seats import seat_labels

from .models import Order, Position


def order_subject(order: Order, kind: str) -> str:
    """The subject of the e-mail of `kind` about `order`, in the active language: a
    "placed" e-mail sent once the order is no longer waiting for payment (paid before the
    worker sent it) does not ask for a payment."""
    if kind == "placed" and order.status != Order.Status.PENDING:
        return _("We have received your order %(code)s") % {"code": order.code}
    subjects = {
        "placed": _("Your order %(code)s: waiting for payment"),
        "paid": _("Your tickets, order %(code)s"),
        "cancelled": _("Your order %(code)s was cancelled"),
        "expired": _("Your order %(code)s expired"),
    }
    return subjects[kind] % {"code": order.code}


def order_url(order: Order) -> str:
    """The order's public page (its tickets, the PDF, what is left to pay): the e-mails
    link to it."""
    path = reverse(
        "web:shop-order",
        kwargs={
            "organizer": order.organizer.slug,
            "code": order.code,
            "order_secret": order.secret,
        },
    )
    return settings.SITE_URL + path


def order_email_text(*, order_id: int, kind: str, positions: list[int] | None = None) -> str:
    """The text alone of `order_email` (the renderer of e-mails queued before the subject
    was rendered when sent too)."""
    return order_email(order_id=order_id, kind=kind, positions=positions)[1]


def order_email(*, order_id: int, kind: str, positions: list[int] | None = None) -> tuple[str, str]:
    """The subject and text of the e-mail of `kind` ("placed", "paid", "cancelled",
    "expired") about the order, as it stands when sent: its tickets `positions` (ids), or
    all of them when None, in the order's language and the organiser's time zone."""
    tickets = Position.objects.select_related(
        "product__event", "rate", "date__event", "session__event"
    ).order_by("pk")
    if positions is not None:
        tickets = tickets.filter(pk__in=positions)
    order = (
        Order.objects.select_related("organizer", "voucher")
        .prefetch_related(
            Prefetch("positions", queryset=tickets.prefetch_related("hold__seat_holds__seat"))
        )
        .get(pk=order_id)
    )
    listed = list(order.positions.all())
    with organizer_time(order.organizer, order.locale):
        seats = seat_labels(listed)  # "Row B, seat 12": in the order's language too
        languages = order.organizer.languages
        for position in listed:
            position.seat_label = seats.get(position.pk, "")  # type: ignore[attr-defined]
            event = position.admits_to  # which show: a pass's tickets are for several
            position.event_name = localize(event.name, order.locale, languages) if event else ""  # type: ignore[attr-defined]
        context = {
            "order": order,
            "positions": listed,
            "kind": kind,
            "entries": any(p.is_entry for p in listed),
            "order_url": order_url(order),
        }
        text = render_to_string("orders/email.txt", context)
        return order_subject(order, kind), text
