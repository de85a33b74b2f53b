"""Registration reacts to orders (ADR 0009, ADR 0023): the registrations a ticket sold with
an event pass made are cancelled with its order."""

from rideau.core.domain_events import subscribe
from rideau.orders.domain_events import OrderCanceled

from . import sales


@subscribe(OrderCanceled)
def pass_registrations_cancelled(event: OrderCanceled) -> None:
    sales.cancel_for_order(event.order_id)
