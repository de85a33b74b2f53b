"""A partner administrator's session in the portal, separate from staff and buyer logins.

The session keeps `{partner id: member id}` under `SESSION_KEY`; an entry only opens its
own partner's portal, and only while the member is still an administrator of it. It never
sets `request.user`."""

from django.http import HttpRequest

from rideau.partners.models import Partner, TeamMember

SESSION_KEY = "rideau_portal"


def log_in(request: HttpRequest, member: TeamMember) -> None:
    request.session.cycle_key()  # a new session id at login: no fixation
    entries = dict(request.session.get(SESSION_KEY, {}))
    entries[str(member.partner_id)] = member.pk
    request.session[SESSION_KEY] = entries


def log_out(request: HttpRequest, partner: Partner) -> None:
    entries = dict(request.session.get(SESSION_KEY, {}))
    if entries.pop(str(partner.pk), None) is not None:
        request.session[SESSION_KEY] = entries
        request.session.cycle_key()


def current_member(request: HttpRequest, partner: Partner) -> TeamMember | None:
    member_id = request.session.get(SESSION_KEY, {}).get(str(partner.pk))
    if not member_id:
        return None
    return (
        TeamMember.objects.select_related("contact", "partner")
        .filter(pk=member_id, partner=partner, role=TeamMember.Role.ADMIN)
        .first()
    )
