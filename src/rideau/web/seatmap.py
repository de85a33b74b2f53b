"""The geometry of a seat map, drawn as server-side SVG (back-office preview, shop choice).

Sections are stacked from the stage down, in the order of their nearest row; each row is
centred; a seat sits at its `position` in the row (from the left) or, without one, in
number order. The templates only place what is computed here.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from rideau.venues.models import Seat, SeatingPlan

SEAT = 26  # a seat's square, in SVG units (1 unit = 1 CSS pixel at natural size)
GAP = 4
ROW_GAP = 6
SECTION_GAP = 34
MARGIN = 34  # room for the row names on both sides
STAGE_HEIGHT = 26


@dataclass(frozen=True)
class SeatBox:
    seat: Seat
    x: int
    y: int
    taken: bool
    chosen: bool
    resale: bool = False  # a place its holder put back on sale (D7): free to choose

    @property
    def cx(self) -> int:
        return self.x + SEAT // 2

    @property
    def text_y(self) -> int:
        return self.y + SEAT // 2 + 4


@dataclass
class RowBox:
    section: str
    name: str
    y: int
    left: int
    right: int
    seats: list[SeatBox] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.section:
            return _("Row %(row)s — section %(section)s") % {
                "row": self.name,
                "section": self.section,
            }
        return _("Row %(row)s") % {"row": self.name}

    @property
    def text_y(self) -> int:
        return self.y + SEAT // 2 + 4


@dataclass
class SectionBox:
    name: str
    y: int
    x: int = MARGIN  # where its label starts: above its widest row
    rows: list[RowBox] = field(default_factory=list)


@dataclass
class SeatMap:
    width: int
    height: int
    stage_x: int
    stage_width: int
    sections: list[SectionBox]
    seat_count: int
    free_count: int
    resale_count: int = 0

    @property
    def centre(self) -> int:
        return self.width // 2

    @property
    def stage_text_y(self) -> int:
        return STAGE_HEIGHT // 2 + 5


def build_map(
    seats: Iterable[Seat],
    *,
    taken: Iterable[int] = (),
    chosen: Iterable[int] = (),
    resale: Iterable[int] = (),
) -> SeatMap:
    """Place every seat; `taken`, `chosen` and `resale` (free seats on resale) are seat ids."""
    taken_ids, chosen_ids, resale_ids = set(taken), set(chosen), set(resale)
    rows: dict[tuple[str, str], list[Seat]] = defaultdict(list)
    row_orders: dict[tuple[str, str], int] = {}
    for seat in seats:
        key = (seat.section, seat.row)
        rows[key].append(seat)
        row_orders[key] = min(row_orders.get(key, seat.row_order), seat.row_order)
    section_orders: dict[str, int] = {}
    for (section, _row), order in row_orders.items():
        section_orders[section] = min(section_orders.get(section, order), order)
    step = SEAT + GAP
    widest = max((len(r) for r in rows.values()), default=0)
    inner = max(widest * step - GAP, 6 * step)
    width = inner + 2 * MARGIN
    y = STAGE_HEIGHT + SECTION_GAP // 2
    sections: list[SectionBox] = []
    seat_count = free_count = 0
    for section in sorted(section_orders, key=lambda s: (section_orders[s], s)):
        box = SectionBox(name=section, y=y + 12)
        if section:
            y += 22
        keys = sorted(
            (k for k in rows if k[0] == section), key=lambda k: (row_orders[k], _natural(k[1]))
        )
        for key in keys:
            row_seats = sorted(
                rows[key], key=lambda s: s.position if s.position is not None else s.number
            )
            left = MARGIN + (inner - (len(row_seats) * step - GAP)) // 2
            row = RowBox(section=section, name=key[1], y=y, left=left, right=0)
            for index, seat in enumerate(row_seats):
                is_taken = seat.pk in taken_ids
                row.seats.append(
                    SeatBox(
                        seat=seat,
                        x=left + index * step,
                        y=y,
                        taken=is_taken,
                        chosen=seat.pk in chosen_ids and not is_taken,
                        resale=seat.pk in resale_ids and not is_taken,
                    )
                )
                seat_count += 1
                free_count += 0 if is_taken else 1
            row.right = left + len(row_seats) * step - GAP
            box.x = min(box.x, left) if box.rows else left
            box.rows.append(row)
            y += SEAT + ROW_GAP
        sections.append(box)
        y += SECTION_GAP - ROW_GAP
    stage_width = min(inner, 12 * step)
    return SeatMap(
        width=width,
        height=max(y, STAGE_HEIGHT + SECTION_GAP),
        stage_x=(width - stage_width) // 2,
        stage_width=stage_width,
        sections=sections,
        seat_count=seat_count,
        free_count=free_count,
        resale_count=len(resale_ids - taken_ids),
    )


def _natural(name: str) -> tuple:
    """Row "10" after row "9"; letters in their order."""
    return (0, int(name), "") if name.isdigit() else (1, len(name), name)


def seated_dates(dates) -> set[int]:
    """The ids of those dates that sell numbered seats (one query)."""
    location_ids = {d.location_id for d in dates if d is not None and d.location_id}
    if not location_ids:
        return set()
    seated = set(
        SeatingPlan.objects.filter(location_id__in=location_ids).values_list(
            "location_id", flat=True
        )
    )
    return {d.pk for d in dates if d is not None and d.location_id in seated}
