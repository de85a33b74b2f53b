"""Team badges (B4): one A6 page per person with name, company and a QR code.

The QR code holds the person's ticket secret when they have a ticket to the event (so the
check-in scanner admits them), else the member's badge code (which the partners' lead
scanner knows)."""

import io
from collections.abc import Sequence

from django.db.models import Q
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from rideau.orders.models import Order, Position
from rideau.orders.tickets import draw_qr

from .models import Partner, TeamMember


def badge_code(member: TeamMember) -> str:
    contact = member.contact
    partner = member.partner
    ticket = (
        Position.objects.filter(
            order__event_id=partner.event_id,
            order__organizer_id=partner.organizer_id,
            order__status=Order.Status.PAID,
            cancelled=False,
        )
        .filter(Q(attendee_email__iexact=contact.email) | Q(order__contact=contact))
        .order_by("pk")
        .values_list("secret", flat=True)
        .first()
    )
    return ticket or member.badge_code


def render_badges(partner: Partner, members: Sequence[TeamMember]) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A6)
    width, height = A6
    pdf.setTitle(f"{partner.event} · {partner.name}")
    for member in members:
        contact = member.contact
        name = f"{contact.first_name} {contact.last_name}".strip() or contact.email
        pdf.setFont("Helvetica-Bold", 16)
        pdf.drawCentredString(width / 2, height - 20 * mm, name[:40])
        pdf.setFont("Helvetica", 12)
        pdf.drawCentredString(width / 2, height - 28 * mm, partner.name[:50])
        if member.job_title:
            pdf.setFont("Helvetica", 10)
            pdf.drawCentredString(width / 2, height - 34 * mm, member.job_title[:60])
        size = 60 * mm
        draw_qr(pdf, badge_code(member), x=(width - size) / 2, y=12 * mm, size=size)
        pdf.setFont("Helvetica", 8)
        pdf.drawCentredString(width / 2, 6 * mm, str(partner.event)[:70])
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
