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


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="rows are PostgreSQL's (jsonb_populate_record): its conversions are the reference",
)
def test_row_skips_conversions_only_where_they_change_nothing(monkeypatch):
    """The fast path (a str, int or bool value of a plain field taken as it is; a decimal,
    UUID, date or aware date-time as its text) gives the
    very row Django's conversions give, for every column of an order, its tickets, its
    organiser, event and contact (text, numbers, booleans, foreign keys, decimals, dates,
    JSON, NULLs)."""
    from rideau.core import rows
    from tests.factories import ContactFactory, PositionFactory

    position = PositionFactory()
    contact = ContactFactory(organizer=position.order.organizer)
    objects = [position, position.order, position.order.event, position.order.organizer]
    objects += [contact, position.rate, position.product]
    fast = [rows.row(obj) for obj in objects]
    rows._plan.cache_clear()
    monkeypatch.setattr(rows, "_AS_IS", {})
    try:
        slow = [rows.row(obj) for obj in objects]
    finally:
        rows._plan.cache_clear()
    for obj, a, b in zip(objects, fast, slow, strict=True):
        for f in obj._meta.concrete_fields:  # `pre_save` stamps these anew at every call
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                a.pop(f.column, None), b.pop(f.column, None)
    assert fast == slow
    values = [v for found in fast for v in found.values()]  # the types were really there
    assert {bool, int, str} <= {type(v) for v in values}
