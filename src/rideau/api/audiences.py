"""Audience types (SPEC CORE-8): the publics an organiser sells to, which rates can be
reserved to and orders made for (ADR 0006). Addressed by their code."""

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from rideau.catalog import services
from rideau.catalog.models import AudienceType
from rideau.core.access import scoped
from rideau.core.roles import Perm

from .auth import actor_of
from .common import organizer_for, slug_path
from .pagination import PageParams, page_of, paginate
from .paths import AudiencePath
from .schemas.catalog import AudienceTypeIn, AudienceTypeOut, AudienceTypePatch

router = Router(tags=["catalogue"])
AudienceTypePage = page_of(AudienceTypeOut, "AudienceTypePage")

AUDIENCES = "/organizers/{organizer}/audience-types"
AUDIENCE = AUDIENCES + "/{code}"


def _audience(request: HttpRequest, path: AudiencePath, perm: str) -> AudienceType:
    audiences = AudienceType.objects.select_related("organizer")
    return path.get_or_404(request, audiences, perm, code=path.code)


@router.get(AUDIENCES, response=AudienceTypePage)
def list_audience_types(
    request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()
):
    org = organizer_for(request, organizer)
    return paginate(scoped(AudienceType.objects.all(), org).order_by("position", "id"), page)


@router.post(AUDIENCES, response={201: AudienceTypeOut})
def create_audience_type(
    request: HttpRequest, payload: AudienceTypeIn, organizer: str = slug_path()
):
    org = organizer_for(request, organizer, Perm.CHANGE_EVENTS)
    return Status(
        201, services.create_audience_type(org, actor=actor_of(request), **payload.dict())
    )


@router.get(AUDIENCE, response=AudienceTypeOut)
def get_audience_type(request: HttpRequest, path: Path[AudiencePath]):
    return _audience(request, path, Perm.VIEW)


@router.patch(AUDIENCE, response=AudienceTypeOut)
def patch_audience_type(
    request: HttpRequest,
    payload: AudienceTypePatch,
    path: Path[AudiencePath],
):
    audience = _audience(request, path, Perm.CHANGE_EVENTS)
    changes = payload.dict(exclude_unset=True)
    return services.update_audience_type(audience, actor=actor_of(request), **changes)


@router.delete(AUDIENCE, response={204: None})
def delete_audience_type(request: HttpRequest, path: Path[AudiencePath]):
    """Delete an unused audience type; one that rates or orders use is refused (400):
    deactivate it instead (`active: false`)."""
    audience = _audience(request, path, Perm.CHANGE_EVENTS)
    services.delete_audience_type(audience, actor=actor_of(request))
    return Status(204, None)
