"""`{% ended_passes order as passes %}`: the passes an order that ended unpaid or cancelled
(expired, cancelled, refunded) had sold. Such an order's tickets are all cancelled, so its
page's table was empty; the order pages show these passes instead (`web/passes/
_ended_passes.html`): which pass, of which season, and that it is no longer valid."""

from django import template

from rideau.orders.models import Order
from rideau.passes import queries

register = template.Library()

ENDED = frozenset({Order.Status.EXPIRED, Order.Status.CANCELLED, Order.Status.REFUNDED})


@register.simple_tag
def ended_passes(order: Order) -> list:
    if order.status not in ENDED:
        return []
    return queries.of_order(order.pk)
