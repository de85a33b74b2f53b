"""Which seat each ticket has: a position's hold holds its seat (or, for a hold of several
places taken together by best-available, one of its seats each, in seat order)."""

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # read through their attributes only: documents sit below orders
    from rideau.orders.models import Position


def seat_labels(positions: Iterable["Position"]) -> dict[int, str]:
    """Position id → "Row B, seat 12 — section Stalls" for the positions that have a seat.

    Prefetch `hold__seat_holds__seat` first to read everything in one query. The positions
    sharing one hold get its seats in order (rows from the stage, then numbers); when they
    do not match one to one (a position of the hold was cancelled), each shows them all.
    """
    by_hold: dict[int, list[Position]] = defaultdict(list)
    for position in positions:
        if position.hold_id and position.pk:
            by_hold[position.hold_id].append(position)
    labels: dict[int, str] = {}
    for group in by_hold.values():
        hold = group[0].hold
        if hold is None:  # grouped by hold: never
            continue
        if hold.claims_id is not None and hold.claims is not None:
            hold = hold.claims  # an unpaid order's claim on a listed seat (D7): that seat
        seats = sorted(
            (sh.seat for sh in hold.seat_holds.all()),
            key=lambda s: (s.row_order, s.section, s.row, s.number),
        )
        if not seats:
            continue
        group.sort(key=lambda p: p.pk)
        if len(seats) == len(group):
            labels.update((p.pk, seat.label) for p, seat in zip(group, seats, strict=True))
        else:
            joined = ", ".join(seat.label for seat in seats)
            labels.update((p.pk, joined) for p in group)
    return labels
