"""Reads and reports on orders for the back office: search, order history, sales per rate.

Every function takes the organiser and narrows to it through `rideau.core.access.scoped`;
lists are querysets the caller paginates, reports are aggregated in the database.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate

from rideau.core.access import scoped
from rideau.core.i18n import localize
from rideau.core.models import AuditLogEntry, Organizer
from rideau.events.models import Event, EventDate

from .models import Order, Payment, Position

# orders whose tickets count as sold in reports
SOLD_STATUSES = (Order.Status.PAID,)


def search_orders(
    organizer: Organizer,
    *,
    q: str = "",
    status: str = "",
    event: Event | None = None,
    date: EventDate | None = None,
    rate_id: int | None = None,
    channel: str = "",
    audience_type=None,
    created_from: datetime.date | None = None,
    created_to: datetime.date | None = None,
) -> QuerySet:
    """The organiser's orders matching the filters, newest first, with their ticket count.

    `q` matches the order code (exactly, any case), or part of the buyer's name or e-mail.
    """
    orders = scoped(Order.objects.all(), organizer)
    q = q.strip()
    if q:
        orders = orders.filter(
            Q(code__iexact=q) | Q(buyer_name__icontains=q) | Q(email__icontains=q)
        )
    if status:
        orders = orders.filter(status=status)
    if event is not None:
        orders = orders.filter(event=event)
    if channel:
        orders = orders.filter(channel=channel)
    if audience_type is not None:
        orders = orders.filter(audience_type=audience_type)
    orders = having_tickets(orders, date=date, rate_id=rate_id)
    if created_from is not None:
        orders = orders.filter(created__date__gte=created_from)
    if created_to is not None:
        orders = orders.filter(created__date__lte=created_to)
    return (
        orders.select_related("event")
        .annotate(ticket_count=Count("positions", filter=Q(positions__cancelled=False)))
        .order_by("-created", "-id")
    )


def with_amount_paid(orders: QuerySet[Order]) -> QuerySet[Order]:
    """`orders` with `paid_amount`, the sum of each one's confirmed payments, read in the
    same query (a list costs the same for 1 and 100 orders): `services.amount_paid` and
    `services.still_due` use it."""
    confirmed = (
        Payment.objects.filter(order=OuterRef("pk"), state=Payment.State.CONFIRMED)
        .order_by()
        .values("order")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    money = DecimalField(max_digits=12, decimal_places=2)
    return orders.annotate(
        paid_amount=Coalesce(
            Subquery(confirmed, output_field=money), Value(Decimal("0.00")), output_field=money
        )
    )


def order_history(order: Order) -> QuerySet:
    """The audit entries of an order and of its tickets, newest first."""
    position_ids = [str(pk) for pk in order.positions.values_list("pk", flat=True)]
    return (
        AuditLogEntry.objects.filter(organizer=order.organizer_id)
        .filter(
            Q(object_type="orders.order", object_id=str(order.pk))
            | Q(object_type="orders.position", object_id__in=position_ids)
        )
        .select_related("actor")
        .order_by("-created", "-id")
    )


def having_tickets(orders: QuerySet, *, uncancelled: bool = False, **lookup: object) -> QuerySet:
    """`orders` narrowed to those with a ticket matching `lookup` (its None values left out;
    none left: every order), an `uncancelled` one if asked."""
    lookup = {name: value for name, value in lookup.items() if value is not None}
    if not lookup:
        return orders
    if uncancelled:
        lookup["cancelled"] = False
    return orders.filter(Exists(Position.objects.filter(order=OuterRef("pk"), **lookup)))


@dataclass
class ReportLine:
    """Tickets sold and their revenue for what `key` names: a rate (its id), a sales channel,
    an audience type (its code)."""

    key: int | str
    label: str
    count: int = 0
    revenue: Decimal = Decimal("0")


@dataclass
class DateReport:
    date: EventDate | None
    lines: list[ReportLine] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(line.count for line in self.lines)

    @property
    def revenue(self) -> Decimal:
        return sum((line.revenue for line in self.lines), Decimal("0"))


@dataclass
class SalesReport:
    dates: list[DateReport]
    total: DateReport
    currency: str


def _sold_positions(event: Event) -> QuerySet:
    return Position.objects.filter(
        order__event=event,
        order__organizer=event.organizer_id,
        order__status__in=SOLD_STATUSES,
        cancelled=False,
    )


def sales_report(event: Event, languages: list[str] | None = None) -> SalesReport:
    """Tickets sold and revenue per rate, per date (multi-date events) and in total."""
    languages = languages or event.organizer.languages
    rows = (
        _sold_positions(event)
        .values("date_id", "rate_id", "rate__name", "rate__product__name")
        .annotate(count=Count("id"), revenue=Sum("price"))
        .order_by("date_id", "rate__product_id", "rate_id")
    )
    dates = {d.pk: d for d in event.dates.all().order_by("start", "id")}
    per_date: dict[int | None, DateReport] = {}
    total: dict[int, ReportLine] = {}
    for row in rows:
        label = " – ".join(
            part
            for part in (
                localize(row["rate__product__name"], fallbacks=languages),
                localize(row["rate__name"], fallbacks=languages),
            )
            if part
        )
        report = per_date.setdefault(row["date_id"], DateReport(dates.get(row["date_id"])))
        report.lines.append(ReportLine(row["rate_id"], label, row["count"], row["revenue"]))
        line = total.setdefault(row["rate_id"], ReportLine(row["rate_id"], label))
        line.count += row["count"]
        line.revenue += row["revenue"]
    ordered = [per_date[pk] for pk in dates if pk in per_date]
    if None in per_date:
        ordered.append(per_date[None])
    return SalesReport(
        dates=ordered,
        total=DateReport(None, list(total.values())),
        currency=event.organizer.currency,
    )


@dataclass
class ChannelBreakdown:
    """Tickets sold and revenue per sales channel and per audience type (CORE-8)."""

    channels: list[ReportLine]
    audiences: list[ReportLine]
    currency: str


def sales_by_channel(event: Event, languages: list[str] | None = None) -> ChannelBreakdown:
    """The event's sold tickets per sales channel and per audience type, in one query.

    Channels come in their declaration order, audience types in the organiser's order, the
    orders made without an audience type ("general public") last."""
    from django.utils.translation import gettext as _

    from .models import SalesChannel

    languages = languages or event.organizer.languages
    rows = (
        _sold_positions(event)
        .values(
            "order__channel",
            "order__audience_type_id",
            "order__audience_type__name",
            "order__audience_type__code",
            "order__audience_type__position",
        )
        .annotate(count=Count("id"), revenue=Sum("price"))
        .order_by()
    )
    channels: dict[str, ReportLine] = {}
    audiences: dict[int | None, ReportLine] = {}
    order: dict[int | None, tuple] = {None: (1, 0, 0)}
    labels = dict(SalesChannel.choices)
    for row in rows:
        channel = row["order__channel"]
        line = channels.setdefault(channel, ReportLine(channel, str(labels.get(channel, channel))))
        line.count += row["count"]
        line.revenue += row["revenue"]
        audience_id = row["order__audience_type_id"]
        if audience_id is None:
            key, label = "", _("General public")
        else:
            key = row["order__audience_type__code"]
            label = localize(row["order__audience_type__name"], fallbacks=languages) or key
            order[audience_id] = (0, row["order__audience_type__position"], audience_id)
        line = audiences.setdefault(audience_id, ReportLine(key, str(label)))
        line.count += row["count"]
        line.revenue += row["revenue"]
    channel_order = list(SalesChannel.values)
    return ChannelBreakdown(
        channels=sorted(
            channels.values(),
            key=lambda line: channel_order.index(line.key) if line.key in channel_order else 99,
        ),
        audiences=[audiences[k] for k in sorted(audiences, key=lambda k: order[k])],
        currency=event.organizer.currency,
    )


def sales_per_day(event: Event) -> tuple[list[datetime.date], dict[str, list[tuple]]]:
    """Tickets and revenue per rate per day of sale (the day the order was paid).

    Returns the days (sorted) and, per rate label, a list of (count, revenue) per day.
    """
    languages = event.organizer.languages
    rows = (
        _sold_positions(event)
        .annotate(day=TruncDate("order__paid_at"))
        .values("day", "rate_id", "rate__name")
        .annotate(count=Count("id"), revenue=Sum("price"))
        .order_by("day", "rate_id")
    )
    days: list[datetime.date] = []
    series: dict[int, dict] = {}
    cells: dict[tuple, tuple] = {}
    for row in rows:
        if row["day"] not in days:
            days.append(row["day"])
        series.setdefault(
            row["rate_id"], {"label": localize(row["rate__name"], fallbacks=languages)}
        )
        cells[(row["day"], row["rate_id"])] = (row["count"], row["revenue"])
    result = {
        info["label"] or str(rate_id): [
            cells.get((day, rate_id), (0, Decimal("0"))) for day in days
        ]
        for rate_id, info in series.items()
    }
    return days, result
