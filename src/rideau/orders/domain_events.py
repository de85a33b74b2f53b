"""What happens to orders, for the areas that react to it without importing `orders`
(waitlists, reservations, partners, scenarios): published by `orders.services` in the
order's own transaction (`rideau.core.domain_events`)."""

import dataclasses
from typing import ClassVar

from django.utils.translation import gettext_lazy

from rideau.core.domain_events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderEvent(DomainEvent):
    name: ClassVar[str] = "order"
    order_id: int
    code: str
    event_id: int | None
    channel: str
    email: str
    total: str  # a decimal, as text
    contact_id: int | None = None  # the buyer (a scenario may start for them, SPEC E6)


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderPlaced(OrderEvent):
    """An order was created (pending payment, or paid at once: then OrderPaid follows)."""

    name: ClassVar[str] = "order.placed"
    trigger_label: ClassVar = gettext_lazy("An order is placed")


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderPaid(OrderEvent):
    """An order is paid: its places are confirmed."""

    name: ClassVar[str] = "order.paid"
    trigger_label: ClassVar = gettext_lazy("An order is paid")
    provider: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderCanceled(OrderEvent):
    """An order was cancelled, expired unpaid, or refunded in full: its places are free
    again (`status` says which)."""

    name: ClassVar[str] = "order.canceled"
    status: str
    reason: str = ""


def about(order, kind: type[OrderEvent], **extra) -> OrderEvent:
    """`kind` for `order` (an `orders.models.Order`)."""
    return kind(
        organizer_id=order.organizer_id,
        order_id=order.pk,
        code=order.code,
        event_id=order.event_id,
        channel=order.channel,
        email=order.email,
        total=str(order.total),
        contact_id=order.contact_id,
        **extra,
    )
