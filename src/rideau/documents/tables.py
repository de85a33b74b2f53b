"""Tables written as CSV or Excel files (exports of buyers, registrations…).

Cells are made safe (`rideau.core.text.cell_text`): characters a worksheet cannot hold are
removed, and a text starting with = + - @ TAB or CR is prefixed with a quote, so a
spreadsheet shows it as text instead of running it. Times are written as the organiser's
clock reads them (`wall_clock`): a date cell in Excel, `2026-12-21 20:30` in the CSV.
"""

import csv
import datetime
import io
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from rideau.core.text import cell_text

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


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


def wall_clock(moment: datetime.datetime, tz) -> datetime.datetime:
    """The time as the organiser's clock reads it, to the minute, without a zone (a sheet
    cell has none)."""
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


def write(fmt: str, title: str, lines: Iterable[list]) -> bytes:
    """The file's bytes: `lines` (the header first) with every cell made safe, as CSV
    (UTF-8 with a BOM, which Excel reads as UTF-8) or as one Excel sheet named `title`."""
    safe = ([safe_cell(c) for c in line] for line in lines)
    if fmt == "csv":
        text = io.StringIO()
        csv.writer(text).writerows([_csv_cell(c) for c in line] for line in safe)
        return text.getvalue().encode("utf-8-sig")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for line in safe:
        sheet.append([_xlsx_cell(sheet, c) for c in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
