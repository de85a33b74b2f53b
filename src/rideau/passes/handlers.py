"""What passes do when other areas' things happen (domain events, ADR 0009)."""

from rideau.core import audit
from rideau.core.domain_events import subscribe
from rideau.orders.domain_events import OrderCanceled

from .models import Pass


@subscribe(OrderCanceled)
def cancel_pass_of_order(event: OrderCanceled) -> None:
    """A pass whose order is cancelled, expired or refunded stops being valid (its tickets'
    places were given back by the order's own cancellation). Idempotent."""
    for p in Pass.objects.filter(order_id=event.order_id, status=Pass.Status.ACTIVE):
        Pass.objects.filter(pk=p.pk, status=Pass.Status.ACTIVE).update(status=Pass.Status.CANCELLED)
        audit.record(
            "pass.cancelled", p, organizer=p.organizer, after={"order_status": event.status}
        )
