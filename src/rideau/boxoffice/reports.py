"""The cash register report of a shift (SPEC D10), and its PDF and XLSX renderings; the
80 mm receipt of a sale.

Every figure comes from the shift's till movements (`Movement`), written by the sale and
refund services in their own transactions, and the tickets of the orders sold: the report
of a shift equals the payments of its orders (tests/boxoffice/test_boxoffice.py).

What a shift sold is what its till took. An order it collected (`services.collect`) may
have been paid in part before (a gift voucher online, a part payment): its tickets are
listed at their price, as on the order, and what was paid before comes off in one line of
its own (`paid_before`), so the lines add up to the shift's sales, payment by payment
(tests/boxoffice/test_collect.py)."""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from rideau.catalog.models import Product
from rideau.core.i18n import localize, money
from rideau.core.text import cell_text
from rideau.core.timezones import local_datetime, organizer_time
from rideau.documents.seats import seat_labels
from rideau.documents.tickets import draw_qr
from rideau.orders.models import Order, Payment, Position
from rideau.orders.payments.base import get_provider
from rideau.orders.payments.errors import PaymentError

from .models import CashSession, Movement, ShiftSale


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
    # the orders the shift collected that were paid in part before (online, by a voucher),
    # and what they had been paid: their tickets are in `lines`, that money is not the till's
    collected_paid_before: int = 0
    paid_before: Decimal = Decimal("0")

    @property
    def lines_total(self) -> Decimal:
        """What the lines come to: their tickets less what was paid before the till (the
        shift's sales, `total_sales`)."""
        return sum((line.amount for line in self.lines), Decimal("0")) - self.paid_before

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
    for movement in Movement.objects.filter(session=session).order_by("pk"):
        book = report.sales if movement.kind == Movement.Kind.SALE else report.refunds
        book[movement.provider] = book.get(movement.provider, Decimal("0")) + movement.amount
        if movement.kind == Movement.Kind.SALE and movement.provider == "gift_voucher":
            report.vouchers_redeemed += movement.amount
            report.redemptions += 1
    # the orders the shift sold or collected, free ones too (they move no money: no movement)
    sold_at = dict(ShiftSale.objects.filter(session=session).values_list("order_id", "created"))
    report.orders = len(sold_at)
    _paid_before(report, sold_at)
    grouped: dict[tuple, ReportLine] = defaultdict(lambda: ReportLine(label="", rate=""))
    positions = (
        Position.objects.filter(order_id__in=sold_at)
        .select_related("product__event", "rate", "date__event", "session__event")
        .order_by(F("date__start").asc(nulls_last=True), "product_id", "rate_id", "pk")
    )
    for position in positions:
        if position.removed_at is not None and position.removed_at <= sold_at[position.order_id]:
            continue  # taken out of the order before the till sold it: not what it sold
        product = position.product
        label = ticket_title(position)
        if position.date is not None:
            label = f"{label} · {local_datetime(position.date.start, session.organizer)}"
        key = (label, position.rate_id)
        line = grouped[key]
        line.label, line.rate = label, rate_label(position)
        line.count += 1
        line.amount += position.price
        if product.kind == Product.Kind.GIFT_VOUCHER:
            report.vouchers_sold += 1
            report.vouchers_sold_amount += position.price
        elif product.kind == Product.Kind.PASS and not position.is_entry:  # the pass itself
            report.passes_sold += 1
            report.passes_sold_amount += position.price
    report.lines = list(grouped.values())
    return report


def _paid_before(report: Report, sold_at: dict[int, datetime.datetime]) -> None:
    """What the orders the shift collected had been paid before the till took the rest:
    their payments received before it (`ShiftSale.created`, the time of the till's own
    payments); a payment since refunded was received all the same."""
    received = (Payment.State.CONFIRMED, Payment.State.REFUNDED)
    orders: set[int] = set()
    for order_id, created, amount in Payment.objects.filter(
        order_id__in=sold_at, state__in=received
    ).values_list("order_id", "created", "amount"):
        if created < sold_at[order_id]:
            orders.add(order_id)
            report.paid_before += amount
    report.collected_paid_before = len(orders)


def ticket_title(position: Position) -> str:
    """What a ticket is for, as the box office names it: the event it admits to (a pass's
    place: the show of its date, not the pass), else its product (a gift voucher, the pass
    itself). Load `date__event`, `session__event` and `product__event` with it."""
    event = position.admits_to
    return localize(event.name) if event is not None else localize(position.product.name)


def rate_label(position: Position) -> str:
    """The ticket's rate; a pass's place says which pass gave it ("Festival pass – Full")."""
    rate = localize(position.rate.name)
    product = position.product
    if product.kind == Product.Kind.PASS and position.is_entry:
        return f"{localize(product.name)} – {rate}"
    return rate


CENT = Decimal("0.01")
Cell = str | int | Decimal  # an amount is a Decimal: a number in the XLSX, money in the PDF


def _rows(report: Report) -> list[tuple[str, list[list[Cell]]]]:
    """The report as titled tables (shared by the PDF and the XLSX)."""
    session = report.session
    organizer = session.organizer
    summary: list[list[Cell]] = [
        [_("Cashier"), session.cashier_name],
        [_("Device"), session.device],
        [_("Opened"), local_datetime(session.opened_at, organizer)],
        [_("Closed"), local_datetime(session.closed_at, organizer) if session.closed_at else ""],
        [_("Orders"), report.orders],
        [_("Passes sold"), report.passes_sold, report.passes_sold_amount],
        [_("Opening float"), session.opening_float],
        [_("Sales"), report.total_sales],
        [_("Refunds"), report.total_refunds],
        [_("Expected cash"), report.expected_cash],
    ]
    if session.counted_cash is not None:
        summary += [
            [_("Counted cash"), session.counted_cash],
            [_("Difference"), session.difference or Decimal("0")],
        ]
    if session.note:
        summary.append([_("Cashier's note"), session.note])
    methods: list[list[Cell]] = [[_("Payment method"), _("Sales"), _("Refunds")]]
    methods += [[name, s, r] for name, s, r in report.methods()]
    lines: list[list[Cell]] = [[_("Event / product"), _("Rate"), _("Quantity"), _("Amount")]]
    lines += [[line.label, line.rate, line.count, line.amount] for line in report.lines]
    if report.paid_before:  # the collected orders' earlier payments: not the till's money
        lines.append(
            [
                _("Paid before the till"),
                ngettext(
                    "%(count)s order collected here",
                    "%(count)s orders collected here",
                    report.collected_paid_before,
                )
                % {"count": report.collected_paid_before},
                "",
                -report.paid_before,
            ]
        )
    if report.lines:
        lines.append([_("Sales"), "", "", report.lines_total])
    vouchers: list[list[Cell]] = [
        [_("Gift vouchers spent"), report.redemptions, report.vouchers_redeemed],
        [_("Gift vouchers sold"), report.vouchers_sold, report.vouchers_sold_amount],
    ]
    return [
        (_("Cash register report"), summary),
        (_("Per payment method"), methods),
        (_("Per event and rate"), lines),
        (_("Gift vouchers"), vouchers),
    ]


def report_language(session: CashSession) -> str:
    return session.organizer.default_language


def _pdf_text(value: Cell, currency: str) -> str:
    if isinstance(value, Decimal):
        return money(value.quantize(CENT), currency)
    return str(value)


def _wrap(text: str, width: int) -> list[str]:
    """`text` cut into lines of at most `width` characters, at spaces where it can."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            while len(word) > width:
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:width])
                word = word[width:]
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return lines


COLUMNS = (80 * mm, 40 * mm, 25 * mm, 25 * mm)  # the report's PDF tables


def _fit(text: str, width: float, font: str = "Helvetica", size: float = 10) -> list[str]:
    """`text` in lines no wider than `width` points in `font`, cut at spaces where it can
    (a word wider than the column is cut where it overflows)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if stringWidth(candidate, font, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while len(word) > 1 and stringWidth(word, font, size) > width:
                cut = len(word) - 1
                while cut > 1 and stringWidth(word[:cut], font, size) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def render_report_pdf(session: CashSession) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    _width, height = A4
    currency = session.organizer.currency
    with organizer_time(session.organizer, report_language(session)):
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
                if len(row) == 2 and isinstance(row[1], str) and len(row[1]) > 48:
                    # a long text (the cashier's note): wrapped under its label
                    pdf.drawString(20 * mm, y, str(row[0]))
                    for part in _wrap(row[1], 80):
                        y -= 5.5 * mm
                        if y < 20 * mm:
                            pdf.showPage()
                            pdf.setFont("Helvetica", 10)
                            y = height - 20 * mm
                        pdf.drawString(30 * mm, y, part)
                    y -= 5.5 * mm
                    continue
                # each cell wrapped in its column (an event's name and date, a long rate)
                cells = [
                    _fit(_pdf_text(cell, currency), width - 2 * mm)
                    for cell, width in zip(row, COLUMNS, strict=False)
                ]
                depth = max(len(lines) for lines in cells)
                if y - (depth - 1) * 5.5 * mm < 20 * mm:
                    pdf.showPage()
                    pdf.setFont("Helvetica", 10)
                    y = height - 20 * mm
                x = 20 * mm
                for lines, width in zip(cells, COLUMNS, strict=False):
                    for i, line in enumerate(lines):
                        pdf.drawString(x, y - i * 5.5 * mm, line)
                    x += width
                y -= depth * 5.5 * mm
            y -= 5 * mm
    pdf.save()
    return buffer.getvalue()


def render_report_xlsx(session: CashSession) -> bytes:
    """One sheet per table; amounts and counts are numbers, every text cell is safe
    against formula injection."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    with organizer_time(session.organizer, report_language(session)):
        for title, rows in _rows(report_for(session)):
            sheet = workbook.create_sheet(cell_text(title)[:31])
            for row in rows:
                sheet.append([_cell(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(value: Cell):
    if isinstance(value, (Decimal, int)):
        return value
    return cell_text(value)


def report_pdf_attachment(*, session_id: int) -> bytes:
    return render_report_pdf(CashSession.objects.select_related("organizer").get(pk=session_id))


def report_xlsx_attachment(*, session_id: int) -> bytes:
    return render_report_xlsx(CashSession.objects.select_related("organizer").get(pk=session_id))


# --- the 80 mm receipt -----------------------------------------------------------------------

RECEIPT_WIDTH = 80 * mm


def render_receipt_pdf(order: Order) -> bytes:
    """A receipt-printer PDF (80 mm wide): one slip per ticket — with its QR code when it
    admits someone (`Position.is_entry`: not a gift voucher, not a season pass itself,
    whose card is the one to show) — then the order's total and payments."""
    positions = list(
        order.positions.filter(cancelled=False)
        .select_related("product__event", "rate", "date__event", "session__event", "hold")
        .prefetch_related("hold__seat_holds__seat")
        .order_by("pk")
    )
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(RECEIPT_WIDTH, 120 * mm), pageCompression=1)
    organizer = order.organizer
    with organizer_time(organizer, order.locale):
        seats = seat_labels(positions)
        pdf.setTitle(_("Receipt %(code)s") % {"code": order.code})
        for position in positions:
            y = 112 * mm
            pdf.setFont("Helvetica-Bold", 10)
            for line in _wrap(ticket_title(position), 36)[:2]:
                pdf.drawString(4 * mm, y, line)
                y -= 5 * mm
            pdf.setFont("Helvetica", 9)
            if position.date is not None:
                pdf.drawString(4 * mm, y, local_datetime(position.date.start, organizer))
                y -= 5 * mm
            seat = seats.get(position.pk, "")
            if seat:
                pdf.setFont("Helvetica-Bold", 9)
                for line in _wrap(seat, 42)[:2]:
                    pdf.drawString(4 * mm, y, line)
                    y -= 5 * mm
                pdf.setFont("Helvetica", 9)
            for line in _wrap(rate_label(position), 42)[:2]:
                pdf.drawString(4 * mm, y, line)
                y -= 5 * mm
            pdf.drawString(4 * mm, y, money(position.price, order.currency))
            y -= 5 * mm
            pdf.drawString(4 * mm, y, _("Order %(code)s") % {"code": order.code})
            if position.is_entry:
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
            4 * mm, y, _("Total: %(total)s") % {"total": money(order.total, order.currency)}
        )
        y -= 6 * mm
        pdf.setFont("Helvetica", 9)
        for payment in order.payments.filter(state="confirmed").order_by("pk"):
            line = _("%(method)s: %(amount)s") % {
                "method": method_name(payment.provider),
                "amount": money(payment.amount, order.currency),
            }
            pdf.drawString(4 * mm, y, line[:42])
            y -= 5 * mm
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
