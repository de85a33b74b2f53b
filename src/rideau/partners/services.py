"""The organiser's writes on the partner portal: settings and menu, levels, partners, their
team, access links, tasks and documents (SPEC B1–B7, B13). Partner-side writes are in
`portal.py`; meetings in `meetings.py`; leads in `leads.py`.

Access (B13, ADR 0018): an administrator logs in through a single-use link that expires
after `LINK_HOURS`; only the token's SHA-256 is stored, and the link is spent by one
conditional UPDATE (`used_at IS NULL AND expires > now`), so two clicks racing on one link
open one session. "Send access e-mails" writes one link and one outbox e-mail per
administrator in one transaction; an administrator added later publishes
`PartnerAdministratorAdded`, whose handler sends the link once the portal is open.
"""

import datetime
import hashlib
import secrets
from collections.abc import Iterable, Sequence

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import models, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rideau.accounts.services import language_for
from rideau.contacts.services import ensure_contact
from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.domain_events import publish
from rideau.core.errors import ValidationFailed
from rideau.core.roles import Perm
from rideau.core.services import delete_with_audit, save_checked
from rideau.core.text import text_problem
from rideau.events.models import Event, Session
from rideau.messaging.services import queue_email
from rideau.orders.models import Voucher

from . import badges
from .domain_events import PartnerAdministratorAdded
from .errors import PartnerError
from .models import (
    AccessLink,
    Document,
    DocumentAssignment,
    HostedSession,
    Partner,
    PartnerLevel,
    PartnerVoucher,
    PortalSettings,
    PortalTab,
    ProfileField,
    Task,
    TaskAssignment,
    TeamMember,
)

LINK_HOURS = 72
RICH_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "a", "h2", "h3"}
DEFAULT_TABS = [
    (PortalTab.Kind.HOME, True),
    (PortalTab.Kind.PROFILE, True),
    (PortalTab.Kind.TEAM, True),
    (PortalTab.Kind.OFFERS, True),
    (PortalTab.Kind.TASKS, True),
    (PortalTab.Kind.DOCUMENTS, True),
    (PortalTab.Kind.SESSIONS, True),
    (PortalTab.Kind.CONTACTS, True),
    (PortalTab.Kind.MEETINGS, True),
    (PortalTab.Kind.CALENDAR, True),
    (PortalTab.Kind.DISCOUNTS, False),  # off by default (B11)
    (PortalTab.Kind.LEADS, True),
]


def sanitize_html(value: str) -> str:
    """Rich text from anyone, reduced to a few harmless tags (no scripts, styles, events)."""
    return nh3.clean(value or "", tags=RICH_TAGS, link_rel="noopener noreferrer nofollow")


def log_partner_side(
    action: str,
    obj: models.Model,
    partner: Partner,
    *,
    member: TeamMember | None = None,
    before: dict | None = None,
) -> None:
    """Log a write made in the partner's portal or by an attendee (no staff actor): under
    the partner's organiser, naming the team member who made it, if any."""
    after = audit.snapshot(obj)
    if member is not None:
        after["by_member"] = member.pk
    audit.record(action, obj, organizer=partner.organizer, before=before, after=after)


def _check_texts(**values: tuple[str, bool]) -> None:
    errors = {}
    for name, (value, multiline) in values.items():
        if problem := text_problem(value or "", multiline=multiline):
            errors[name] = [problem]
    if errors:
        raise ValidationFailed(errors)


# --- settings and menu ---------------------------------------------------------------------


def settings_for(event: Event) -> PortalSettings:
    found = PortalSettings.objects.filter(event=event).first()
    return found or PortalSettings(event=event)


def ensure_tabs(event: Event) -> list[PortalTab]:
    """The event's menu, made from the default tabs the first time it is asked for."""
    tabs = list(PortalTab.objects.filter(event=event))
    if tabs:
        return tabs
    labels = dict(PortalTab.Kind.choices)
    with translation.override(event.organizer.languages[0] if event.organizer.languages else None):
        PortalTab.objects.bulk_create(
            [
                PortalTab(
                    event=event, kind=kind, title=str(labels[kind]), enabled=on, position=i * 10
                )
                for i, (kind, on) in enumerate(DEFAULT_TABS)
            ],
            ignore_conflicts=True,
        )
    return list(PortalTab.objects.filter(event=event))


_COLOR = "#0123456789abcdefABCDEF"


def _check_color(field: str, value: str) -> None:
    if len(value) != 7 or value[0] != "#" or any(c not in _COLOR for c in value[1:]):
        raise ValidationFailed({field: [_("A colour such as #1d3557.")]})


def update_settings(event: Event, *, actor: Actor, **values) -> PortalSettings:
    """Change the portal's appearance and switches; `open_portal=True` opens it (from then
    on, every administrator added gets an access e-mail automatically)."""
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    open_portal = values.pop("open_portal", None)
    allowed = {
        "primary_color",
        "text_color",
        "logo_placement",
        "organizer_contacts",
        "dashboard",
        "show_badges",
        "show_registered_counts",
        "show_present_counts",
        "leads_open",
        "badge_rate",
    }
    unknown = set(values) - allowed
    if unknown:
        raise ValidationFailed({name: [_("Unknown setting.")] for name in unknown})
    for name in ("primary_color", "text_color"):
        if name in values:
            _check_color(name, values[name])
    if "logo_placement" in values and values["logo_placement"] not in (
        PortalSettings.LogoPlacement.values
    ):
        raise ValidationFailed({"logo_placement": [_("Choose one of the options.")]})
    rate = values.get("badge_rate")
    if rate is not None and rate.product.event_id != event.pk:
        raise ValidationFailed({"badge_rate": [_("Choose a rate of this event.")]})
    if "organizer_contacts" in values:
        _check_texts(organizer_contacts=(values["organizer_contacts"], True))
    if "dashboard" in values:
        _check_texts(dashboard=(values["dashboard"], True))
        values["dashboard"] = sanitize_html(values["dashboard"])
    with transaction.atomic():
        found, _created = PortalSettings.objects.select_for_update().get_or_create(event=event)
        before = audit.snapshot(found)
        for name, value in values.items():
            setattr(found, name, value)
        if open_portal is True and found.opened_at is None:
            found.opened_at = timezone.now()
        elif open_portal is False:
            found.opened_at = None
        save_checked(
            found,
            actor=actor,
            organizer=event.organizer,
            action="partner_portal.settings_changed",
            before=before,
        )
        if found.badge_rate_id is not None:  # every registered attendee gets their badge
            for member in TeamMember.objects.filter(
                partner__event=event, role=TeamMember.Role.ATTENDEE, badge_order__isnull=True
            ).select_related("contact", "partner__organizer"):
                badges.sync_badge_ticket(member, actor=actor)
    return found


def save_tab(
    event: Event,
    *,
    actor: Actor,
    tab: PortalTab | None = None,
    kind: str = PortalTab.Kind.CUSTOM,
    title: str,
    content: str = "",
    enabled: bool = True,
) -> PortalTab:
    """Add a tab (a built-in page not yet in the menu, or a custom page) or change one. A
    custom tab without content cannot be enabled: each tab needs its page."""
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    title = (title or "").strip()
    if not title:
        raise ValidationFailed({"title": [_("This field is required.")]})
    _check_texts(title=(title, False), content=(content, True))
    if tab is None and kind not in PortalTab.Kind.values:
        raise ValidationFailed({"kind": [_("Choose one of the options.")]})
    kind = tab.kind if tab is not None else kind
    content = sanitize_html(content) if kind == PortalTab.Kind.CUSTOM else ""
    if kind == PortalTab.Kind.CUSTOM and enabled and not content.strip():
        raise PartnerError("tab_without_content", field="enabled")
    with transaction.atomic():
        ensure_tabs(event)
        if tab is None:
            if PortalTab.objects.filter(event=event, kind=kind).exclude(kind="custom").exists():
                raise ValidationFailed({"kind": [_("This page is already in the menu.")]})
            last = PortalTab.objects.filter(event=event).aggregate(m=Max("position"))["m"]
            tab = PortalTab(event=event, kind=kind, position=(last or 0) + 10)
            before = None
        else:
            before = audit.snapshot(tab)
        tab.title, tab.content, tab.enabled = title[:100], content, enabled
        save_checked(tab, actor=actor, action="partner_portal.tab_saved", before=before)
    return tab


def set_tab_enabled(tab: PortalTab, *, actor: Actor, enabled: bool) -> PortalTab:
    return save_tab(
        tab.event, actor=actor, tab=tab, title=tab.title, content=tab.content, enabled=enabled
    )


def delete_tab(tab: PortalTab, *, actor: Actor) -> None:
    delete_with_audit(
        tab,
        actor=actor,
        organizer=tab.event.organizer,
        action="partner_portal.tab_deleted",
        perm=Perm.CHANGE_EVENTS,
    )


def reorder_tabs(event: Event, *, actor: Actor, order: Sequence[int]) -> list[PortalTab]:
    """Put the tabs in this order (ids); every tab of the event must be named once."""
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    with transaction.atomic():
        tabs = {t.pk: t for t in PortalTab.objects.select_for_update().filter(event=event)}
        if sorted(order) != sorted(tabs) or len(set(order)) != len(order):
            raise ValidationFailed({"order": [_("Name every tab of the menu once.")]})
        for i, pk in enumerate(order):
            tabs[pk].position = (i + 1) * 10
        PortalTab.objects.bulk_update(tabs.values(), ["position"])
        audit.record(
            "partner_portal.tabs_reordered",
            event,
            actor=actor,
            organizer=event.organizer,
            after={"order": list(order)},
        )
    return [tabs[pk] for pk in order]


def move_tab(tab: PortalTab, *, actor: Actor, offset: int) -> list[PortalTab]:
    """Move a tab one place up (-1) or down (+1): the keyboard's way to reorder."""
    ids = list(PortalTab.objects.filter(event=tab.event).values_list("pk", flat=True))
    i = ids.index(tab.pk)
    j = max(0, min(len(ids) - 1, i + offset))
    ids[i], ids[j] = ids[j], ids[i]
    return reorder_tabs(tab.event, actor=actor, order=ids)


# --- levels, profile fields ----------------------------------------------------------------


def save_level(
    event: Event,
    *,
    actor: Actor,
    level: PartnerLevel | None = None,
    name: str,
    team_limit: int | None = None,
    position: int = 0,
) -> PartnerLevel:
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": [_("This field is required.")]})
    _check_texts(name=(name, False))
    if team_limit is not None and team_limit < 1:
        raise ValidationFailed({"team_limit": [_("At least 1, or empty for no limit.")]})
    with transaction.atomic():
        before = audit.snapshot(level) if level else None
        level = level or PartnerLevel(event=event)
        level.name, level.team_limit, level.position = name[:100], team_limit, position
        save_checked(level, actor=actor, action="partner_level.saved", before=before)
    return level


def save_profile_field(
    event: Event,
    *,
    actor: Actor,
    field: ProfileField | None = None,
    key: str,
    label: str,
    kind: str,
    choices: Iterable[str] = (),
    position: int = 0,
) -> ProfileField:
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    errors: dict[str, list[str]] = {}
    try:
        validate_slug(key)
    except ValidationError:
        errors["key"] = [_("Letters, digits, hyphens and underscores only.")]
    if not (label or "").strip():
        errors["label"] = [_("This field is required.")]
    if kind not in ProfileField.Kind.values:
        errors["kind"] = [_("Choose one of the options.")]
    options = [c.strip()[:100] for c in choices if c.strip()]
    if kind == ProfileField.Kind.CHOICE and not options:
        errors["choices"] = [_("Give at least one choice.")]
    if errors:
        raise ValidationFailed(errors)
    _check_texts(label=(label, False), **{f"choice{i}": (c, False) for i, c in enumerate(options)})
    clash = ProfileField.objects.filter(event=event, key=key)
    if field is not None:
        clash = clash.exclude(pk=field.pk)
    if clash.exists():
        raise ValidationFailed({"key": [_("Another field has this key.")]})
    with transaction.atomic():
        before = audit.snapshot(field) if field else None
        field = field or ProfileField(event=event)
        field.key, field.label, field.kind = key, label.strip()[:100], kind
        field.choices, field.position = options, position
        save_checked(field, actor=actor, action="partner_field.saved", before=before)
    return field


def delete_profile_field(field: ProfileField, *, actor: Actor) -> None:
    delete_with_audit(
        field,
        actor=actor,
        organizer=field.event.organizer,
        action="partner_field.deleted",
        perm=Perm.CHANGE_EVENTS,
    )


# --- partners ------------------------------------------------------------------------------


def _check_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed({"email": [_("Enter a valid e-mail address.")]}) from None
    return email


def create_partner(
    event: Event,
    *,
    actor: Actor,
    name: str,
    slug: str,
    kind: str = Partner.Kind.EXHIBITOR,
    level: PartnerLevel | None = None,
    admin_email: str,
    admin_first_name: str = "",
    admin_last_name: str = "",
) -> Partner:
    """A partner with its first administrator (B13: at least one per partner)."""
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    try:
        validate_slug(slug)
    except ValidationError:
        errors["slug"] = [_("Letters, digits, hyphens and underscores only.")]
    if kind not in Partner.Kind.values:
        errors["kind"] = [_("Choose one of the options.")]
    if level is not None and level.event_id != event.pk:
        errors["level"] = [_("Unknown or not available here.")]
    try:
        admin_email = _check_email(admin_email)
    except ValidationFailed:
        errors["admin_email"] = [_("Enter a valid e-mail address.")]
    if errors:
        raise ValidationFailed(errors)
    _check_texts(
        name=(name, False),
        admin_first_name=(admin_first_name, False),
        admin_last_name=(admin_last_name, False),
    )
    if Partner.objects.filter(event=event, slug=slug).exists():
        raise ValidationFailed({"slug": [_("Another partner of this event has this short name.")]})
    with transaction.atomic():
        partner = Partner.objects.create(
            organizer=event.organizer,
            event=event,
            name=name[:150],
            slug=slug,
            kind=kind,
            level=level,
        )
        audit.record_state("partner.created", partner, actor=actor, organizer=event.organizer)
        add_member(
            partner,
            actor=actor,
            email=admin_email,
            first_name=admin_first_name,
            last_name=admin_last_name,
            role=TeamMember.Role.ADMIN,
        )
    return partner


def update_partner(partner: Partner, *, actor: Actor, **values) -> Partner:
    require(actor, partner.organizer, Perm.CHANGE_EVENTS)
    errors: dict[str, list[str]] = {}
    if "name" in values and not (values["name"] or "").strip():
        errors["name"] = [_("This field is required.")]
    if "kind" in values and values["kind"] not in Partner.Kind.values:
        errors["kind"] = [_("Choose one of the options.")]
    level = values.get("level")
    if level is not None and level.event_id != partner.event_id:
        errors["level"] = [_("Unknown or not available here.")]
    if errors:
        raise ValidationFailed(errors)
    if "name" in values:
        _check_texts(name=(values["name"], False))
    with transaction.atomic():
        before = audit.snapshot(partner)
        for name in ("name", "kind", "level", "logo", "public"):
            if name in values:
                setattr(partner, name, values[name])
        save_checked(partner, actor=actor, action="partner.changed", before=before)
    return partner


def delete_partner(partner: Partner, *, actor: Actor) -> None:
    require(actor, partner.organizer, Perm.CHANGE_EVENTS)
    with transaction.atomic():
        audit.record(
            "partner.deleted",
            partner,
            actor=actor,
            organizer=partner.organizer,
            before=audit.snapshot(partner),
        )
        for member in partner.team.filter(badge_order__isnull=False):
            badges.withdraw_badge_ticket(member, actor=actor)
        partner.delete()


# --- team ----------------------------------------------------------------------------------


def _lock_partner(partner: Partner) -> Partner:
    return (
        Partner.objects.select_for_update(of=("self",)).select_related("level").get(pk=partner.pk)
    )


def _may_manage_team(partner: Partner, *, actor: Actor | None, by: TeamMember | None) -> None:
    """The team is managed by the organiser (`actor`) or one of the partner's administrators
    (`by`); anyone else is refused."""
    if actor is not None:
        require(actor, partner.organizer, Perm.CHANGE_EVENTS)
    elif by is None or by.partner_id != partner.pk or by.role != TeamMember.Role.ADMIN:
        raise PartnerError("permission_denied", message=_("Only administrators manage the team."))


def add_member(
    partner: Partner,
    *,
    actor: Actor | None = None,
    by: TeamMember | None = None,
    email: str,
    first_name: str = "",
    last_name: str = "",
    role: str = TeamMember.Role.ATTENDEE,
    job_title: str = "",
    may_manage_meetings: bool = False,
) -> TeamMember:
    """Add a person to the team, by the organiser (`actor`) or a partner administrator
    (`by`). The level's team size limit holds (the partner row is locked while counting)."""
    _may_manage_team(partner, actor=actor, by=by)
    email = _check_email(email)
    if role not in TeamMember.Role.values:
        raise ValidationFailed({"role": [_("Choose one of the options.")]})
    _check_texts(
        first_name=(first_name, False), last_name=(last_name, False), job_title=(job_title, False)
    )
    with transaction.atomic():
        locked = _lock_partner(partner)
        contact = ensure_contact(
            partner.organizer, email=email, first_name=first_name, last_name=last_name
        )
        if TeamMember.objects.filter(partner=locked, contact=contact).exists():
            raise PartnerError("already_in_team", field="email")
        limit = locked.level.team_limit if locked.level else None
        if limit is not None and TeamMember.objects.filter(partner=locked).count() >= limit:
            raise PartnerError("team_full", limit=limit)
        member = TeamMember.objects.create(
            partner=locked,
            contact=contact,
            role=role,
            job_title=job_title.strip()[:100],
            may_manage_meetings=may_manage_meetings,
            badge_code="B" + secrets.token_hex(12),
        )
        audit.record_state("partner_member.added", member, actor=actor, organizer=partner.organizer)
        if role == TeamMember.Role.ADMIN:
            _administrator_added(member)
        badges.sync_badge_ticket(member, actor=actor)
    return member


def _administrator_added(member: TeamMember) -> None:
    portal = settings_for(member.partner.event)
    publish(
        PartnerAdministratorAdded(
            organizer_id=member.partner.organizer_id,
            contact_id=member.contact_id,
            partner_id=member.partner_id,
            member_id=member.pk,
            portal_open=portal.opened_at is not None,
        )
    )


def change_member(
    member: TeamMember,
    *,
    actor: Actor | None = None,
    by: TeamMember | None = None,
    role: str,
    job_title: str | None = None,
    may_manage_meetings: bool | None = None,
) -> TeamMember:
    partner = member.partner
    _may_manage_team(partner, actor=actor, by=by)
    if role not in TeamMember.Role.values:
        raise ValidationFailed({"role": [_("Choose one of the options.")]})
    if job_title is not None:
        _check_texts(job_title=(job_title, False))
    with transaction.atomic():
        _lock_partner(partner)
        member = TeamMember.objects.select_for_update().get(pk=member.pk)
        was_admin = member.role == TeamMember.Role.ADMIN
        if was_admin and role != TeamMember.Role.ADMIN:
            _keep_an_admin(member)
        before = audit.snapshot(member)
        member.role = role
        if job_title is not None:
            member.job_title = job_title.strip()[:100]
        if may_manage_meetings is not None:
            member.may_manage_meetings = may_manage_meetings
        save_checked(member, actor=actor, action="partner_member.changed", before=before)
        if role == TeamMember.Role.ADMIN and not was_admin:
            _administrator_added(member)
        badges.sync_badge_ticket(member, actor=actor)
    return member


def _keep_an_admin(member: TeamMember) -> None:
    others = TeamMember.objects.filter(partner_id=member.partner_id, role="admin").exclude(
        pk=member.pk
    )
    if not others.exists():
        raise PartnerError("last_administrator", field="role")


def remove_member(
    member: TeamMember, *, actor: Actor | None = None, by: TeamMember | None = None
) -> None:
    partner = member.partner
    _may_manage_team(partner, actor=actor, by=by)
    with transaction.atomic():
        _lock_partner(partner)
        if member.role == TeamMember.Role.ADMIN:
            _keep_an_admin(member)
        audit.record(
            "partner_member.removed",
            member,
            actor=actor,
            organizer=partner.organizer,
            before=audit.snapshot(member),
        )
        badges.withdraw_badge_ticket(member, actor=actor)
        member.delete()


# --- access links --------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def portal_url(partner: Partner) -> str:
    return settings.SITE_URL + reverse(
        "web:portal-home",
        kwargs={
            "organizer": partner.organizer.slug,
            "event": partner.event.slug,
            "partner": partner.slug,
        },
    )


def issue_link(member: TeamMember, *, now: datetime.datetime | None = None) -> str:
    """Write a single-use login link for an administrator and e-mail it (outbox, in the
    caller's transaction). Returns the link (tests, the demo)."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    AccessLink.objects.create(
        member=member,
        token_hash=_hash_token(token),
        expires=now + datetime.timedelta(hours=LINK_HOURS),
        created=now,
    )
    partner = member.partner
    url = settings.SITE_URL + reverse(
        "web:portal-link",
        kwargs={
            "organizer": partner.organizer.slug,
            "event": partner.event.slug,
            "partner": partner.slug,
            "token": token,
        },
    )
    contact = member.contact
    with translation.override(language_for(partner.organizer, contact)):
        with timezone.override(partner.organizer.timezone):
            queue_email(
                to=[contact.email],
                subject=_("Your access to the partner space of %(event)s")
                % {"event": str(partner.event)},
                text=render_to_string(
                    "partners/access_email.txt",
                    {
                        "contact": contact,
                        "partner": partner,
                        "event": partner.event,
                        "url": url,
                        "hours": LINK_HOURS,
                    },
                ),
                organizer=partner.organizer,
                reference=f"partner-access:{member.pk}",
            )
    return url


def send_access_emails(event: Event, *, actor: Actor, partner: Partner | None = None) -> int:
    """E-mail a login link to every administrator of the event's partners (or of one)."""
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    admins = TeamMember.objects.filter(partner__event=event, role=TeamMember.Role.ADMIN)
    if partner is not None:
        admins = admins.filter(partner=partner)
    sent = 0
    with transaction.atomic():
        for member in admins.select_related("contact", "partner__event__organizer"):
            issue_link(member)
            sent += 1
        audit.record(
            "partner_portal.access_sent",
            partner or event,
            actor=actor,
            organizer=event.organizer,
            after={"sent": sent},
        )
    return sent


def log_in_with_link(partner: Partner, token: str) -> TeamMember:
    """Spend a login link of this partner: one conditional UPDATE, so it opens one session."""
    now = timezone.now()
    link = (
        AccessLink.objects.select_related("member")
        .filter(token_hash=_hash_token(token or ""), member__partner=partner)
        .first()
    )
    if link is None or link.member.role != TeamMember.Role.ADMIN:
        raise PartnerError("link_invalid")
    spent = AccessLink.objects.filter(pk=link.pk, used_at__isnull=True, expires__gt=now).update(
        used_at=now
    )
    if spent != 1:
        raise PartnerError("link_invalid")
    return link.member


def host_session(partner: Partner, *, actor: Actor, session: Session) -> HostedSession:
    """The partner hosts this session of its event (B8)."""
    require(actor, partner.organizer, Perm.CHANGE_EVENTS)
    if session.event_id != partner.event_id:
        raise ValidationFailed({"session": [_("Unknown or not available here.")]})
    with transaction.atomic():
        hosted, _created = HostedSession.objects.get_or_create(partner=partner, session=session)
        audit.record_state(
            "partner_session.assigned", hosted, actor=actor, organizer=partner.organizer
        )
    return hosted


def assign_voucher(partner: Partner, *, actor: Actor, voucher: Voucher) -> PartnerVoucher:
    """A discount code of the organiser becomes one of the partner's (B11)."""
    require(actor, partner.organizer, Perm.CHANGE_EVENTS)
    if voucher.organizer_id != partner.organizer_id:
        raise ValidationFailed({"voucher": [_("Unknown or not available here.")]})
    with transaction.atomic():
        link, _created = PartnerVoucher.objects.get_or_create(partner=partner, voucher=voucher)
        audit.record_state(
            "partner_voucher.assigned", link, actor=actor, organizer=partner.organizer
        )
    return link


# --- tasks and documents -------------------------------------------------------------------


def _partners_of(event: Event, partners: Iterable[Partner] | None) -> list[Partner]:
    if partners is None:
        return list(Partner.objects.filter(event=event))
    chosen = list(partners)
    if any(p.event_id != event.pk for p in chosen):
        raise ValidationFailed({"partners": [_("Unknown or not available here.")]})
    return chosen


def create_task(
    event: Event,
    *,
    actor: Actor,
    title: str,
    description: str = "",
    due: datetime.datetime,
    answer_kind: str,
    remind_days: int = 3,
    partners: Iterable[Partner] | None = None,
) -> Task:
    """A task for some partners (or all of them when `partners` is None)."""
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = [_("This field is required.")]
    if answer_kind not in Task.Answer.values:
        errors["answer_kind"] = [_("Choose one of the options.")]
    if not 0 <= remind_days <= 60:
        errors["remind_days"] = [_("Between 0 and 60 days.")]
    if due < timezone.now():
        errors["due"] = [_("This date is already past: choose a later one.")]
    if errors:
        raise ValidationFailed(errors)
    _check_texts(title=(title, False), description=(description, True))
    chosen = _partners_of(event, partners)
    with transaction.atomic():
        task = Task.objects.create(
            event=event,
            title=title.strip()[:150],
            description=description,
            due=due,
            answer_kind=answer_kind,
            remind_days=remind_days,
        )
        TaskAssignment.objects.bulk_create([TaskAssignment(task=task, partner=p) for p in chosen])
        audit.record(
            "partner_task.created",
            task,
            actor=actor,
            organizer=event.organizer,
            after={**audit.snapshot(task), "partners": [p.pk for p in chosen]},
        )
    return task


DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
# what a document may be (checked by its name and its first bytes): what partners open
DOCUMENT_TYPES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "ods": (b"PK\x03\x04",),
    "odp": (b"PK\x03\x04",),
    "txt": (),
    "csv": (),
}


def document_problem(file, *, max_bytes: int = DOCUMENT_MAX_BYTES) -> str | None:
    """Why an uploaded document is refused (size, kind), or None: the one check of the back
    office's form, the API's upload and a partner's file answering a task (`max_bytes`:
    its smaller limit)."""
    size = getattr(file, "size", None) or 0
    if size > max_bytes:
        return _("The file is larger than %(mb)s MB.") % {"mb": max_bytes // 2**20}
    if size == 0:
        return _("The file is empty.")
    ext = (getattr(file, "name", "") or "").rsplit(".", 1)[-1].lower()
    if ext not in DOCUMENT_TYPES:
        return _("Upload a PDF, an image (PNG, JPEG, GIF), an office document or a text file.")
    magics = DOCUMENT_TYPES[ext]
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if magics and not any(head.startswith(m) for m in magics):
        return _("The file's content is not a .%(ext)s file.") % {"ext": ext}
    if not magics and b"\x00" in head:
        return _("The file's content is not a .%(ext)s file.") % {"ext": ext}
    return None


def add_document(
    event: Event,
    *,
    actor: Actor,
    title: str,
    file,
    partners: Iterable[Partner] | None = None,
) -> Document:
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    if not (title or "").strip():
        raise ValidationFailed({"title": [_("This field is required.")]})
    if not file:
        raise ValidationFailed({"file": [_("This field is required.")]})
    if problem := document_problem(file):
        raise ValidationFailed({"file": [problem]})
    _check_texts(title=(title, False))
    chosen = _partners_of(event, partners)
    with transaction.atomic():
        document = Document(event=event, title=title.strip()[:150])
        document.file.save(getattr(file, "name", "document"), file, save=False)
        document.save()
        DocumentAssignment.objects.bulk_create(
            [DocumentAssignment(document=document, partner=p) for p in chosen]
        )
        audit.record(
            "partner_document.added",
            document,
            actor=actor,
            organizer=event.organizer,
            after={**audit.snapshot(document), "partners": [p.pk for p in chosen]},
        )
    return document
