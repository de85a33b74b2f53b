"""Dates with their own quota: the capacity field of a date, as organisers see it.

A date's capacity is what the capacity engine sells against only once a quota holds it; these
services keep the date and its own quota (a quota scoped to that date alone) in step, both or
neither saved. Used by the back office; the API and box office may use them too.
"""

from django.db import transaction

from rideau.core.errors import PermissionDenied, RideauError, ValidationFailed
from rideau.events.models import Event, EventDate
from rideau.events.services import create_event_date, update_event_date

from .models import Quota
from .services import create_quota, resize_quota


def create_date_with_quota(event: Event, *, actor, start, capacity: int | None, **fields):
    """A date and, with a capacity, the quota that lets it sell (both or neither)."""
    with transaction.atomic():
        date = create_event_date(event, actor=actor, start=start, capacity=capacity, **fields)
        if capacity is not None:
            create_quota(
                actor=actor,
                organizer=event.organizer,
                name=str(date),
                size=capacity,
                date=date,
            )
    return date


def date_quota(date: EventDate) -> Quota | None:
    """The quota that holds only this date (the one its capacity field manages)."""
    return (
        Quota.objects.filter(date=date, event=None, product=None, rate=None, session=None)
        .order_by("pk")
        .first()
    )


def update_date_with_quota(date: EventDate, *, actor, capacity: int | None, **changes):
    """Change a date; a capacity resizes the date's own quota (created if missing). An empty
    capacity leaves the quota as it is. Both or neither are saved."""
    try:
        with transaction.atomic():
            update_event_date(date, actor=actor, capacity=capacity, **changes)
            if capacity is None:
                return date
            quota = date_quota(date)
            if quota is None:
                create_quota(
                    actor=actor,
                    organizer=date.event.organizer,
                    name=str(date),
                    size=capacity,
                    date=date,
                )
            elif quota.size != capacity:
                try:
                    resize_quota(quota, size=capacity, actor=actor)
                except RideauError as exc:
                    if isinstance(exc, PermissionDenied | ValidationFailed):
                        raise
                    raise ValidationFailed({"capacity": [exc.message]}) from exc
    except RideauError:
        date.refresh_from_db()
        raise
    return date
