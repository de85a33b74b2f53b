"""Ticket control pages (SPEC D12).

Back office (`organizer_view`): the check-in lists per event with their live counts and
access codes, create/edit, regenerate a code. Scanner (`public_view`): `/checkin/<code>/`,
where the list's long, unguessable access code is the only credential, so door staff use a
phone without a back-office account. Wrong codes are rate-limited per client address.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rideau.checkin import services
from rideau.checkin.models import CheckinList
from rideau.core.access import get_scoped_or_404, scoped
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.events.models import Session
from rideau.registration import door
from rideau.registration import queries as registration_queries

from ..decorators import Request, activate_organizer_timezone, organizer_view, public_view
from ..toolkit import run_service
from .forms import CheckinListForm, ScanForm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LISTS_PER_PAGE = 25
RESULT_CLASSES = {
    "valid": "scan-valid",
    "already_used": "scan-used",
    door.PRESENT: "scan-valid",
    door.ALREADY_PRESENT: "scan-used",
}


# --- back office ---------------------------------------------------------------------------


@organizer_view(Perm.CHECKIN)
def checkin_lists(request: Request, organizer: Organizer) -> HttpResponse:
    lists = (
        services.with_counts(scoped(CheckinList.objects.all(), organizer))
        .select_related("event")
        .prefetch_related("products", "dates")
        .order_by("event__slug", "name", "id")
    )
    page = Paginator(lists, LISTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/checkin/lists.html",
        {
            "organizer": organizer,
            "page": page,
            "lists": page.object_list,
            "can_change": request.actor.has(organizer, Perm.CHANGE_EVENTS),
            "active": "checkin",
        },
    )


def _list_form(
    request: Request,
    organizer: Organizer,
    form: CheckinListForm,
    write: Callable[[], object],
    done: "StrOrPromise",
    checkin_list: CheckinList | None = None,
) -> HttpResponse:
    """A check-in list's form (a new list when `checkin_list` is None): on a valid POST
    `write` runs with the form's fields and the browser goes back to the lists."""
    if run_service(request, form, write, done):
        return redirect("web:checkin-lists", organizer=organizer.slug)
    return render(
        request,
        "web/checkin/form.html",
        {"organizer": organizer, "form": form, "checkin_list": checkin_list, "active": "checkin"},
    )


@organizer_view(Perm.CHANGE_EVENTS)
def checkin_list_create(request: Request, organizer: Organizer) -> HttpResponse:
    form = CheckinListForm(request.POST or None, organizer=organizer)
    return _list_form(
        request,
        organizer,
        form,
        lambda: services.create_checkin_list(
            actor=request.actor, organizer=organizer, **form.cleaned_data
        ),
        _("The check-in list has been created."),
    )


@organizer_view(Perm.CHANGE_EVENTS)
def checkin_list_edit(request: Request, organizer: Organizer, checkinlist_id: int) -> HttpResponse:
    checkin_list = get_scoped_or_404(
        CheckinList.objects.select_related("event", "organizer"), organizer, pk=checkinlist_id
    )
    initial = {
        "name": checkin_list.name,
        "products": list(checkin_list.products.all()),
        "dates": list(checkin_list.dates.all()),
        "allow_multiple_entries": checkin_list.allow_multiple_entries,
        "any_day": checkin_list.any_day,
    }
    form = CheckinListForm(
        request.POST or None, organizer=organizer, event=checkin_list.event, initial=initial
    )
    return _list_form(
        request,
        organizer,
        form,
        lambda: services.update_checkin_list(
            checkin_list, actor=request.actor, **form.cleaned_data
        ),
        _("The check-in list has been saved."),
        checkin_list,
    )


@require_POST
@organizer_view(Perm.CHANGE_EVENTS)
def checkin_list_regenerate(
    request: Request, organizer: Organizer, checkinlist_id: int
) -> HttpResponse:
    checkin_list = get_scoped_or_404(
        CheckinList.objects.select_related("organizer"), organizer, pk=checkinlist_id
    )
    services.regenerate_access_code(checkin_list, actor=request.actor)
    messages.success(
        request,
        _("A new access code has been made; scanners using the old one must open the new link."),
    )
    return redirect("web:checkin-lists", organizer=organizer.slug)


# --- the scanner ---------------------------------------------------------------------------


def _list_for_code(request: Request, access_code: str) -> CheckinList | HttpResponse:
    """The list of this access code, or the answer to give (404, or 429 when rate-limited)."""
    try:
        checkin_list = services.list_for_access_code(
            access_code, client=request.META.get("REMOTE_ADDR", "")
        )
    except services.TooManyWrongCodes:
        response = render(request, "web/checkin/refused.html", {"limited": True}, status=429)
        response["Retry-After"] = str(services.WRONG_CODE_WINDOW)
        return response
    if checkin_list is None:
        return render(request, "web/checkin/refused.html", {"limited": False}, status=404)
    activate_organizer_timezone(checkin_list.organizer)
    return checkin_list


def _private(response: HttpResponse) -> HttpResponse:
    # the URL holds the credential: never cached, never sent to another site as a referrer
    # ("same-origin", not "no-referrer": with that, chromium posts the scan form without
    # JavaScript — before htmx is ready — with `Origin: null`, which CSRF refuses)
    response["Referrer-Policy"] = "same-origin"
    return response


def _result_of(outcome) -> str:
    return outcome["result"] if isinstance(outcome, dict) else outcome.result


def _door(request: Request, checkin_list: CheckinList) -> Session | None:
    """The session whose door the scanner stands at (`?session=`), or None: the event's
    entrance. Only a session of the list's event; anything else is the entrance."""
    try:
        pk = int(request.GET.get("session", ""))
    except ValueError:
        return None
    return Session.objects.filter(pk=pk, event_id=checkin_list.event_id).first()


def _scanner_context(checkin_list: CheckinList, session: Session | None = None, **extra) -> dict:
    context = {
        "checkin_list": checkin_list,
        "event": checkin_list.event,
        "scanner_organizer": checkin_list.organizer,
        "door": session,
        **extra,
    }
    if session is None:
        # tonight's entries on a list of a run of dates (every night's before the doors open)
        tonight = services.admitting(checkin_list, timezone.now())
        context["present"] = services.present_count(checkin_list, dates=tonight)
        context["present_dates"] = tonight
    else:
        registered, present = registration_queries.session_attendance([session.pk]).get(
            session.pk, (0, 0)
        )
        context["registered"], context["present"] = registered, present
    return context


@public_view
@never_cache
@require_http_methods(["GET", "POST"])
def scanner(request: Request, access_code: str) -> HttpResponse:
    """The scanner page; a POST (the manual field, a keyboard-wedge scanner, or the camera
    through htmx) scans one ticket and answers with the result (a fragment for htmx)."""
    found = _list_for_code(request, access_code)
    if isinstance(found, HttpResponse):
        return _private(found)
    checkin_list = found
    session = _door(request, checkin_list)
    outcome: Any = None  # a door's answer, a scan's, or a refused nonce's
    form = ScanForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and session is not None:
        # at a session's door: the ticket's holder must be registered to the session
        outcome = door.scan_at_session(
            session, checkin_list=checkin_list, secret=form.cleaned_data["secret"], actor=None
        )
        form = ScanForm()
    elif request.method == "POST" and form.is_valid():
        try:
            outcome = services.scan(
                checkin_list=checkin_list,
                secret=form.cleaned_data["secret"],
                nonce=form.cleaned_data["nonce"] or None,
                actor=None,
            )
        except services.NonceReused as exc:
            # shown like a refused scan (htmx swaps only 2xx answers); nothing recorded
            outcome = {"result": exc.code, "message": exc.message}
        form = ScanForm()
    context = _scanner_context(
        checkin_list,
        session,
        sessions=Session.objects.filter(event_id=checkin_list.event_id).order_by("start", "pk"),
        form=form,
        outcome=outcome,
        result_class=RESULT_CLASSES.get(_result_of(outcome), "scan-refused") if outcome else "",
    )
    template = "web/checkin/scanner.html"
    if request.headers.get("HX-Request") and request.method == "POST":
        # the fragment carries the live count out of band; the whole page has its own
        template = "web/checkin/_result.html"
        context["fragment"] = True
    return _private(render(request, template, context))


@public_view
@never_cache
@require_GET
def scanner_count(request: Request, access_code: str) -> HttpResponse:
    """The live count (polled by the scanner page with htmx)."""
    found = _list_for_code(request, access_code)
    if isinstance(found, HttpResponse):
        return _private(found)
    context = _scanner_context(found, _door(request, found), oob=False)
    return _private(render(request, "web/checkin/_count.html", context))
