"""Writes on venues and their nested locations (building → room → layout). SPEC CORE-3."""

from typing import TypedDict, Unpack

from django.utils.translation import gettext as _

from rideau.core.access import Actor, require
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.services import (
    apply_changes,
    delete_with_audit,
    save_with_audit,
    update_with_audit,
)

from .models import Location, Venue


class VenueChanges(TypedDict, total=False):
    name: str
    address: str
    postcode: str
    city: str
    country: str
    capacity: int | None


VENUE_CHANGES = tuple(VenueChanges.__annotations__)


def create_venue(
    organizer: Organizer, *, actor: Actor, name: str, **fields: Unpack[VenueChanges]
) -> Venue:
    require(actor, organizer, Perm.CHANGE_EVENTS)
    venue = Venue(organizer=organizer, name=name)
    apply_changes(venue, fields, VENUE_CHANGES)
    return save_with_audit(
        venue,
        actor=actor,
        organizer=organizer,
        action="venue.created",
        perm=Perm.CHANGE_EVENTS,
        validate_exclude=["organizer"],
    )


def update_venue(venue: Venue, *, actor: Actor, **changes: Unpack[VenueChanges]) -> Venue:
    return update_with_audit(
        venue,
        changes,
        allowed=VENUE_CHANGES,
        actor=actor,
        organizer=venue.organizer,
        action="venue.updated",
        perm=Perm.CHANGE_EVENTS,
        validate_exclude=["organizer"],
    )


def delete_venue(venue: Venue, *, actor: Actor) -> None:
    """Delete a venue with its locations; events and sessions there lose their location."""
    delete_with_audit(
        venue,
        actor=actor,
        organizer=venue.organizer,
        action="venue.deleted",
        perm=Perm.CHANGE_EVENTS,
    )


class LocationChanges(TypedDict, total=False):
    parent: Location | None
    kind: str
    name: str
    capacity: int | None


LOCATION_CHANGES = tuple(LocationChanges.__annotations__)


def _clean_location(location: Location, errors: dict[str, list[str]]) -> None:
    parent = location.parent
    if parent is not None and parent.venue_id != location.venue_id:
        errors["parent"] = [_("The parent location is in another venue.")]
        return
    # kinds nest strictly (building → room → layout), so no cycle can form; a kind change
    # must keep the children's nesting valid.
    if location.kind not in Location.Kind.values:
        return  # reported by the model's own validation
    if location.pk is not None and location.children.exists():
        child_kinds = set(location.children.values_list("kind", flat=True))
        allowed = {k for k, p in Location.PARENT_KIND.items() if p == location.kind}
        if child_kinds - allowed:
            errors["kind"] = [
                _("This location holds other locations that cannot be inside a %(kind)s.")
                % {"kind": Location.Kind(location.kind).label.lower()}
            ]


def create_location(
    venue: Venue,
    *,
    actor: Actor,
    kind: str,
    name: str,
    parent: Location | None = None,
    capacity: int | None = None,
) -> Location:
    """A building, room or layout in a venue (nesting checked by Location.clean)."""
    organizer = venue.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    location = Location(venue=venue, kind=kind, name=name, parent=parent, capacity=capacity)
    errors: dict[str, list[str]] = {}
    _clean_location(location, errors)
    return save_with_audit(
        location,
        errors=errors,
        actor=actor,
        organizer=organizer,
        action="location.created",
        perm=Perm.CHANGE_EVENTS,
    )


def update_location(
    location: Location, *, actor: Actor, **changes: Unpack[LocationChanges]
) -> Location:
    return update_with_audit(
        location,
        changes,
        allowed=LOCATION_CHANGES,
        actor=actor,
        organizer=location.venue.organizer,
        action="location.updated",
        perm=Perm.CHANGE_EVENTS,
        clean=_clean_location,
    )


def delete_location(location: Location, *, actor: Actor) -> None:
    """Delete a location with the locations inside it."""
    delete_with_audit(
        location,
        actor=actor,
        organizer=location.venue.organizer,
        action="location.deleted",
        perm=Perm.CHANGE_EVENTS,
    )
