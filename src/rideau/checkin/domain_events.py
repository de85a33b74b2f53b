"""What check-in tells other areas (ADR 0009), published in the scan's transaction."""

from dataclasses import dataclass
from typing import ClassVar

from django.utils.translation import gettext_lazy

from rideau.core.domain_events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class CheckedIn(DomainEvent):
    """A ticket was let in (a valid scan)."""

    name: ClassVar[str] = "checkin.checked_in"
    trigger_label: ClassVar = gettext_lazy("A ticket holder checks in")
    checkin_id: int
    event_id: int
    position_id: int
    contact_id: int | None  # the order's contact
