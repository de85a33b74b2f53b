"""Contacts and the organiser's contact custom fields."""

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from rideau.contacts import queries, services
from rideau.contacts.models import Contact, CustomField
from rideau.core.roles import Perm

from .auth import actor_of
from .common import organizer_for, slug_path
from .pagination import PageParams, page_of, paginate
from .paths import ContactPath, FieldPath
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


def _contact(request: HttpRequest, path: ContactPath, perm: str = Perm.VIEW_CONTACTS) -> Contact:
    contacts = Contact.objects.select_related("organizer")
    return path.get_or_404(request, contacts, perm, pk=path.contact_id)


def _field(request: HttpRequest, path: FieldPath, perm: str = Perm.VIEW_CONTACTS) -> CustomField:
    fields = CustomField.objects.select_related("organizer")
    return path.get_or_404(request, fields, perm, pk=path.field_id)


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
def get_contact(request: HttpRequest, path: Path[ContactPath]):
    return _contact(request, path)


@router.patch(CONTACT, response=ContactOut)
def patch_contact(request: HttpRequest, payload: ContactPatch, path: Path[ContactPath]):
    """Change a contact; `custom` is merged into the stored values (null removes a key)."""
    contact = _contact(request, path, Perm.CHANGE_CONTACTS)
    return services.update_contact(
        contact, actor=actor_of(request), **payload.dict(exclude_unset=True)
    )


@router.delete(CONTACT, response={204: None})
def delete_contact(request: HttpRequest, path: Path[ContactPath]):
    contact = _contact(request, path, Perm.CHANGE_CONTACTS)
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
def get_contact_field(request: HttpRequest, path: Path[FieldPath]):
    return _field(request, path)


@router.patch(FIELD, response=ContactFieldOut)
def patch_contact_field(request: HttpRequest, payload: ContactFieldPatch, path: Path[FieldPath]):
    field = _field(request, path, Perm.CHANGE_CONTACTS)
    return services.update_custom_field(
        field, actor=actor_of(request), **payload.dict(exclude_unset=True)
    )


@router.delete(FIELD, response={204: None})
def delete_contact_field(request: HttpRequest, path: Path[FieldPath]):
    field = _field(request, path, Perm.CHANGE_CONTACTS)
    services.delete_custom_field(field, actor=actor_of(request))
    return Status(204, None)
