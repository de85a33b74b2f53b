"""Reads of the partner portal. Every read a partner makes goes through its own `Partner`
(never a bare id), so a partner never reads another partner's rows."""

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from rideau.checkin.models import Checkin
from rideau.contacts.models import Contact
from rideau.events.models import Event
from rideau.orders.models import Position
from rideau.registration import queries as registration_queries
from rideau.registration.models import Registration

from .models import (
    ContactShare,
    DocumentAssignment,
    HostedSession,
    Lead,
    Listing,
    Meeting,
    MeetingSlot,
    Partner,
    PartnerLevel,
    PortalTab,
    TaskAssignment,
    TeamMember,
)


def consenting(event: Event) -> QuerySet[Contact]:
    """The one consent rule (B9, B12): attendees who agreed to be listed to the event's
    partners. Nobody is, until they say so in their personal space."""
    listed = Listing.objects.filter(event=event, listed=True).values("contact_id")
    return Contact.objects.filter(organizer_id=event.organizer_id, pk__in=listed)


def consenting_for(partner: Partner) -> QuerySet[Contact]:
    """Who this partner may see: attendees listed to the event's partners, and those who
    shared their details with this partner."""
    listed = Listing.objects.filter(event_id=partner.event_id, listed=True).values("contact_id")
    shared = ContactShare.objects.filter(partner=partner, shared=True).values("contact_id")
    return Contact.objects.filter(organizer_id=partner.organizer_id).filter(
        Q(pk__in=listed) | Q(pk__in=shared)
    )


def details_visible(partner: Partner) -> set[int]:
    """Contacts whose e-mail this partner may read: listed and sharing their details with
    the event's partners, or who shared them with this partner (by writing to it or by
    answering its message). Everyone else is shown by name only, if listed."""
    listed = Listing.objects.filter(
        event_id=partner.event_id, listed=True, shares_details=True
    ).values_list("contact_id", flat=True)
    shared = ContactShare.objects.filter(partner=partner, shared=True).values_list(
        "contact_id", flat=True
    )
    return set(listed) | set(shared)


def contact_list(partner: Partner, *, search: str = "") -> QuerySet[Listing]:
    rows = Listing.objects.filter(event_id=partner.event_id, listed=True).select_related("contact")
    if search:
        rows = rows.filter(
            Q(contact__first_name__icontains=search)
            | Q(contact__last_name__icontains=search)
            | Q(headline__icontains=search)
        )
    return rows.order_by("contact__last_name", "contact__first_name", "pk")


def messages_sent(partner: Partner) -> QuerySet[ContactShare]:
    """The partner's own messages to attendees, newest first, with the attendee's answer."""
    return partner.shares.filter(origin=ContactShare.Origin.PARTNER).select_related(
        "contact", "sent_by__contact"
    )


def enabled_tabs(event: Event) -> list[PortalTab]:
    return [t for t in PortalTab.objects.filter(event=event) if t.enabled]


def public_partners(event: Event) -> list[tuple[PartnerLevel | None, list[Partner]]]:
    """The event's listed partners grouped by level (levels in their order, then those
    without a level), for the public pages."""
    partners = list(
        Partner.objects.filter(event=event, public=True)
        .select_related("level")
        # partners without a level last on every database (SQLite sorts NULL first)
        .order_by(F("level__position").asc(nulls_last=True), "level_id", "name", "pk")
    )
    groups: list[tuple[PartnerLevel | None, list[Partner]]] = []
    for partner in partners:
        if groups and groups[-1][0] == partner.level:
            groups[-1][1].append(partner)
        else:
            groups.append((partner.level, [partner]))
    return groups


def public_team(partner: Partner) -> QuerySet[TeamMember]:
    """The sales contacts, shown on the public partner page (B4)."""
    return partner.team.filter(role=TeamMember.Role.SALES).select_related("contact")


def team(partner: Partner) -> QuerySet[TeamMember]:
    return partner.team.select_related("contact").order_by("role", "contact__last_name", "pk")


def tasks(partner: Partner) -> tuple[list[TaskAssignment], list[TaskAssignment]]:
    """(active, completed)."""
    rows = list(partner.tasks.select_related("task"))
    return [a for a in rows if a.done_at is None], [a for a in rows if a.done_at is not None]


def documents(partner: Partner) -> tuple[list[DocumentAssignment], list[DocumentAssignment]]:
    """(not yet viewed, viewed)."""
    rows = list(partner.documents.select_related("document", "viewed_by__contact"))
    return [a for a in rows if a.viewed_at is None], [a for a in rows if a.viewed_at is not None]


def hosted_sessions(partner: Partner, *, search: str = "") -> list[HostedSession]:
    rows = partner.sessions.select_related("session__location").prefetch_related(
        "speakers__contact"
    )
    if search:
        rows = rows.filter(session__title__icontains=search)
    hosted = list(rows)
    # places registered and present, as registration counts them (a group counts its size)
    attendance = registration_queries.session_attendance([h.session_id for h in hosted])
    for h in hosted:
        h.registered, h.present = attendance.get(h.session_id, (0, 0))  # type: ignore[attr-defined]
    return hosted


def free_slots(partner: Partner) -> QuerySet[MeetingSlot]:
    return MeetingSlot.objects.filter(
        space__partner=partner, meeting__isnull=True, start__gt=timezone.now()
    ).select_related("space")


def slots(partner: Partner) -> QuerySet[MeetingSlot]:
    return MeetingSlot.objects.filter(space__partner=partner).select_related(
        "space", "meeting__contact"
    )


def meetings(partner: Partner) -> QuerySet[Meeting]:
    return partner.meetings.select_related("contact", "slot__space").order_by("slot__start", "pk")


def open_task_count(partner: Partner) -> int:
    return partner.tasks.filter(done_at__isnull=True).count()


NOT_SHARED = "—"


def voucher_uses(partner: Partner) -> list[dict]:
    """The partner's discount codes with each use: buyer, attendee, order state, presence at
    the event (a valid check-in) (B11). A person's name appears only if they consented to the
    event's partners (`consenting_for`), their e-mail only if they shared their details
    (`details_visible`); otherwise the use is listed without who made it."""
    voucher_ids = list(partner.vouchers.values_list("voucher_id", flat=True))
    positions = list(
        Position.objects.filter(order__voucher_id__in=voucher_ids, order__event_id=partner.event_id)
        .select_related("order__voucher", "order__contact")
        .annotate(entries=Count("checkins", filter=Q(checkins__result=Checkin.Result.VALID)))
        .order_by("order__voucher__code", "order__created", "pk")
    )
    allowed = set(consenting_for(partner).values_list("pk", flat=True))
    visible = details_visible(partner)
    emails = {p.attendee_email.lower() for p in positions if p.attendee_email}
    by_email = {
        email.lower(): pk
        for pk, email in Contact.objects.filter(
            organizer_id=partner.organizer_id, email__in=emails
        ).values_list("pk", "email")
    }
    rows = []
    for p in positions:
        order = p.order
        buyer_id = order.contact_id
        attendee_id = by_email.get(p.attendee_email.lower()) if p.attendee_email else buyer_id
        rows.append(
            {
                "code": order.voucher.code if order.voucher else "",
                "buyer": (order.buyer_name or str(order.contact or ""))
                if buyer_id in allowed
                else NOT_SHARED,
                "buyer_email": order.email if buyer_id in visible else "",
                "attendee": p.holder_name if attendee_id in allowed else NOT_SHARED,
                "attendee_email": (p.attendee_email or order.email)
                if attendee_id in visible
                else "",
                "status": order.get_status_display(),
                "ordered": order.created,
                "present": p.entries > 0,
            }
        )
    return rows


@dataclass
class Networking:
    """One person the partner's team was in contact with (B12 "Networking contacts")."""

    contact: Contact
    how: str  # "meeting" or "shared"
    when: object  # datetime of the meeting's slot or of the sharing
    headline: str = ""


def networking_contacts(partner: Partner, *, allowed: set[int] | None = None) -> list[Networking]:
    """The people the partner met in an accepted meeting, and those who exchanged contact
    details with it by consent (an attendee writing and sharing, or accepting to share in
    answer to the partner's message); consenting people only, each once (first contact)."""
    if allowed is None:
        allowed = set(consenting_for(partner).values_list("pk", flat=True))
    headlines = dict(
        Listing.objects.filter(event_id=partner.event_id, listed=True).values_list(
            "contact_id", "headline"
        )
    )
    found: dict[int, Networking] = {}
    met = partner.meetings.filter(state=Meeting.State.ACCEPTED).select_related("contact", "slot")
    for meeting in met:
        found.setdefault(
            meeting.contact_id, Networking(meeting.contact, "meeting", meeting.slot.start)
        )
    for share in partner.shares.filter(shared=True).select_related("contact"):
        when = share.answered or share.created
        known = found.get(share.contact_id)
        if known is None or when < known.when:  # type: ignore[operator]
            found[share.contact_id] = Networking(share.contact, "shared", when)
    rows = [n for pk, n in found.items() if pk in allowed]
    for n in rows:
        n.headline = headlines.get(n.contact.pk, "")
    return sorted(
        rows, key=lambda n: (n.contact.last_name.lower(), n.contact.first_name, n.contact.pk)
    )


@dataclass
class LeadsData:
    scans: list[Lead] = field(default_factory=list)
    shares: list[ContactShare] = field(default_factory=list)
    session_attendees: list[tuple[Contact, str]] = field(default_factory=list)
    networking: list["Networking"] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    visible: set[int] = field(default_factory=set)  # whose e-mail may be shown


def leads_data(partner: Partner) -> LeadsData:
    """What the Leads tab and its download show: consenting attendees only."""
    allowed = set(consenting_for(partner).values_list("pk", flat=True))
    data = LeadsData()
    data.scans = [
        lead
        for lead in partner.leads.select_related("contact", "scanned_by__contact")
        if lead.contact_id in allowed
    ]
    data.shares = [
        s
        for s in partner.shares.select_related("contact", "sent_by__contact")
        if s.shared or s.contact_id in allowed
    ]
    hosted_sessions_ = {h.session_id: h.session for h in partner.sessions.select_related("session")}
    attended = (
        Registration.objects.filter(
            session_id__in=list(hosted_sessions_),
            state=Registration.State.REGISTERED,
            attended=True,
        )
        .select_related("contact")
        .order_by("session__start", "contact__last_name", "pk")
    )
    for registration in attended:
        if registration.contact_id in allowed and registration.session_id is not None:
            title = str(hosted_sessions_[registration.session_id])
            data.session_attendees.append((registration.contact, title))
    data.networking = networking_contacts(partner, allowed=allowed)
    data.visible = details_visible(partner)
    data.meetings = [m for m in meetings(partner) if m.contact_id in allowed]
    return data
