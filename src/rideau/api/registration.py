"""Session registrations and waitlist entries (SPEC A4, A6, A7), under a session of an
event; the event's own registrations and waitlist (event-level registration, A1, A9) under
the event; session check-in.

Writes go through `rideau.registration.services`, with the same rules as the back office:
a full session refuses a registration unless `override_reason` is given (the engine's
logged overbooking); removing a registration offers its place to the waitlist."""

import datetime

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from rideau.core import ratelimit
from rideau.core.access import get_scoped_or_404
from rideau.core.roles import Perm
from rideau.events.models import Event, Session
from rideau.orders import sellable
from rideau.registration import services
from rideau.registration.models import Registration, WaitlistEntry

from .auth import actor_of
from .common import id_path, organizer_for, slug_path
from .pagination import PageParams, page_of, paginate
from .schemas.common import Text

router = Router(tags=["registration"])
public_router = Router(tags=["shop"], auth=None)

SESSION = "/organizers/{organizer}/events/{event}/sessions/{session_id}"
REGISTRATIONS = SESSION + "/registrations"
REGISTRATION = REGISTRATIONS + "/{registration_id}"
WAITLIST = SESSION + "/waitlist"
WAITLIST_ENTRY = WAITLIST + "/{entry_id}"
CHECK_IN = REGISTRATION + "/check-in"
EVENT = "/organizers/{organizer}/events/{event}"
EVENT_REGISTRATIONS = EVENT + "/registrations"
EVENT_REGISTRATION = EVENT_REGISTRATIONS + "/{registration_id}"
EVENT_WAITLIST = EVENT + "/waitlist"
EVENT_WAITLIST_ENTRY = EVENT_WAITLIST + "/{entry_id}"


class RegistrationOut(Schema):
    id: int
    session: int | None = Field(..., alias="session_id")  # None: registered to the event
    contact: int = Field(..., alias="contact_id")
    email: str = Field(..., alias="contact.email")
    seats: int
    override: bool
    attended: bool
    created: datetime.datetime


class CheckIn(Schema):
    attended: bool = True


class RegistrationIn(Schema):
    email: Text(254)  # type: ignore[valid-type]
    first_name: Text(100) = ""  # type: ignore[valid-type]
    last_name: Text(100) = ""  # type: ignore[valid-type]
    override_reason: Text(500, multiline=True) = ""  # type: ignore[valid-type]


class WaitlistEntryOut(Schema):
    id: int
    session: int | None = Field(..., alias="session_id")  # None: the event's waitlist
    contact: int = Field(..., alias="contact_id")
    email: str = Field(..., alias="contact.email")
    seats: int
    state: str
    offer_expires: datetime.datetime | None


class WaitlistEntryIn(Schema):
    email: Text(254)  # type: ignore[valid-type]
    first_name: Text(100) = ""  # type: ignore[valid-type]
    last_name: Text(100) = ""  # type: ignore[valid-type]
    seats: int = Field(1, ge=1, le=50)  # a group entry: offered only when all fit


RegistrationPage = page_of(RegistrationOut, "RegistrationPage")
WaitlistPage = page_of(WaitlistEntryOut, "WaitlistPage")


def _session(request: HttpRequest, organizer: str, event: str, session_id: int, perm: str):
    org = organizer_for(request, organizer, perm)
    ev = get_scoped_or_404(Event.objects.select_related("organizer"), org, slug=event)
    return get_scoped_or_404(
        Session.objects.select_related("event__organizer"),
        org,
        "event__organizer",
        event=ev,
        pk=session_id,
    )


@router.get(REGISTRATIONS, response=RegistrationPage)
def list_registrations(
    request: HttpRequest,
    page: Query[PageParams],
    organizer: str = slug_path(),
    event: str = slug_path(),
    session_id: int = id_path(),
):
    session = _session(request, organizer, event, session_id, Perm.VIEW)
    rows = Registration.objects.filter(session=session, state="registered").select_related(
        "contact"
    )
    return paginate(rows.order_by("created", "id"), page)


@router.post(REGISTRATIONS, response={201: RegistrationOut})
def add_registration(
    request: HttpRequest,
    payload: RegistrationIn,
    organizer: str = slug_path(),
    event: str = slug_path(),
    session_id: int = id_path(),
):
    session = _session(request, organizer, event, session_id, Perm.CHANGE_EVENTS)
    registration = services.staff_register(session, actor=actor_of(request), **payload.dict())
    return Status(201, registration)


@router.delete(REGISTRATION, response={204: None})
def remove_registration(
    request: HttpRequest,
    organizer: str = slug_path(),
    event: str = slug_path(),
    session_id: int = id_path(),
    registration_id: int = id_path(),
):
    session = _session(request, organizer, event, session_id, Perm.CHANGE_EVENTS)
    registration = get_scoped_or_404(
        Registration.objects.all(),
        session.event.organizer,
        session=session,
        state="registered",
        pk=registration_id,
    )
    assert isinstance(registration, Registration)
    services.cancel(registration, actor=actor_of(request))
    return Status(204, None)


@router.get(WAITLIST, response=WaitlistPage)
def list_waitlist(
    request: HttpRequest,
    page: Query[PageParams],
    organizer: str = slug_path(),
    event: str = slug_path(),
    session_id: int = id_path(),
):
    session = _session(request, organizer, event, session_id, Perm.VIEW)
    rows = WaitlistEntry.objects.filter(
        session=session, state__in=WaitlistEntry.ACTIVE
    ).select_related("contact")
    return paginate(rows.order_by("id"), page)


@router.post(WAITLIST, response={201: WaitlistEntryOut})
def add_to_waitlist(
    request: HttpRequest,
    payload: WaitlistEntryIn,
    organizer: str = slug_path(),
    event: str = slug_path(),
    session_id: int = id_path(),
):
    session = _session(request, organizer, event, session_id, Perm.CHANGE_EVENTS)
    entry = services.join_waitlist(session, actor=actor_of(request), **payload.dict())
    return Status(201, entry)


@router.delete(WAITLIST_ENTRY, response={204: None})
def remove_from_waitlist(
    request: HttpRequest,
    organizer: str = slug_path(),
    event: str = slug_path(),
    session_id: int = id_path(),
    entry_id: int = id_path(),
):
    session = _session(request, organizer, event, session_id, Perm.CHANGE_EVENTS)
    entry = get_scoped_or_404(
        WaitlistEntry.objects.all(), session.event.organizer, session=session, pk=entry_id
    )
    assert isinstance(entry, WaitlistEntry)
    services.remove_from_waitlist(entry, actor=actor_of(request))
    return Status(204, None)


@router.post(CHECK_IN, response=RegistrationOut)
def check_in(
    request: HttpRequest,
    payload: CheckIn,
    organizer: str = slug_path(),
    event: str = slug_path(),
    session_id: int = id_path(),
    registration_id: int = id_path(),
):
    """Session check-in: mark a registered attendee present (or, `attended: false`, not)."""
    session = _session(request, organizer, event, session_id, Perm.CHANGE_EVENTS)
    registration = get_scoped_or_404(
        Registration.objects.select_related("contact"),
        session.event.organizer,
        session=session,
        state="registered",
        pk=registration_id,
    )
    assert isinstance(registration, Registration)
    services.mark_attended(registration, actor=actor_of(request), attended=payload.attended)
    return registration


# --- event-level registration (SPEC A1, A9) ----------------------------------------------


def _event(request: HttpRequest, organizer: str, event: str, perm: str) -> Event:
    org = organizer_for(request, organizer, perm)
    found = get_scoped_or_404(Event.objects.select_related("organizer"), org, slug=event)
    assert isinstance(found, Event)
    return found


@router.get(EVENT_REGISTRATIONS, response=RegistrationPage)
def list_event_registrations(
    request: HttpRequest,
    page: Query[PageParams],
    organizer: str = slug_path(),
    event: str = slug_path(),
):
    """Registrations to the event itself (event-level registration)."""
    ev = _event(request, organizer, event, Perm.VIEW)
    rows = Registration.objects.filter(
        event=ev, session__isnull=True, state="registered"
    ).select_related("contact")
    return paginate(rows.order_by("created", "id"), page)


@router.post(EVENT_REGISTRATIONS, response={201: RegistrationOut})
def add_event_registration(
    request: HttpRequest,
    payload: RegistrationIn,
    organizer: str = slug_path(),
    event: str = slug_path(),
):
    ev = _event(request, organizer, event, Perm.CHANGE_EVENTS)
    registration = services.staff_register(ev, actor=actor_of(request), **payload.dict())
    return Status(201, registration)


@router.delete(EVENT_REGISTRATION, response={204: None})
def remove_event_registration(
    request: HttpRequest,
    organizer: str = slug_path(),
    event: str = slug_path(),
    registration_id: int = id_path(),
):
    ev = _event(request, organizer, event, Perm.CHANGE_EVENTS)
    registration = get_scoped_or_404(
        Registration.objects.all(),
        ev.organizer,
        event=ev,
        session__isnull=True,
        state="registered",
        pk=registration_id,
    )
    assert isinstance(registration, Registration)
    services.cancel(registration, actor=actor_of(request))
    return Status(204, None)


@router.get(EVENT_WAITLIST, response=WaitlistPage)
def list_event_waitlist(
    request: HttpRequest,
    page: Query[PageParams],
    organizer: str = slug_path(),
    event: str = slug_path(),
):
    ev = _event(request, organizer, event, Perm.VIEW)
    rows = WaitlistEntry.objects.filter(
        event=ev, session__isnull=True, state__in=WaitlistEntry.ACTIVE
    ).select_related("contact")
    return paginate(rows.order_by("id"), page)


@router.post(EVENT_WAITLIST, response={201: WaitlistEntryOut})
def add_to_event_waitlist(
    request: HttpRequest,
    payload: WaitlistEntryIn,
    organizer: str = slug_path(),
    event: str = slug_path(),
):
    ev = _event(request, organizer, event, Perm.CHANGE_EVENTS)
    entry = services.join_waitlist(ev, actor=actor_of(request), **payload.dict())
    return Status(201, entry)


@router.delete(EVENT_WAITLIST_ENTRY, response={204: None})
def remove_from_event_waitlist(
    request: HttpRequest,
    organizer: str = slug_path(),
    event: str = slug_path(),
    entry_id: int = id_path(),
):
    ev = _event(request, organizer, event, Perm.CHANGE_EVENTS)
    entry = get_scoped_or_404(
        WaitlistEntry.objects.all(), ev.organizer, event=ev, session__isnull=True, pk=entry_id
    )
    assert isinstance(entry, WaitlistEntry)
    services.remove_from_waitlist(entry, actor=actor_of(request))
    return Status(204, None)


# --- the attendee's own registration (public, like the shop) -------------------------------


class AgendaIn(Schema):
    email: Text(254)  # type: ignore[valid-type]
    first_name: Text(100) = ""  # type: ignore[valid-type]
    last_name: Text(100) = ""  # type: ignore[valid-type]
    sessions: list[int] = Field([], max_length=100)
    waitlist: list[int] = Field([], max_length=100)


class AgendaOut(Schema):
    registered: list[int]  # session ids
    waiting: list[int]  # session ids whose waitlist the attendee joined


@public_router.post(
    "/shop/{organizer}/{event}/agenda",
    response={201: AgendaOut, 429: dict},
    url_name="shop_agenda",
)
def register_agenda(
    request: HttpRequest,
    payload: AgendaIn,
    organizer: str = slug_path(),
    event: str = slug_path(),
):
    """An attendee builds (or extends) their agenda at a public event with self-built
    agendas: every chosen session at once or none (a full session: 422 `full`; two sessions
    overlapping in time: 422 `clash`), and the waitlists of full sessions. The link to the
    attendee's agenda goes by e-mail only. Rate-limited per client address and e-mail
    (`RIDEAU_AGENDA_RATE`)."""
    ev = sellable.public_event(organizer, event)
    if ev is None or ev.visibility != Event.Visibility.PUBLIC or not ev.self_agenda:
        raise Http404("No agenda")
    limit, window = settings.RIDEAU_AGENDA_RATE
    if not ratelimit.allow(
        [
            (f"agenda:ip:{request.META.get('REMOTE_ADDR', '')}", limit, window),
            (f"agenda:email:{ev.organizer_id}:{payload.email.strip().lower()}", limit, window),
        ]
    ):
        return Status(
            429, {"detail": _("Too many registrations in a short time."), "code": "rate_limited"}
        )
    outcome = services.register(
        ev,
        email=payload.email,
        first_name=payload.first_name,
        last_name=payload.last_name,
        sessions=payload.sessions,
        waitlist=payload.waitlist,
    )
    return Status(
        201,
        {
            "registered": [r.session_id for r in outcome.registrations],
            "waiting": [e.session_id for e in outcome.waiting],
        },
    )
