"""Ticket control (SPEC D12): scans with a list's access code (no account: the code is the
credential, as on the scanner page) or with a team token / staff session; the lists with
their live counts and access codes (to the members who may check in, as on the back
office's lists page)."""

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from rideau.catalog.models import Product
from rideau.checkin import services
from rideau.checkin.models import CheckinList
from rideau.checkin.offline import offline_data
from rideau.core.access import for_organizer, scoped
from rideau.core.models import TicketSigningKey
from rideau.core.roles import Perm
from rideau.events.models import Event, EventDate, Session
from rideau.registration import door
from rideau.registration.models import Registration

from .auth import actor_of
from .common import id_path, organizer_for, reference, references, slug_path
from .pagination import PageParams, page_of, paginate
from .paths import CheckinListPath, CheckinSessionPath
from .schemas.checkin import (
    CheckinListIn,
    CheckinListOut,
    DoorScanOut,
    OfflineOut,
    ScanIn,
    ScanOut,
    SigningKeyOut,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django_stubs_ext import WithAnnotations

router = Router(tags=["checkin"])
code_router = Router(tags=["checkin"], auth=None)
CheckinListPage = page_of(CheckinListOut, "CheckinListPage")
SigningKeyPage = page_of(SigningKeyOut, "SigningKeyPage")

LISTS = "/organizers/{organizer}/checkin-lists"
LIST = LISTS + "/{checkinlist_id}"


def _answer(outcome: "services.ScanResult | door.DoorScan") -> dict:
    """What every scan answers, at the entrance or at a session's door."""
    return {
        "result": outcome.result,
        "ok": outcome.ok,
        "message": outcome.message,
        "attendee_name": outcome.attendee_name,
        "order_code": outcome.order_code,
    }


def _scan_out(checkin_list: CheckinList, outcome: services.ScanResult) -> dict:
    return {
        **_answer(outcome),
        "date": outcome.date.start if outcome.date is not None else None,
        "seat": outcome.seat,
        "first_entry_at": outcome.first_entry_at,
        "replayed": outcome.replayed,
        "present": services.present_count(checkin_list),
    }


def _code_list(request: HttpRequest, access_code: str) -> CheckinList | None:
    """The list of this access code (wrong codes rate-limited per client address)."""
    return services.list_for_access_code(access_code, client=request.META.get("REMOTE_ADDR", ""))


def _not_found() -> Status:
    return Status(404, {"detail": str(_("Not found.")), "code": "not_found"})


def _list_out(checkin_list: "WithAnnotations[CheckinList, services.Present]") -> dict:
    return {
        "id": checkin_list.pk,
        "name": checkin_list.name,
        "event": checkin_list.event.slug,
        "products": sorted(p.pk for p in checkin_list.products.all()),
        "dates": sorted(d.pk for d in checkin_list.dates.all()),
        "allow_multiple_entries": checkin_list.allow_multiple_entries,
        "any_day": checkin_list.any_day,
        "present": checkin_list.present,
        "access_code": checkin_list.access_code,
    }


@code_router.post(
    "/checkin/{access_code}/scans", response={200: ScanOut, 404: dict, 409: dict, 429: dict}
)
def scan_with_access_code(
    request: HttpRequest,
    payload: ScanIn,
    access_code: str = Path(..., max_length=services.MAX_ACCESS_CODE_LENGTH),
):
    """Scan one ticket on the list of this access code (what the scanner page does).
    Wrong codes are rate-limited per client address (429). A `nonce` names one scan: sent
    again with the same ticket it answers the first scan again (`replayed`), with another
    ticket it is refused (409)."""
    checkin_list = _code_list(request, access_code)
    if checkin_list is None:
        return _not_found()
    outcome = services.scan(
        checkin_list=checkin_list, secret=payload.secret, nonce=payload.nonce, actor=None
    )
    return Status(200, _scan_out(checkin_list, outcome))


@code_router.get("/checkin/{access_code}/offline", response={200: OfflineOut, 404: dict, 429: dict})
def offline_with_access_code(
    request: HttpRequest,
    access_code: str = Path(..., max_length=services.MAX_ACCESS_CODE_LENGTH),
    session: int | None = Query(None, ge=1, le=2**53),
):
    """What the scanner needs to check signed tickets offline on the list of this access
    code: the organiser's public keys, the list's rules, and the ids of tickets to refuse
    (revoked, unpaid, already used); with `session`, the session door's (`door`: whose
    tickets enter it, who is already present). Wrong codes are rate-limited per client
    address (429)."""
    checkin_list = _code_list(request, access_code)
    if checkin_list is None:
        return _not_found()
    data = offline_data(checkin_list)
    if session is not None:
        found = _door_session(checkin_list, session)
        if found is None:
            return _not_found()
        data["door"] = door.offline_door_data(found, checkin_list)
    return Status(200, data)


# --- a session's door (ADR 0023) --------------------------------------------------------


def _door_session(checkin_list: CheckinList, session_id: int) -> Session | None:
    """A session of the list's event (another event's: None, a 404)."""
    return (
        Session.objects.filter(pk=session_id, event_id=checkin_list.event_id)
        .select_related("event")
        .first()
    )


def _door_out(outcome: door.DoorScan) -> dict:
    rows = Registration.objects.filter(session=outcome.session, state=Registration.State.REGISTERED)
    return {
        **_answer(outcome),
        "session": outcome.session.pk,
        "registered": rows.count(),
        "present": rows.filter(attended=True).count(),
    }


@code_router.post(
    "/checkin/{access_code}/sessions/{session_id}/scans",
    response={200: DoorScanOut, 404: dict, 429: dict},
)
def door_scan_with_access_code(
    request: HttpRequest,
    payload: ScanIn,
    access_code: str = Path(..., max_length=services.MAX_ACCESS_CODE_LENGTH),
    session_id: int = id_path(),
):
    """Scan one ticket at a session's door with the list's access code (what the scanner
    does "Scanning at" a session, also when it sends the scans it queued offline): the
    holder's registration to the session is marked present once; scanned again, the answer
    is `already_present`. A session of another event: 404."""
    checkin_list = _code_list(request, access_code)
    if checkin_list is None:
        return _not_found()
    session = _door_session(checkin_list, session_id)
    if session is None:
        return _not_found()
    outcome = door.scan_at_session(
        session, checkin_list=checkin_list, secret=payload.secret, actor=None
    )
    return Status(200, _door_out(outcome))


def _checkin_list(request: HttpRequest, path: CheckinListPath) -> CheckinList:
    lists = CheckinList.objects.select_related("event", "organizer")
    return path.get_or_404(request, lists, Perm.CHECKIN, pk=path.checkinlist_id)


@router.post(LIST + "/sessions/{session_id}/scans", response={200: DoorScanOut, 404: dict})
def door_scan_on_list(request: HttpRequest, payload: ScanIn, path: Path[CheckinSessionPath]):
    """Scan one ticket at a session's door as staff (team token or session with the
    check-in permission): the same rules as the scanner's door (`registration.door`)."""
    checkin_list = _checkin_list(request, path)
    session = _door_session(checkin_list, path.session_id)
    if session is None:
        return _not_found()
    outcome = door.scan_at_session(
        session, checkin_list=checkin_list, secret=payload.secret, actor=actor_of(request)
    )
    return Status(200, _door_out(outcome))


@router.get(LIST + "/offline", response=OfflineOut)
def checkin_list_offline(request: HttpRequest, path: Path[CheckinListPath]):
    """The offline data of one list (as for the access code), as staff."""
    checkin_list = _checkin_list(request, path)
    return offline_data(checkin_list)


@router.get("/organizers/{organizer}/signing-keys", response=SigningKeyPage)
def list_signing_keys(request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()):
    """The organiser's public keys for signed ticket secrets (never the private keys)."""
    org = organizer_for(request, organizer, Perm.CHECKIN)
    keys = scoped(TicketSigningKey.objects.all(), org).order_by("kid")
    return paginate(keys, page, each=lambda k: {"kid": k.kid, "public_key": k.public_key})


@router.get(LISTS, response=CheckinListPage)
def list_checkin_lists(request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()):
    """The organiser's check-in lists with the number of attendees in (`present`)."""
    org = organizer_for(request, organizer, Perm.CHECKIN)
    return paginate(_lists_with_counts(org).order_by("id"), page, each=_list_out)


def _lists_with_counts(organizer) -> "QuerySet[WithAnnotations[CheckinList, services.Present]]":
    return (
        services.with_counts(scoped(CheckinList.objects.all(), organizer))
        .select_related("event")
        .prefetch_related("products", "dates")
    )


@router.post(LISTS, response={201: CheckinListOut})
def create_checkin_list(request: HttpRequest, payload: CheckinListIn, organizer: str = slug_path()):
    """A new check-in list of one event (`events.change`, as in the back office), with a
    fresh access code: products and dates of that event (none: all of them)."""
    org = organizer_for(request, organizer, Perm.CHANGE_EVENTS)
    event = reference(Event.objects.all(), org, field="event", slug=payload.event)
    created = services.create_checkin_list(
        actor=actor_of(request),
        organizer=org,
        event=event,
        name=payload.name,
        products=references(for_organizer(Product, org), payload.products, field="products"),
        dates=references(for_organizer(EventDate, org), payload.dates, field="dates"),
        any_day=payload.any_day,
        allow_multiple_entries=payload.allow_multiple_entries,
    )
    return Status(201, _list_out(_lists_with_counts(org).get(pk=created.pk)))


@router.post(LIST + "/scans", response={200: ScanOut, 409: dict})
def scan_on_list(request: HttpRequest, payload: ScanIn, path: Path[CheckinListPath]):
    """Scan one ticket as staff (team token or session with the check-in permission). A
    `nonce` reused with another ticket is refused (409)."""
    checkin_list = _checkin_list(request, path)
    outcome = services.scan(
        checkin_list=checkin_list,
        secret=payload.secret,
        nonce=payload.nonce,
        actor=actor_of(request),
    )
    return _scan_out(checkin_list, outcome)
