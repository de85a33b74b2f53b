"""Gift vouchers react to orders (`rideau.core.domain_events`, ADR 0009)."""

from rideau.core.domain_events import subscribe
from rideau.orders.domain_events import OrderCanceled, OrderPaid
from rideau.orders.models import Order

from . import services


@subscribe(OrderPaid)
def issue_vouchers(event: OrderPaid) -> None:
    """A paid order's gift voucher lines become vouchers (idempotent: the box office may
    have issued them already in its sale's transaction)."""
    order = Order.objects.select_related("organizer").filter(pk=event.order_id).first()
    if order is not None:
        services.issue_for_order(order)


@subscribe(OrderCanceled)
def void_vouchers(event: OrderCanceled) -> None:
    """The vouchers an order bought cannot be spent once it is cancelled or refunded. The
    order's own transaction already did it (`orders.hooks.void_stored`, ADR 0034): this
    idempotent pass only catches events written before that."""
    order = Order.objects.filter(pk=event.order_id).first()
    if order is not None:
        services.void_for_order(order)


@subscribe(OrderCanceled)
def return_unused_payments(event: OrderCanceled) -> None:
    """An order that expired unpaid after a voucher paid part of it: the voucher gets that
    part back (a paid order's voucher payments come back through its refund instead)."""
    if event.status == Order.Status.EXPIRED:
        order = Order.objects.filter(pk=event.order_id).first()
        if order is not None:
            services.return_part_payments(order)
