"""Reservations (SPEC C1–C7): create at a point of sale, list, pay, extend, cancel.

Writes go through `rideau.reservations.services` with the same rules as the shop, the
personal space and the release screen: the three switches and the deadline rule decide
what may be reserved and until when; a reservation past its release time can no longer be
paid or extended (409)."""

from typing import Literal

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Path, Query, Router, Schema, Status

from rideau.catalog.models import AudienceType
from rideau.core.access import get_scoped_or_404, scoped
from rideau.core.roles import Perm
from rideau.events.models import Event
from rideau.orders import queries as order_queries
from rideau.orders import services as order_services
from rideau.orders.models import Order
from rideau.orders.services import Buyer
from rideau.reservations import queries, services
from rideau.reservations.models import PointOfSale, Reservation

from .auth import actor_of
from .common import organizer_for, reference, slug_path
from .orders import _domain_errors, _lines
from .pagination import PageParams, page_of, paginate
from .paths import OrderPath
from .schemas.reservations import (
    PointOfSaleFilter,
    PointOfSaleOut,
    ReservationCancelIn,
    ReservationExtendIn,
    ReservationIn,
    ReservationOut,
    ReservationPayIn,
)

router = Router(tags=["reservations"])

RESERVATIONS = "/organizers/{organizer}/reservations"
RESERVATION = RESERVATIONS + "/{code}"
POINTS_OF_SALE = "/organizers/{organizer}/points-of-sale"


ReservationPage = page_of(ReservationOut, "ReservationPage")
PointOfSalePage = page_of(PointOfSaleOut, "PointOfSalePage")


class ReservationFilter(Schema):
    status: Literal["active", "paid", "cancelled", "expired"] | None = None


def _out(reservation: Reservation) -> dict:
    order = reservation.order
    paid = order_services.amount_paid(order)  # as in an order's answer (`order_answer`)
    return {
        "code": reservation.code,
        "status": reservation.status,
        "state": queries.state(reservation),
        "order_id": order.pk,
        "event": order.event.slug if order.event else None,
        "email": order.email,
        "total": order.total,
        "amount_paid": paid,
        "amount_due": order_services.still_due(order, paid=paid),
        "currency": order.currency,
        "point_of_sale_id": reservation.point_of_sale_id,
        "deadline": reservation.deadline,
        "release_at": reservation.release_at,
        "extensions": reservation.extensions,
        "cancel_reason": reservation.cancel_reason,
        "created": reservation.created,
        "items": [
            {"position_id": item.position_id, "deadline": item.deadline}
            for item in reservation.items.all()
        ],
    }


def _rows(organizer):
    # the orders with what each has been paid, in one more query for the whole page
    orders = order_queries.with_amount_paid(Order.objects.select_related("event", "organizer"))
    return (
        scoped(Reservation.objects.all(), organizer)
        .select_related("organizer")
        .prefetch_related(Prefetch("order", queryset=orders), "items")
    )


def _reservation(request: HttpRequest, path: OrderPath, perm: str) -> Reservation:
    org = path.organizer_for(request, perm)
    found = get_scoped_or_404(_rows(org), org, code=path.code)
    assert isinstance(found, Reservation)
    return found


def _point_of_sale_out(point: PointOfSale) -> dict:
    return {
        "id": point.pk,
        "name": point.name,
        "channel": point.channel,
        "may_reserve": point.may_reserve,
        "reserving_audiences": [a.code for a in point.reserving_audiences.all()],
        "active": point.active,
        "created": point.created,
    }


@router.get(POINTS_OF_SALE, response=PointOfSalePage)
def list_points_of_sale(
    request: HttpRequest,
    page: Query[PageParams],
    filters: Query[PointOfSaleFilter],
    organizer: str = slug_path(),
):
    """The organiser's points of sale (web shop, box-office tills, phone, partners), by
    channel: the ids a reservation names, and whether each takes reservations (`channel`,
    `active` filter)."""
    org = organizer_for(request, organizer, Perm.VIEW_ORDERS)
    points = scoped(PointOfSale.objects.all(), org).prefetch_related(
        Prefetch("reserving_audiences", queryset=AudienceType.objects.order_by("code"))
    )
    if filters.channel:
        points = points.filter(channel=filters.channel)
    if filters.active is not None:
        points = points.filter(active=filters.active)
    return paginate(points.order_by("channel", "name", "id"), page, each=_point_of_sale_out)


@router.get(RESERVATIONS, response=ReservationPage)
def list_reservations(
    request: HttpRequest,
    page: Query[PageParams],
    filters: Query[ReservationFilter],
    organizer: str = slug_path(),
):
    """The organiser's reservations, soonest deadline first (`status`: active, paid,
    cancelled, expired)."""
    org = organizer_for(request, organizer, Perm.VIEW_ORDERS)
    rows = _rows(org).order_by("deadline", "id")
    if filters.status:
        rows = rows.filter(status=filters.status)
    return paginate(rows, page, each=_out)


@router.post(RESERVATIONS, response={201: ReservationOut})
def create_reservation(request: HttpRequest, payload: ReservationIn, organizer: str = slug_path()):
    """Reserve at a point of sale (box office, phone, partner): places held until the
    deadline the product's rule gives; the buyer gets the confirmation e-mail and finds it
    in their personal space, where it can be paid online."""
    org = organizer_for(request, organizer, Perm.CHANGE_ORDERS)
    event = reference(
        Event.objects.select_related("organizer"), org, field="event", slug=payload.event
    )
    point_of_sale = reference(
        PointOfSale.objects.all(), org, field="point_of_sale", pk=payload.point_of_sale
    )
    audience_type = (
        reference(
            AudienceType.objects.all(), org, field="audience_type", code=payload.audience_type
        )
        if payload.audience_type
        else None
    )
    assert isinstance(event, Event) and isinstance(point_of_sale, PointOfSale)
    assert audience_type is None or isinstance(audience_type, AudienceType)
    lines = _lines(event, payload.lines)
    with _domain_errors():
        reservation = services.reserve(
            org,
            event=event,
            lines=lines,
            buyer=Buyer(
                email=payload.buyer.email,
                name=payload.buyer.name,
                locale=payload.buyer.locale or org.default_language,
            ),
            point_of_sale=point_of_sale,
            audience_type=audience_type,
            actor=actor_of(request),
        )
    created = OrderPath(organizer=organizer, code=reservation.code)
    return Status(201, _out(_reservation(request, created, Perm.VIEW)))


@router.get(RESERVATION, response=ReservationOut)
def get_reservation(request: HttpRequest, path: Path[OrderPath]):
    return _answer(request, path)


def _answer(request: HttpRequest, path: OrderPath) -> dict:
    """The reservation's answer, read from the database (after a change: as it now stands)."""
    return _out(_reservation(request, path, Perm.VIEW_ORDERS))


@router.post(RESERVATION + "/pay", response=ReservationOut)
def pay_reservation(
    request: HttpRequest,
    payload: ReservationPayIn,
    path: Path[OrderPath],
):
    """Record the payment of the whole reservation: it becomes a firm purchase."""
    reservation = _reservation(request, path, Perm.CHANGE_ORDERS)
    with _domain_errors():
        services.pay(reservation, actor=actor_of(request), **payload.dict())
    return _answer(request, path)


@router.post(RESERVATION + "/extend", response=ReservationOut)
def extend_reservation(
    request: HttpRequest,
    payload: ReservationExtendIn,
    path: Path[OrderPath],
):
    """A new deadline (audited); refused once the places went back."""
    reservation = _reservation(request, path, Perm.CHANGE_ORDERS)
    services.extend(reservation, deadline=payload.deadline, actor=actor_of(request))
    return _answer(request, path)


@router.post(RESERVATION + "/cancel", response=ReservationOut)
def cancel_reservation(
    request: HttpRequest,
    payload: ReservationCancelIn,
    path: Path[OrderPath],
):
    """Cancel, with an optional reason: the places are released at once."""
    reservation = _reservation(request, path, Perm.CHANGE_ORDERS)
    services.cancel(reservation, reason=payload.reason, actor=actor_of(request))
    return _answer(request, path)
