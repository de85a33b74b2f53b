"""Helpers every resource module uses: path parameters, the organiser of the URL, and
references to other objects in a body (always looked up inside the same organiser)."""

from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path

from rideau.core.access import get_organizer_for, scoped
from rideau.core.errors import ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm

from .auth import actor_of
from .schemas.common import MAX_ID, SLUG_PATTERN


def slug_path() -> Any:
    return Path(..., pattern=SLUG_PATTERN, max_length=50)


def id_path() -> Any:
    return Path(..., ge=1, le=MAX_ID)


def organizer_for(request: HttpRequest, slug: str, perm: str = Perm.VIEW) -> Organizer:
    """The organiser of the URL: 404 unless the caller is a member, 403 without `perm`."""
    return get_organizer_for(actor_of(request), slug, perm)


def reference(
    queryset: QuerySet,
    organizer: Organizer,
    *,
    field: str,
    path: str = "organizer",
    **lookup: Any,
) -> Model:
    """An object named in a body, only if it belongs to `organizer`; otherwise a field error
    that does not tell whether it exists elsewhere."""
    obj = scoped(queryset, organizer, path).filter(**lookup).first()
    if obj is None:
        raise ValidationFailed({field: [_("Unknown or not available here.")]})
    return obj
