"""What registration tells other areas (ADR 0009): segments, scenarios and statistics
subscribe to these without importing this app.

The kinds that can start a marketing scenario (SPEC E6) declare `trigger_label` and carry
`contact_id`, the person concerned. `session_id` is None for event-level registration
(SPEC A1, A9): the registration or the waitlist is the event's (`event_id`)."""

from dataclasses import dataclass
from typing import ClassVar

from django.utils.translation import gettext_lazy

from rideau.core.domain_events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class RegistrationConfirmed(DomainEvent):
    name: ClassVar[str] = "registration.confirmed"
    trigger_label: ClassVar = gettext_lazy("Registered to a session or an event")
    contact_id: int | None
    session_ids: list[int]
    override: bool = False
    event_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class RegistrationCanceled(DomainEvent):
    name: ClassVar[str] = "registration.canceled"
    contact_id: int | None
    session_id: int | None
    event_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class WaitlistOfferMade(DomainEvent):
    name: ClassVar[str] = "registration.waitlist_offer_made"
    trigger_label: ClassVar = gettext_lazy("Offered a place from a waitlist")
    contact_id: int | None
    session_id: int | None
    direct: bool
    event_id: int | None = None
    seats: int = 1
    swapped_from: int | None = None
