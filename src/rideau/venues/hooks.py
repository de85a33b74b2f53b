"""Seats in use: a venue, a location or a seating plan is not deleted (nor its seats
replaced) while one of its seats is held or sold for a date. The holds are the inventory's,
which sits above venues: `venues` imports no area; the inventory registers its counter from
its AppConfig.ready() —

    from rideau.venues import hooks
    hooks.count_seats_in_use_with(seats_in_use)

— `seats_in_use(seats, now)`: how many of `seats` (a queryset of `Seat`) are held (not past
their deadline at `now`) or sold, for any date.
"""

import datetime
from collections.abc import Callable

from django.db.models import QuerySet

from .models import Seat

SeatsInUse = Callable[[QuerySet[Seat], datetime.datetime], int]

_COUNTERS: list[SeatsInUse] = []


def count_seats_in_use_with(counter: SeatsInUse) -> None:
    """Register a counter (from an AppConfig.ready(); registering it again is a no-op)."""
    if counter not in _COUNTERS:
        _COUNTERS.append(counter)


def seats_in_use(seats: QuerySet[Seat], now: datetime.datetime) -> int:
    """How many of `seats` the registered areas hold or have sold at `now`."""
    return sum(counter(seats, now) for counter in _COUNTERS)
