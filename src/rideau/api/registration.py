"""Session registrations and waitlist entries (SPEC A4, A6, A7), under a session of an
event; the event's own registrations and waitlist (event-level registration, A1, A9) under
the event; session check-in.

Writes go through `rideau.registration.services`, with the same rules as the back office:
a full session refuses a registration unless `override_reason` is given (the engine's
logged overbooking); removing a registration offers its place to the waitlist."""

import datetime
from typing import Annotated

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import Strict

from rideau.core import ratelimit
from rideau.core.access import get_scoped_or_404
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.events.models import Event, Session
from rideau.registration import passages, queries, services
from rideau.registration.models import EventPassage, Registration, WaitlistEntry

from .auth import actor_of
from .common import child_or_404, public_event
from .pagination import PageParams, page_of, paginate
from .paths import (
    EntryPath,
    EventPath,
    PassagePath,
    RegistrationPath,
    SessionEntryPath,
    SessionPath,
    SessionRegistrationPath,
)
from .schemas.common import BodySchema, I18nDescription, I18nName, Id, Position, Text

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
EVENT_PASSES = EVENT + "/passes"
EVENT_PASS = EVENT_PASSES + "/{passage_id}"


class RegistrationOut(Schema):
    id: int
    session: int | None = Field(..., alias="session_id")  # None: registered to the event
    contact: int = Field(..., alias="contact_id")
    email: str = Field(..., alias="contact.email")
    seats: int
    override: bool
    attended: bool
    created: datetime.datetime
    passage: int | None = Field(None, alias="passage_id")  # the event pass it came with


class CheckIn(BodySchema):
    attended: bool = True


class RegistrationIn(BodySchema):
    email: Annotated[str, Text(254)]
    first_name: Annotated[str, Text(100)] = ""
    last_name: Annotated[str, Text(100)] = ""
    override_reason: Annotated[str, Text(500, multiline=True)] = ""
    # to the event (event-level registration): one of its passes, registering the pass's
    # sessions too, all or nothing
    passage: Id | None = None
    seats: Annotated[int, Strict()] = Field(1, ge=1, le=50)  # a group: all its places at once


class WaitlistEntryOut(Schema):
    id: int
    session: int | None = Field(..., alias="session_id")  # None: the event's waitlist
    contact: int = Field(..., alias="contact_id")
    email: str = Field(..., alias="contact.email")
    seats: int
    state: str
    offer_expires: datetime.datetime | None
    passage: int | None = Field(None, alias="passage_id")  # the event pass waited with


class WaitlistEntryIn(BodySchema):
    email: Annotated[str, Text(254)]
    first_name: Annotated[str, Text(100)] = ""
    last_name: Annotated[str, Text(100)] = ""
    seats: Annotated[int, Strict()] = Field(
        1, ge=1, le=50
    )  # a group entry: offered only when all fit
    # the event's waitlist at an event with passes: the pass a promotion registers with
    passage: Id | None = None


RegistrationPage = page_of(RegistrationOut, "RegistrationPage")
WaitlistPage = page_of(WaitlistEntryOut, "WaitlistPage")


def _session(request: HttpRequest, path: SessionPath, perm: str) -> Session:
    ev = path.event_for(request, perm)
    sessions = Session.objects.select_related("event__organizer")
    return child_or_404(sessions, ev, path.session_id, of="event")


# A list of registrations or waitlist entries is a session's (session-level registration)
# or the event's own (event-level registration: its rows have no session). The handlers of
# the two differ only in which: they resolve it and share the rest below.


def _of(target: Event | Session) -> dict:
    """The rows of `target`'s lists."""
    if isinstance(target, Session):
        return {"session": target}
    return {"event": target, "session__isnull": True}


def _organizer_of(target: Event | Session) -> Organizer:
    return target.event.organizer if isinstance(target, Session) else target.organizer


def _registrations(page: PageParams, target: Event | Session) -> dict:
    rows = Registration.objects.filter(state="registered", **_of(target))
    return paginate(rows.select_related("contact").order_by("created", "id"), page)


def _registration(target: Event | Session, registration_id: int) -> Registration:
    return get_scoped_or_404(
        Registration.objects.select_related("contact"),
        _organizer_of(target),
        state="registered",
        pk=registration_id,
        **_of(target),
    )


def _register(request: HttpRequest, target: Event | Session, payload: RegistrationIn) -> Status:
    registration = services.staff_register(target, actor=actor_of(request), **payload.dict())
    return Status(201, registration)


def _unregister(request: HttpRequest, target: Event | Session, registration_id: int) -> Status:
    services.cancel(_registration(target, registration_id), actor=actor_of(request))
    return Status(204, None)


def _waitlist(page: PageParams, target: Event | Session) -> dict:
    rows = WaitlistEntry.objects.filter(state__in=WaitlistEntry.ACTIVE, **_of(target))
    return paginate(rows.select_related("contact").order_by("id"), page)


def _join_waitlist(
    request: HttpRequest, target: Event | Session, payload: WaitlistEntryIn
) -> Status:
    entry = services.join_waitlist(target, actor=actor_of(request), **payload.dict())
    return Status(201, entry)


def _leave_waitlist(request: HttpRequest, target: Event | Session, entry_id: int) -> Status:
    entry = get_scoped_or_404(
        WaitlistEntry.objects.all(), _organizer_of(target), pk=entry_id, **_of(target)
    )
    services.remove_from_waitlist(entry, actor=actor_of(request))
    return Status(204, None)


@router.get(REGISTRATIONS, response=RegistrationPage)
def list_registrations(request: HttpRequest, page: Query[PageParams], path: Path[SessionPath]):
    return _registrations(page, _session(request, path, Perm.VIEW))


@router.post(REGISTRATIONS, response={201: RegistrationOut})
def add_registration(request: HttpRequest, payload: RegistrationIn, path: Path[SessionPath]):
    return _register(request, _session(request, path, Perm.CHANGE_EVENTS), payload)


@router.delete(REGISTRATION, response={204: None})
def remove_registration(request: HttpRequest, path: Path[SessionRegistrationPath]):
    session = _session(request, path, Perm.CHANGE_EVENTS)
    return _unregister(request, session, path.registration_id)


@router.get(WAITLIST, response=WaitlistPage)
def list_waitlist(request: HttpRequest, page: Query[PageParams], path: Path[SessionPath]):
    return _waitlist(page, _session(request, path, Perm.VIEW))


@router.post(WAITLIST, response={201: WaitlistEntryOut})
def add_to_waitlist(request: HttpRequest, payload: WaitlistEntryIn, path: Path[SessionPath]):
    return _join_waitlist(request, _session(request, path, Perm.CHANGE_EVENTS), payload)


@router.delete(WAITLIST_ENTRY, response={204: None})
def remove_from_waitlist(request: HttpRequest, path: Path[SessionEntryPath]):
    return _leave_waitlist(request, _session(request, path, Perm.CHANGE_EVENTS), path.entry_id)


@router.post(CHECK_IN, response=RegistrationOut)
def check_in(request: HttpRequest, payload: CheckIn, path: Path[SessionRegistrationPath]):
    """Session check-in: mark a registered attendee present (or, `attended: false`, not)."""
    session = _session(request, path, Perm.CHANGE_EVENTS)
    registration = _registration(session, path.registration_id)
    services.mark_attended(registration, actor=actor_of(request), attended=payload.attended)
    return registration


# --- event-level registration (SPEC A1, A9) ----------------------------------------------


@router.get(EVENT_REGISTRATIONS, response=RegistrationPage)
def list_event_registrations(request: HttpRequest, page: Query[PageParams], path: Path[EventPath]):
    """Registrations to the event itself (event-level registration)."""
    return _registrations(page, path.event_for(request, Perm.VIEW))


@router.post(EVENT_REGISTRATIONS, response={201: RegistrationOut})
def add_event_registration(request: HttpRequest, payload: RegistrationIn, path: Path[EventPath]):
    return _register(request, path.event_for(request, Perm.CHANGE_EVENTS), payload)


@router.delete(EVENT_REGISTRATION, response={204: None})
def remove_event_registration(request: HttpRequest, path: Path[RegistrationPath]):
    ev = path.event_for(request, Perm.CHANGE_EVENTS)
    return _unregister(request, ev, path.registration_id)


@router.get(EVENT_WAITLIST, response=WaitlistPage)
def list_event_waitlist(request: HttpRequest, page: Query[PageParams], path: Path[EventPath]):
    return _waitlist(page, path.event_for(request, Perm.VIEW))


@router.post(EVENT_WAITLIST, response={201: WaitlistEntryOut})
def add_to_event_waitlist(request: HttpRequest, payload: WaitlistEntryIn, path: Path[EventPath]):
    return _join_waitlist(request, path.event_for(request, Perm.CHANGE_EVENTS), payload)


@router.delete(EVENT_WAITLIST_ENTRY, response={204: None})
def remove_from_event_waitlist(request: HttpRequest, path: Path[EntryPath]):
    return _leave_waitlist(request, path.event_for(request, Perm.CHANGE_EVENTS), path.entry_id)


# --- event passes (SPEC A1, A2) ---------------------------------------------------------


class PassageIn(BodySchema):
    name: I18nName
    description: I18nDescription = {}
    sessions: list[Id] = Field(..., min_length=1, max_length=passages.MAX_SESSIONS)
    position: Position = 0
    # ticket products of the event sold with the pass: buying one registers with it
    products: list[Id] = Field([], max_length=100)


class PassageOut(Schema):
    """An event pass: registering with it registers to the event and to all its sessions.
    (Not a season pass: those are under `/passes`.)"""

    id: int
    name: dict[str, str]
    description: dict[str, str]
    position: int
    sessions: list[int]
    products: list[int] = []
    full: bool = False


def _passage_out(passage: EventPassage) -> dict:
    chosen = getattr(passage, "session_list", None) or list(passage.sessions.all())
    return {
        "id": passage.pk,
        "name": passage.name,
        "description": passage.description,
        "position": passage.position,
        "sessions": sorted(s.pk for s in chosen),
        "products": sorted(p.pk for p in passage.products.all()),
        "full": getattr(passage, "full", False),
    }


def _passage(request: HttpRequest, path: PassagePath, perm: str) -> EventPassage:
    ev = path.event_for(request, perm)
    found = get_scoped_or_404(
        EventPassage.objects.prefetch_related("sessions", "products"),
        ev.organizer,
        event=ev,
        pk=path.passage_id,
    )
    assert isinstance(found, EventPassage)
    return found


@router.get(EVENT_PASSES, response=list[PassageOut])
def list_event_passes(request: HttpRequest, path: Path[EventPath]):
    """The event's passes, each with its sessions and whether it is full (the event or one
    of its sessions has no place left)."""
    ev = path.event_for(request, Perm.VIEW)
    return [_passage_out(p) for p in queries.event_passages(ev)]


@router.post(EVENT_PASSES, response={201: PassageOut})
def create_event_pass(request: HttpRequest, payload: PassageIn, path: Path[EventPath]):
    """Define an event pass. The event becomes event-level registration: a self-built agenda
    is switched off in the same transaction (SPEC A2, audited `event.self_agenda_off`)."""
    ev = path.event_for(request, Perm.CHANGE_EVENTS)
    passage = passages.create_passage(ev, actor=actor_of(request), **payload.dict())
    return Status(201, _passage_out(passage))


@router.get(EVENT_PASS, response=PassageOut)
def get_event_pass(request: HttpRequest, path: Path[PassagePath]):
    return _passage_out(_passage(request, path, Perm.VIEW))


@router.put(EVENT_PASS, response=PassageOut)
def update_event_pass(request: HttpRequest, payload: PassageIn, path: Path[PassagePath]):
    """Change a pass; people already registered with it keep their sessions."""
    found = _passage(request, path, Perm.CHANGE_EVENTS)
    passages.update_passage(found, actor=actor_of(request), **payload.dict())
    return _passage_out(_passage(request, path, Perm.CHANGE_EVENTS))


@router.delete(EVENT_PASS, response={204: None})
def delete_event_pass(request: HttpRequest, path: Path[PassagePath]):
    """Delete a pass nobody is registered with (422 otherwise)."""
    found = _passage(request, path, Perm.CHANGE_EVENTS)
    passages.delete_passage(found, actor=actor_of(request))
    return Status(204, None)


# --- the attendee's own registration (public, like the shop) -------------------------------


class AgendaIn(BodySchema):
    email: Annotated[str, Text(254)]
    first_name: Annotated[str, Text(100)] = ""
    last_name: Annotated[str, Text(100)] = ""
    sessions: list[Id] = Field([], max_length=100)
    waitlist: list[Id] = Field([], max_length=100)


class AgendaOut(Schema):
    registered: list[int]  # session ids
    waiting: list[int]  # session ids whose waitlist the attendee joined


@public_router.post(
    "/shop/{organizer}/{event}/agenda",
    response={201: AgendaOut, 429: dict},
    url_name="shop_agenda",
)
def register_agenda(request: HttpRequest, payload: AgendaIn, path: Path[EventPath]):
    """An attendee builds (or extends) their agenda at a public event with self-built
    agendas: every chosen session at once or none (a full session: 422 `full`; two sessions
    overlapping in time: 422 `clash`), and the waitlists of full sessions. The link to the
    attendee's agenda goes by e-mail only. Rate-limited per client address and e-mail
    (`RIDEAU_AGENDA_RATE`)."""
    ev = public_event(path.organizer, path.event)
    if not ev.self_agenda:
        raise Http404("No agenda")
    if (refused := _over_rate(request, ev, payload.email)) is not None:
        return refused
    outcome = services.register(ev, **payload.dict())
    return Status(
        201,
        {
            "registered": [r.session_id for r in outcome.registrations],
            "waiting": [e.session_id for e in outcome.waiting],
        },
    )


class EventRegistrationIn(BodySchema):
    email: Annotated[str, Text(254)]
    first_name: Annotated[str, Text(100)] = ""
    last_name: Annotated[str, Text(100)] = ""
    passage: Id | None = None  # required at an event with passes


class EventRegistrationOut(Schema):
    passage: int | None
    sessions: list[int]  # the pass's sessions the attendee is now registered to


@public_router.post(
    "/shop/{organizer}/{event}/registration",
    response={201: EventRegistrationOut, 429: dict},
    url_name="shop_event_registration",
)
def register_to_event(request: HttpRequest, payload: EventRegistrationIn, path: Path[EventPath]):
    """An attendee registers to a public event with event-level registration (SPEC A1): at
    an event with passes, with one of them (`passage`, required: 422 `choose_passage`),
    which registers them to all its sessions at once or to none (the event or a session
    full: 422 `full` on `passage`). The confirmation and the link to the attendee's agenda
    go by e-mail only. Rate-limited like the agenda (`RIDEAU_AGENDA_RATE`)."""
    ev = public_event(path.organizer, path.event)
    if not services.event_level(ev):
        raise Http404("No registration")
    if (refused := _over_rate(request, ev, payload.email)) is not None:
        return refused
    registration = services.register_event(ev, **payload.dict())
    sessions = Registration.objects.filter(
        contact_id=registration.contact_id,
        event=ev,
        passage_id=registration.passage_id,
        session__isnull=False,
        state="registered",
    ).values_list("session_id", flat=True)
    return Status(
        201,
        {
            "passage": registration.passage_id,
            "sessions": sorted(sessions) if registration.passage_id else [],
        },
    )


def _over_rate(request: HttpRequest, ev: Event, email: str) -> Status | None:
    """The 429 answer of a public registration over `RIDEAU_AGENDA_RATE`, per client address
    and per e-mail (the agenda's and the event's registrations share the limit); None under
    it."""
    limit, window = settings.RIDEAU_AGENDA_RATE
    allowed = ratelimit.allow(
        [
            (f"agenda:ip:{request.META.get('REMOTE_ADDR', '')}", limit, window),
            (f"agenda:email:{ev.organizer_id}:{email.strip().lower()}", limit, window),
        ]
    )
    if allowed:
        return None
    return Status(
        429, {"detail": _("Too many registrations in a short time."), "code": "rate_limited"}
    )
