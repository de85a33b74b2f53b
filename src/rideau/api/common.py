"""Helpers every resource module uses: path parameters, the organiser of the URL, and
references to other objects in a body (always looked up inside the same organiser)."""

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path

from rideau.core.access import get_organizer_for, get_scoped_or_404, scoped
from rideau.core.errors import ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.events.models import Event

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


M = TypeVar("M", bound=Model)


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
