"""The cash register report of a shift (SPEC D10), and its PDF and XLSX renderings; the
80 mm receipt of a sale.

Every figure comes from the shift's till movements (`Movement`), written by the sale and
refund services in their own transactions, and the tickets of the orders sold: the report
of a shift equals the payments of its orders (tests/boxoffice/test_boxoffice.py)."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from rideau.core.i18n import localize, money
from rideau.core.text import cell_text
from rideau.core.timezones import local_datetime, organizer_time
from rideau.documents.tickets import draw_qr
from rideau.orders.models import Order, Position
from rideau.orders.payments.base import get_provider
from rideau.orders.payments.errors import PaymentError

from .models import CashSession, Movement


@dataclass(kw_only=True)
class ReportLine:
    label: str
    rate: str
    count: int = 0
    amount: Decimal = Decimal("0")


@dataclass(kw_only=True)
class Report:
    session: CashSession
    sales: dict[str, Decimal] = field(default_factory=dict)  # method -> amount
    refunds: dict[str, Decimal] = field(default_factory=dict)
    lines: list[ReportLine] = field(default_factory=list)
    orders: int = 0
    vouchers_redeemed: Decimal = Decimal("0")
    redemptions: int = 0
    vouchers_sold: int = 0
    vouchers_sold_amount: Decimal = Decimal("0")
    passes_sold: int = 0
    passes_sold_amount: Decimal = Decimal("0")

    @property
    def total_sales(self) -> Decimal:
        return sum(self.sales.values(), Decimal("0"))

    @property
    def total_refunds(self) -> Decimal:
        return sum(self.refunds.values(), Decimal("0"))

    @property
    def expected_cash(self) -> Decimal:
        return (
            self.session.opening_float
            + self.sales.get("cash", Decimal("0"))
            - self.refunds.get("cash", Decimal("0"))
        )

    def methods(self) -> list[tuple[str, Decimal, Decimal]]:
        """(method name, sales, refunds) per method used."""
        used = sorted(set(self.sales) | set(self.refunds))
        return [
            (method_name(m), self.sales.get(m, Decimal("0")), self.refunds.get(m, Decimal("0")))
            for m in used
        ]


def method_name(method: str) -> str:
    try:
        return str(get_provider(method).verbose_name)
    except PaymentError:
        return method


def report_for(session: CashSession) -> Report:
    report = Report(session=session)
    order_ids = set()
    for movement in Movement.objects.filter(session=session).order_by("pk"):
        book = report.sales if movement.kind == Movement.Kind.SALE else report.refunds
        book[movement.provider] = book.get(movement.provider, Decimal("0")) + movement.amount
        if movement.kind == Movement.Kind.SALE:
            order_ids.add(movement.order_id)
            if movement.provider == "gift_voucher":
                report.vouchers_redeemed += movement.amount
                report.redemptions += 1
    # free sales have no movement of money but belong to the shift through their order
    report.orders = len(order_ids)
    grouped: dict[tuple, ReportLine] = defaultdict(lambda: ReportLine(label="", rate=""))
    positions = (
        Position.objects.filter(order_id__in=order_ids)
        .select_related("product__event", "rate", "date")
        .order_by("product__event_id", "date__start", "product_id", "rate_id", "pk")
    )
    for position in positions:
        product = position.product
        event = product.event
        label = localize(event.name) if event else localize(product.name)
        if position.date is not None:
            label = f"{label} · {local_datetime(position.date.start, session.organizer)}"
        key = (label, position.rate_id)
        line = grouped[key]
        line.label, line.rate = label, localize(position.rate.name)
        line.count += 1
        line.amount += position.price
        if product.kind == "gift_voucher":
            report.vouchers_sold += 1
            report.vouchers_sold_amount += position.price
        elif product.kind == "pass" and position.date_id is None:  # the pass, not its places
            report.passes_sold += 1
            report.passes_sold_amount += position.price
    report.lines = list(grouped.values())
    return report


def _rows(report: Report) -> list[tuple[str, list[list[str]]]]:
    """The report as titled tables of text (shared by the PDF and the XLSX)."""
    session = report.session
    organizer = session.organizer
    money = lambda v: f"{v:.2f}"  # noqa: E731
    summary = [
        [_("Cashier"), session.cashier_name],
        [_("Device"), session.device],
        [_("Opened"), local_datetime(session.opened_at, organizer)],
        [_("Closed"), local_datetime(session.closed_at, organizer) if session.closed_at else ""],
        [_("Orders"), str(report.orders)],
        [_("Passes sold"), f"{report.passes_sold} ({money(report.passes_sold_amount)})"],
        [_("Opening float"), money(session.opening_float)],
        [_("Sales"), money(report.total_sales)],
        [_("Refunds"), money(report.total_refunds)],
        [_("Expected cash"), money(report.expected_cash)],
    ]
    if session.counted_cash is not None:
        summary += [
            [_("Counted cash"), money(session.counted_cash)],
            [_("Difference"), money(session.difference or 0)],
        ]
    methods = [[_("Payment method"), _("Sales"), _("Refunds")]] + [
        [name, money(s), money(r)] for name, s, r in report.methods()
    ]
    lines = [[_("Event / product"), _("Rate"), _("Quantity"), _("Amount")]] + [
        [line.label, line.rate, str(line.count), money(line.amount)] for line in report.lines
    ]
    vouchers = [
        [_("Gift vouchers spent"), str(report.redemptions), money(report.vouchers_redeemed)],
        [_("Gift vouchers sold"), str(report.vouchers_sold), money(report.vouchers_sold_amount)],
    ]
    return [
        (_("Cash register report"), summary),
        (_("Per payment method"), methods),
        (_("Per event and rate"), lines),
        (_("Gift vouchers"), vouchers),
    ]


def _language(session: CashSession) -> str:
    return session.organizer.default_language


def render_report_pdf(session: CashSession) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    _width, height = A4
    with organizer_time(session.organizer, _language(session)):
        report = report_for(session)
        pdf.setTitle(_("Cash register report"))
        y = height - 20 * mm
        pdf.setFont("Helvetica", 10)
        pdf.drawString(20 * mm, y, session.organizer.name)
        y -= 8 * mm
        for title, rows in _rows(report):
            if y < 40 * mm:
                pdf.showPage()
                y = height - 20 * mm
            pdf.setFont("Helvetica-Bold", 14)
            pdf.drawString(20 * mm, y, title)
            y -= 7 * mm
            for row in rows:
                if y < 20 * mm:
                    pdf.showPage()
                    y = height - 20 * mm
                pdf.setFont("Helvetica", 10)
                x = 20 * mm
                widths = [80 * mm, 40 * mm, 25 * mm, 25 * mm]
                for cell, w in zip(row, widths, strict=False):
                    pdf.drawString(x, y, str(cell)[:48])
                    x += w
                y -= 5.5 * mm
            y -= 5 * mm
    pdf.save()
    return buffer.getvalue()


def render_report_xlsx(session: CashSession) -> bytes:
    """One sheet per table; every text cell safe against formula injection."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    with organizer_time(session.organizer, _language(session)):
        for title, rows in _rows(report_for(session)):
            sheet = workbook.create_sheet(cell_text(title)[:31])
            for row in rows:
                sheet.append([_cell(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(value: str):
    try:
        return (
            Decimal(value)
            if value and value.replace(".", "", 1).lstrip("-").isdigit()
            else cell_text(value)
        )
    except ArithmeticError:
        return cell_text(value)


def report_pdf_attachment(*, session_id: int) -> bytes:
    return render_report_pdf(CashSession.objects.select_related("organizer").get(pk=session_id))


def report_xlsx_attachment(*, session_id: int) -> bytes:
    return render_report_xlsx(CashSession.objects.select_related("organizer").get(pk=session_id))


# --- the 80 mm receipt -----------------------------------------------------------------------

RECEIPT_WIDTH = 80 * mm


def render_receipt_pdf(order: Order) -> bytes:
    """A receipt-printer PDF (80 mm wide): one slip per ticket with its QR code, then the
    order's total and payments."""
    positions = list(
        order.positions.filter(cancelled=False)
        .select_related("product__event", "rate", "date")
        .order_by("pk")
    )
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(RECEIPT_WIDTH, 120 * mm), pageCompression=1)
    organizer = order.organizer
    with organizer_time(organizer, order.locale):
        pdf.setTitle(_("Receipt %(code)s") % {"code": order.code})
        for position in positions:
            y = 112 * mm
            pdf.setFont("Helvetica-Bold", 10)
            event = position.product.event
            pdf.drawString(
                4 * mm, y, (localize(event.name) if event else str(position.product))[:38]
            )
            y -= 5 * mm
            pdf.setFont("Helvetica", 9)
            if position.date is not None:
                pdf.drawString(4 * mm, y, local_datetime(position.date.start, organizer))
                y -= 5 * mm
            pdf.drawString(
                4 * mm,
                y,
                f"{localize(position.rate.name)} – {money(position.price, order.currency)}"[:42],
            )
            y -= 5 * mm
            pdf.drawString(4 * mm, y, _("Order %(code)s") % {"code": order.code})
            if position.product.kind != "gift_voucher":
                draw_qr(pdf, position.secret, x=12 * mm, y=8 * mm, size=56 * mm)
            pdf.showPage()
        y = 112 * mm
        pdf.setFont("Helvetica-Bold", 11)
        pdf.drawString(4 * mm, y, organizer.name[:34])
        y -= 6 * mm
        pdf.setFont("Helvetica", 9)
        pdf.drawString(4 * mm, y, local_datetime(order.created, organizer))
        y -= 6 * mm
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(
            4 * mm,
            y,
            _("Total: %(total)s %(currency)s") % {"total": order.total, "currency": order.currency},
        )
        y -= 6 * mm
        pdf.setFont("Helvetica", 9)
        for payment in order.payments.filter(state="confirmed").order_by("pk"):
            pdf.drawString(
                4 * mm, y, f"{method_name(payment.provider)}: {money(payment.amount)}"[:42]
            )
            y -= 5 * mm
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
