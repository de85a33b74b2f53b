"""Contacts and the organiser's contact custom fields."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from rideau.contacts import queries, services
from rideau.contacts.models import Contact, CustomField
from rideau.core.access import get_scoped_or_404
from rideau.core.roles import Perm

from .auth import actor_of
from .common import id_path, organizer_for, slug_path
from .pagination import PageParams, page_of, paginate
from .schemas.contacts import (
    ContactFieldIn,
    ContactFieldOut,
    ContactFieldPatch,
    ContactIn,
    ContactOut,
    ContactPatch,
    ContactSearch,
)

router = Router(tags=["contacts"])
ContactPage = page_of(ContactOut, "ContactPage")
ContactFieldPage = page_of(ContactFieldOut, "ContactFieldPage")

CONTACTS = "/organizers/{organizer}/contacts"
CONTACT = CONTACTS + "/{contact_id}"
FIELDS = "/organizers/{organizer}/contact-fields"
FIELD = FIELDS + "/{field_id}"


def _contact(
    request: HttpRequest, organizer: str, contact_id: int, perm: str = Perm.VIEW_CONTACTS
) -> Contact:
    org = organizer_for(request, organizer, perm)
    return get_scoped_or_404(Contact.objects.select_related("organizer"), org, pk=contact_id)


def _field(
    request: HttpRequest, organizer: str, field_id: int, perm: str = Perm.VIEW_CONTACTS
) -> CustomField:
    org = organizer_for(request, organizer, perm)
    return get_scoped_or_404(CustomField.objects.select_related("organizer"), org, pk=field_id)


@router.get(CONTACTS, response=ContactPage)
def list_contacts(
    request: HttpRequest,
    page: Query[PageParams],
    search: Query[ContactSearch],
    organizer: str = slug_path(),
):
    """Contacts in name order; `q` searches e-mail, names and phone."""
    org = organizer_for(request, organizer, Perm.VIEW_CONTACTS)
    return paginate(queries.list_contacts(org, search=search.q), page)


@router.post(CONTACTS, response={201: ContactOut})
def create_contact(request: HttpRequest, payload: ContactIn, organizer: str = slug_path()):
    org = organizer_for(request, organizer, Perm.CHANGE_CONTACTS)
    return Status(201, services.create_contact(org, actor=actor_of(request), **payload.dict()))


@router.get(CONTACT, response=ContactOut)
def get_contact(request: HttpRequest, organizer: str = slug_path(), contact_id: int = id_path()):
    return _contact(request, organizer, contact_id)


@router.patch(CONTACT, response=ContactOut)
def patch_contact(
    request: HttpRequest,
    payload: ContactPatch,
    organizer: str = slug_path(),
    contact_id: int = id_path(),
):
    """Change a contact; `custom` is merged into the stored values (null removes a key)."""
    contact = _contact(request, organizer, contact_id, Perm.CHANGE_CONTACTS)
    return services.update_contact(
        contact, actor=actor_of(request), **payload.dict(exclude_unset=True)
    )


@router.delete(CONTACT, response={204: None})
def delete_contact(request: HttpRequest, organizer: str = slug_path(), contact_id: int = id_path()):
    contact = _contact(request, organizer, contact_id, Perm.CHANGE_CONTACTS)
    services.delete_contact(contact, actor=actor_of(request))
    return Status(204, None)


@router.get(FIELDS, response=ContactFieldPage)
def list_contact_fields(
    request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()
):
    org = organizer_for(request, organizer, Perm.VIEW_CONTACTS)
    return paginate(queries.list_custom_fields(org), page)


@router.post(FIELDS, response={201: ContactFieldOut})
def create_contact_field(
    request: HttpRequest, payload: ContactFieldIn, organizer: str = slug_path()
):
    org = organizer_for(request, organizer, Perm.CHANGE_CONTACTS)
    return Status(201, services.create_custom_field(org, actor=actor_of(request), **payload.dict()))


@router.get(FIELD, response=ContactFieldOut)
def get_contact_field(
    request: HttpRequest, organizer: str = slug_path(), field_id: int = id_path()
):
    return _field(request, organizer, field_id)


@router.patch(FIELD, response=ContactFieldOut)
def patch_contact_field(
    request: HttpRequest,
    payload: ContactFieldPatch,
    organizer: str = slug_path(),
    field_id: int = id_path(),
):
    field = _field(request, organizer, field_id, Perm.CHANGE_CONTACTS)
    return services.update_custom_field(
        field, actor=actor_of(request), **payload.dict(exclude_unset=True)
    )


@router.delete(FIELD, response={204: None})
def delete_contact_field(
    request: HttpRequest, organizer: str = slug_path(), field_id: int = id_path()
):
    field = _field(request, organizer, field_id, Perm.CHANGE_CONTACTS)
    services.delete_custom_field(field, actor=actor_of(request))
    return Status(204, None)
