"""Reactions of the partner portal to domain events (ADR 0009)."""

from rideau.core.domain_events import subscribe

from .domain_events import PartnerAdministratorAdded
from .models import TeamMember
from .services import issue_link, settings_for


@subscribe(PartnerAdministratorAdded)
def send_access_to_new_administrator(event: PartnerAdministratorAdded) -> None:
    """The automatic trigger (B13): an administrator added after the portal opened gets
    their login link. Checked again at delivery: still an administrator, portal still open."""
    if not event.portal_open:
        return
    member = (
        TeamMember.objects.select_related("contact", "partner__event__organizer")
        .filter(pk=event.member_id, role=TeamMember.Role.ADMIN)
        .first()
    )
    if member is None or settings_for(member.partner.event).opened_at is None:
        return
    issue_link(member)
