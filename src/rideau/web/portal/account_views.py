"""The partners' section of the personal space (`/<organizer>/account/meetings/`): the
attendee's own consent to be listed to an event's partners, and the meeting invitations
they accept or decline (B9, B10)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from rideau.accounts.models import Account
from rideau.core.errors import RideauError
from rideau.core.models import Organizer
from rideau.events.models import Event
from rideau.partners import meetings
from rideau.partners.models import ContactShare, Listing, Meeting, MeetingSlot, Partner, TeamMember

from ..account.space import account_view, space_context
from ..decorators import activate_organizer_timezone
from .crud import posted_int


@account_view
def meetings_view(request: HttpRequest, organizer: Organizer, account: Account) -> HttpResponse:
    activate_organizer_timezone(organizer)  # slots and messages at the event's local time
    contact = account.contact
    event_ids = Partner.objects.filter(organizer=organizer).values("event_id")
    events = list(Event.objects.filter(pk__in=event_ids, organizer=organizer).order_by("-pk"))
    # a sales contact allowed by the organiser manages their partner's meetings here (B4)
    managed = [
        m
        for m in TeamMember.objects.filter(
            contact=contact, role=TeamMember.Role.SALES
        ).select_related("partner")
        if meetings.may_manage(m, m.partner)
    ]
    managed_partners = [m.partner for m in managed]
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "listing":
                event = get_object_or_404(
                    Event, pk=posted_int(request.POST.get("event")), pk__in=[e.pk for e in events]
                )
                listed = request.POST.get("listed") == "on"
                meetings.set_listing(
                    event,
                    contact,
                    listed=listed,
                    shares_details=request.POST.get("shares_details") == "on",
                    headline=request.POST.get("headline", "")[:200],
                )
                messages.success(
                    request,
                    _("You are listed to this event's partners.")
                    if listed
                    else _("You are not listed to this event's partners."),
                )
            elif action == "write":
                partner = get_object_or_404(
                    Partner,
                    pk=posted_int(request.POST.get("partner")),
                    event__in=events,
                    public=True,
                )
                meetings.write_to_partner(
                    partner,
                    contact=contact,
                    message=request.POST.get("message", "")[:2000],
                    share=request.POST.get("share") == "on",
                )
                messages.success(
                    request, _("Your message was sent to %(partner)s.") % {"partner": partner.name}
                )
            elif action == "request":
                slot = get_object_or_404(
                    MeetingSlot.objects.select_related("space__partner"),
                    pk=posted_int(request.POST.get("slot")),
                    space__partner__event__in=events,
                    space__partner__public=True,
                )
                meetings.request_meeting(
                    slot, contact=contact, message=request.POST.get("message", "")[:2000]
                )
                messages.success(
                    request,
                    _("Your request was sent to %(partner)s.")
                    % {"partner": slot.space.partner.name},
                )
            elif action == "cancel":
                meeting = get_object_or_404(
                    Meeting,
                    pk=posted_int(request.POST.get("meeting")),
                    partner__in=managed_partners,
                )
                member = next(m for m in managed if m.partner_id == meeting.partner_id)
                meetings.cancel(meeting, member=member)
                messages.success(request, _("Meeting cancelled."))
            elif action in ("share", "keep"):
                row = get_object_or_404(
                    ContactShare,
                    pk=posted_int(request.POST.get("message")),
                    contact=contact,
                    origin=ContactShare.Origin.PARTNER,
                )
                meetings.answer_message(row, contact=contact, share=action == "share")
                messages.success(
                    request,
                    _("Your contact details were shared with %(partner)s.")
                    % {"partner": row.partner.name}
                    if action == "share"
                    else _("Your details stay private."),
                )
            elif action in ("accept", "decline"):
                meeting = get_object_or_404(
                    Meeting, pk=posted_int(request.POST.get("meeting")), contact=contact
                )
                meetings.answer(meeting, contact=contact, accept=action == "accept")
                messages.success(
                    request,
                    _("Meeting accepted.") if action == "accept" else _("Meeting declined."),
                )
        except RideauError as exc:
            messages.error(request, exc.message)
        return redirect("web:account-meetings", organizer=organizer.slug)
    listings = {
        row.event_id: row for row in Listing.objects.filter(contact=contact, event__in=events)
    }
    rows = [(event, listings.get(event.pk)) for event in events]
    invitations = (
        Meeting.objects.filter(contact=contact)
        .select_related("partner", "slot__space")
        .order_by("slot__start", "pk")
    )
    partner_meetings = (
        Meeting.objects.filter(partner__in=managed_partners)
        .select_related("partner", "contact", "slot__space")
        .order_by("slot__start", "pk")
    )
    partners = Partner.objects.filter(event__in=events, public=True).order_by("name")
    listed_events = [event.pk for event, listing in rows if listing and listing.listed]
    free_slots = (
        MeetingSlot.objects.filter(
            space__partner__event__in=listed_events,
            space__partner__public=True,
            meeting__isnull=True,
            start__gt=timezone.now(),
        )
        .select_related("space__partner")
        .order_by("space__partner__name", "start")[:200]
    )
    return render(
        request,
        "web/portal/account_meetings.html",
        space_context(
            request,
            organizer,
            account,
            rows=rows,
            invitations=invitations,
            partner_meetings=partner_meetings,
            managed=managed_partners,
            partners=partners,
            free_slots=free_slots,
            partner_messages=ContactShare.objects.filter(
                contact=contact, origin=ContactShare.Origin.PARTNER
            )
            .select_related("partner")
            .order_by("-created", "-pk")[:50],
        ),
    )
