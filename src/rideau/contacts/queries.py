"""Reads on contacts, always narrowed to one organiser (callers resolve it through
`rideau.core.access`)."""

from django.db.models import Q, QuerySet

from rideau.core.access import scoped
from rideau.core.models import Organizer

from .models import Contact, CustomField


def list_contacts(organizer: Organizer, *, search: str | None = None) -> QuerySet[Contact]:
    """The organiser's contacts in a stable order, optionally matching a search text
    (e-mail, first or last name, phone)."""
    qs = scoped(Contact.objects.all(), organizer)
    if search:
        search = search.strip()
        qs = qs.filter(
            Q(email__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(phone__icontains=search)
        )
    return qs.order_by("last_name", "first_name", "email", "id")


def list_custom_fields(organizer: Organizer) -> QuerySet[CustomField]:
    return scoped(CustomField.objects.all(), organizer).order_by("position", "key", "id")
