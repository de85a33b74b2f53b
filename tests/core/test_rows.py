"""`core.rows` through its users: a contact upsert that costs a new person one statement on
PostgreSQL and finds a known person whatever the case of the address."""

import pytest
from django.db import connection

from rideau.contacts.models import Contact
from rideau.contacts.services import ensure_contact
from tests.perf.statements import recorded

pytestmark = pytest.mark.django_db


def test_a_new_person_is_created_and_a_known_one_found(organizer):
    with recorded() as new:
        ada = ensure_contact(organizer, email="Ada@Example.org", first_name=" Ada ", language="fr")
    with recorded() as known:
        again = ensure_contact(organizer, email="ada@example.org", first_name="Other")

    assert ada.pk == again.pk
    stored = Contact.objects.get(pk=ada.pk)
    assert (stored.email, stored.first_name, again.first_name) == ("Ada@Example.org", "Ada", "Ada")
    assert Contact.objects.filter(organizer=organizer).count() == 1
    postgresql = connection.vendor == "postgresql"
    assert len(new.statements) == (1 if postgresql else 2)
    assert len(known.statements) == 2
