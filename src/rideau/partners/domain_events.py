"""What the partner portal tells other areas (ADR 0009). `PartnerAdministratorAdded` can
start a marketing scenario (SPEC E6): it declares `trigger_label` and `contact_id`."""

from dataclasses import dataclass
from typing import ClassVar

from django.utils.translation import gettext_lazy

from rideau.core.domain_events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PartnerAdministratorAdded(DomainEvent):
    name: ClassVar[str] = "partners.administrator_added"
    trigger_label: ClassVar = gettext_lazy("A partner administrator is added")
    contact_id: int | None
    partner_id: int
    member_id: int
    portal_open: bool


@dataclass(frozen=True, kw_only=True)
class PartnerMeetingAccepted(DomainEvent):
    name: ClassVar[str] = "partners.meeting_accepted"
    trigger_label: ClassVar = gettext_lazy("An attendee accepts a partner's meeting")
    contact_id: int | None
    partner_id: int
    meeting_id: int
