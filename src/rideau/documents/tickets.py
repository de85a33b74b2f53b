"""PDF tickets (reportlab) with QR codes (segno), laid out by the product's ticket template.

One page per ticket. The QR code holds the position's secret and is drawn as vector
modules, so it stays sharp on any printer and decodes from a phone screen.
"""

import io
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

import segno
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from rideau.catalog.models import Product, Rate, TicketTemplate
from rideau.core.i18n import money
from rideau.core.models import Organizer
from rideau.core.timezones import local_datetime, organizer_time
from rideau.events.models import Event, EventDate

from .seats import seat_labels

if TYPE_CHECKING:  # read through their attributes only: documents sit below orders
    from rideau.orders.models import Order, Position

# what the door staff and the buyer need whatever the ticket template chose: where to sit,
# when to come, which order it belongs to
ALWAYS_SHOWN = ["date", "seat", "order_code"]


def draw_qr(pdf: canvas.Canvas, data: str, *, x: float, y: float, size: float) -> None:
    """Draw `data` as a QR code whose lower-left corner is (x, y), `size` points wide."""
    qr = segno.make_qr(data, error="m")
    matrix = [list(row) for row in qr.matrix_iter(scale=1, border=4)]
    module = size / len(matrix)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.rect(x, y, size, size, stroke=0, fill=1)
    pdf.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * module
        col = 0
        while col < len(row):
            if row[col]:
                start = col
                while col < len(row) and row[col]:
                    col += 1
                pdf.rect(x + start * module, top, (col - start) * module, module, stroke=0, fill=1)
            else:
                col += 1


class TicketOrder(Protocol):
    """What a ticket shows of its order (an `orders.Order`, or the preview's sample)."""

    @property
    def organizer(self) -> Organizer: ...
    @property
    def event(self) -> Event | None: ...
    @property
    def currency(self) -> str: ...
    @property
    def code(self) -> str: ...


class TicketPosition(Protocol):
    """What a ticket shows of its position (an `orders.Position`, or the preview's sample)."""

    @property
    def product(self) -> Product: ...
    @property
    def rate(self) -> Rate: ...
    @property
    def date(self) -> EventDate | None: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def attendee_name(self) -> str: ...
    @property
    def secret(self) -> str: ...


def text_lines(
    pdf: canvas.Canvas, *, left: float, top: float, chars: int, gap: float
) -> Callable[..., None]:
    """`line(text, size=12, bold=False)`: writes `text` (its first `chars` characters) at
    `left`, each line under the previous one from `top`, `gap` apart."""
    y = top

    def line(text: str, size: int = 12, bold: bool = False) -> None:
        nonlocal y
        pdf.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        pdf.drawString(left, y, text[:chars])
        y -= size * 0.5 * mm + gap

    return line


def _elements(position: TicketPosition) -> list[str]:
    template: TicketTemplate | None = position.product.ticket_template
    if template is None or not template.elements:  # no template, or none chosen: all of them
        return list(TicketTemplate.ELEMENTS)
    chosen = list(template.elements)
    return chosen + [e for e in ALWAYS_SHOWN if e not in chosen]


def draw_ticket(
    pdf: canvas.Canvas, order: TicketOrder, position: TicketPosition, seat: str = ""
) -> None:
    """One ticket on the current page, laid out by its product's ticket template; `seat` is
    its seat label (`seats.seat_labels`)."""
    width, height = A4
    template = position.product.ticket_template
    if template is not None and template.background:
        try:
            pdf.drawImage(
                ImageReader(template.background.path), 0, 0, width, height, preserveAspectRatio=True
            )
        except OSError:
            pass  # a missing background file must not stop the ticket
    elements = _elements(position)
    left = 20 * mm
    line = text_lines(pdf, left=left, top=height - 30 * mm, chars=90, gap=4 * mm)
    pdf.setFillColorRGB(0, 0, 0)
    line(order.organizer.name, 10)
    event = order.event
    if position.date is not None and position.date.event_id is not None:
        event = position.date.event  # a pass's ticket: one of the season's shows
    if "event_name" in elements and event is not None:
        line(str(event), 20, bold=True)
    if "date" in elements and position.date is not None:
        line(local_datetime(position.date.start, order.organizer), 14, bold=True)
    if "venue" in elements and event is not None and event.venue is not None:
        venue = event.venue
        line(", ".join(filter(None, [venue.name, venue.address, venue.city])), 11)
    if "attendee_name" in elements and position.attendee_name:
        line(position.attendee_name, 14, bold=True)
    if "rate" in elements:
        line(f"{position.product} – {position.rate}", 12)
    if "price" in elements:
        line(money(position.price, order.currency), 12)
    if "seat" in elements and seat:
        line(_("Seat: %(seat)s") % {"seat": seat}, 12, bold=True)
    if "order_code" in elements:
        line(_("Order %(code)s") % {"code": order.code}, 10)
    if "qr" in elements:
        draw_qr(pdf, position.secret, x=width - 90 * mm, y=height - 100 * mm, size=70 * mm)
    pdf.setFont("Helvetica", 8)
    pdf.drawString(left, 15 * mm, _("Show this ticket at the entrance. One entry per code."))


def render_tickets_pdf(order: "Order", positions: Sequence["Position"] | None = None) -> bytes:
    """All tickets of the order (or the given positions) as one PDF, one page each."""
    if positions is None:
        positions = [
            position
            for position in order.positions.filter(cancelled=False)
            .select_related("product__ticket_template", "rate", "date__event__venue", "hold")
            .prefetch_related("hold__seat_holds__seat")
            # no entry, no ticket: a gift voucher's card and a season pass's are their own
            # (the QR code of a pass itself opens no door)
            if position.is_entry
        ]
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(_("Tickets %(code)s") % {"code": order.code})
    pdf.setAuthor(order.organizer.name)
    with organizer_time(order.organizer, order.locale):
        seats = seat_labels(positions)
        for position in positions:
            draw_ticket(pdf, order, position, seats.get(position.pk, ""))
            pdf.showPage()
    pdf.save()
    return buffer.getvalue()
