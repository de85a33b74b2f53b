"""Exports of an event's buyers, their tickets and form answers, as CSV or XLSX.

Cells are made safe (`rideau.core.text.cell_text`): characters a worksheet cannot hold are
removed (text stored before the input rule), and a text starting with = + - @ TAB or CR is
prefixed with a quote, so a spreadsheet shows it as text instead of running it.
"""

import csv
import datetime
import io
import zoneinfo
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from rideau.core.i18n import localize
from rideau.core.text import cell_text
from rideau.events.models import Event

from .answers import answer_labels, answer_text
from .models import Order, Position

EXPORTED_STATUSES = (Order.Status.PAID, Order.Status.PENDING)
CHUNK = 500


def safe_cell(value) -> str | int | Decimal | datetime.datetime:
    """The value as written to a cell: numbers and (local, naive) times stay what they are,
    texts are defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | Decimal | datetime.datetime):
        return value
    return cell_text(value if isinstance(value, str) else str(value))


def buyer_positions(event: Event) -> QuerySet:
    """The tickets of the event's paid and pending orders, in order then ticket order."""
    return (
        Position.objects.filter(
            order__event=event,
            order__organizer=event.organizer_id,
            order__status__in=EXPORTED_STATUSES,
            cancelled=False,
        )
        .select_related("order__audience_type", "rate", "product", "date")
        .order_by("order__created", "order_id", "id")
    )


def answer_keys(positions: QuerySet) -> list[str]:
    """Every answer key used by these tickets, sorted (one column each)."""
    keys: set[str] = set()
    for answers in positions.values_list("answers", flat=True).iterator(chunk_size=CHUNK):
        if isinstance(answers, dict):
            keys.update(str(k) for k in answers)
    return sorted(keys)


def header(keys: list[str], labels: dict[str, str]) -> list[str]:
    """The first row: the ticket columns, then one column per question (its label)."""
    return [
        _("Order code"),
        _("Order status"),
        _("Ordered at"),
        _("Buyer name"),
        _("Buyer e-mail"),
        _("Date"),
        _("Ticket"),
        _("Price"),
        _("Currency"),
        _("Attendee name"),
        _("Attendee e-mail"),
        _("Sales channel"),
        _("Audience type"),
        *(labels.get(key, key) for key in keys),
    ]


def rows(event: Event, keys: list[str]) -> Iterator[list]:
    languages = event.organizer.languages
    tz = zoneinfo.ZoneInfo(event.organizer.timezone)
    for position in buyer_positions(event).iterator(chunk_size=CHUNK):
        order = position.order
        ticket = " – ".join(
            part
            for part in (
                localize(position.product.name, fallbacks=languages),
                localize(position.rate.name, fallbacks=languages),
            )
            if part
        )
        answers = position.answers if isinstance(position.answers, dict) else {}
        yield [
            order.code,
            order.get_status_display(),
            _wall_clock(order.created, tz),
            order.buyer_name,
            order.email,
            _wall_clock(position.date.start, tz) if position.date else "",
            ticket,
            position.price,
            order.currency,
            position.attendee_name,
            position.attendee_email,
            order.get_channel_display(),
            localize(order.audience_type.name, fallbacks=languages) if order.audience_type else "",
            *(answer_text(answers.get(key)) for key in keys),
        ]


def _wall_clock(moment: datetime.datetime, tz) -> datetime.datetime:
    """The time as the organiser's clock reads it, to the minute, without a zone (a sheet
    cell has none): a date cell in Excel, `2026-12-21 20:30` in the CSV."""
    return timezone.localtime(moment, tz).replace(tzinfo=None, second=0, microsecond=0)


def _xlsx_cell(sheet, value):
    """A time becomes a date cell Excel sorts and filters as one (shown 2026-12-21 20:30)."""
    if not isinstance(value, datetime.datetime):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = "yyyy-mm-dd hh:mm"
    return cell


def _csv_cell(value):
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime.datetime) else value


def write_export(
    event: Event, fmt: str, *, progress: Callable[[int, int], None] | None = None
) -> bytes:
    """The export file's bytes (`fmt` is "csv" or "xlsx"); `progress(done, total)` is called
    every CHUNK rows and at the end."""
    positions = buyer_positions(event)
    total = positions.count()
    keys = answer_keys(positions)
    labels = answer_labels(keys, organizer=event.organizer)
    if progress:
        progress(0, total)
    done = 0

    def lines() -> Iterator[list]:
        """The header and the buyers' rows, safe cells, progress reported as they go."""
        nonlocal done
        yield [safe_cell(c) for c in header(keys, labels)]
        for row in rows(event, keys):
            yield [safe_cell(c) for c in row]
            done += 1
            if progress and done % CHUNK == 0:
                progress(done, total)

    if fmt == "csv":
        text = io.StringIO()
        csv.writer(text).writerows([_csv_cell(c) for c in line] for line in lines())
        content = text.getvalue().encode("utf-8-sig")  # Excel reads the BOM as UTF-8
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Buyers")[:31])
        for line in lines():
            sheet.append([_xlsx_cell(sheet, c) for c in line])
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    if progress:
        progress(done, total)
    return content
