"""What reservations tell other areas (ADR 0009): scenarios start on these (SPEC E6)."""

from dataclasses import dataclass
from typing import ClassVar

from django.utils.translation import gettext_lazy

from rideau.core.domain_events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ReservationEvent(DomainEvent):
    name: ClassVar[str] = "reservation"
    reservation_id: int
    order_id: int
    code: str
    contact_id: int | None
    email: str
    deadline: str  # ISO 8601, UTC


@dataclass(frozen=True, kw_only=True)
class ReservationMade(ReservationEvent):
    name: ClassVar[str] = "reservation.made"
    trigger_label: ClassVar = gettext_lazy("A reservation was made")
    channel: str


@dataclass(frozen=True, kw_only=True)
class ReservationNearDeadline(ReservationEvent):
    name: ClassVar[str] = "reservation.near_deadline"
    trigger_label: ClassVar = gettext_lazy("A reservation nears its deadline")


@dataclass(frozen=True, kw_only=True)
class ReservationExpired(ReservationEvent):
    name: ClassVar[str] = "reservation.expired"
    trigger_label: ClassVar = gettext_lazy("A reservation expired unpaid")


def about(reservation, kind: type[ReservationEvent], **extra) -> ReservationEvent:
    order = reservation.order
    return kind(
        organizer_id=reservation.organizer_id,
        reservation_id=reservation.pk,
        order_id=order.pk,
        code=order.code,
        contact_id=order.contact_id,
        email=order.email,
        deadline=reservation.deadline.isoformat(),
        **extra,
    )
