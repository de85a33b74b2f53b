"""The public multi-event page (D9) and its cover image."""

import mimetypes

from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from rideau.events.models import Event, EventDate, FestivalPage

from ..decorators import activate_organizer_timezone, public_view


def _published(organizer: str, slug: str) -> FestivalPage:
    page = (
        FestivalPage.objects.select_related("organizer")
        .filter(organizer__slug=organizer, slug=slug, published=True)
        .first()
    )
    if page is None:
        raise Http404("No such page")
    activate_organizer_timezone(page.organizer)
    return page


@public_view
def festival_public(request: HttpRequest, organizer: str, festival_page: str) -> HttpResponse:
    page = _published(organizer, festival_page)
    upcoming = Prefetch(
        "dates",
        queryset=EventDate.objects.filter(start__gte=timezone.now(), is_cancelled=False)
        .select_related("location")
        .order_by("start"),
        to_attr="upcoming_dates",
    )
    events = (
        page.events.filter(visibility=Event.Visibility.PUBLIC)
        .prefetch_related(upcoming)
        .order_by("slug")
    )
    ordered = sorted(
        events,
        key=lambda e: (not e.upcoming_dates, e.upcoming_dates[0].start if e.upcoming_dates else 0),
    )
    return render(
        request,
        "web/events_admin/festival_public.html",
        {"organizer": page.organizer, "festival": page, "events": ordered, "dates_shown": 5},
    )


@public_view
def festival_cover(request: HttpRequest, organizer: str, festival_page: str) -> FileResponse:
    """The cover image of a published page (a JPEG written by the service)."""
    page = _published(organizer, festival_page)
    name = page.cover.name
    if not page.cover or not name or not page.cover.storage.exists(name):
        raise Http404("No cover")
    content_type = mimetypes.guess_type(name)[0] or "image/jpeg"
    response = FileResponse(page.cover.open("rb"), content_type=content_type)
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "public, max-age=3600"
    return response
