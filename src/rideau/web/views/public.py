"""Public pages: the home page, an organiser's page, an event's page. No login."""

import mimetypes

from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Exists, F, Min, OuterRef, Prefetch, Q, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate

from ..decorators import activate_organizer_timezone, event_for_visitor, public_view
from ..pagecache import cached_page, csrf_context

UPCOMING_DATES_SHOWN = 5


def _upcoming_dates() -> Prefetch:
    return Prefetch(
        "dates",
        queryset=EventDate.objects.filter(start__gte=timezone.now(), is_cancelled=False)
        .select_related("location")
        .order_by("start"),
        to_attr="upcoming_dates",
    )


@public_view
def home(request: HttpRequest) -> HttpResponse:
    public_events = Event.objects.filter(
        organizer=OuterRef("pk"), visibility=Event.Visibility.PUBLIC
    )
    organizers = Organizer.objects.filter(Exists(public_events)).order_by("name")
    return render(request, "web/public/home.html", {"organizers": organizers})


EVENTS_PER_PAGE = 20


@public_view
@cached_page
def organizer_page(request: HttpRequest, organizer: str) -> HttpResponse:
    """The organiser's public events, soonest first (events without upcoming dates last),
    20 a page, each with its next few dates: a fixed number of queries, whatever the size
    of the programme."""
    org = get_object_or_404(Organizer, slug=organizer)
    activate_organizer_timezone(org)
    now = timezone.now()
    events = (
        org.events.filter(visibility=Event.Visibility.PUBLIC)
        .annotate(
            next_start=Min(
                "dates__start", filter=Q(dates__start__gte=now, dates__is_cancelled=False)
            )
        )
        .order_by(F("next_start").asc(nulls_last=True), "slug")
    )
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    prefetch_related_objects(
        page.object_list,
        Prefetch(
            "dates",
            queryset=EventDate.objects.filter(start__gte=now, is_cancelled=False)
            .select_related("location")
            .order_by("start")[:UPCOMING_DATES_SHOWN],
            to_attr="upcoming_dates",
        ),
    )
    return render(
        request,
        "web/public/organizer.html",
        {
            "organizer": org,
            "events": page.object_list,
            "page": page,
            "dates_shown": UPCOMING_DATES_SHOWN,
            **csrf_context(),
        },
    )


@public_view
@cached_page
def event_page(request: HttpRequest, organizer: str, event: str) -> HttpResponse:
    ev = event_for_visitor(request, organizer, event)  # staff previews are never cached
    prefetch_related_objects([ev], _upcoming_dates())
    return render(
        request,
        "web/public/event.html",
        {
            "organizer": ev.organizer,
            "event": ev,
            "private": ev.visibility != "public",
            **csrf_context(),
        },
    )


LOGO_DIR = "organizers/logos/"
LOGO_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


@public_view
def organizer_logo(request: HttpRequest, name: str) -> FileResponse:
    """Serve an uploaded organiser logo (validated as an image on upload).

    Only this directory and only raster image types are served, with a restrictive CSP, so
    the app can show logos without a separate media server; with object storage
    (django-storages) `logo.url` points at the bucket and this view is not used.
    """
    content_type = mimetypes.guess_type(name)[0]
    path = LOGO_DIR + name
    if name.startswith(".") or content_type not in LOGO_TYPES or not default_storage.exists(path):
        raise Http404("No such logo")
    response = FileResponse(default_storage.open(path, "rb"), content_type=content_type)
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "public, max-age=86400"
    return response
