"""Events (addressed by slug), their dates, sessions and quotas.

Every write that can carry a capacity goes through `rideau.programme.services`, so an event,
date or session set up here sells exactly as one set up in the back office."""

from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Status

from rideau.catalog.models import Product, Rate
from rideau.core.access import scoped
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.events import services
from rideau.events.models import Event, EventDate, Session
from rideau.inventory import services as inventory
from rideau.inventory.models import Quota
from rideau.programme import services as programme
from rideau.venues.models import Location, Venue

from .auth import actor_of
from .common import child_or_404, organizer_for, reference, slug_path
from .pagination import PageParams, page_of, paginate
from .paths import DatePath, EventPath, QuotaPath, SessionPath
from .schemas.events import (
    EventDateIn,
    EventDateOut,
    EventDatePatch,
    EventIn,
    EventOut,
    EventPatch,
    QuotaIn,
    QuotaOut,
    QuotaPatch,
    SessionIn,
    SessionOut,
    SessionPatch,
)

router = Router(tags=["events"])
EventPage = page_of(EventOut, "EventPage")
EventDatePage = page_of(EventDateOut, "EventDatePage")
SessionPage = page_of(SessionOut, "SessionPage")
QuotaPage = page_of(QuotaOut, "QuotaPage")

EVENTS = "/organizers/{organizer}/events"
EVENT = EVENTS + "/{event}"
DATES = EVENT + "/dates"
DATE = DATES + "/{date_id}"
SESSIONS = EVENT + "/sessions"
SESSION = SESSIONS + "/{session_id}"
QUOTAS = EVENT + "/quotas"
QUOTA = QUOTAS + "/{quota_id}"


def _venue_ref(organizer: Organizer, venue_id: int | None) -> Venue | None:
    if venue_id is None:
        return None
    return reference(Venue.objects.all(), organizer, field="venue", pk=venue_id)


def _location_ref(organizer: Organizer, location_id: int | None) -> Location | None:
    if location_id is None:
        return None
    return reference(
        Location.objects.select_related("venue", "parent__parent"),
        organizer,
        field="location",
        path="venue__organizer",
        pk=location_id,
    )


def _date_ref(event: Event, date_id: int | None) -> EventDate | None:
    if date_id is None:
        return None
    return reference(
        EventDate.objects.all(),
        event.organizer,
        field="date",
        path="event__organizer",
        event=event,
        pk=date_id,
    )


# --- events ----------------------------------------------------------------------------------


@router.get(EVENTS, response=EventPage)
def list_events(request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()):
    org = organizer_for(request, organizer)
    return paginate(scoped(Event.objects.all(), org).order_by("slug", "id"), page)


@router.post(EVENTS, response={201: EventOut})
def create_event(request: HttpRequest, payload: EventIn, organizer: str = slug_path()):
    org = organizer_for(request, organizer, Perm.CHANGE_EVENTS)
    data = payload.dict()
    data["venue"] = _venue_ref(org, data["venue"])
    return Status(201, programme.create_event(org, actor=actor_of(request), **data))


@router.get(EVENT, response=EventOut)
def get_event(request: HttpRequest, path: Path[EventPath]):
    return path.event_for(request)


@router.patch(EVENT, response=EventOut)
def patch_event(request: HttpRequest, payload: EventPatch, path: Path[EventPath]):
    obj = path.event_for(request, Perm.CHANGE_EVENTS)
    data = payload.dict(exclude_unset=True)
    if "venue" in data:
        data["venue"] = _venue_ref(obj.organizer, data["venue"])
    return programme.update_event(obj, actor=actor_of(request), **data)


@router.delete(EVENT, response={204: None})
def delete_event(request: HttpRequest, path: Path[EventPath]):
    obj = path.event_for(request, Perm.CHANGE_EVENTS)
    services.delete_event(obj, actor=actor_of(request))
    return Status(204, None)


# --- dates -----------------------------------------------------------------------------------


def _date(event: Event, date_id: int) -> EventDate:
    dates = EventDate.objects.select_related("event__organizer", "location__venue")
    return child_or_404(dates, event, date_id, of="event")


@router.get(DATES, response=EventDatePage)
def list_dates(request: HttpRequest, page: Query[PageParams], path: Path[EventPath]):
    obj = path.event_for(request)
    return paginate(EventDate.objects.filter(event=obj).order_by("start", "id"), page)


@router.post(DATES, response={201: EventDateOut})
def create_date(request: HttpRequest, payload: EventDateIn, path: Path[EventPath]):
    obj = path.event_for(request, Perm.CHANGE_EVENTS)
    data = payload.dict()
    data["location"] = _location_ref(obj.organizer, data["location"])
    return Status(201, programme.create_date(obj, actor=actor_of(request), **data))


@router.get(DATE, response=EventDateOut)
def get_date(request: HttpRequest, path: Path[DatePath]):
    return _date(path.event_for(request), path.date_id)


@router.patch(DATE, response=EventDateOut)
def patch_date(request: HttpRequest, payload: EventDatePatch, path: Path[DatePath]):
    obj = path.event_for(request, Perm.CHANGE_EVENTS)
    date = _date(obj, path.date_id)
    data = payload.dict(exclude_unset=True)
    if "location" in data:
        data["location"] = _location_ref(obj.organizer, data["location"])
    return programme.update_date(date, actor=actor_of(request), **data)


@router.delete(DATE, response={204: None})
def delete_date(request: HttpRequest, path: Path[DatePath]):
    obj = path.event_for(request, Perm.CHANGE_EVENTS)
    programme.delete_date(_date(obj, path.date_id), actor=actor_of(request))
    return Status(204, None)


# --- sessions --------------------------------------------------------------------------------


def _session(event: Event, session_id: int) -> Session:
    sessions = Session.objects.select_related("event__organizer", "date", "location__venue")
    return child_or_404(sessions, event, session_id, of="event")


@router.get(SESSIONS, response=SessionPage)
def list_sessions(request: HttpRequest, page: Query[PageParams], path: Path[EventPath]):
    obj = path.event_for(request)
    return paginate(Session.objects.filter(event=obj).order_by("start", "id"), page)


@router.post(SESSIONS, response={201: SessionOut})
def create_session(request: HttpRequest, payload: SessionIn, path: Path[EventPath]):
    obj = path.event_for(request, Perm.CHANGE_EVENTS)
    data = payload.dict()
    data["location"] = _location_ref(obj.organizer, data["location"])
    data["date"] = _date_ref(obj, data["date"])
    return Status(201, programme.create_session(obj, actor=actor_of(request), **data))


@router.get(SESSION, response=SessionOut)
def get_session(request: HttpRequest, path: Path[SessionPath]):
    return _session(path.event_for(request), path.session_id)


@router.patch(SESSION, response=SessionOut)
def patch_session(request: HttpRequest, payload: SessionPatch, path: Path[SessionPath]):
    obj = path.event_for(request, Perm.CHANGE_EVENTS)
    session = _session(obj, path.session_id)
    data = payload.dict(exclude_unset=True)
    if "location" in data:
        data["location"] = _location_ref(obj.organizer, data["location"])
    if "date" in data:
        data["date"] = _date_ref(obj, data["date"])
    return programme.update_session(session, actor=actor_of(request), **data)


@router.delete(SESSION, response={204: None})
def delete_session(request: HttpRequest, path: Path[SessionPath]):
    obj = path.event_for(request, Perm.CHANGE_EVENTS)
    programme.delete_session(_session(obj, path.session_id), actor=actor_of(request))
    return Status(204, None)


# --- quotas ----------------------------------------------------------------------------------


def _quota(event: Event, quota_id: int) -> Quota:
    quota = programme.event_quotas(event).filter(pk=quota_id).select_related("organizer").first()
    if quota is None:
        raise Http404
    return quota


@router.get(QUOTAS, response=QuotaPage)
def list_quotas(request: HttpRequest, page: Query[PageParams], path: Path[EventPath]):
    obj = path.event_for(request)
    return paginate(programme.event_quotas(obj).order_by("pk"), page)


@router.post(QUOTAS, response={201: QuotaOut})
def create_quota(request: HttpRequest, payload: QuotaIn, path: Path[EventPath]):
    """A counter of places of this event: event-wide (`whole_event`), or for a date, a
    product, a rate or a session (and combinations). Tickets never count against a session's
    quota; `covers_sessions` makes a quota without a session count registrations too."""
    obj = path.event_for(request, Perm.CHANGE_EVENTS)
    org = obj.organizer
    data = payload.dict()
    scope: dict[str, Any] = {
        "event": obj if data["whole_event"] else None,
        "date": _date_ref(obj, data["date"]),
        "product": None,
        "rate": None,
        "session": None,
    }
    if data["product"] is not None:
        scope["product"] = reference(
            Product.objects.all(), org, field="product", event=obj, pk=data["product"]
        )
    if data["rate"] is not None:
        scope["rate"] = reference(
            Rate.objects.select_related("product"),
            org,
            field="rate",
            path="product__organizer",
            product__event=obj,
            pk=data["rate"],
        )
    if data["session"] is not None:
        scope["session"] = reference(
            Session.objects.all(),
            org,
            field="session",
            path="event__organizer",
            event=obj,
            pk=data["session"],
        )
    if not any(scope.values()):
        scope["event"] = obj  # a quota of this event's URL with no narrower scope
    quota = inventory.create_quota(
        actor=actor_of(request),
        organizer=org,
        name=data["name"],
        size=data["size"],
        covers_sessions=data["covers_sessions"],
        **scope,
    )
    return Status(201, quota)


@router.get(QUOTA, response=QuotaOut)
def get_quota(request: HttpRequest, path: Path[QuotaPath]):
    return _quota(path.event_for(request), path.quota_id)


@router.patch(QUOTA, response=QuotaOut)
def patch_quota(request: HttpRequest, payload: QuotaPatch, path: Path[QuotaPath]):
    """Rename or resize a quota (never below the places taken: a `size` error)."""
    obj = path.event_for(request, Perm.CHANGE_EVENTS)
    quota = _quota(obj, path.quota_id)
    data = payload.dict(exclude_unset=True)
    with transaction.atomic():
        if data.get("name") is not None:
            inventory.rename_quota(quota, name=data["name"], actor=actor_of(request))
        if data.get("size") is not None:
            inventory.resize_quota(quota, size=data["size"], actor=actor_of(request))
    return quota


@router.delete(QUOTA, response={204: None})
def delete_quota(request: HttpRequest, path: Path[QuotaPath]):
    """Delete a quota no held or confirmed place counts against (409 `quota_in_use`)."""
    obj = path.event_for(request, Perm.CHANGE_EVENTS)
    inventory.delete_quota(_quota(obj, path.quota_id), actor=actor_of(request))
    return Status(204, None)
