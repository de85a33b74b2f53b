"""Reads of reservations: the buyer's (personal space) and the organiser's (release screen)."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from rideau.accounts.models import Account
from rideau.core.access import scoped
from rideau.core.models import Organizer
from rideau.inventory.models import Hold
from rideau.inventory.queries import coming_back, live_holds

from .models import Reservation


def buyer_reservations(account: Account) -> QuerySet[Reservation]:
    """The account's reservations (same organiser, same e-mail, any case, any point of sale:
    the web shop, the box office, the phone… C4), soonest deadline first."""
    return (
        scoped(Reservation.objects.all(), account.organizer)
        .filter(order__email__iexact=account.email)
        .select_related("order__event", "order__organizer", "point_of_sale", "organizer")
        .order_by("deadline", "id")
    )


def buyer_reservation(account: Account, code: str) -> Reservation | None:
    return buyer_reservations(account).filter(code=code).first()


def open_reservations(account: Account, now: datetime.datetime | None = None):
    """The account's reservations still awaiting payment (not past their release time)."""
    now = now or timezone.now()
    return buyer_reservations(account).filter(
        status=Reservation.Status.ACTIVE,
        release_at__gt=now,
        order__status="pending",
    )


def state(reservation: Reservation, now: datetime.datetime | None = None) -> str:
    """What the reservation is now, read from its row and its order (rule 2: a passed
    release time is passed, whether or not the job ran): active, overdue (past the deadline,
    within a lenient grace), paid, cancelled, expired."""
    now = now or timezone.now()
    if reservation.status != Reservation.Status.ACTIVE:
        return reservation.status
    order_status = reservation.order.status
    if order_status == "paid":
        return Reservation.Status.PAID
    if order_status != "pending":
        return Reservation.Status.CANCELLED
    if reservation.is_due(now):
        return Reservation.Status.EXPIRED
    if reservation.deadline <= now:
        return "overdue"
    return Reservation.Status.ACTIVE


def release_screen(
    organizer: Organizer,
    *,
    within_hours: int = 72,
    event_id: int | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Reservation]:
    """Active reservations past their deadline or due within `within_hours` (C6)."""
    now = now or timezone.now()
    rows = (
        scoped(Reservation.objects.all(), organizer)
        .filter(status=Reservation.Status.ACTIVE, order__status="pending")
        .filter(Q(deadline__lte=now + datetime.timedelta(hours=within_hours)))
        .select_related("order__event", "point_of_sale")
        .order_by("deadline", "id")
    )
    if event_id:
        rows = rows.filter(order__event_id=event_id)
    return rows


def options_due(
    organizer: Organizer, *, within_hours: int = 72, now: datetime.datetime | None = None
):
    """Staff options (held places with a deadline) past or near their deadline (C6): the
    capacity engine's holds of kind `option`."""
    now = now or timezone.now()
    return (
        live_holds(organizer, kind=Hold.Kind.OPTION)
        .filter(state=Hold.State.HELD, expires_at__lte=now + datetime.timedelta(hours=within_hours))
        .select_related("date__event", "product", "rate")
    )


def forecast(organizer: Organizer, *, within_hours: int = 72, now=None):
    """Places coming back within the window, by hour and quota (the engine's forecast)."""
    now = now or timezone.now()
    return coming_back(
        organizer=organizer, now=now, until=now + datetime.timedelta(hours=within_hours)
    )


def of_order(order) -> Reservation | None:
    """The reservation an order belongs to, if it is one."""
    return Reservation.objects.filter(order=order).first()
