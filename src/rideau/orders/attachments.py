"""An order e-mail's deferred attachments: the outbox renders them when the message is sent
(`messaging.OutboxAttachment.renderer` names these functions), from the order's id."""

from rideau.documents.ical import render_ical
from rideau.documents.tickets import render_tickets_pdf

from .models import Order


def tickets_attachment(*, order_id: int) -> bytes:
    """The order's tickets as one PDF, rendered when the e-mail is sent."""
    order = Order.objects.select_related("organizer", "event__venue").get(pk=order_id)
    return render_tickets_pdf(order)


def ical_attachment(*, order_id: int) -> bytes:
    """The order's dates as an iCalendar file."""
    return render_ical(Order.objects.select_related("organizer").get(pk=order_id))
