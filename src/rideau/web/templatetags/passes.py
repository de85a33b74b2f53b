"""Passes on the order pages.

`{% ended_passes order as passes %}`: the passes an order that ended unpaid or cancelled
(expired, cancelled, refunded) had sold. Such an order's tickets are all cancelled, so its
page's table was empty; the order pages show these passes instead (`web/passes/
_ended_passes.html`): which pass, of which season, and that it is no longer valid.

`{% credit_passes order as passes %}`: on a pending order's page, the passes of the holder
logged in to the organiser's personal space whose credit pays what is left to pay, when the
order is theirs (`web/passes/_credit_pay.html`: one button each)."""

from django import template

from rideau.orders.models import Order
from rideau.orders.personal import buyer_orders
from rideau.passes import queries, resale, subscribers

from ..account.session import current_account

register = template.Library()

ENDED = frozenset({Order.Status.EXPIRED, Order.Status.CANCELLED, Order.Status.REFUNDED})


@register.simple_tag
def ended_passes(order: Order) -> list:
    if order.status not in ENDED:
        return []
    return queries.of_order(order.pk)


@register.simple_tag(takes_context=True)
def credit_passes(context: template.Context, order: Order) -> list:
    request = context.get("request")
    if request is None or order.status != Order.Status.PENDING:
        return []
    account = current_account(request, order.organizer)
    if account is None or not buyer_orders(account).filter(pk=order.pk).exists():
        return []
    return [p for p in subscribers.subscriber_passes(account) if resale.credit_pays(p, order)]
