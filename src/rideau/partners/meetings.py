"""Attendees listed to partners, meeting spaces and slots, meeting requests (B9, B10).

Listing is the attendee's choice (`Listing.listed`, nobody by default): a partner sees and
invites only listed attendees. A slot is booked by its one accepted meeting, written by one
conditional UPDATE (`MeetingSlot.meeting IS NULL`) in `_book_slot`: two attendees accepting
invitations for the same slot at the same moment — exactly one gets it, the other is told
the slot is taken and their invitation stays open (tests/partners/test_concurrency.py).
"""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rideau.accounts.services import language_for
from rideau.contacts.models import Contact
from rideau.core import audit, ratelimit
from rideau.core.domain_events import publish
from rideau.core.errors import ValidationFailed
from rideau.core.services import save_checked
from rideau.core.timezones import organizer_zone
from rideau.events.models import Event, EventDate, Session
from rideau.messaging.services import queue_email

from .domain_events import PartnerMeetingAccepted
from .errors import PartnerError
from .models import (
    ContactShare,
    Listing,
    Meeting,
    MeetingSlot,
    MeetingSpace,
    Partner,
    TeamMember,
)
from .services import _check_texts, log_partner_side

MAX_SLOTS_AT_ONCE = 200
# a partner's team writes at most this many messages to attendees per hour (abuse), and one
# at a time to each attendee: the next waits for the attendee's answer
MESSAGES_PER_HOUR = 30


def set_listing(
    event: Event,
    contact: Contact,
    *,
    listed: bool,
    shares_details: bool = False,
    headline: str = "",
) -> Listing:
    """The attendee's own choice: listed to the event's partners or not (B9)."""
    if contact.organizer_id != event.organizer_id:
        raise ValidationFailed({"listed": [_("Unknown or not available here.")]})
    _check_texts(headline=(headline, False))
    with transaction.atomic():
        listing, _created = Listing.objects.select_for_update().get_or_create(
            event=event, contact=contact, defaults={"organizer_id": event.organizer_id}
        )
        before = audit.snapshot(listing)
        listing.listed, listing.shares_details = listed, shares_details and listed
        listing.headline = headline.strip()[:200]
        save_checked(
            listing,
            actor=None,
            organizer=event.organizer,
            action="partner_listing.changed",
            before=before,
        )
    return listing


def _admin(member: TeamMember, partner: Partner) -> None:
    if member.partner_id != partner.pk or member.role != TeamMember.Role.ADMIN:
        raise PartnerError("permission_denied", message=_("This is not your partner space."))


def add_space(partner: Partner, *, member: TeamMember, name: str) -> MeetingSpace:
    _admin(member, partner)
    if not (name or "").strip():
        raise ValidationFailed({"name": [_("This field is required.")]})
    _check_texts(name=(name, False))
    with transaction.atomic():
        space = MeetingSpace.objects.create(partner=partner, name=name.strip()[:100])
        log_partner_side("partner_space.added", space, partner)
    return space


def event_days(event: Event) -> tuple[datetime.datetime, datetime.datetime] | None:
    """The event's days in the organiser's zone: from the midnight opening the day its first
    date or session starts to the midnight closing the day its last one ends (a date without
    an end ends at its start; cancelled dates do not count). None without any."""
    dates = EventDate.objects.filter(event=event, is_cancelled=False).aggregate(
        first=Min("start"), last=Max(Coalesce("end", "start"))
    )
    sessions = Session.objects.filter(event=event).aggregate(first=Min("start"), last=Max("end"))
    firsts = [m for m in (dates["first"], sessions["first"]) if m is not None]
    lasts = [m for m in (dates["last"], sessions["last"]) if m is not None]
    if not firsts or not lasts:
        return None
    zone = organizer_zone(event.organizer)
    first_day = min(firsts).astimezone(zone).date()
    last_day = max(lasts).astimezone(zone).date()
    return (
        datetime.datetime.combine(first_day, datetime.time(0), tzinfo=zone),
        datetime.datetime.combine(
            last_day + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone
        ),
    )


def add_slots(
    space: MeetingSpace,
    *,
    member: TeamMember,
    start: datetime.datetime,
    end: datetime.datetime,
    minutes: int = 30,
    now: datetime.datetime | None = None,
) -> list[MeetingSlot]:
    """Cut `start`–`end` into slots of `minutes` in one meeting space: within the event's
    days (when it has dates or sessions), not begun, not overlapping the space's slots (one
    stand cannot hold two meetings at once), at most MAX_SLOTS_AT_ONCE (more is refused,
    not cut short)."""
    _admin(member, space.partner)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if end <= start:
        errors["end"] = [_("The end must come after the start.")]
    elif start < now:
        errors["start"] = [_("Choose a start in the future.")]
    if not 5 <= minutes <= 480:
        errors["minutes"] = [_("Between 5 and 480 minutes.")]
    days = event_days(space.partner.event)
    if days is not None:
        first, after_last = days
        outside = _("Choose times within the event's days, from %(first)s to %(last)s.") % {
            "first": formats.date_format(first.date(), "DATE_FORMAT"),
            "last": formats.date_format(
                after_last.date() - datetime.timedelta(days=1), "DATE_FORMAT"
            ),
        }
        if not first <= start < after_last:
            errors["start"] = [outside]
        if not first < end <= after_last:
            errors.setdefault("end", []).append(outside)
    if errors:
        raise ValidationFailed(errors)
    step = datetime.timedelta(minutes=minutes)
    count = (end - start) // step
    if not count:
        raise ValidationFailed({"end": [_("The period is shorter than one slot.")]})
    if count > MAX_SLOTS_AT_ONCE:
        raise ValidationFailed(
            {
                "end": [
                    _(
                        "This period makes %(count)s time slots; at most %(limit)s can be added "
                        "at once. Choose a shorter period or longer slots."
                    )
                    % {"count": count, "limit": MAX_SLOTS_AT_ONCE}
                ]
            }
        )
    slots = [
        MeetingSlot(space=space, start=start + i * step, end=start + (i + 1) * step)
        for i in range(count)
    ]
    with transaction.atomic():
        MeetingSpace.objects.select_for_update().filter(pk=space.pk).first()  # one add at once
        overlapping = (
            MeetingSlot.objects.filter(space=space, start__lt=end, end__gt=start)
            .order_by("start")
            .first()
        )
        if overlapping is not None:
            zone = organizer_zone(space.partner.organizer)
            raise ValidationFailed(
                {
                    "start": [
                        _(
                            "This period overlaps a time slot the space already has "
                            "(%(start)s – %(end)s). Choose another period, or remove "
                            "those slots first."
                        )
                        % {
                            "start": formats.date_format(
                                overlapping.start.astimezone(zone), "DATETIME_FORMAT"
                            ),
                            "end": formats.time_format(
                                overlapping.end.astimezone(zone), "TIME_FORMAT"
                            ),
                        }
                    ]
                }
            )
        MeetingSlot.objects.bulk_create(slots)
        audit.record(
            "partner_slots.added",
            space,
            organizer=space.partner.organizer,
            after={"start": start.isoformat(), "end": end.isoformat(), "count": len(slots)},
        )
    return slots


def propose(
    partner: Partner,
    *,
    member: TeamMember,
    contact: Contact,
    slot: MeetingSlot,
    message: str = "",
) -> Meeting:
    """Invite a listed attendee to a free slot of one of the partner's spaces; the attendee
    is told by e-mail and answers in their personal space."""
    _admin(member, partner)
    if slot.space.partner_id != partner.pk:
        raise ValidationFailed({"slot": [_("Unknown or not available here.")]})
    _check_meeting_request(partner, contact, slot, message, contact_field="contact")
    meeting = Meeting(
        partner=partner, contact=contact, slot=slot, message=message, proposed_by=member
    )
    return _save_meeting(meeting, "partner_meeting.proposed", _tell_attendee)


def _check_meeting_request(
    partner: Partner, contact: Contact, slot: MeetingSlot, message: str, *, contact_field: str
) -> None:
    """A meeting may be asked for a listed attendee, in a free slot still to come."""
    if not Listing.objects.filter(event_id=partner.event_id, contact=contact, listed=True).exists():
        raise PartnerError("not_listed", field=contact_field)
    if slot.meeting_id is not None:
        raise PartnerError("slot_taken", field="slot")
    if slot.start <= timezone.now():
        raise PartnerError("slot_in_past", field="slot")
    _check_texts(message=(message, True))


def _save_meeting(meeting: Meeting, action: str, tell: Callable[[Meeting], None]) -> Meeting:
    """Save a new meeting, log it and tell the other side (in the same transaction)."""
    with transaction.atomic():
        meeting.save(force_insert=True)
        log_partner_side(action, meeting, meeting.partner)
        tell(meeting)
    return meeting


def _email_attendee(
    partner: Partner,
    contact: Contact,
    *,
    subject: Promise,
    template: str,
    context: dict,
    reference: str,
) -> None:
    """Queue an e-mail from the partner's side to an attendee, in the attendee's language
    and the organiser's time zone, linking to their meetings page. `subject` is a lazy
    text with a %(partner)s placeholder."""
    organizer = partner.organizer
    url = settings.SITE_URL + reverse("web:account-meetings", kwargs={"organizer": organizer.slug})
    with translation.override(language_for(organizer, contact)):
        with timezone.override(organizer.timezone):
            queue_email(
                to=[contact.email],
                subject=str(subject) % {"partner": partner.name},
                text=render_to_string(
                    template,
                    {"contact": contact, "partner": partner, "event": partner.event, "url": url}
                    | context,
                ),
                organizer=organizer,
                reference=reference,
            )


def _tell_attendee(meeting: Meeting) -> None:
    _email_attendee(
        meeting.partner,
        meeting.contact,
        subject=gettext_lazy("%(partner)s proposes a meeting"),
        template="partners/meeting_email.txt",
        context={
            "start": meeting.slot.start,
            "space": meeting.slot.space.name,
            "message": meeting.message,
        },
        reference=f"partner-meeting:{meeting.pk}",
    )


def write_to_partner(
    partner: Partner, *, contact: Contact, message: str, share: bool
) -> ContactShare:
    """An attendee writes to a partner and may share their contact details with it (B12
    "Contact sharing"): sharing is the attendee's consent for that partner only."""
    if contact.organizer_id != partner.organizer_id:
        raise ValidationFailed({"partner": [_("Unknown or not available here.")]})
    if not (message or "").strip() and not share:
        raise ValidationFailed({"message": [_("Write a message or share your details.")]})
    _check_texts(message=(message, True))
    with transaction.atomic():
        row = ContactShare.objects.create(
            partner=partner, contact=contact, message=message.strip()[:2000], shared=share
        )
        log_partner_side("partner_share.written", row, partner)
    return row


def write_to_attendee(
    partner: Partner, *, member: TeamMember, contact: Contact, message: str
) -> ContactShare:
    """A partner writes first (B12 "Contact sharing and messaging"): to an attendee listed to
    the event's partners, or one who wrote to it. The message goes through the outbox to the
    attendee; the partner never sees their e-mail address until the attendee accepts to share
    their details (`answer_message`). One unanswered message per attendee, and
    MESSAGES_PER_HOUR per partner."""
    _admin(member, partner)
    listed = Listing.objects.filter(event_id=partner.event_id, contact=contact, listed=True)
    wrote = ContactShare.objects.filter(
        partner=partner, contact=contact, origin=ContactShare.Origin.ATTENDEE
    )
    if contact.organizer_id != partner.organizer_id or not (listed.exists() or wrote.exists()):
        raise PartnerError("not_listed", field="contact")
    message = (message or "").strip()
    if not message:
        raise ValidationFailed({"message": [_("This field is required.")]})
    _check_texts(message=(message, True))
    with transaction.atomic():
        # the partner row serialises its team's messages: the checks below hold
        Partner.objects.select_for_update(of=("self",)).get(pk=partner.pk)
        if ContactShare.objects.filter(
            partner=partner,
            contact=contact,
            origin=ContactShare.Origin.PARTNER,
            answered__isnull=True,
        ).exists():
            raise PartnerError("message_waiting", field="message")
        if not ratelimit.hit(
            f"partner-messages:{partner.pk}", limit=MESSAGES_PER_HOUR, window=3600
        ):
            raise PartnerError("too_many_messages", field="message")
        row = ContactShare.objects.create(
            partner=partner,
            contact=contact,
            message=message[:2000],
            origin=ContactShare.Origin.PARTNER,
            sent_by=member,
        )
        log_partner_side("partner_share.partner_wrote", row, partner, member=member)
        _send_message(row)
    return row


def _send_message(row: ContactShare) -> None:
    _email_attendee(
        row.partner,
        row.contact,
        subject=gettext_lazy("A message from %(partner)s"),
        template="partners/message_email.txt",
        context={"message": row.message},
        reference=f"partner-message:{row.pk}",
    )


def answer_message(row: ContactShare, *, contact: Contact, share: bool) -> ContactShare:
    """The attendee answers a partner's message: share their contact details with that
    partner (consent for it only), or not. Answered once."""
    if row.contact_id != contact.pk or row.origin != ContactShare.Origin.PARTNER:
        raise PartnerError("permission_denied", message=_("This is not your message."))
    with transaction.atomic():
        changed = ContactShare.objects.filter(pk=row.pk, answered__isnull=True).update(
            answered=timezone.now(), shared=share
        )
        if changed != 1:
            raise PartnerError("message_closed")
        row.refresh_from_db()
        log_partner_side("partner_share.answered", row, row.partner)
    return row


def _book_slot(meeting: Meeting) -> bool:
    """Book the meeting's slot if it is free: one conditional UPDATE."""
    return (
        MeetingSlot.objects.filter(pk=meeting.slot_id, meeting__isnull=True).update(meeting=meeting)
        == 1
    )


def _answer(meeting: Meeting, accept: bool) -> str:
    """Accept (booking the slot, exactly once) or decline a proposed meeting, in the caller's
    transaction; its new state. `meeting_closed` when it was answered already (the caller's
    transaction rolls the booking back with it)."""
    if accept and not _book_slot(meeting):
        raise PartnerError("slot_taken")
    state = Meeting.State.ACCEPTED if accept else Meeting.State.DECLINED
    changed = Meeting.objects.filter(pk=meeting.pk, state=Meeting.State.PROPOSED).update(
        state=state, answered=timezone.now()
    )
    if changed != 1:
        raise PartnerError("meeting_closed")
    meeting.refresh_from_db()
    return state


def answer(meeting: Meeting, *, contact: Contact, accept: bool) -> Meeting:
    """The attendee accepts (booking the slot, exactly once) or declines an invitation."""
    if meeting.contact_id != contact.pk or meeting.origin != Meeting.Origin.PARTNER:
        raise PartnerError("permission_denied", message=_("This is not your invitation."))
    with transaction.atomic():
        state = _answer(meeting, accept)
        log_partner_side(f"partner_meeting.{state}", meeting, meeting.partner)
        if accept:
            publish(
                PartnerMeetingAccepted(
                    organizer_id=meeting.partner.organizer_id,
                    contact_id=contact.pk,
                    partner_id=meeting.partner_id,
                    meeting_id=meeting.pk,
                )
            )
    return meeting


def request_meeting(slot: MeetingSlot, *, contact: Contact, message: str = "") -> Meeting:
    """An attendee listed to the event's partners asks a partner for a free slot; the
    partner accepts or declines it in its portal."""
    partner = slot.space.partner
    _check_meeting_request(partner, contact, slot, message, contact_field="slot")
    meeting = Meeting(
        partner=partner,
        contact=contact,
        slot=slot,
        message=message.strip()[:2000],
        origin=Meeting.Origin.ATTENDEE,
    )
    return _save_meeting(meeting, "partner_meeting.requested", _tell_partner)


def _tell_partner(meeting: Meeting) -> None:
    partner = meeting.partner
    organizer = partner.organizer
    admins = [
        m.contact.email
        for m in partner.team.select_related("contact")
        if m.role == TeamMember.Role.ADMIN or may_manage(m, partner)
    ]
    url = settings.SITE_URL + reverse(
        "web:portal-meetings",
        kwargs={"organizer": organizer.slug, "event": partner.event.slug, "partner": partner.slug},
    )
    contact = meeting.contact
    attendee = f"{contact.first_name} {contact.last_name}".strip() or contact.email
    with translation.override(organizer.languages[0]):
        with timezone.override(organizer.timezone):
            queue_email(
                to=admins,
                subject=_("%(name)s asks for a meeting") % {"name": str(meeting.contact)},
                text=render_to_string(
                    "partners/meeting_request_email.txt",
                    {
                        "partner": partner,
                        "attendee": attendee,
                        "start": meeting.slot.start,
                        "space": meeting.slot.space.name,
                        "message": meeting.message,
                        "url": url,
                    },
                ),
                organizer=organizer,
                reference=f"partner-meeting-request:{meeting.pk}",
            )


def partner_answer(meeting: Meeting, *, member: TeamMember, accept: bool) -> Meeting:
    """The partner accepts (booking the slot, exactly once) or declines an attendee's
    request."""
    if not may_manage(member, meeting.partner) or meeting.origin != Meeting.Origin.ATTENDEE:
        raise PartnerError("permission_denied", message=_("This is not your partner space."))
    with transaction.atomic():
        state = _answer(meeting, accept)
        log_partner_side(f"partner_meeting.{state}", meeting, meeting.partner, member=member)
    return meeting


def may_manage(member: TeamMember, partner: Partner) -> bool:
    """Administrators manage the partner's meetings; so does a sales contact the organiser
    allowed to, from their personal space (B4)."""
    if member.partner_id != partner.pk:
        return False
    return member.role == TeamMember.Role.ADMIN or (
        member.role == TeamMember.Role.SALES and member.may_manage_meetings
    )


def cancel(meeting: Meeting, *, member: TeamMember) -> Meeting:
    """The partner withdraws an invitation or cancels a meeting (frees its slot)."""
    if not may_manage(member, meeting.partner):
        raise PartnerError("permission_denied", message=_("This is not your partner space."))
    with transaction.atomic():
        MeetingSlot.objects.filter(meeting=meeting).update(meeting=None)
        Meeting.objects.filter(pk=meeting.pk).update(state=Meeting.State.CANCELLED)
        meeting.refresh_from_db()
        log_partner_side("partner_meeting.cancelled", meeting, meeting.partner)
    return meeting
