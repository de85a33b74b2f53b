"""What passes do when other areas' things happen (domain events, ADR 0009)."""

from rideau.core import audit
from rideau.core.domain_events import subscribe
from rideau.orders import services as orders
from rideau.orders.domain_events import OrderCanceled, OrderPaid
from rideau.orders.models import Order

from . import services
from .models import Pass, Resale


@subscribe(OrderCanceled)
def cancel_pass_of_order(event: OrderCanceled) -> None:
    """A pass whose order is cancelled, expired or refunded stops being valid: its tickets'
    places were given back by the order's own cancellation, and the free orders of the
    events chosen since (subscriber access, updates) are cancelled too. Idempotent."""
    from . import renewals

    for p in Pass.objects.filter(order_id=event.order_id, status=Pass.Status.ACTIVE):
        Pass.objects.filter(pk=p.pk, status=Pass.Status.ACTIVE).update(status=Pass.Status.CANCELLED)
        renewals.withdraw(p)  # the new season's seats held for it go back on sale
        audit.record(
            "pass.cancelled", p, organizer=p.organizer, after={"order_status": event.status}
        )
        others = (
            Order.objects.filter(positions__pass_ticket__pass_obj=p)
            .exclude(pk=event.order_id)
            .filter(status__in=[Order.Status.PAID, Order.Status.PENDING])
            .distinct()
        )
        for order in others:
            orders.cancel_order(order, reason=f"pass {p.pk} cancelled", notify=False)


@subscribe(OrderPaid)
def credit_resale_proceeds(event: OrderPaid) -> None:
    """A resold ticket's buyer paid: the proceeds go on the pass if so chosen (idempotent)."""
    from . import resale

    for listing in Resale.objects.filter(buyer_order_id=event.order_id).select_related(
        "ticket__pass_obj__organizer"
    ):
        resale.record_proceeds(listing)


@subscribe(OrderPaid)
def offer_open_renewals(event: OrderPaid) -> None:
    """A pass paid after its sale gets its code by e-mail now; one paid while a renewal
    campaign from its product is under way joins it; a renewal paid takes over its previous
    pass's credit."""
    from . import renewals

    for pass_id in Pass.objects.filter(order_id=event.order_id).values_list("pk", flat=True):
        services.mail_code(pass_id)  # a pass paid after its sale: its code now
        renewals.offer_late_pass(pass_id)
        renewals.carry_credit(pass_id)  # a renewed pass: last season's credit comes along
