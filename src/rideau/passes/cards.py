"""The pass's appearance (SPEC D4): a PVC card (CR80, 85.6 × 54 mm, vertical or horizontal,
the chosen elements over an optional background image, for a card printer) or an A4 page
for phone/paper passes (the QR code, the holder and the pass's tickets). reportlab + segno,
as the tickets are (`documents.tickets.draw_qr`)."""

import io

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from rideau.core.timezones import local_datetime, organizer_time
from rideau.documents.seats import seat_labels
from rideau.documents.tickets import draw_qr

from .models import Pass, PassProduct, PassTicket

CR80 = (85.6 * mm, 54 * mm)  # ISO/IEC 7810 ID-1


def _seat(p: Pass) -> str:
    ticket = (
        p.tickets.exclude(state=PassTicket.State.RESOLD)
        .select_related("position__date")
        .order_by("date__start")
        .first()
    )
    if ticket is None:
        return ""
    return seat_labels([ticket.position]).get(ticket.position.pk, "")


def render_card(p: Pass, card_format: str = "") -> bytes:
    """The pass as a PDF: a CR80 card (PVC format) or an A4 page (phone/paper), in the
    pass's own format unless `card_format` asks for the other (a reprint at the box office
    on the printer at hand)."""
    product = p.pass_product
    with organizer_time(p.organizer, p.order.locale if p.order else ""):
        if (card_format or product.card_format) == PassProduct.Format.PVC:
            return _pvc(p, product)
        return _a4(p, product)


def _pvc(p: Pass, product: PassProduct) -> bytes:
    width, height = CR80
    if product.card_orientation == PassProduct.Orientation.VERTICAL:
        width, height = height, width
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setTitle(str(product))
    elements = set(product.card_elements or ["name", "pass_name", "season", "qr"])
    if product.card_background:
        pdf.drawImage(ImageReader(product.card_background.path), 0, 0, width, height)
    vertical = width < height
    qr_size = (width - 10 * mm) if vertical else 30 * mm
    if "qr" in elements:
        if vertical:
            draw_qr(pdf, p.secret, x=5 * mm, y=4 * mm, size=qr_size)
        else:
            draw_qr(pdf, p.secret, x=width - qr_size - 4 * mm, y=4 * mm, size=qr_size)
    x, y = 4 * mm, height - 7 * mm
    if "photo" in elements and p.photo:
        photo_h = 18 * mm
        pdf.drawImage(
            ImageReader(p.photo.path),
            x,
            y - photo_h + 3 * mm,
            14 * mm,
            photo_h,
            preserveAspectRatio=True,
        )
        if vertical:
            y -= photo_h + 1 * mm
        else:
            x += 16 * mm
    pdf.setFillColorRGB(0, 0, 0)
    lines = []
    if "pass_name" in elements:
        lines.append(("Helvetica-Bold", 9, str(product)))
    if "season" in elements:
        lines.append(("Helvetica", 7, product.season.name))
    if "name" in elements and p.holder_name:
        lines.append(("Helvetica-Bold", 8, p.holder_name))
    if "seat" in elements and (seat := _seat(p)):
        lines.append(("Helvetica", 7, seat))
    for font, size, text in lines:
        pdf.setFont(font, size)
        pdf.drawString(x, y, text[:40])
        y -= size + 3
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _a4(p: Pass, product: PassProduct) -> bytes:
    width, height = A4
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(str(product))
    template = product.product.ticket_template
    if template is not None and template.background:
        pdf.drawImage(ImageReader(template.background.path), 0, 0, width, height)
    y = height - 25 * mm
    pdf.setFont("Helvetica-Bold", 20)
    pdf.drawString(20 * mm, y, str(product)[:60])
    y -= 10 * mm
    pdf.setFont("Helvetica", 12)
    for text in (product.season.name, p.holder_name, p.organizer.name):
        if text:
            pdf.drawString(20 * mm, y, text[:80])
            y -= 7 * mm
    draw_qr(pdf, p.secret, x=width - 80 * mm, y=height - 85 * mm, size=60 * mm)
    y = height - 100 * mm
    pdf.setFont("Helvetica-Bold", 13)
    pdf.drawString(20 * mm, y, _("Your events"))
    y -= 8 * mm
    pdf.setFont("Helvetica", 11)
    tickets = list(
        p.tickets.exclude(state=PassTicket.State.RESOLD)
        .select_related("date__event", "position")
        .order_by("date__start")
    )
    labels = seat_labels([t.position for t in tickets])
    for ticket in tickets:
        when = local_datetime(ticket.date.start, p.organizer)
        seat = labels.get(ticket.position.pk, "")
        pdf.drawString(20 * mm, y, f"{when}  {ticket.date.event}  {seat}"[:95])
        y -= 6 * mm
        if y < 20 * mm:
            pdf.showPage()
            y = height - 20 * mm
    pdf.showPage()
    pdf.save()
    return out.getvalue()
