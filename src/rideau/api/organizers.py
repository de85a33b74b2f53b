"""Organisers the caller belongs to, and their settings."""

from django.http import HttpRequest
from ninja import Query, Router

from rideau.core.access import organizers_for
from rideau.core.roles import Perm
from rideau.core.services import update_organizer_settings

from .auth import actor_of
from .common import organizer_for, slug_path
from .pagination import PageParams, page_of, paginate
from .schemas.organizers import OrganizerOut, OrganizerPatch

router = Router(tags=["organizers"])
OrganizerPage = page_of(OrganizerOut, "OrganizerPage")


@router.get("/organizers", response=OrganizerPage)
def list_organizers(request: HttpRequest, page: Query[PageParams]):
    return paginate(organizers_for(actor_of(request)).order_by("name", "id"), page)


@router.get("/organizers/{organizer}", response=OrganizerOut)
def get_organizer(request: HttpRequest, organizer: str = slug_path()):
    return organizer_for(request, organizer)


@router.patch("/organizers/{organizer}", response=OrganizerOut)
def patch_organizer(request: HttpRequest, payload: OrganizerPatch, organizer: str = slug_path()):
    org = organizer_for(request, organizer, Perm.CHANGE_ORGANIZER)
    return update_organizer_settings(
        org, actor=actor_of(request), **payload.dict(exclude_unset=True)
    )
