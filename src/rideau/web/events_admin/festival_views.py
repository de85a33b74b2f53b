"""D9 multi-event pages: the back-office form and event switches, and the public page."""

import mimetypes

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.core.access import get_scoped_or_404, scoped
from rideau.core.errors import RideauError
from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate, FestivalPage
from rideau.events.services import (
    create_festival_page,
    delete_festival_page,
    set_festival_event,
    update_festival_page,
)

from ..decorators import activate_organizer_timezone, public_view
from .forms import FestivalPageForm
from .views import ROWS_PER_PAGE, _delete, _service_errors, events_view

FestivalEvents = FestivalPage.events.through


def _cover(form):
    return form.cleaned_data.get("cover") or None


@events_view
def festival_list(request: HttpRequest, organizer: Organizer) -> HttpResponse:
    form = FestivalPageForm(request.POST or None, request.FILES or None, organizer=organizer)
    if request.method == "POST" and form.is_valid():
        try:
            page = create_festival_page(
                organizer, actor=request.actor, cover=_cover(form), **form.changes()
            )
        except RideauError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The page has been created. Now choose its events."))
            return redirect("web:festival-admin", organizer=organizer.slug, festival_page=page.pk)
    pages = scoped(FestivalPage.objects.all(), organizer).order_by("slug")
    paginated = Paginator(pages, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/events_admin/festivals.html",
        {
            "organizer": organizer,
            "form": form,
            "page": paginated,
            "pages": paginated.object_list,
            "active": "festivals",
        },
    )


def _events_with_flag(organizer: Organizer, page: FestivalPage):
    shown = FestivalEvents.objects.filter(festivalpage=page, event=OuterRef("pk"))
    return (
        scoped(Event.objects.all(), organizer)
        .select_related("organizer")
        .annotate(shown=Exists(shown))
        .order_by("slug")
    )


@events_view
def festival_edit(request: HttpRequest, organizer: Organizer, festival_page: int) -> HttpResponse:
    page = get_scoped_or_404(
        FestivalPage.objects.select_related("organizer"), organizer, pk=festival_page
    )
    form = FestivalPageForm(
        request.POST or None, request.FILES or None, organizer=organizer, page=page
    )
    if request.method == "POST" and form.is_valid():
        try:
            update_festival_page(
                page,
                actor=request.actor,
                cover=_cover(form),
                remove_cover=form.cleaned_data.get("remove_cover", False),
                **form.changes(),
            )
        except RideauError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The page has been saved."))
            return redirect("web:festival-admin", organizer=organizer.slug, festival_page=page.pk)
    events = Paginator(_events_with_flag(organizer, page), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/events_admin/festival.html",
        {
            "organizer": organizer,
            "festival": page,
            "form": form,
            "page": events,
            "events": events.object_list,
            "active": "festivals",
        },
    )


@events_view
@require_POST
def festival_event_switch(
    request: HttpRequest, organizer: Organizer, festival_page: int, event: Event
) -> HttpResponse:
    """Show or hide one event on the page (`shown=1` or `0`); htmx gets the row back."""
    page = get_scoped_or_404(
        FestivalPage.objects.select_related("organizer"), organizer, pk=festival_page
    )
    shown = request.POST.get("shown") == "1"
    try:
        set_festival_event(page, event, actor=request.actor, shown=shown)
    except RideauError as exc:
        _service_errors_to_messages(request, exc)
    if request.headers.get("HX-Request"):
        row = _events_with_flag(organizer, page).get(pk=event.pk)
        return render(
            request,
            "web/events_admin/_festival_event_row.html",
            {"organizer": organizer, "festival": page, "event": row},
        )
    return redirect("web:festival-admin", organizer=organizer.slug, festival_page=page.pk)


def _service_errors_to_messages(request: HttpRequest, exc: RideauError) -> None:
    from rideau.core.errors import PermissionDenied

    if isinstance(exc, PermissionDenied):
        raise exc
    messages.error(request, exc.message)


@events_view
@require_POST
def festival_delete(request: HttpRequest, organizer: Organizer, festival_page: int) -> HttpResponse:
    page = get_scoped_or_404(
        FestivalPage.objects.select_related("organizer"), organizer, pk=festival_page
    )
    _delete(request, delete_festival_page, page, _("The page has been deleted."))
    return redirect("web:festival-admin-list", organizer=organizer.slug)


# --- the public page -----------------------------------------------------------------------


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
    events = sorted(
        events,
        key=lambda e: (not e.upcoming_dates, e.upcoming_dates[0].start if e.upcoming_dates else 0),
    )
    return render(
        request,
        "web/events_admin/festival_public.html",
        {"organizer": page.organizer, "festival": page, "events": events, "dates_shown": 5},
    )


@public_view
def festival_cover(request: HttpRequest, organizer: str, festival_page: str) -> FileResponse:
    """The cover image of a published page (a JPEG written by the service)."""
    page = _published(organizer, festival_page)
    if not page.cover or not page.cover.storage.exists(page.cover.name):
        raise Http404("No cover")
    content_type = mimetypes.guess_type(page.cover.name)[0] or "image/jpeg"
    response = FileResponse(page.cover.open("rb"), content_type=content_type)
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "public, max-age=3600"
    return response
