"""Venues and their nested locations."""

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from rideau.core.access import scoped
from rideau.core.roles import Perm
from rideau.venues import services
from rideau.venues.models import Location, Venue

from .auth import actor_of
from .common import child_or_404, organizer_for, reference, slug_path
from .pagination import PageParams, page_of, paginate
from .paths import LocationPath, VenuePath
from .schemas.venues import (
    LocationIn,
    LocationOut,
    LocationPatch,
    VenueIn,
    VenueOut,
    VenuePatch,
)

router = Router(tags=["venues"])
VenuePage = page_of(VenueOut, "VenuePage")
LocationPage = page_of(LocationOut, "LocationPage")

VENUES = "/organizers/{organizer}/venues"
VENUE = VENUES + "/{venue_id}"
LOCATIONS = VENUE + "/locations"
LOCATION = LOCATIONS + "/{location_id}"


def _venue(request: HttpRequest, path: VenuePath, perm: str = Perm.VIEW) -> Venue:
    return path.get_or_404(
        request, Venue.objects.select_related("organizer"), perm, pk=path.venue_id
    )


def _location(venue: Venue, location_id: int) -> Location:
    locations = Location.objects.select_related("venue__organizer", "parent")
    return child_or_404(locations, venue, location_id, of="venue")


@router.get(VENUES, response=VenuePage)
def list_venues(request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()):
    org = organizer_for(request, organizer)
    return paginate(scoped(Venue.objects.all(), org).order_by("name", "id"), page)


@router.post(VENUES, response={201: VenueOut})
def create_venue(request: HttpRequest, payload: VenueIn, organizer: str = slug_path()):
    org = organizer_for(request, organizer, Perm.CHANGE_EVENTS)
    data = payload.dict()
    return Status(201, services.create_venue(org, actor=actor_of(request), **data))


@router.get(VENUE, response=VenueOut)
def get_venue(request: HttpRequest, path: Path[VenuePath]):
    return _venue(request, path)


@router.patch(VENUE, response=VenueOut)
def patch_venue(request: HttpRequest, payload: VenuePatch, path: Path[VenuePath]):
    venue = _venue(request, path, Perm.CHANGE_EVENTS)
    return services.update_venue(venue, actor=actor_of(request), **payload.dict(exclude_unset=True))


@router.delete(VENUE, response={204: None})
def delete_venue(request: HttpRequest, path: Path[VenuePath]):
    venue = _venue(request, path, Perm.CHANGE_EVENTS)
    services.delete_venue(venue, actor=actor_of(request))
    return Status(204, None)


@router.get(LOCATIONS, response=LocationPage)
def list_locations(request: HttpRequest, page: Query[PageParams], path: Path[VenuePath]):
    venue = _venue(request, path)
    qs = Location.objects.filter(venue=venue).select_related("venue", "parent__parent")
    return paginate(qs.order_by("kind", "name", "id"), page)


def _parent(venue: Venue, parent_id: int | None) -> Location | None:
    if parent_id is None:
        return None
    return reference(
        Location.objects.select_related("venue"),
        venue.organizer,
        field="parent",
        path="venue__organizer",
        venue=venue,
        pk=parent_id,
    )


@router.post(LOCATIONS, response={201: LocationOut})
def create_location(request: HttpRequest, payload: LocationIn, path: Path[VenuePath]):
    venue = _venue(request, path, Perm.CHANGE_EVENTS)
    data = payload.dict()
    data["parent"] = _parent(venue, data["parent"])
    return Status(201, services.create_location(venue, actor=actor_of(request), **data))


@router.get(LOCATION, response=LocationOut)
def get_location(request: HttpRequest, path: Path[LocationPath]):
    return _location(_venue(request, path), path.location_id)


@router.patch(LOCATION, response=LocationOut)
def patch_location(request: HttpRequest, payload: LocationPatch, path: Path[LocationPath]):
    venue = _venue(request, path, Perm.CHANGE_EVENTS)
    location = _location(venue, path.location_id)
    data = payload.dict(exclude_unset=True)
    if "parent" in data:
        data["parent"] = _parent(venue, data["parent"])
    return services.update_location(location, actor=actor_of(request), **data)


@router.delete(LOCATION, response={204: None})
def delete_location(request: HttpRequest, path: Path[LocationPath]):
    venue = _venue(request, path, Perm.CHANGE_EVENTS)
    services.delete_location(_location(venue, path.location_id), actor=actor_of(request))
    return Status(204, None)
