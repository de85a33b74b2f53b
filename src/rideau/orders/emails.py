"""The buyer's e-mail about an order, written by the outbox worker when the message is
sent (`messaging.OutboxMessage.renderer` names `order_email`), not in the transaction
that places, pays or cancels the order (ADR 0031): the order's request stays short, and
the e-mail lists the tickets with the seats they were given."""

from collections.abc import Sequence

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rideau.catalog.models import Product
from rideau.core.i18n import localize
from rideau.core.timezones import organizer_time
from rideau.documents.seats import seat_labels

from .models import Order, Position


def line_kinds(positions: Sequence[Position]) -> tuple[int, int]:
    """How many of `positions` are gift vouchers, and how many are something else (tickets,
    passes). Positions whose product is not loaded are asked in one query; new ones (no id
    yet) always carry their product."""
    kinds = [p.product.kind for p in positions if p.pk is None or Position.product.is_cached(p)]
    unknown = [p.pk for p in positions if p.pk is not None and not Position.product.is_cached(p)]
    if unknown:
        kinds += Position.objects.filter(pk__in=unknown).values_list("product__kind", flat=True)
    vouchers = sum(1 for kind in kinds if kind == Product.Kind.GIFT_VOUCHER)
    return vouchers, len(kinds) - vouchers


def _paid_subject(order: Order, positions: Sequence[Position] | None) -> str:
    """ "Your tickets", unless the order holds gift vouchers: their codes come in an e-mail of
    their own (`giftcards`), this one is the receipt."""
    if positions is None:
        positions = list(order.positions.filter(cancelled=False).select_related("product"))
    vouchers, others = line_kinds(positions)
    if vouchers and not others:
        text = ngettext(
            "Receipt for your gift voucher, order %(code)s",
            "Receipt for your gift vouchers, order %(code)s",
            vouchers,
        )
    elif vouchers:
        text = ngettext(
            "Your tickets and gift voucher, order %(code)s",
            "Your tickets and gift vouchers, order %(code)s",
            vouchers,
        )
    else:
        text = _("Your tickets, order %(code)s")
    return text % {"code": order.code}


def order_subject(order: Order, kind: str, positions: Sequence[Position] | None = None) -> str:
    """The subject of the e-mail of `kind` about `order` (listing `positions`, all of the
    order's when None), in the active language: a "placed" e-mail sent once the order is
    no longer waiting for payment (paid before the worker sent it) does not ask for a
    payment; a "paid" one speaks of the gift vouchers it holds."""
    if kind == "placed" and order.status != Order.Status.PENDING:
        return _("We have received your order %(code)s") % {"code": order.code}
    if kind == "paid":
        return _paid_subject(order, positions)
    subjects = {
        "placed": _("Your order %(code)s: waiting for payment"),
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
        vouchers, others = line_kinds(listed)
        context = {
            "order": order,
            "positions": listed,
            "kind": kind,
            "entries": any(p.is_entry for p in listed),
            # gift vouchers: their codes come in an e-mail of their own (`giftcards`)
            "gift_vouchers": vouchers,
            "only_gift_vouchers": vouchers > 0 and others == 0,
            "order_url": order_url(order),
        }
        text = render_to_string("orders/email.txt", context)
        return order_subject(order, kind, listed), text
