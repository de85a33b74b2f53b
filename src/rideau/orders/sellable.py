"""What can be bought here, now, by whom: the one home of the sales rules.

Every surface that sells or shows what is on sale asks this module: the write gate
(`check_lines`, run by `services.place_order`, the cart and order changes) and the read side
(`on_offer`, used by the shop's tickets page, the embeddable widget, the API's availability
and — through `date_window` / `rate_window` — the event overview). The rules, once:

- **the event**: visible to the buyer (`public_event`), its sales window open;
- **the date** (performance): not cancelled, its own window open, and *not started* — a date
  is sold until its start, on every channel;
- **the product**: active, its window open, and of kind *ticket*: passes and gift vouchers
  are never sold as plain tickets through this path (they will have their own);
- **the rate**: active, its window open, sold on the order's channel and open to its audience
  type (ADR 0006);
- **places**: a date × rate without a quota is not sold (`inventory.queries.availability_grid`);
  places their holders put back on sale (a pass ticket on resale) count as places left and
  are sold first (`hooks`).
"""

import datetime
import secrets
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import prefetch_related_objects
from django.utils import timezone

from rideau.catalog.models import AudienceType, Product, Rate
from rideau.core.compiled import Compiled
from rideau.events.models import Event, EventDate
from rideau.inventory.errors import InventoryError
from rideau.inventory.queries import availability_grid

from . import hooks
from .errors import OrderError
from .models import SalesChannel

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from rideau.core.models import Organizer

    from .services import OrderLine

MAX_POSITIONS = 500  # a sane cap on one order (STYLE §6)


# --- who may see the event -----------------------------------------------------------------


# read by every shop order, agenda registration and event page: compiled once (issue 17)
_event_by_slugs = Compiled(
    lambda organizer, slug: (
        Event.objects.select_related("organizer", "venue")
        .filter(organizer__slug=organizer, slug=slug)
        .order_by("pk")[:1]
    )
)


def public_event(
    organizer: str, slug: str, *, token: str = "", opened: Collection[int] = ()
) -> Event | None:
    """The event a visitor may buy from: a public one, or a private one whose link they hold
    (`token`, the link's token) or opened earlier (`opened`, ids the caller remembered).
    None for drafts, unknown events and private events without their link."""
    found = _event_by_slugs(organizer=organizer, slug=slug)
    event = found[0] if found else None
    if event is None or event.visibility == Event.Visibility.DRAFT:
        return None
    if event.visibility == Event.Visibility.PRIVATE and not (
        event.pk in opened or (token and secrets.compare_digest(token, event.private_token))
    ):
        return None
    return event


# --- windows ---------------------------------------------------------------------------------


def _latest(*moments: datetime.datetime | None) -> datetime.datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def _earliest(*moments: datetime.datetime | None) -> datetime.datetime | None:
    known = [m for m in moments if m is not None]
    return min(known) if known else None


def _open(
    opens: datetime.datetime | None, closes: datetime.datetime | None, now: datetime.datetime
) -> bool:
    return (opens is None or opens <= now) and (closes is None or now < closes)


def started(date: EventDate | None, now: datetime.datetime) -> bool:
    """Whether a date has begun: from then on it is not sold (the started-date rule)."""
    return date is not None and date.start <= now


def date_window(
    event: Event, date: EventDate
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """When a date's sales open and close: the latest opening and the earliest closing of the
    event's and the date's windows, closing at the latest when the date starts."""
    return (
        _latest(event.sales_start, date.sales_start),
        _earliest(event.sales_end, date.sales_end, date.start),
    )


def rate_window(rate: Rate) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """When a rate's sales open and close: its own window within its product's."""
    product = rate.product
    return (
        _latest(product.sales_start, rate.sales_start),
        _earliest(product.sales_end, rate.sales_end),
    )


def is_ticket(product: Product) -> bool:
    """The product-kind rule: only admission tickets are sold through the ticket path."""
    return product.kind == Product.Kind.TICKET


def rate_on_sale(rate: Rate, now: datetime.datetime) -> bool:
    """A rate that may be sold now, wherever and to whomever it is sold."""
    return (
        rate.active
        and rate.product.active
        and is_ticket(rate.product)
        and _open(*rate_window(rate), now)
    )


def date_on_sale(event: Event, date: EventDate | None, now: datetime.datetime) -> bool:
    """A date (None: an event without dates) that may be sold now."""
    if date is None:
        return event.sales_open_at(now)
    return not date.is_cancelled and _open(*date_window(event, date), now)


def sold_to(rate: Rate, channel: str, audience_type: AudienceType | None) -> bool:
    """Whether a rate is sold on `channel` to `audience_type` (None: the general public, who
    buy only rates without an audience restriction). Reads the rate's prefetched audience
    types when it is restricted and an audience type is given."""
    if not rate.sold_on(channel):
        return False
    if not rate.audience_restricted:
        return True
    return audience_type is not None and any(
        a.pk == audience_type.pk for a in rate.audience_types.all()
    )


# --- the write gate --------------------------------------------------------------------------

# product kind -> rule(product, rate, amount) raising OrderError when a buyer's chosen price
# is refused; registered by the area that owns the kind (gift vouchers: `giftcards`)
AMOUNT_RULES: dict[str, "Callable[[Product, Rate, Decimal], None]"] = {}


def register_amount_rule(kind: str, rule: "Callable[[Product, Rate, Decimal], None]") -> None:
    """Let lines of products of `kind` carry the price the buyer chose (`OrderLine.amount`),
    checked by `rule`; without a rule a kind is sold at its rates' prices only."""
    AMOUNT_RULES[kind] = rule


def check_lines(
    event: Event | None,
    lines: "Sequence[OrderLine]",
    now: datetime.datetime,
    *,
    channel: str = SalesChannel.WEB,
    audience_type: AudienceType | None = None,
    organizer: "Organizer | None" = None,
) -> list:
    """Validate order lines against the rules above; returns (line, date) pairs. No writes.

    Lines are of `event`, or of the organiser's products without an event (passes, gift
    vouchers); with `event=None` (give `organizer`), of any events of the organiser. The kind
    rule: a product of an event is sold only if it is an admission ticket, and only tickets
    have a date or session — a pass is never sold as a plain ticket (`not_a_ticket`).

    Raises OrderError (or InventoryError for a bad quantity) with a stable code; no query for
    a web order of unrestricted rates whose product and date are loaded (the rush path)."""
    organizer_id = event.organizer_id if event is not None else organizer.pk  # type: ignore[union-attr]
    if audience_type is not None and (
        audience_type.organizer_id != organizer_id or not audience_type.active
    ):
        raise OrderError("invalid_audience_type", field="audience_type")
    if not lines:
        raise OrderError("no_lines", field="lines")
    if sum(max(line.quantity, 0) for line in lines) > MAX_POSITIONS:
        raise OrderError("too_many", field="lines", max=MAX_POSITIONS)
    open_events: dict[int, Event] = {}
    if event is not None:
        if not event.sales_open_at(now):
            raise OrderError("not_on_sale", field="event", name=str(event))
        open_events[event.pk] = event
    dates_of: dict[int, list] = {}
    checked = []
    per_product: dict[int, int] = {}
    for line in lines:
        rate = line.rate
        product = rate.product
        if product.organizer_id != organizer_id:
            raise OrderError("invalid_rate", field="rate")
        if product.event_id is None:
            if is_ticket(product):  # an admission ticket belongs to an event
                raise OrderError("invalid_rate", field="rate")
        elif event is not None and product.event_id != event.pk:
            raise OrderError("invalid_rate", field="rate")
        elif product.event_id not in open_events:  # an order of several events
            line_event: Event = product.event  # type: ignore[assignment]
            if not line_event.sales_open_at(now):
                raise OrderError("not_on_sale", field="event", name=str(line_event))
            open_events[product.event_id] = line_event
        if not is_ticket(product):
            if product.event_id is not None:  # sold as one of the event's tickets
                raise OrderError("not_a_ticket", field="rate", name=str(product))
            if line.date or line.session:
                raise OrderError("not_a_ticket", field="date", name=str(product))
        if line.quantity < 1:
            raise InventoryError("invalid_quantity", field="quantity", max=product.max_per_order)
        for thing in (product, rate):
            if not thing.active or not thing.sales_open_at(now):
                raise OrderError("not_on_sale", field="rate", name=str(thing))
        if not rate.sold_on(channel):
            raise OrderError(
                "not_on_channel",
                field="rate",
                name=str(rate),
                channel=dict(SalesChannel.choices).get(channel, channel),
            )
        if rate.audience_restricted and not _open_to(rate, audience_type, lines):
            raise OrderError("not_for_audience", field="rate", name=str(rate))
        amount = getattr(line, "amount", None)
        if amount is not None:
            rule = AMOUNT_RULES.get(product.kind)
            if rule is None:
                raise OrderError("fixed_price", field="amount", name=str(product))
            rule(product, rate, amount)
        per_product[product.pk] = per_product.get(product.pk, 0) + line.quantity
        if per_product[product.pk] > product.max_per_order:
            raise OrderError(
                "max_per_order", field="quantity", max=product.max_per_order, product=str(product)
            )
        date = line.date
        of_event = open_events.get(product.event_id) if product.event_id else None
        if of_event is None:  # a pass or gift voucher: no date
            pass
        elif date is None:
            if of_event.pk not in dates_of:
                dates_of[of_event.pk] = list(of_event.dates.all()[:2])
            dates = dates_of[of_event.pk]
            if len(dates) > 1:
                raise OrderError("date_required", field="date")
            date = dates[0] if dates else None
        elif date.event_id != of_event.pk:
            raise OrderError("invalid_date", field="date")
        if date is not None:
            if date.is_cancelled:
                raise OrderError("date_cancelled", field="date")
            if started(date, now):
                raise OrderError("date_started", field="date", name=str(date))
            if not date.sales_open_at(now):
                raise OrderError("not_on_sale", field="date", name=str(date))
        checked.append((line, date))
    return checked


def _open_to(rate: Rate, audience_type: AudienceType | None, lines: "Sequence[OrderLine]") -> bool:
    """Whether a restricted rate is open to `audience_type`; the first call loads the audience
    types of every restricted rate of the order in one query (none when prefetched)."""
    if audience_type is None:
        return False
    prefetch_related_objects(
        [line.rate for line in lines if line.rate.audience_restricted], "audience_types"
    )
    return any(a.pk == audience_type.pk for a in rate.audience_types.all())


# --- the read side ---------------------------------------------------------------------------


@dataclass
class Offer:
    """What an event offers a buyer on a channel at a moment: its upcoming dates and the
    rates they may buy, with the places left per date × rate (None: not sold there)."""

    event: Event
    now: datetime.datetime
    rates: list[Rate]
    dates: list[EventDate | None]
    grid: dict[tuple[int | None, int], int | None] = field(default_factory=dict)

    @property
    def event_on_sale(self) -> bool:
        return self.event.sales_open_at(self.now)

    def date_on_sale(self, date: EventDate | None) -> bool:
        return self.event_on_sale and date_on_sale(self.event, date, self.now)

    def rate_on_sale(self, rate: Rate) -> bool:
        return rate_on_sale(rate, self.now)

    def left(self, date: EventDate | None, rate: Rate) -> int | None:
        return self.grid.get((date.pk if date else None, rate.pk))

    def on_sale(self, date: EventDate | None, rate: Rate) -> bool:
        """Whether the write gate would accept this date × rate now (places aside): its
        windows are open and a quota applies (without one it is not sold). Needs the places
        (`on_offer(places=True)`)."""
        return (
            self.date_on_sale(date)
            and self.rate_on_sale(rate)
            and self.left(date, rate) is not None
        )

    def date_sold(self, date: EventDate | None) -> bool:
        """Whether something of this date may be bought now (sold out or not): on sale for
        at least one of the offered rates. A date no quota applies to is not sold."""
        return any(self.on_sale(date, rate) for rate in self.rates)


def _ticket_rates(event: int, organizer: int) -> "QuerySet[Rate]":
    return (
        Rate.objects.filter(
            product__event=event,
            product__organizer=organizer,
            product__kind=Product.Kind.TICKET,
        )
        .select_related("product")
        .order_by("product__position", "product_id", "position", "id")
    )


# what the shop's tickets step and the public pages ask on every request (issue 17)
_rates_on_sale = Compiled(
    lambda event, organizer: _ticket_rates(event, organizer).filter(
        active=True, product__active=True, audience_restricted=False
    )
)
_dates_on_sale = Compiled(
    lambda event, now: (
        EventDate.objects.filter(event=event, start__gt=now, is_cancelled=False)
        .select_related("location")
        .order_by("start", "id")
    )
)


def on_offer(
    event: Event,
    *,
    now: datetime.datetime | None = None,
    channel: str = SalesChannel.WEB,
    audience_type: AudienceType | None = None,
    every_rate: bool = False,
    cancelled: bool = False,
    max_dates: int | None = None,
    places: bool = True,
) -> Offer:
    """The read side of the rules: the event's dates that have not started (`cancelled`:
    with the cancelled ones, for lists that show them as such; `max_dates`: the soonest
    only) and its ticket rates sold on `channel` to `audience_type` — only those on sale now,
    or `every_rate` to list the others as not on sale. `places`: read the places left (one
    query). An event without dates offers one None date. Three queries (rates, dates,
    places), one more when no date is upcoming and one for restricted rates' audiences."""
    now = now or timezone.now()
    if every_rate or audience_type is not None:
        rates_qs = _ticket_rates(event.pk, event.organizer_id)
        if not every_rate:
            rates_qs = rates_qs.filter(active=True, product__active=True)
        if audience_type is None:
            rates_qs = rates_qs.filter(audience_restricted=False)
        else:
            rates_qs = rates_qs.prefetch_related("audience_types")
        found_rates: Iterable[Rate] = rates_qs
    else:  # the shop's and the public pages' shape: compiled once
        found_rates = _rates_on_sale(event=event.pk, organizer=event.organizer_id)
    rates = [
        rate
        for rate in found_rates
        if sold_to(rate, channel, audience_type) and (every_rate or rate_on_sale(rate, now))
    ]
    dates: list[EventDate | None]
    if cancelled or max_dates:
        dates_qs = (
            event.dates.filter(start__gt=now).select_related("location").order_by("start", "id")
        )
        if not cancelled:
            dates_qs = dates_qs.filter(is_cancelled=False)
        dates = list(dates_qs[:max_dates] if max_dates else dates_qs)
    else:
        upcoming = _dates_on_sale(event=event.pk, now=now)
        for date in upcoming:
            date.event = event  # as `event.dates` gives them
        dates = list(upcoming)
    if not dates and not event.dates.exists():
        dates = [None]
    grid: dict = {}
    if places and rates and dates:
        grid = availability_grid(
            organizer=event.organizer,
            event_id=event.pk,
            date_ids=[d.pk if d else None for d in dates],
            rates=rates,
            now=now,
        )
        # places put back on sale by their holders are on sale too (D7; no statement
        # unless a date has some: `hooks`)
        for key, n in hooks.extra_places(
            event.organizer, dates=dates, rates=rates, now=now
        ).items():
            grid[key] = (grid.get(key) or 0) + n
        # tickets that come with more places (an event pass's sessions, ADR 0023): no more
        # than those places allow (no statement unless a product is marked)
        if limits := hooks.companion_limits(rates):
            for (date_id, rate_id), room in list(grid.items()):
                if rate_id in limits and room is not None:
                    grid[(date_id, rate_id)] = min(room, limits[rate_id])
    return Offer(event=event, now=now, rates=rates, dates=dates, grid=grid)
