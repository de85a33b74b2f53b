"""Public agenda builder and "my agenda" (signed link), and the back-office registration
lists (SPEC A1–A7). Writes go through `rideau.registration.services`."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings as django_settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rideau.contacts.models import Contact
from rideau.core import ratelimit
from rideau.core.access import get_scoped_or_404
from rideau.core.errors import RideauError, ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.documents import tables
from rideau.events.models import Event, Session
from rideau.registration import exports, queries, services
from rideau.registration import jobs as registration_jobs
from rideau.registration.ical import agenda_ical
from rideau.registration.models import Registration, WaitlistEntry

from ..backoffice.jobs.views import contact_page
from ..decorators import Request, event_for_visitor, organizer_view, public_view
from ..toolkit import client_ip, file_response, run_service
from ..toolkit import errors_onto as _service_errors
from .forms import (
    AgendaForm,
    ContactRegistrantsForm,
    EventRegistrationForm,
    PassageChoiceForm,
    SettingsForm,
    StaffAddForm,
    WaitlistAddForm,
)


def _within_rate(request: Request, event: Event, form: AgendaForm | EventRegistrationForm) -> bool:
    """Registrations per client address and per e-mail address (each may create a contact
    and sends an e-mail); over the limit the form says so and nothing is written."""
    limit, window = django_settings.RIDEAU_AGENDA_RATE
    email = form.cleaned_data["email"].strip().lower()
    if ratelimit.allow(
        [
            (f"agenda:ip:{client_ip(request)}", limit, window),
            (f"agenda:email:{event.organizer_id}:{email}", limit, window),
        ]
    ):
        return True
    form.add_error(None, _("Too many registrations in a short time. Please try again later."))
    return False


@public_view
def agenda(request: Request, organizer: str, event: str) -> HttpResponse:
    """Sessions by day with places left; pick sessions (or a full one's waitlist)."""
    ev = event_for_visitor(request, organizer, event)
    if not ev.self_agenda:
        if services.event_level(ev):
            return _event_registration(request, ev)
        raise Http404("No agenda")
    with timezone.override(ev.organizer.timezone):
        days = queries.agenda_by_day(ev)
        ids = [s.pk for _day, sessions in days for s in sessions]
        form = AgendaForm(request.POST or None, session_ids=ids)
        filters, days = _filtered(request, days)
        if request.method == "POST" and form.is_valid() and _within_rate(request, ev, form):
            try:
                services.register(
                    ev,
                    email=form.cleaned_data["email"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    sessions=form.cleaned_data["sessions"],
                    waitlist=form.cleaned_data["waitlist"],
                )
            except RideauError as exc:
                _service_errors(form, exc)
            else:
                return _sent(request, ev)
        settings = services.settings_for(ev)
        return render(
            request,
            "web/agenda/agenda.html",
            {
                "organizer": ev.organizer,
                "event": ev,
                "days": days,
                "form": form,
                "waitlists": settings.waitlist and services.has_capacity(ev),
                "limited": services.has_capacity(ev),
                "filters": filters,
                # a refused form keeps the visitor's ticks (the posted values are text)
                "checked": set(_ids(request.POST.getlist("sessions"))),
                "waiting_checked": set(_ids(request.POST.getlist("waitlist"))),
            },
        )


def _filtered(request: Request, days: list) -> tuple[dict, list]:
    """The agenda's filters by day, track and room (GET parameters), and the days kept.
    The choices come from the sessions themselves; an unknown value filters nothing."""
    sessions = [s for _day, group in days for s in group]
    tracks = sorted({s.track for s in sessions if s.track})
    rooms = sorted(
        {(s.location_id, s.location.name) for s in sessions if s.location is not None},
        key=lambda room: room[1],
    )
    day_values = [day.isoformat() for day, _group in days]
    chosen = {
        "day": request.GET.get("day", ""),
        "track": request.GET.get("track", ""),
        "room": request.GET.get("room", ""),
    }
    if chosen["day"] not in day_values:
        chosen["day"] = ""
    if chosen["track"] not in tracks:
        chosen["track"] = ""
    if chosen["room"] not in {str(pk) for pk, _name in rooms}:
        chosen["room"] = ""
    kept = []
    for day, group in days:
        if chosen["day"] and day.isoformat() != chosen["day"]:
            continue
        group = [
            s
            for s in group
            if (not chosen["track"] or s.track == chosen["track"])
            and (not chosen["room"] or str(s.location_id) == chosen["room"])
        ]
        if group:
            kept.append((day, group))
    filters = {
        "days": [day for day, _group in days],
        "tracks": tracks,
        "rooms": rooms,
        "chosen": chosen,
        "active": any(chosen.values()),
    }
    return filters, kept


def _sent(request: Request, ev: Event) -> HttpResponse:
    """After a public registration: the link to "my agenda" goes by e-mail only. Shown
    here, it would let anyone who types someone else's address into the form open (and
    change) that person's agenda."""
    messages.success(
        request,
        _(
            "Done: a confirmation is on its way by e-mail, with the link to your agenda "
            "(to change it, accept an offer or leave a waitlist)."
        ),
    )
    return redirect("web:agenda", organizer=ev.organizer.slug, event=ev.slug)


def _event_registration(request: Request, ev: Event) -> HttpResponse:
    """Event-level registration (SPEC A1, A9): register to the event, or join its waitlist
    when it is full."""
    passages = queries.event_passages(ev)
    form: EventRegistrationForm = (
        PassageChoiceForm(request.POST or None, passages=passages)
        if passages
        else EventRegistrationForm(request.POST or None)
    )
    left = queries.event_places_left(ev) if services.has_capacity(ev) else None
    settings = services.settings_for(ev)
    if request.method == "POST" and form.is_valid() and _within_rate(request, ev, form):
        data = {k: form.cleaned_data[k] for k in ("email", "first_name", "last_name")}
        try:
            if request.POST.get("action") == "wait":
                services.join_waitlist(ev, passage=form.cleaned_data.get("passage"), **data)
                messages.success(
                    request,
                    _("You are on the waitlist: we will e-mail you as soon as a place frees up."),
                )
                return redirect("web:agenda", organizer=ev.organizer.slug, event=ev.slug)
            else:
                services.register_event(ev, passage=form.cleaned_data.get("passage"), **data)
        except RideauError as exc:
            _service_errors(form, exc)
        else:
            return _sent(request, ev)
    waiting_now = queries.event_waitlist(ev).filter(state="waiting")
    waiting = queries.people_waiting(ev)
    # free places are kept for a waiting group under the strict rule (someone waiting with
    # a full pass keeps nothing: the others may register, ADR 0023)
    kept = settings.group_rule == "strict" and waiting_now.filter(seats__gt=1).exists()
    return render(
        request,
        "web/agenda/event_registration.html",
        {
            "organizer": ev.organizer,
            "event": ev,
            "form": form,
            "places_left": left,
            "full": left is not None and (left <= 0 or kept),
            "waitlist": settings.waitlist and services.has_capacity(ev),
            "waiting": waiting,
            "passages": passages,
            # a full pass (one of its sessions) may be waited for while the event has room
            "pass_full": any(p.full for p in passages),
        },
    )


def _agenda_of(organizer: str, event: str, token: str) -> tuple[Event, Contact]:
    """The event and the person whose agenda the signed link `token` opens (404 otherwise)."""
    ev = get_object_or_404(
        Event.objects.select_related("organizer"), organizer__slug=organizer, slug=event
    )
    contact = services.contact_from_token(token, ev)
    if contact is None:
        raise Http404("No such agenda")
    return ev, contact


@public_view
def mine(request: Request, organizer: str, event: str, token: str) -> HttpResponse:
    """My agenda, through the signed link of the confirmation e-mail: cancel a session,
    accept an offer, leave a waitlist."""
    ev, contact = _agenda_of(organizer, event, token)
    with timezone.override(ev.organizer.timezone):
        return _mine(request, ev, contact, token)


def _mine(request: Request, ev: Event, contact, token: str) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action", "")
        pk = _id(request.POST.get("id", "")) or 0
        try:
            if action == "cancel":
                registration = get_object_or_404(
                    Registration, pk=pk, contact=contact, event=ev, state="registered"
                )
                services.cancel(registration)
                messages.success(request, _("Your registration was cancelled."))
            elif action == "swap":
                registration = get_object_or_404(
                    Registration, pk=pk, contact=contact, event=ev, state="registered"
                )
                target_id = _id(request.POST.get("target", "")) or 0
                target = get_object_or_404(Session, pk=target_id, event=ev)
                services.ask_swap(registration, target)
                messages.success(
                    request,
                    _("Noted: you will be moved to “%(session)s” if a place frees up.")
                    % {"session": target},
                )
            elif action == "add":
                _add_sessions(request, ev, contact)
            elif action in ("accept", "leave"):
                entry = get_object_or_404(WaitlistEntry, pk=pk, contact=contact, event=ev)
                if action == "accept":
                    services.accept_offer(entry)
                    messages.success(request, _("The place is yours: it is in your agenda."))
                else:
                    services.remove_from_waitlist(entry)
                    messages.success(request, _("You left the waitlist."))
        except RideauError as exc:
            messages.error(request, exc.message)
        return redirect(request.path)
    registrations, entries = queries.my_agenda(contact, ev)
    held = {r.session_id for r in registrations if r.session_id}
    waiting_for = {e.session_id for e in entries if e.session_id}
    days = queries.agenda_by_day(ev) if ev.self_agenda else []
    waitlists = services.settings_for(ev).waitlist and services.has_capacity(ev)
    swap_targets = []
    if ev.self_agenda and waitlists:
        swap_targets = [
            s
            for _day, sessions in days
            for s in sessions
            if s.full and s.pk not in waiting_for and s.pk not in held  # type: ignore[attr-defined]
        ]
    mine_sessions = [r.session for r in registrations if r.session_id]
    clashing = {
        s.pk
        for _day, sessions in days
        for s in sessions
        if s.pk not in held and any(services.overlaps(s, m) for m in mine_sessions)
    }
    return render(
        request,
        "web/agenda/mine.html",
        {
            "organizer": ev.organizer,
            "event": ev,
            "contact": contact,
            "registrations": registrations,
            "entries": entries,
            "token": token,
            "swap_targets": swap_targets,
            # the "add sessions" list: the agenda's sessions, those held or waited for
            # marked, those overlapping a held one not offered
            "days": days,
            "held": held,
            "waiting_for": waiting_for,
            "clashing": clashing,
            "waitlists": waitlists,
            "limited": services.has_capacity(ev),
            "can_add": any(
                s.pk not in held | waiting_for | clashing and (waitlists or not s.full)  # type: ignore[attr-defined]
                for _day, sessions in days
                for s in sessions
            ),
        },
    )


MAX_ID = 2**31 - 1  # the largest id a session can have; beyond, no session (never a 500)


def _id(value: str) -> int | None:
    """A posted id: ASCII digits within the ids' range ("²" is a digit to str.isdigit)."""
    if value.isascii() and value.isdigit() and int(value) <= MAX_ID:
        return int(value)
    return None


def _ids(values: list[str]) -> list[int]:
    return [pk for pk in map(_id, values) if pk is not None]


def _add_sessions(request: Request, ev: Event, contact) -> None:
    """Add the ticked sessions (or their waitlists) to the agenda of the link's holder: the
    public agenda's registration without typing one's name and address again (an event no
    longer public takes none: 404 as on its public agenda)."""
    event_for_visitor(request, ev.organizer.slug, ev.slug)
    limit, window = django_settings.RIDEAU_AGENDA_RATE
    if not ratelimit.allow(
        [(f"agenda:email:{ev.organizer_id}:{contact.email.strip().lower()}", limit, window)]
    ):
        messages.error(
            request, _("Too many registrations in a short time. Please try again later.")
        )
        return
    services.register(
        ev,
        email=contact.email,
        first_name=contact.first_name,
        last_name=contact.last_name,
        sessions=_ids(request.POST.getlist("sessions")),
        waitlist=_ids(request.POST.getlist("waitlist")),
    )
    messages.success(request, _("Your agenda was updated; a confirmation is on its way."))


@public_view
def mine_ical(request: Request, organizer: str, event: str, token: str) -> HttpResponse:
    """My agenda as an iCalendar feed (subscribe to it from a calendar application)."""
    ev, contact = _agenda_of(organizer, event, token)
    return file_response(
        agenda_ical(contact, ev),
        "text/calendar; charset=utf-8",
        f"{ev.slug}-agenda.ics",
        inline=True,
    )


# --- back office ---------------------------------------------------------------------


def _error_text(exc: RideauError) -> str:
    if isinstance(exc, ValidationFailed):
        return " ".join(m for messages_ in exc.errors.values() for m in messages_)
    return exc.message


def _event(organizer: Organizer, slug: str) -> Event:
    return get_scoped_or_404(Event.objects.select_related("organizer"), organizer, slug=slug)


@organizer_view(Perm.CHANGE_EVENTS)
def staff_contact(request: Request, organizer: Organizer, event: str) -> HttpResponse:
    """Write one e-mail to the event's registrants (or one session's; `?session=` picks it
    from a session's page), its waitlists too if asked."""
    ev = _event(organizer, event)
    initial = {}
    if (chosen := _id(request.GET.get("session", ""))) is not None:
        initial["session"] = ev.sessions.filter(pk=chosen).first()
    form = ContactRegistrantsForm(request.POST or None, event=ev, initial=initial)
    return contact_page(
        request,
        form,
        # the form's fields (subject, body, session, waiting) are the service's arguments
        lambda: registration_jobs.start_email_registrants(
            ev, actor=request.actor, **form.cleaned_data
        ),
        {
            "organizer": organizer,
            "event": ev,
            "back_url": reverse("web:registrations", args=[organizer.slug, ev.slug]),
            "heading": _("Write to the registrants"),
            "intro": _(
                "One e-mail is written to every registrant (each address once) and sent "
                "through the outbox, whatever their marketing consent: use it for practical "
                "news (a room or time change), not for promotion."
            ),
        },
    )


@organizer_view(Perm.CHANGE_EVENTS)
def staff_export(request: Request, organizer: Organizer, event: str, fmt: str) -> HttpResponse:
    """The event's registrations and waitlists as a CSV or Excel file."""
    ev = _event(organizer, event)
    content = exports.export(ev, fmt, actor=request.actor)
    return file_response(content, tables.CONTENT_TYPES[fmt], f"{ev.slug}-registrations.{fmt}")


@organizer_view(Perm.CHANGE_EVENTS)
def staff_event(request: Request, organizer: Organizer, event: str) -> HttpResponse:
    """Everyone registered to at least one session, and the sessions with their counts."""
    ev = _event(organizer, event)
    current = services.settings_for(ev)
    passages = queries.event_passages(ev)
    form = SettingsForm(
        request.POST or None,
        self_agenda=ev.self_agenda,
        has_passes=bool(passages),
        initial={
            "waitlist": current.waitlist,
            "promotion": current.promotion,
            "offer_hours": current.offer_hours,
            "group_rule": current.group_rule,
            "event_registration": current.event_registration,
        },
    )
    if run_service(
        request,
        form,
        lambda: services.update_settings(ev, actor=request.actor, **form.cleaned_data),
        _("Waitlist settings saved."),
    ):
        return redirect(request.path)
    with timezone.override(organizer.timezone):
        days = queries.agenda_by_day(ev)
        counts = {row["session_id"]: row for row in queries.registration_counts(ev)}
        for _day, sessions in days:
            for s in sessions:
                s.registered = counts.get(s.pk, {}).get("n", 0)  # type: ignore[attr-defined]
                s.present = counts.get(s.pk, {}).get("present", 0)  # type: ignore[attr-defined]
        page = Paginator(queries.event_registrants(ev), 50).get_page(request.GET.get("page"))
        return render(
            request,
            "web/agenda/staff_event.html",
            {
                "organizer": organizer,
                "event": ev,
                "days": days,
                "page": page,
                "registrants": page.object_list,
                "settings_form": form,
                "event_level": services.event_level(ev),
                "event_left": queries.event_places_left(ev),
                "event_registered": queries.event_registered_places(ev),
                "event_waiting": queries.people_waiting(ev),
                "passages": passages,
                "tab": "registrations",
                "active": "events",
            },
        )


@organizer_view(Perm.CHANGE_EVENTS)
def staff_session(request: Request, organizer: Organizer, event: str, session: int) -> HttpResponse:
    """One session's registrations, check-in and waitlist."""
    ev = _event(organizer, event)
    return _staff_list(request, organizer, ev, get_object_or_404(Session, pk=session, event=ev))


@organizer_view(Perm.CHANGE_EVENTS)
def staff_event_level(request: Request, organizer: Organizer, event: str) -> HttpResponse:
    """The event's own registrations and waitlist (event-level registration, SPEC A1/A9)."""
    ev = _event(organizer, event)
    if not services.event_level(ev):
        raise Http404("Not event-level registration")
    return _staff_list(request, organizer, ev, None)


def _chosen(
    request: Request,
    model: type[Registration | WaitlistEntry],
    ev: Event,
    sess: Session | None,
    **state,
) -> Any:
    """The registration or waitlist entry a staff button names (`id`), of this session (or,
    `sess` None, of the event itself)."""
    return get_object_or_404(model, pk=request.POST.get("id"), event=ev, session=sess, **state)


def _staff_list(
    request: Request, organizer: Organizer, ev: Event, sess: Session | None
) -> HttpResponse:
    """Registrations and waitlist of a session (or of the event itself): add (beyond
    capacity with a reason), remove, mark present, put on / take off the waitlist."""
    where: Session | Event = sess if sess is not None else ev
    passages = queries.event_passages(ev) if sess is None else []
    posted = request.POST if request.method == "POST" else None
    action = posted.get("action", "") if posted else ""
    add_form = StaffAddForm(posted if action == "add" else None, prefix="add", passages=passages)
    wait_form = WaitlistAddForm(
        posted if action == "wait" else None, prefix="wait", passages=passages
    )
    # adding someone: registered (beyond capacity with a reason), or put on the waitlist
    adds: dict[str, tuple[forms.Form, Callable[..., object], str]] = {
        "add": (add_form, services.staff_register, _("Registered.")),
        "wait": (wait_form, services.join_waitlist, _("Added to the waitlist.")),
    }
    if posted is not None:
        try:
            if action in adds:
                form, add, done = adds[action]
                if run_service(
                    request,
                    form,
                    lambda: add(where, actor=request.actor, **form.cleaned_data),
                    done,
                ):
                    return redirect(request.path)
            elif action in ("remove", "present", "absent"):
                registration = _chosen(request, Registration, ev, sess, state="registered")
                if action == "remove":
                    services.cancel(registration, actor=request.actor)
                    messages.success(request, _("Registration removed."))
                else:
                    services.mark_attended(
                        registration, actor=request.actor, attended=action == "present"
                    )
                return redirect(request.path)
            elif action == "promote":
                entry = _chosen(request, WaitlistEntry, ev, sess, state="waiting")
                try:
                    services.staff_register(
                        where,
                        actor=request.actor,
                        email=entry.contact.email,
                        override_reason=request.POST.get("override_reason", ""),
                        passage=entry.passage_id,  # the pass they wait with, if any
                        seats=entry.seats,  # a group: all its places
                    )
                except RideauError as exc:
                    messages.error(request, _error_text(exc))
                else:
                    messages.success(request, _("Registered."))
                return redirect(request.path)
            elif action == "invite":
                entry = _chosen(request, WaitlistEntry, ev, sess, state="waiting")
                services.invite(entry, actor=request.actor)
                messages.success(
                    request, _("Invitation sent: the place is kept until its deadline.")
                )
                return redirect(request.path)
            elif action == "unwait":
                entry = _chosen(request, WaitlistEntry, ev, sess)
                services.remove_from_waitlist(entry, actor=request.actor)
                messages.success(request, _("Removed from the waitlist."))
                return redirect(request.path)
        except RideauError as exc:
            messages.error(request, exc.message)
            return redirect(request.path)
    with timezone.override(organizer.timezone):
        if sess is not None:
            left = queries.places_left([sess]).get(sess.pk) if services.has_capacity(ev) else None
            registrations = queries.session_registrations(sess)
            waitlist = queries.session_waitlist(sess)
        else:
            left = queries.event_places_left(ev) if services.has_capacity(ev) else None
            registrations = queries.event_level_registrations(ev)
            waitlist = queries.event_waitlist(ev)
        waitlist = list(waitlist)
        kept = queries.kept_places(waitlist)  # places held for waiting groups (strict rule)
        for entry in waitlist:
            entry.kept = kept.get(entry.pk, 0)
        return render(
            request,
            "web/agenda/staff_session.html",
            {
                "organizer": organizer,
                "event": ev,
                "session": sess,
                "places_left": left,
                "registrations": registrations,
                # places, as capacity counts them (a group counts its size)
                "registered": sum(r.seats for r in registrations),
                "present": sum(r.seats for r in registrations if r.attended),
                "waitlist": waitlist,
                "group_rule": services.settings_for(ev).get_group_rule_display(),
                "add_form": add_form,
                "wait_form": wait_form,
                "tab": "registrations",
                "active": "events",
            },
        )
