"""The PDF gift card (reportlab, QR by segno through the tickets' `draw_qr`): code, QR,
amount and expiry, in the organiser's time zone and the buyer's language."""

import io
from collections.abc import Sequence

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from rideau.core.i18n import money
from rideau.core.timezones import local_datetime, organizer_time
from rideau.documents.tickets import draw_qr, text_lines

from .models import GiftVoucher


def _draw_card(pdf: canvas.Canvas, voucher: GiftVoucher) -> None:
    width, height = A4
    left = 20 * mm
    line = text_lines(pdf, left=left, top=height - 30 * mm, chars=80, gap=5 * mm)
    organizer = voucher.organizer
    pdf.setFillColorRGB(0, 0, 0)
    line(organizer.name, 12)
    line(_("Gift voucher"), 26, bold=True)
    line(money(voucher.value, voucher.currency), 30, bold=True)
    if voucher.balance != voucher.value:
        line(
            _("Balance: %(balance)s %(currency)s")
            % {"balance": money(voucher.balance), "currency": voucher.currency},
            14,
        )
    line(
        _("Valid until %(date)s")
        % {"date": local_datetime(voucher.expires_at, organizer, "DATE_FORMAT")},
        14,
    )
    line(_("Code: %(code)s") % {"code": voucher.code}, 16, bold=True)
    draw_qr(pdf, voucher.code, x=width - 90 * mm, y=height - 110 * mm, size=70 * mm)
    pdf.setFont("Helvetica", 9)
    pdf.drawString(
        left,
        20 * mm,
        _("Spend it in part or in full on our website or at the box office: give the code.")[:110],
    )


def render_cards_pdf(vouchers: Sequence[GiftVoucher], *, language: str | None = None) -> bytes:
    """One A4 page per voucher."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(_("Gift vouchers"))
    for voucher in vouchers:
        with organizer_time(voucher.organizer, language or voucher.locale):
            _draw_card(pdf, voucher)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def cards_attachment(*, voucher_ids: list[int]) -> bytes:
    """Deferred outbox attachment: the vouchers' cards, rendered when the e-mail is sent."""
    vouchers = list(
        GiftVoucher.objects.filter(pk__in=voucher_ids).select_related("organizer").order_by("pk")
    )
    return render_cards_pdf(vouchers)
