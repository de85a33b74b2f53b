"""Helpers every resource module uses: path parameters, the organiser of the URL, the public
event of a URL, and references to other objects in a body (always looked up inside the same
organiser)."""

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Path

from rideau.core.access import get_organizer_for, get_scoped_or_404, scoped
from rideau.core.errors import ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.events.models import Event
from rideau.orders import sellable

from .auth import actor_of
from .schemas.common import MAX_ID, SLUG_PATTERN


# One path parameter on its own; a view with two or more (organiser and event, …) takes them
# as one schema of `paths` instead (`path: Path[EventPath]`).
def slug_path() -> Any:
    return Path(..., pattern=SLUG_PATTERN, max_length=50)


def id_path() -> Any:
    return Path(..., ge=1, le=MAX_ID)


def organizer_for(request: HttpRequest, slug: str, perm: str = Perm.VIEW) -> Organizer:
    """The organiser of the URL: 404 unless the caller is a member, 403 without `perm`."""
    return get_organizer_for(actor_of(request), slug, perm)


def event_for(request: HttpRequest, organizer: str, event: str, perm: str = Perm.VIEW) -> Event:
    """The event of the URL (by slug) within the organiser of the URL: 404 unless both are
    the caller's, 403 without `perm`."""
    org = organizer_for(request, organizer, perm)
    return get_scoped_or_404(Event.objects.select_related("organizer", "venue"), org, slug=event)


def public_event(organizer: str, event: str) -> Event:
    """The event of a public URL (the shop, an attendee's registration): only a public one,
    the API does not open private links; 404 otherwise."""
    found = sellable.public_event(organizer, event)
    if found is None or found.visibility != Event.Visibility.PUBLIC:
        raise Http404("No such event")
    return found


M = TypeVar("M", bound=Model)


class Owned(Protocol):
    """An object an organiser owns directly (an event, a venue, a product, a scenario…)."""

    @property
    def organizer(self) -> Organizer: ...


def child_or_404(queryset: QuerySet[M], parent: Owned, pk: int, *, of: str) -> M:
    """The object `pk` of `queryset` under `parent` (its field `of`: an event's date, a
    venue's location, a product's rate), looked up within the parent's organiser: 404
    otherwise."""
    return get_scoped_or_404(queryset, parent.organizer, f"{of}__organizer", pk=pk, **{of: parent})


def reference(
    queryset: QuerySet[M],
    organizer: Organizer,
    *,
    field: str,
    path: str = "organizer",
    **lookup: Any,
) -> M:
    """An object named in a body, only if it belongs to `organizer`; otherwise a field error
    that does not tell whether it exists elsewhere."""
    obj = scoped(queryset, organizer, path).filter(**lookup).first()
    if obj is None:
        raise ValidationFailed({field: [_("Unknown or not available here.")]})
    return obj


def references(queryset: QuerySet[M], ids: Iterable[int], *, field: str) -> list[M]:
    """The objects of `queryset` (already limited to what the caller may name) with these
    ids: all of them, or a field error that does not tell which exist elsewhere."""
    wanted = set(ids)
    found = list(queryset.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationFailed({field: [_("Unknown or not available here.")]})
    return found
