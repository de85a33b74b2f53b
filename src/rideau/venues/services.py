"""Writes on venues and their nested locations (building → room → layout). SPEC CORE-3."""

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict, Unpack

from django.db import transaction
from django.db.models import Q, TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.errors import RideauError, ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.services import (
    AuditedWrites,
    delete_with_audit,
    full_clean,
)

from . import hooks
from .models import Location, Seat, SeatingPlan, Venue


class VenueDetails(TypedDict, total=False):
    address: str
    postcode: str
    city: str
    country: str
    capacity: int | None


class VenueChanges(VenueDetails, total=False):
    name: str


VENUE_CHANGES = tuple(VenueChanges.__annotations__)
VENUES = AuditedWrites("venue", VENUE_CHANGES)


def create_venue(
    organizer: Organizer, *, actor: Actor, name: str, **fields: Unpack[VenueDetails]
) -> Venue:
    return VENUES.create(Venue(organizer=organizer, name=name), fields, actor=actor)


def update_venue(venue: Venue, *, actor: Actor, **changes: Unpack[VenueChanges]) -> Venue:
    return VENUES.update(venue, changes, actor=actor)


def delete_venue(venue: Venue, *, actor: Actor) -> None:
    """Delete a venue with its locations; events and sessions there lose their location.
    Refused while a seat of one of its seating plans is held or sold."""
    require(actor, venue.organizer, Perm.CHANGE_EVENTS)
    _refuse_if_seats_in_use(Q(plan__location__venue=venue))
    VENUES.delete(venue, actor=actor)


class LocationChanges(TypedDict, total=False):
    parent: Location | None
    kind: str
    name: str
    capacity: int | None


LOCATION_CHANGES = tuple(LocationChanges.__annotations__)


def _clean_location(location: Location, errors: dict[str, list[str]]) -> None:
    parent = location.parent
    if parent is not None and parent.venue_id != location.venue_id:
        errors["parent"] = [_("The parent location is in another venue.")]
        return
    # kinds nest strictly (building → room → layout), so no cycle can form; a kind change
    # must keep the children's nesting valid.
    if location.kind not in Location.Kind.values:
        return  # reported by the model's own validation
    if location.pk is not None and location.children.exists():
        child_kinds = set(location.children.values_list("kind", flat=True))
        allowed = {k for k, p in Location.PARENT_KIND.items() if p == location.kind}
        if child_kinds - allowed:
            errors["kind"] = [
                _("This location holds other locations that cannot be inside a %(kind)s.")
                % {"kind": Location.Kind(location.kind).label.lower()}
            ]


# every field is the model's to check, the venue included
LOCATIONS = AuditedWrites("location", LOCATION_CHANGES, set_by_service=(), clean=_clean_location)


def create_location(
    venue: Venue,
    *,
    actor: Actor,
    kind: str,
    name: str,
    parent: Location | None = None,
    capacity: int | None = None,
) -> Location:
    """A building, room or layout in a venue (nesting checked by Location.clean)."""
    location = Location(venue=venue, kind=kind, name=name, parent=parent, capacity=capacity)
    return LOCATIONS.create(location, actor=actor)


def update_location(
    location: Location, *, actor: Actor, **changes: Unpack[LocationChanges]
) -> Location:
    return LOCATIONS.update(location, changes, actor=actor)


def delete_location(location: Location, *, actor: Actor) -> None:
    """Delete a location with the locations inside it. Refused while a seat of its seating
    plan (or of a plan of a layout inside it) is held or sold."""
    require(actor, location.venue.organizer, Perm.CHANGE_EVENTS)
    _refuse_if_seats_in_use(
        Q(plan__location=location)
        | Q(plan__location__parent=location)
        | Q(plan__location__parent__parent=location)
    )
    LOCATIONS.delete(location, actor=actor)


# --- seating plans -------------------------------------------------------------------------

MAX_SEATS_PER_PLAN = 5000
MAX_SEATS_PER_ROW = 200
MAX_ROWS_PER_SECTION = 100
MAX_CSV_ERRORS = 10
RANK_ROW_STEP = 1000  # rank = row order × step + doubled distance from the row's centre


class Numbering(TextChoices):
    LEFT_TO_RIGHT = "ltr", gettext_lazy("Seat 1 on the left")
    RIGHT_TO_LEFT = "rtl", gettext_lazy("Seat 1 on the right")


@dataclass(frozen=True, kw_only=True)
class SeatSpec:
    """One seat to create. `position`: its place in the row from the left (None: by number)."""

    section: str
    row: str
    number: int
    row_order: int
    rank: int | None = None
    position: int | None = None


@dataclass(frozen=True, kw_only=True)
class SectionSpec:
    """A block of identical rows: `rows` as "A-M", "1-20" or a list "A, B, D-F"."""

    name: str
    rows: str
    seats_per_row: int
    numbering: str = Numbering.LEFT_TO_RIGHT


_RANGE = re.compile(r"^\s*(?P<first>[^\s-]+)\s*-\s*(?P<last>[^\s-]+)\s*$")


def parse_rows(text: str) -> list[str]:
    """Row names from "A-M", "1-20", "AA-AC" or a comma list of names and ranges.

    Raises ValueError with a message for people.
    """
    rows: list[str] = []
    for token in (text or "").split(","):
        token = token.strip()
        if not token:
            continue
        match = _RANGE.match(token)
        if match is None:
            if "-" in token:
                raise ValueError(_("“%(range)s” is not a valid range of rows.") % {"range": token})
            rows.append(token)
            continue
        first, last = match["first"], match["last"]
        if first.isdigit() and last.isdigit():
            start, end = int(first), int(last)
            if end < start or end - start >= MAX_ROWS_PER_SECTION:
                raise ValueError(_("“%(range)s” is not a valid range of rows.") % {"range": token})
            rows.extend(str(n) for n in range(start, end + 1))
        elif first.isalpha() and last.isalpha() and first.isascii() and last.isascii():
            names = _letter_range(first, last)
            if names is None:
                raise ValueError(_("“%(range)s” is not a valid range of rows.") % {"range": token})
            rows.extend(names)
        else:
            raise ValueError(_("“%(range)s” is not a valid range of rows.") % {"range": token})
    if not rows:
        raise ValueError(_("Name the rows, for example “A-M” or “1-20”."))
    if len(rows) > MAX_ROWS_PER_SECTION:
        raise ValueError(_("At most %(max)s rows per section.") % {"max": MAX_ROWS_PER_SECTION})
    seen: set[str] = set()
    for row in rows:
        if len(row) > 20:
            raise ValueError(_("A row name has at most 20 characters."))
        if row in seen:
            raise ValueError(_("Row “%(row)s” is listed twice.") % {"row": row})
        seen.add(row)
    return rows


def _letter_index(name: str) -> int:
    """A, B, … Z, AA, AB, … as 0, 1, … 25, 26, 27, … (spreadsheet columns)."""
    index = 0
    for char in name.upper():
        index = index * 26 + (ord(char) - ord("A") + 1)
    return index - 1


def _letter_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _letter_range(first: str, last: str) -> list[str] | None:
    if first.isupper() != last.isupper():
        return None
    start, end = _letter_index(first), _letter_index(last)
    if end < start or end - start >= MAX_ROWS_PER_SECTION:
        return None
    names = [_letter_name(i) for i in range(start, end + 1)]
    return names if first.isupper() else [n.lower() for n in names]


def _centre_rank(row_order: int, place: int, row_length: int) -> int:
    """Best seats first: nearer the stage, then nearer the middle of the row."""
    return row_order * RANK_ROW_STEP + abs(2 * place - (row_length - 1))


def seats_from_sections(sections: Sequence[SectionSpec]) -> list[SeatSpec]:
    """The seats of a generated plan. Row order runs on across sections, in the order given
    (the first section nearest the stage). Errors: ValidationFailed keyed "<index>.<field>"."""
    errors: dict[str, list[str]] = {}
    seats: list[SeatSpec] = []
    names: set[str] = set()
    row_order = 0
    for index, spec in enumerate(sections):
        name = (spec.name or "").strip()
        if len(name) > 50:
            errors[f"{index}.name"] = [_("A section name has at most 50 characters.")]
        elif name in names:
            errors[f"{index}.name"] = [_("Two sections have this name.")]
        names.add(name)
        try:
            rows = parse_rows(spec.rows)
        except ValueError as exc:
            errors[f"{index}.rows"] = [str(exc)]
            rows = []
        count = spec.seats_per_row
        if not isinstance(count, int) or not 1 <= count <= MAX_SEATS_PER_ROW:
            errors[f"{index}.seats_per_row"] = [
                _("Between 1 and %(max)s seats per row.") % {"max": MAX_SEATS_PER_ROW}
            ]
            continue
        if spec.numbering not in Numbering.values:
            errors[f"{index}.numbering"] = [_("Choose how the seats are numbered.")]
            continue
        for row in rows:
            for place in range(count):
                number = place + 1 if spec.numbering == Numbering.LEFT_TO_RIGHT else count - place
                seats.append(
                    SeatSpec(
                        section=name,
                        row=row,
                        number=number,
                        row_order=row_order,
                        rank=_centre_rank(row_order, place, count),
                        position=place,
                    )
                )
            row_order += 1
    if not sections:
        errors["__all__"] = [_("Describe at least one section.")]
    if errors:
        raise ValidationFailed(errors)
    return seats


CSV_COLUMNS = ("section", "row", "number", "row_order", "rank")


def seats_from_csv(text: str) -> list[SeatSpec]:
    """Seats from CSV lines "section,row,number,row_order,rank" (a header line is optional;
    commas or semicolons; row_order and rank may be empty and are then computed: rows in
    the order they first appear, best seats nearest the middle). Errors: ValidationFailed
    {"csv": [one message per bad line, naming it]}."""
    lines = (text or "").lstrip("\ufeff").splitlines()
    sample = next((line for line in lines if line.strip()), "")
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    problems: list[str] = []
    parsed: list[tuple[str, str, int, int | None, int | None]] = []
    for line_no, values in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
        if not values or not any(v.strip() for v in values):
            continue
        values = [v.strip() for v in values]
        if line_no == 1 and values[0].lower() == "section":
            continue
        if len(problems) >= MAX_CSV_ERRORS:
            break
        if len(values) < 3 or len(values) > 5:
            problems.append(
                _("Line %(line)s: expected section, row, number, row order, rank.")
                % {"line": line_no}
            )
            continue
        section, row, number_text, *rest = values + [""] * (5 - len(values))
        try:
            parsed.append((section, row, *_csv_numbers(number_text, rest)))
        except ValueError:
            problems.append(
                _("Line %(line)s: the number, row order and rank must be whole numbers.")
                % {"line": line_no}
            )
            continue
        if not row or len(row) > 20 or len(section) > 50:
            parsed.pop()
            problems.append(
                _(
                    "Line %(line)s: a row name of 1 to 20 characters and a section name of at most"
                    " 50 are required."
                )
                % {"line": line_no}
            )
    if problems:
        raise ValidationFailed({"csv": problems})
    if not parsed:
        raise ValidationFailed({"csv": [_("The file has no seats.")]})
    row_orders: dict[tuple[str, str], int] = {}
    lengths: dict[tuple[str, str], list[int]] = {}
    for section, row, number, _order, _rank in parsed:
        row_orders.setdefault((section, row), len(row_orders))
        lengths.setdefault((section, row), []).append(number)
    seats = []
    for section, row, number, row_order, rank in parsed:
        order = row_order if row_order is not None else row_orders[(section, row)]
        if rank is None:
            numbers = sorted(lengths[(section, row)])
            rank = _centre_rank(order, numbers.index(number), len(numbers))
        seats.append(SeatSpec(section=section, row=row, number=number, row_order=order, rank=rank))
    return seats


def _csv_numbers(number: str, rest: list[str]) -> tuple[int, int | None, int | None]:
    def whole(text: str, *, minimum: int) -> int:
        value = int(text)
        if value < minimum or value > 2_000_000_000:
            raise ValueError(text)
        return value

    return (
        whole(number, minimum=1),
        whole(rest[0], minimum=0) if rest[0] else None,
        whole(rest[1], minimum=0) if rest[1] else None,
    )


def seats_to_csv(plan: SeatingPlan) -> str:
    """The plan's seats in the import format (a header line, then one seat per line)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for seat in plan.seats.order_by("row_order", "section", "row", "number"):
        writer.writerow([seat.section, seat.row, seat.number, seat.row_order, seat.rank])
    return out.getvalue()


def plan_in_use(plan: SeatingPlan, now) -> int:
    """How many seats of the plan are held (not past their deadline at `now`) or sold."""
    return hooks.seats_in_use(plan.seats.all(), now)


def _refuse_if_seats_in_use(where: Q) -> None:
    """Refuse while a seat matching `where` (a `Seat` filter) is held or sold."""
    used = hooks.seats_in_use(Seat.objects.filter(where), timezone.now())
    if used:
        raise RideauError(
            "seats_in_use",
            message=ngettext(
                "%(n)s seat of its seating plan is held or sold: it cannot be deleted.",
                "%(n)s seats of its seating plan are held or sold: it cannot be deleted.",
                used,
            )
            % {"n": used},
        )


def _refuse_if_in_use(plan: SeatingPlan) -> None:
    """Lock the plan's seats (a concurrent sale's seat row waits for us, or we for it), then
    refuse if any is held or sold."""
    list(plan.seats.order_by("pk").select_for_update().values_list("pk", flat=True))
    used = plan_in_use(plan, timezone.now())
    if used:
        raise ValidationFailed(
            {
                "__all__": [
                    ngettext(
                        "%(n)s seat of this plan is held or sold: the plan cannot change.",
                        "%(n)s seats of this plan are held or sold: the plan cannot change.",
                        used,
                    )
                    % {"n": used}
                ]
            }
        )


def save_seating_plan(
    location: Location, *, actor: Actor, name: str, seats: Sequence[SeatSpec]
) -> SeatingPlan:
    """Create the layout's seating plan, or replace all its seats (only while none of them is
    held or sold). Audited; bad input raises ValidationFailed and changes nothing."""
    organizer = location.venue.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    errors: dict[str, list[str]] = {}
    if location.kind != Location.Kind.LAYOUT:
        errors["location"] = [_("A seating plan belongs to a room layout.")]
    if not seats:
        errors["seats"] = [_("The plan has no seats.")]
    elif len(seats) > MAX_SEATS_PER_PLAN:
        errors["seats"] = [
            _("A plan has at most %(max)s seats (this one: %(n)s).")
            % {"max": MAX_SEATS_PER_PLAN, "n": len(seats)}
        ]
    seen: set[tuple[str, str, int]] = set()
    for spec in seats:
        key = (spec.section, spec.row, spec.number)
        if key in seen:
            errors.setdefault("seats", []).append(
                _("%(seat)s is listed twice.")
                % {"seat": Seat(section=spec.section, row=spec.row, number=spec.number).label}
            )
            break
        seen.add(key)
    with transaction.atomic():
        plan = SeatingPlan.objects.select_for_update().filter(location=location).first()
        before = None
        if plan is not None:
            before = {**audit.snapshot(plan), "seats": plan.seats.count()}
            plan.name = name
        else:
            plan = SeatingPlan(location=location, name=name)
        full_clean(plan, errors=errors)
        if plan.pk is not None:
            _refuse_if_in_use(plan)
            plan.seats.all().delete()
        plan.save()
        Seat.objects.bulk_create(
            [
                Seat(
                    plan=plan,
                    section=spec.section,
                    row=spec.row,
                    number=spec.number,
                    row_order=spec.row_order,
                    rank=spec.rank if spec.rank is not None else spec.row_order * RANK_ROW_STEP,
                    position=spec.position,
                )
                for spec in seats
            ],
            batch_size=500,
        )
        audit.record(
            "seating_plan.replaced" if before else "seating_plan.created",
            plan,
            actor=actor,
            organizer=organizer,
            before=before,
            after={**audit.snapshot(plan), "seats": len(seats)},
        )
    return plan


def delete_seating_plan(plan: SeatingPlan, *, actor: Actor) -> None:
    """Delete a plan and its seats (only while none is held or sold)."""
    organizer = plan.location.venue.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    with transaction.atomic():
        _refuse_if_in_use(plan)
        delete_with_audit(
            plan,
            actor=actor,
            organizer=organizer,
            action="seating_plan.deleted",
            perm=Perm.CHANGE_EVENTS,
        )
