"""D9 multi-event pages in the back office: the form and the event switches (the public
page is `web/public/festival.py`)."""

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.core.access import get_scoped_or_404, scoped
from rideau.core.errors import PermissionDenied, RideauError
from rideau.core.models import Organizer
from rideau.events.models import Event, FestivalPage
from rideau.events.services import (
    create_festival_page,
    delete_festival_page,
    set_festival_event,
    update_festival_page,
)

from ...decorators import Request
from ...toolkit import errors_onto
from ..collection import collection, delete_view, events_view, rows_page
from .forms import FestivalPageForm

FestivalEvents = FestivalPage.events.through


def _cover(form):
    return form.cleaned_data.get("cover") or None


@events_view
def festival_list(request: Request, organizer: Organizer) -> HttpResponse:
    form = FestivalPageForm(request.POST or None, request.FILES or None, organizer=organizer)
    return collection(
        request,
        form=form,
        create=lambda: create_festival_page(
            organizer, actor=request.actor, cover=_cover(form), **form.changes()
        ),
        done=_("The page has been created. Now choose its events."),
        back=lambda page: reverse("web:festival-admin", args=[organizer.slug, page.pk]),
        rows=scoped(FestivalPage.objects.all(), organizer).order_by("slug"),
        name="pages",
        template="web/events_admin/festivals.html",
        context={"organizer": organizer, "active": "festivals"},
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
def festival_edit(request: Request, organizer: Organizer, festival_page: int) -> HttpResponse:
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
            errors_onto(form, exc)
        else:
            messages.success(request, _("The page has been saved."))
            return redirect("web:festival-admin", organizer=organizer.slug, festival_page=page.pk)
    events = rows_page(request, _events_with_flag(organizer, page))
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
    request: Request, organizer: Organizer, festival_page: int, event: Event
) -> HttpResponse:
    """Show or hide one event on the page (`shown=1` or `0`); htmx gets the row back."""
    page = get_scoped_or_404(
        FestivalPage.objects.select_related("organizer"), organizer, pk=festival_page
    )
    shown = request.POST.get("shown") == "1"
    try:
        set_festival_event(page, event, actor=request.actor, shown=shown)
    except PermissionDenied:
        raise
    except RideauError as exc:
        messages.error(request, exc.message)
    if request.headers.get("HX-Request"):
        row = _events_with_flag(organizer, page).get(pk=event.pk)
        return render(
            request,
            "web/events_admin/_festival_event_row.html",
            {"organizer": organizer, "festival": page, "event": row},
        )
    return redirect("web:festival-admin", organizer=organizer.slug, festival_page=page.pk)


festival_delete = delete_view(
    delete_festival_page,
    FestivalPage.objects.all,
    "festival_page",
    _("The page has been deleted."),
    "web:festival-admin-list",
)
