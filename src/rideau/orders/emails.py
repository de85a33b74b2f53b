"""The buyer's e-mail about an order, written by the outbox worker when the message is
sent (`messaging.OutboxMessage.renderer` names `order_email_text`), not in the transaction
that places, pays or cancels the order (ADR 0031): the order's request stays short, and
the e-mail lists the tickets with the seats they were given."""

from django.db.models import Prefetch
from django.template.loader import render_to_string

from rideau.core.timezones import organizer_time
from rideau.documents.seats import seat_labels

from .models import Order, Position


def order_email_text(*, order_id: int, kind: str, positions: list[int] | None = None) -> str:
    """The text of the e-mail of `kind` ("placed", "paid", "cancelled", "expired") about
    the order: its tickets `positions` (ids), or all of them when None, in the order's
    language and the organiser's time zone."""
    tickets = Position.objects.select_related("product", "rate", "date").order_by("pk")
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
        for position in listed:
            position.seat_label = seats.get(position.pk, "")  # type: ignore[attr-defined]
        return render_to_string(
            "orders/email.txt", {"order": order, "positions": listed, "kind": kind}
        )
