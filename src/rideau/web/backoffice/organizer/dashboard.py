"""The back office's home: what an organiser checks first (today's sales, the next dates
with their places left, the latest orders, work waiting) in a fixed number of queries."""

import datetime
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from rideau.core.models import Job, Organizer
from rideau.events.models import EventDate
from rideau.inventory.models import Quota
from rideau.inventory.queries import with_availability
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order, Position

UPCOMING_SHOWN = 8
RECENT_ORDERS_SHOWN = 8
JOBS_SHOWN = 5


@dataclass
class UpcomingDate:
    date: EventDate
    sold: int
    left: int | None  # None: no date quota, no limit known
    capacity: int | None

    @property
    def percent_sold(self) -> int:
        if not self.capacity:
            return 0
        return min(100, round(self.sold * 100 / self.capacity))


@dataclass
class Dashboard:
    sales_today: Decimal = Decimal("0")
    orders_today: int = 0
    tickets_today: int = 0
    pending_orders: int = 0
    failed_messages: int = 0
    upcoming: list[UpcomingDate] = field(default_factory=list)
    recent_orders: list[Order] = field(default_factory=list)
    jobs: list = field(default_factory=list)


def start_of_day(organizer: Organizer, now: datetime.datetime) -> datetime.datetime:
    """Midnight today in the organiser's time zone."""
    local = timezone.localtime(now, zoneinfo.ZoneInfo(organizer.timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def dashboard(organizer: Organizer, *, orders: bool, now: datetime.datetime | None = None):
    """The home's figures; `orders`: whether the reader may see orders and sales."""
    now = now or timezone.now()
    board = Dashboard()
    dates = list(
        EventDate.objects.filter(event__organizer=organizer, start__gte=now, is_cancelled=False)
        .select_related("event", "location")
        .order_by("start", "id")[:UPCOMING_SHOWN]
    )
    ids = [d.pk for d in dates]
    free: dict[int, int] = {}
    size: dict[int, int] = {}
    if ids:
        quotas = with_availability(
            Quota.objects.filter(
                organizer=organizer,
                date_id__in=ids,
                product__isnull=True,
                rate__isnull=True,
                session__isnull=True,
            )
        ).values("date_id", "free", "size")
        for quota in quotas:
            free[quota["date_id"]] = free.get(quota["date_id"], 0) + max(quota["free"], 0)
            size[quota["date_id"]] = size.get(quota["date_id"], 0) + quota["size"]
    sold: dict[int, int] = {}
    if ids and orders:
        sold = dict(
            Position.objects.filter(
                date_id__in=ids,
                cancelled=False,
                order__status__in=[Order.Status.PAID, Order.Status.PENDING],
            )
            .values_list("date_id")
            .annotate(n=Count("id"))
        )
    board.upcoming = [
        UpcomingDate(d, sold.get(d.pk, 0), free.get(d.pk), size.get(d.pk)) for d in dates
    ]
    if orders:
        midnight = start_of_day(organizer, now)
        paid_today = Q(organizer=organizer, status=Order.Status.PAID, paid_at__gte=midnight)
        figures = Order.objects.aggregate(
            total=Sum("total", filter=paid_today, default=Decimal("0")),
            orders=Count("id", filter=paid_today),
            pending=Count("id", filter=Q(organizer=organizer, status=Order.Status.PENDING)),
        )
        board.sales_today = Decimal(figures["total"]).quantize(Decimal("0.01"))
        board.orders_today = figures["orders"]
        board.pending_orders = figures["pending"]
        board.tickets_today = Position.objects.filter(
            order__organizer=organizer,
            order__status=Order.Status.PAID,
            order__paid_at__gte=midnight,
            cancelled=False,
        ).count()
        board.recent_orders = list(
            Order.objects.filter(organizer=organizer)
            .select_related("event")
            .order_by("-created", "-id")[:RECENT_ORDERS_SHOWN]
        )
        board.failed_messages = OutboxMessage.objects.filter(
            organizer=organizer, status=OutboxMessage.Status.FAILED
        ).count()
        board.jobs = list(
            Job.objects.filter(
                organizer=organizer,
                status__in=[Job.Status.QUEUED, Job.Status.RUNNING, Job.Status.FAILED],
            )
            .select_related("event")
            .order_by("-created", "-id")[:JOBS_SHOWN]
        )
    return board
