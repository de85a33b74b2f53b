"""Ticket attendees become contacts too (SPEC CORE-2), so segments and scenarios reach them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rideau.contacts.models import Contact
from rideau.orders import services as orders
from rideau.orders.services import Attendee, Buyer, OrderLine
from tests.factories import (
    EventDateFactory,
    EventFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
)

pytestmark = pytest.mark.django_db


def test_attendees_with_an_address_become_contacts_once(organizer):
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event, start=timezone.now() + datetime.timedelta(days=5))
    QuotaFactory(organizer=organizer, date=date, size=10)
    rate = RateFactory(product=ProductFactory(event=event, organizer=organizer), price=Decimal(0))
    Contact.objects.create(organizer=organizer, email="Known@example.org", first_name="Kept")
    orders.place_order(
        organizer,
        event=event,
        lines=[
            OrderLine(
                rate=rate,
                quantity=4,
                attendees=[
                    Attendee(name="Zoé Martin", email="zoe@example.org"),
                    Attendee(name="Known Person", email="known@example.org"),
                    Attendee(name="Buyer Self", email="ANA@example.net"),
                    Attendee(name="No Address"),
                ],
            )
        ],
        buyer=Buyer(email="ana@example.net", name="Ana Lopez"),
    )
    emails = sorted(Contact.objects.filter(organizer=organizer).values_list("email", flat=True))
    assert emails == ["Known@example.org", "ana@example.net", "zoe@example.org"]
    zoe = Contact.objects.get(email="zoe@example.org")
    assert (zoe.first_name, zoe.last_name, zoe.consent_email) == ("Zoé", "Martin", False)
    assert Contact.objects.get(email="Known@example.org").first_name == "Kept"
