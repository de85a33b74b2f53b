"""Back-office venues and their locations (building → room → layout). SPEC CORE-3."""

from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rideau.core.access import get_scoped_or_404, scoped
from rideau.core.models import Organizer
from rideau.venues.models import Location, SeatingPlan, Venue
from rideau.venues.services import (
    create_location,
    create_venue,
    delete_location,
    delete_venue,
    update_venue,
)

from ...decorators import Request
from ...toolkit import call_service, posted
from ..collection import collection, delete_view, events_view, rows_page
from .forms import LocationForm, VenueForm


@events_view
def venue_list(request: Request, organizer: Organizer) -> HttpResponse:
    form = VenueForm(request.POST or None, prefix="venue")
    return collection(
        request,
        form=form,
        create=lambda: create_venue(organizer, actor=request.actor, **form.changes()),
        done=_("The venue has been added."),
        back=lambda venue: reverse("web:venues-admin-venue", args=[organizer.slug, venue.pk]),
        rows=scoped(Venue.objects.all(), organizer).order_by("name", "pk"),
        name="venues",
        template="web/events_admin/venues.html",
        context={"organizer": organizer, "active": "venues"},
    )


@events_view
def venue_detail(request: Request, organizer: Organizer, venue: int) -> HttpResponse:
    obj = get_scoped_or_404(Venue.objects.select_related("organizer"), organizer, pk=venue)
    venue_form = VenueForm(
        posted(request, "venue"),
        instance=get_scoped_or_404(Venue, organizer, pk=obj.pk),  # the form's own copy
        prefix="venue",
    )
    location_form = LocationForm(posted(request, "location"), venue=obj, prefix="location")
    back = reverse("web:venues-admin-venue", args=[organizer.slug, obj.pk])
    if venue_form.is_valid():
        if call_service(
            request,
            venue_form,
            lambda: update_venue(obj, actor=request.actor, **venue_form.changes()),
            _("The venue has been saved."),
        ):
            return redirect(back)
    if location_form.is_valid():
        if call_service(
            request,
            location_form,
            lambda: create_location(obj, actor=request.actor, **location_form.cleaned_data),
            _("The location has been added."),
        ):
            return redirect(back)
    locations = (
        obj.locations.select_related("parent")
        .annotate(
            has_plan=Exists(SeatingPlan.objects.filter(location=OuterRef("pk"))),
            seat_count=Count("seating_plan__seats"),
        )
        .order_by("kind", "name", "pk")
    )
    page = rows_page(request, locations)
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


venue_delete = delete_view(
    delete_venue, Venue.objects.all, "venue", _("The venue has been deleted."), "web:venues-admin"
)


location_delete = delete_view(
    delete_location,
    lambda venue: Location.objects.filter(venue_id=venue).select_related("venue__organizer"),
    "location",
    _("The location has been deleted."),
    "web:venues-admin-venue",
)
