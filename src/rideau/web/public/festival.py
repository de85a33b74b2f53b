"""The public multi-event page (D9) and its cover image."""

import mimetypes
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from rideau.events.models import Event, FestivalPage

from ..decorators import activate_organizer_timezone, public_view
from .views import upcoming_dates


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


def _dates_to_come_first(event: Any) -> tuple[bool, Any]:
    """The sort key of events with their `upcoming_dates`: those with dates to come first,
    soonest first."""
    dates = event.upcoming_dates
    return (not dates, dates[0].start if dates else 0)


@public_view
def festival_public(request: HttpRequest, organizer: str, festival_page: str) -> HttpResponse:
    page = _published(organizer, festival_page)
    events = (
        page.events.filter(visibility=Event.Visibility.PUBLIC)
        .prefetch_related(upcoming_dates())
        .order_by("slug")
    )
    ordered = sorted(events, key=_dates_to_come_first)
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
