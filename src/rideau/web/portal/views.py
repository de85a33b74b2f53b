"""The partner portal `/<organizer>/<event>/partners/<partner>/…` (SPEC B1–B12), and the
public partner pages `/<organizer>/<event>/sponsors/…`.

Every portal page goes through `portal_view`: the partner from the URL, the administrator
logged in to *that* partner in this session (else the portal's login page), and the tab
the page belongs to enabled by the organiser (else 404). Every object a page names in its
URL is looked up through that partner, so another partner's ids answer 404. Writes go
through `rideau.partners` (services, portal, meetings, leads)."""

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rideau.core.errors import RideauError
from rideau.partners import leads, meetings, portal, queries, services
from rideau.partners.models import (
    DocumentAssignment,
    HostedSession,
    Lead,
    Meeting,
    Offer,
    Partner,
    PortalTab,
    ProfileField,
    TaskAssignment,
    TeamMember,
)

from ..decorators import Request, activate_organizer_timezone, event_for_visitor, public_view
from ..toolkit import XLSX, call_service, file_response, posted
from ..toolkit import errors_onto as _service_errors
from . import session
from .crud import error_text, posted_int, submit
from .forms import (
    HostedSessionForm,
    MemberForm,
    MessageForm,
    OfferForm,
    ProfileForm,
    ProposeForm,
    ScanForm,
    SlotsForm,
    SpaceForm,
    TaskAnswerForm,
)

Kind = PortalTab.Kind


def _partner(organizer: str, event: str, partner: str) -> Partner:
    return get_object_or_404(
        Partner.objects.select_related("event__organizer", "level"),
        organizer__slug=organizer,
        event__slug=event,
        event__organizer__slug=organizer,
        slug=partner,
    )


def portal_view(kind: str | None) -> Callable:
    """A page of a partner's portal, part of the tab `kind` (None: always there)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @never_cache
        def wrapper(
            request: Request, *args, organizer: str, event: str, partner: str, **kwargs
        ) -> HttpResponse:
            found = _partner(organizer, event, partner)
            member = session.current_member(request, found)
            if member is None or services.settings_for(found.event).opened_at is None:
                return redirect(
                    "web:portal-login", organizer=organizer, event=event, partner=partner
                )
            activate_organizer_timezone(found.organizer)
            tabs = queries.enabled_tabs(found.event)
            if kind is not None and not any(t.kind == kind for t in tabs):
                raise Http404("This tab is not enabled")
            request.portal = {"partner": found, "member": member, "tabs": tabs, "kind": kind}
            return view(request, *args, partner=found, member=member, **kwargs)

        wrapper.rideau_portal = True  # type: ignore[attr-defined]
        return wrapper

    return decorator


def _render(request: Request, template: str, **context) -> HttpResponse:
    portal_context = request.portal
    partner = portal_context["partner"]
    return render(
        request,
        template,
        {
            "organizer": partner.organizer,
            "event": partner.event,
            "partner": partner,
            "member": portal_context["member"],
            "tabs": portal_context["tabs"],
            "current": portal_context["kind"],
            "portal": services.settings_for(partner.event),
            **context,
        },
    )


def _back(request: Request, partner: Partner, name: str) -> HttpResponse:
    return redirect(
        name, organizer=partner.organizer.slug, event=partner.event.slug, partner=partner.slug
    )


def _form_page(
    request: Request,
    form: forms.BaseForm,
    write: Callable[[dict], object],
    done: str,
    *,
    back: str,
    template: str,
    **context: object,
) -> HttpResponse:
    """A tab's form: once `write(cleaned data)` has saved it (after flashing `done`), back to
    the tab named `back`; otherwise `template` with the form, its errors and `context`."""
    if submit(request, form, write, done):
        return _back(request, request.portal["partner"], back)
    return _render(request, template, form=form, **context)


# --- login ---------------------------------------------------------------------------------


@public_view
@never_cache
def login_view(request: Request, organizer: str, event: str, partner: str) -> HttpResponse:
    found = _partner(organizer, event, partner)
    opened = services.settings_for(found.event).opened_at is not None
    return render(
        request,
        "web/portal/login.html",
        {"organizer": found.organizer, "event": found.event, "partner": found, "opened": opened},
    )


@public_view
@never_cache
def link_view(
    request: Request, organizer: str, event: str, partner: str, token: str
) -> HttpResponse:
    """The access e-mail's link. GET shows a button (so a mail scanner following links does
    not spend the single-use link); POST spends it and logs in."""
    found = _partner(organizer, event, partner)
    error = ""
    if services.settings_for(found.event).opened_at is None:
        error = _("The partner space is not open yet.")
    elif request.method == "POST":
        try:
            member = services.log_in_with_link(found, token)
        except RideauError as exc:
            error = exc.message
        else:
            session.log_in(request, member)
            return redirect("web:portal-home", organizer=organizer, event=event, partner=partner)
    response = render(
        request,
        "web/portal/link.html",
        {"organizer": found.organizer, "event": found.event, "partner": found, "error": error},
        status=400 if error else 200,
    )
    response["Referrer-Policy"] = "same-origin"  # the token never leaves the site (and the
    # form posts with its origin: "no-referrer" makes chromium send `Origin: null`)
    return response


@require_POST
@portal_view(None)
def logout_view(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    session.log_out(request, partner)
    return _back(request, partner, "web:portal-login")


# --- home, custom pages, profile -----------------------------------------------------------


@portal_view(None)
def home(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    active, _done = queries.tasks(partner)
    unviewed, _viewed = queries.documents(partner)
    return _render(
        request,
        "web/portal/home.html",
        open_tasks=len(active),
        unviewed=len(unviewed),
        proposed=partner.meetings.filter(state=Meeting.State.PROPOSED).count(),
        accepted=partner.meetings.filter(state=Meeting.State.ACCEPTED).count(),
        lead_count=partner.leads.count(),
        team_count=partner.team.count(),
    )


@portal_view(None)
def custom_page(
    request: Request, partner: Partner, member: TeamMember, portaltab: int
) -> HttpResponse:
    tab = get_object_or_404(
        PortalTab, pk=portaltab, event=partner.event, kind=Kind.CUSTOM, enabled=True
    )
    request.portal["kind"] = tab.pk
    return _render(request, "web/portal/custom.html", tab=tab)


@portal_view(Kind.PROFILE)
def profile(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    fields = list(ProfileField.objects.filter(event=partner.event))
    form = ProfileForm(
        request.POST or None, request.FILES or None, fields=fields, profile=partner.profile
    )
    return _form_page(
        request,
        form,
        lambda data: portal.update_profile(
            partner, member=member, values=data, files=request.FILES
        ),
        _("Profile saved: your public page is up to date."),
        back="web:portal-profile",
        template="web/portal/profile.html",
    )


# --- team ----------------------------------------------------------------------------------


@portal_view(Kind.TEAM)
def team(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    form = MemberForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: services.add_member(partner, by=member, **data),
        _("Added to the team."),
    ):
        return _back(request, partner, "web:portal-team")
    limit = partner.level.team_limit if partner.level else None
    return _render(
        request, "web/portal/team.html", form=form, team=queries.team(partner), limit=limit
    )


@require_POST
@portal_view(Kind.TEAM)
def team_member(
    request: Request, partner: Partner, member: TeamMember, teammember: int
) -> HttpResponse:
    target = get_object_or_404(TeamMember, pk=teammember, partner=partner)
    try:
        if request.POST.get("action") == "remove":
            services.remove_member(target, by=member)
            messages.success(request, _("Removed from the team."))
        else:
            services.change_member(target, by=member, role=request.POST.get("role", ""))
            messages.success(request, _("Role changed."))
    except RideauError as exc:
        messages.error(request, error_text(exc))
    return _back(request, partner, "web:portal-team")


@portal_view(Kind.TEAM)
def badges(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    from rideau.partners.badges import render_badges

    if not services.settings_for(partner.event).show_badges:
        raise Http404("Badges are not available")
    pdf = render_badges(partner, list(queries.team(partner)))
    return file_response(pdf, "application/pdf", f"{partner.slug}-badges.pdf")


# --- offers, tasks, documents --------------------------------------------------------------


@portal_view(Kind.OFFERS)
def offers(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    form = OfferForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda data: portal.save_offer(partner, member=member, **data),
        _("Offer saved."),
        back="web:portal-offers",
        template="web/portal/offers.html",
        offers=partner.offers.all(),
    )


@portal_view(Kind.OFFERS)
def offer(request: Request, partner: Partner, member: TeamMember, offer: int) -> HttpResponse:
    found = get_object_or_404(Offer, pk=offer, partner=partner)
    if request.method == "POST" and request.POST.get("action") == "delete":
        portal.delete_offer(found, member=member)
        messages.success(request, _("Offer deleted."))
        return _back(request, partner, "web:portal-offers")
    initial = {
        "kind": found.kind,
        "title": found.title,
        "description": found.description,
        "url": found.url,
        "public": found.public,
    }
    form = OfferForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form,
        lambda data: portal.save_offer(partner, member=member, offer=found, **data),
        _("Offer saved."),
        back="web:portal-offers",
        template="web/portal/offer.html",
        offer=found,
    )


@portal_view(Kind.TASKS)
def tasks(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    active, done = queries.tasks(partner)
    return _render(request, "web/portal/tasks.html", active=active, done=done)


@portal_view(Kind.TASKS)
def task(
    request: Request, partner: Partner, member: TeamMember, taskassignment: int
) -> HttpResponse:
    assignment = get_object_or_404(
        TaskAssignment.objects.select_related("task"), pk=taskassignment, partner=partner
    )
    form = TaskAnswerForm(request.POST or None, request.FILES or None)
    return _form_page(
        request,
        form,
        lambda data: portal.answer_task(
            assignment, member=member, text=data["text"], file=data["file"], done=data["done"]
        ),
        _("Task completed."),
        back="web:portal-tasks",
        template="web/portal/task.html",
        assignment=assignment,
    )


@portal_view(Kind.DOCUMENTS)
def documents(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    unviewed, viewed = queries.documents(partner)
    return _render(request, "web/portal/documents.html", unviewed=unviewed, viewed=viewed)


@portal_view(Kind.DOCUMENTS)
def document(
    request: Request, partner: Partner, member: TeamMember, documentassignment: int
) -> FileResponse:
    """Open (inline) or download (`?download=1`) a document; the first opening counts as
    viewed."""
    assignment = get_object_or_404(
        DocumentAssignment.objects.select_related("document"),
        pk=documentassignment,
        partner=partner,
    )
    portal.mark_viewed(assignment, member=member)
    file = assignment.document.file
    name = (file.name or "document").rsplit("/", 1)[-1]
    response = FileResponse(
        file.open("rb"), as_attachment=bool(request.GET.get("download")), filename=name
    )
    # shown in the browser, never run: an uploaded HTML file gets no script, no style
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- sessions, discount codes --------------------------------------------------------------


@portal_view(Kind.SESSIONS)
def sessions(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    return _render(
        request,
        "web/portal/sessions.html",
        hosted=queries.hosted_sessions(partner, search=search),
        search=search,
    )


@portal_view(Kind.SESSIONS)
def hosted_session(
    request: Request, partner: Partner, member: TeamMember, hostedsession: int
) -> HttpResponse:
    hosted = get_object_or_404(
        HostedSession.objects.select_related("session"), pk=hostedsession, partner=partner
    )
    people = list(queries.team(partner))
    form = HostedSessionForm(
        request.POST or None,
        initial={"pitch": hosted.pitch, "speakers": [s.pk for s in hosted.speakers.all()]},
    )
    form.fields["speakers"].choices = [(m.pk, str(m.contact)) for m in people]
    return _form_page(
        request,
        form,
        lambda data: portal.update_hosted_session(
            hosted,
            member=member,
            pitch=data["pitch"],
            speakers=[m for m in people if m.pk in data["speakers"]],
        ),
        _("Session saved."),
        back="web:portal-sessions",
        template="web/portal/session.html",
        hosted=hosted,
    )


@portal_view(Kind.DISCOUNTS)
def discounts(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    codes = [pv.voucher for pv in partner.vouchers.select_related("voucher")]
    return _render(
        request, "web/portal/discounts.html", codes=codes, uses=queries.voucher_uses(partner)
    )


@portal_view(Kind.DISCOUNTS)
def discounts_export(
    request: Request, partner: Partner, member: TeamMember, fmt: str
) -> HttpResponse:
    """The Discount codes tab as XLSX or CSV (cells defused against formulas)."""
    filename = f"{partner.slug}-discounts.{fmt}"
    if fmt == "csv":
        return file_response(leads.discounts_csv(partner), "text/csv", filename)
    if fmt == "xlsx":
        return file_response(leads.discounts_workbook(partner), XLSX, filename)
    raise Http404("Unknown format")


# --- contacts, meetings, calendar ----------------------------------------------------------


def _slot_choices(partner: Partner) -> list[tuple[int, str]]:
    return [
        (s.pk, f"{timezone.localtime(s.start):%Y-%m-%d %H:%M} · {s.space.name}")
        for s in queries.free_slots(partner)[:300]
    ]


def _attendee(contact) -> str:
    """An attendee as a partner may name them: by name, never by e-mail address (a contact's
    `str` carries it)."""
    return f"{contact.first_name} {contact.last_name}".strip() or _("Attendee %(id)s") % {
        "id": contact.pk
    }


@portal_view(Kind.CONTACTS)
def contacts(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    """The attendees listed to the event's partners: propose a meeting, or write to one
    (through the platform: their e-mail stays hidden until they share it)."""
    search = request.GET.get("q", "").strip()[:100]
    rows = queries.contact_list(partner, search=search)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    which = request.POST.get("form", "propose") if request.method == "POST" else ""
    form = ProposeForm(request.POST if which == "propose" else None)
    message_form = MessageForm(request.POST if which == "message" else None, prefix="msg")
    on_page = [(row.contact_id, _attendee(row.contact)) for row in page]
    form.fields["contact"].choices = on_page
    message_form.fields["contact"].choices = on_page
    form.fields["slot"].choices = _slot_choices(partner)
    if which:
        everyone = [
            (row.contact_id, _attendee(row.contact)) for row in queries.contact_list(partner)
        ]
        form.fields["contact"].choices = everyone
        message_form.fields["contact"].choices = everyone
    if which == "propose" and form.is_valid():
        listing = queries.contact_list(partner).get(contact_id=form.cleaned_data["contact"])
        slot = queries.free_slots(partner).get(pk=form.cleaned_data["slot"])
        if call_service(
            request,
            form,
            lambda: meetings.propose(
                partner,
                member=member,
                contact=listing.contact,
                slot=slot,
                message=form.cleaned_data["message"],
            ),
            _("Meeting proposed: the attendee was told by e-mail."),
        ):
            return _back(request, partner, "web:portal-meetings")
    elif which == "message" and message_form.is_valid():
        listing = queries.contact_list(partner).get(contact_id=message_form.cleaned_data["contact"])
        if call_service(
            request,
            message_form,
            lambda: meetings.write_to_attendee(
                partner,
                member=member,
                contact=listing.contact,
                message=message_form.cleaned_data["message"],
            ),
            _("Message sent: the attendee may answer by sharing their contact details."),
        ):
            return _back(request, partner, "web:portal-contacts")
    return _render(
        request,
        "web/portal/contacts.html",
        page=page,
        listings=page.object_list,
        form=form,
        message_form=message_form,
        search=search,
        visible=queries.details_visible(partner),
        sent=queries.messages_sent(partner)[:50],
    )


@portal_view(Kind.MEETINGS)
def meeting_list(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    if request.method == "POST":
        found = get_object_or_404(
            Meeting, pk=posted_int(request.POST.get("meeting")), partner=partner
        )
        action = request.POST.get("action", "cancel")
        try:
            if action in ("accept", "decline"):
                meetings.partner_answer(found, member=member, accept=action == "accept")
                messages.success(
                    request,
                    _("Meeting accepted.") if action == "accept" else _("Meeting declined."),
                )
            else:
                meetings.cancel(found, member=member)
                messages.success(request, _("Meeting cancelled."))
        except RideauError as exc:
            messages.error(request, error_text(exc))
        return _back(request, partner, "web:portal-meetings")
    return _render(request, "web/portal/meetings.html", meetings=queries.meetings(partner))


@portal_view(Kind.CALENDAR)
def calendar(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    spaces = list(partner.spaces.all())
    space_form = SpaceForm(posted(request, "space"))
    slots_form = SlotsForm(posted(request, "slots"))
    slots_form.fields["space"].choices = [(s.pk, s.name) for s in spaces]
    if request.method == "POST":
        try:
            if space_form.is_valid():
                meetings.add_space(partner, member=member, name=space_form.cleaned_data["name"])
                messages.success(request, _("Meeting space added."))
                return _back(request, partner, "web:portal-calendar")
            if slots_form.is_valid():
                data = slots_form.cleaned_data
                space = get_object_or_404(partner.spaces, pk=data["space"])
                made = meetings.add_slots(
                    space,
                    member=member,
                    start=data["start"],
                    end=data["end"],
                    minutes=data["minutes"],
                )
                messages.success(request, _("%(count)s time slots added.") % {"count": len(made)})
                return _back(request, partner, "web:portal-calendar")
        except RideauError as exc:
            _service_errors(slots_form if slots_form.is_bound else space_form, exc)
    return _render(
        request,
        "web/portal/calendar.html",
        space_form=space_form,
        slots_form=slots_form,
        spaces=spaces,
        slots=queries.slots(partner)[:300],
    )


# --- leads ---------------------------------------------------------------------------------


@portal_view(Kind.LEADS)
def leads_tab(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    opened = services.settings_for(partner.event).leads_open
    return _render(
        request,
        "web/portal/leads.html",
        opened=opened,
        sheets=leads.sheets(partner) if opened else [],
    )


@portal_view(Kind.LEADS)
def leads_scan(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    """The check-in scanner's camera page, scoped to this partner: a scanned badge becomes
    a lead of the partner, with a note and a rating."""
    if not services.settings_for(partner.event).leads_open:
        raise Http404("Leads are not open")
    form = ScanForm(request.POST or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        try:
            lead = leads.scan(
                partner,
                member=member,
                code=form.cleaned_data["code"],
                note=form.cleaned_data["note"],
                rating=form.cleaned_data["rating"],
            )
        except RideauError as exc:
            outcome = {"ok": False, "message": exc.message}
        else:
            outcome = {"ok": True, "message": _attendee(lead.contact)}
        form = ScanForm()
    template = "web/portal/leads_scan.html"
    if request.headers.get("HX-Request") and request.method == "POST":
        template = "web/portal/_scan_result.html"
    return _render(request, template, form=form, outcome=outcome)


@portal_view(Kind.LEADS)
def leads_export(request: Request, partner: Partner, member: TeamMember) -> HttpResponse:
    if not services.settings_for(partner.event).leads_open:
        raise Http404("Leads are not open")
    return file_response(leads.leads_workbook(partner), XLSX, f"{partner.slug}-leads.xlsx")


@portal_view(Kind.LEADS)
def lead(request: Request, partner: Partner, member: TeamMember, lead: int) -> HttpResponse:
    found = get_object_or_404(Lead.objects.select_related("contact"), pk=lead, partner=partner)
    if not queries.consenting_for(partner).filter(pk=found.contact_id).exists():
        raise Http404("Not shared")
    form = ScanForm(
        request.POST or None,
        initial={"code": "-", "note": found.note, "rating": found.rating},
    )
    form.fields["code"].required = False
    return _form_page(
        request,
        form,
        lambda data: leads.update_lead(
            found, member=member, note=data["note"], rating=data["rating"]
        ),
        _("Lead saved."),
        back="web:portal-leads",
        template="web/portal/lead.html",
        lead=found,
    )


# --- public partner pages ------------------------------------------------------------------


@public_view
def public_list(request: Request, organizer: str, event: str) -> HttpResponse:
    """The event's partners by level (B3)."""
    ev = event_for_visitor(request, organizer, event)
    return render(
        request,
        "web/portal/public_list.html",
        {"organizer": ev.organizer, "event": ev, "groups": queries.public_partners(ev)},
    )


@public_view
def public_page(request: Request, organizer: str, event: str, partner: str) -> HttpResponse:
    """A partner's public page: its profile, sales contacts and public offers."""
    ev = event_for_visitor(request, organizer, event)
    found = get_object_or_404(
        Partner.objects.select_related("level"), event=ev, slug=partner, public=True
    )
    fields = list(ProfileField.objects.filter(event=ev))
    return render(
        request,
        "web/portal/public_page.html",
        {
            "organizer": ev.organizer,
            "event": ev,
            "partner": found,
            "fields": [(f, found.profile.get(f.key, "")) for f in fields],
            "sales": queries.public_team(found),
            "offers": found.offers.filter(public=True),
            "portal_url": reverse(
                "web:portal-home",
                kwargs={"organizer": ev.organizer.slug, "event": ev.slug, "partner": found.slug},
            ),
        },
    )
