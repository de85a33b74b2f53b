"""What registration tells other areas (ADR 0009): segments, scenarios and statistics
subscribe to these without importing this app."""

from dataclasses import dataclass
from typing import ClassVar

from django.utils.translation import gettext_lazy

from rideau.core.domain_events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class RegistrationConfirmed(DomainEvent):
    name: ClassVar[str] = "registration.confirmed"
    contact_id: int
    session_ids: list[int]
    override: bool = False


@dataclass(frozen=True, kw_only=True)
class RegistrationCanceled(DomainEvent):
    name: ClassVar[str] = "registration.canceled"
    contact_id: int
    session_id: int


@dataclass(frozen=True, kw_only=True)
class WaitlistOfferMade(DomainEvent):
    name: ClassVar[str] = "registration.waitlist_offer_made"
    trigger_label: ClassVar = gettext_lazy("A waitlist place is freed for a contact")
    contact_id: int
    session_id: int
    direct: bool
