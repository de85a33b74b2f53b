"""Back-office venues and their locations (building → room → layout). SPEC CORE-3."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.core.access import get_scoped_or_404, scoped
from rideau.core.errors import RideauError
from rideau.core.models import Organizer
from rideau.venues.models import Location, SeatingPlan, Venue
from rideau.venues.services import (
    create_location,
    create_venue,
    delete_location,
    delete_venue,
    update_venue,
)

from .forms import LocationForm, VenueForm
from .views import ROWS_PER_PAGE, _delete, _get_or_404, _service_errors, events_view


@events_view
def venue_list(request: HttpRequest, organizer: Organizer) -> HttpResponse:
    form = VenueForm(request.POST or None, prefix="venue")
    if request.method == "POST" and form.is_valid():
        try:
            venue = create_venue(organizer, actor=request.actor, **form.changes())
        except RideauError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The venue has been added."))
            return redirect("web:venues-admin-venue", organizer=organizer.slug, venue=venue.pk)
    venues = scoped(Venue.objects.all(), organizer).order_by("name", "pk")
    page = Paginator(venues, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/events_admin/venues.html",
        {
            "organizer": organizer,
            "form": form,
            "page": page,
            "venues": page.object_list,
            "active": "venues",
        },
    )


@events_view
def venue_detail(request: HttpRequest, organizer: Organizer, venue: int) -> HttpResponse:
    obj = get_scoped_or_404(Venue.objects.select_related("organizer"), organizer, pk=venue)
    posted = request.POST.get("form") if request.method == "POST" else None
    venue_form = VenueForm(
        request.POST if posted == "venue" else None,
        instance=Venue.objects.get(pk=obj.pk),  # the form's own copy
        prefix="venue",
    )
    location_form = LocationForm(
        request.POST if posted == "location" else None, venue=obj, prefix="location"
    )
    if posted == "venue" and venue_form.is_valid():
        try:
            update_venue(obj, actor=request.actor, **venue_form.changes())
        except RideauError as exc:
            _service_errors(venue_form, exc)
        else:
            messages.success(request, _("The venue has been saved."))
            return redirect("web:venues-admin-venue", organizer=organizer.slug, venue=obj.pk)
    if posted == "location" and location_form.is_valid():
        try:
            create_location(obj, actor=request.actor, **location_form.cleaned_data)
        except RideauError as exc:
            _service_errors(location_form, exc)
        else:
            messages.success(request, _("The location has been added."))
            return redirect("web:venues-admin-venue", organizer=organizer.slug, venue=obj.pk)
    locations = (
        obj.locations.select_related("parent")
        .annotate(
            has_plan=Exists(SeatingPlan.objects.filter(location=OuterRef("pk"))),
            seat_count=Count("seating_plan__seats"),
        )
        .order_by("kind", "name", "pk")
    )
    page = Paginator(locations, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/events_admin/venue.html",
        {
            "organizer": organizer,
            "venue": obj,
            "venue_form": venue_form,
            "location_form": location_form,
            "page": page,
            "locations": page.object_list,
            "active": "venues",
        },
    )


@events_view
@require_POST
def venue_delete(request: HttpRequest, organizer: Organizer, venue: int) -> HttpResponse:
    obj = get_scoped_or_404(Venue.objects.all(), organizer, pk=venue)
    _delete(request, delete_venue, obj, _("The venue has been deleted."))
    return redirect("web:venues-admin", organizer=organizer.slug)


@events_view
@require_POST
def location_delete(
    request: HttpRequest, organizer: Organizer, venue: int, location: int
) -> HttpResponse:
    obj = _get_or_404(
        Location.objects.filter(venue_id=venue, venue__organizer=organizer).select_related(
            "venue__organizer"
        ),
        location,
    )
    _delete(request, delete_location, obj, _("The location has been deleted."))
    return redirect("web:venues-admin-venue", organizer=organizer.slug, venue=venue)
