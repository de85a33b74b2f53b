"""Reservations react to orders (ADR 0009): a reservation paid or cancelled through the
orders' own paths follows its order."""

from rideau.core.domain_events import subscribe
from rideau.orders.domain_events import OrderCanceled, OrderPaid

from . import services


@subscribe(OrderPaid)
def reservation_paid(event: OrderPaid) -> None:
    services.mark_settled(event.order_id)


@subscribe(OrderCanceled)
def reservation_cancelled(event: OrderCanceled) -> None:
    services.mark_settled(event.order_id)
