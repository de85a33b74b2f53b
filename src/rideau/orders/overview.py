"""Reads for the event overview (SPEC D8): when sales close per date and per rate, whether
they are closed already, and the tickets left — the same windows and counters the shop and
`place_order` use, so the overview never promises what the shop refuses.

The windows are `orders.sellable`'s (the one home of the sales rules): a date's sales close
at the earliest of the event's closing, the date's own closing and the date's start (a date
that has begun is never sold); a rate's at the earliest of its product's and its own
closing; a rate of a pass or gift voucher is not sold as a ticket (shown inactive). Places
left come from `inventory.queries.availability_grid` (one query for every date × rate of the
page).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from rideau.catalog.models import Rate
from rideau.events.models import Event, EventDate
from rideau.inventory.queries import availability_grid

from . import sellable


class SalesState:
    OPEN = "open"
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    INACTIVE = "inactive"


def _state(opens, closes, now: datetime.datetime) -> str:
    if closes is not None and closes <= now:
        return SalesState.CLOSED
    if opens is not None and now < opens:
        return SalesState.NOT_OPEN
    return SalesState.OPEN


@dataclass
class RateWindow:
    rate: Rate
    opens: datetime.datetime | None
    closes: datetime.datetime | None
    state: str


@dataclass
class DateWindow:
    date: EventDate
    opens: datetime.datetime | None
    closes: datetime.datetime | None
    state: str
    # places left per rate, in the order of `SalesWindows.rates` (None: not sold that date)
    left: list[int | None] = field(default_factory=list)


@dataclass
class SalesWindows:
    event_opens: datetime.datetime | None
    event_closes: datetime.datetime | None
    event_state: str
    rates: list[RateWindow]
    dates: list[DateWindow]


def event_rates(event: Event) -> QuerySet[Rate]:
    """The rates of the event's products, in catalogue order, with their product."""
    return (
        Rate.objects.filter(product__event=event, product__organizer=event.organizer_id)
        .select_related("product")
        .order_by("product__position", "product_id", "position", "id")
    )


def sales_windows(
    event: Event,
    dates: list[EventDate],
    *,
    rates: list[Rate] | None = None,
    now: datetime.datetime | None = None,
) -> SalesWindows:
    """Opening, closing and state of the event's sales, of each rate and of each of `dates`
    (the page of dates the caller shows), with the places left per date and rate."""
    now = now or timezone.now()
    rates = list(event_rates(event)) if rates is None else rates
    event_state = _state(event.sales_start, event.sales_end, now)
    rate_windows = []
    for rate in rates:
        opens, closes = sellable.rate_window(rate)
        state = (
            SalesState.INACTIVE
            if not (rate.active and rate.product.active and sellable.is_ticket(rate.product))
            else _state(opens, closes, now)
        )
        rate_windows.append(RateWindow(rate, opens, closes, state))
    grid = (
        availability_grid(
            organizer=event.organizer,
            event_id=event.pk,
            date_ids=[d.pk for d in dates],
            rates=rates,
            now=now,
        )
        if dates and rates
        else {}
    )
    date_windows = []
    for date in dates:
        opens, closes = sellable.date_window(event, date)
        state = SalesState.CANCELLED if date.is_cancelled else _state(opens, closes, now)
        left = [grid.get((date.pk, rate.pk)) for rate in rates]
        date_windows.append(DateWindow(date, opens, closes, state, left))
    return SalesWindows(
        event_opens=event.sales_start,
        event_closes=event.sales_end,
        event_state=event_state,
        rates=rate_windows,
        dates=date_windows,
    )
