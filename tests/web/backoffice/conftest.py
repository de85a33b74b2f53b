import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from rideau.core.access import Actor
from rideau.inventory import services as inventory
from rideau.orders import services
from rideau.orders.models import SalesChannel
from rideau.orders.services import Buyer, OrderLine
from tests.factories import EventDateFactory, EventFactory, ProductFactory, RateFactory

NOW = timezone.now()


@pytest.fixture
def shop(organizer, owner):
    """A draft event with two dates, one product at two rates, a quota of 50 per date."""
    event = EventFactory(
        organizer=organizer, slug="hamlet", name={"en": "Hamlet"}, visibility="draft"
    )
    first = EventDateFactory(event=event, start=NOW + datetime.timedelta(days=10))
    second = EventDateFactory(event=event, start=NOW + datetime.timedelta(days=11))
    product = ProductFactory(event=event, organizer=organizer, name={"en": "Seat"})
    full = RateFactory(product=product, price=Decimal("25.00"), name={"en": "Full"})
    reduced = RateFactory(product=product, price=Decimal("15.00"), name={"en": "Reduced"})
    for date in (first, second):
        inventory.create_quota(
            actor=Actor(user=owner), organizer=organizer, name="Hall", size=50, date=date
        )
    return {"event": event, "first": first, "second": second, "full": full, "reduced": reduced}


def place(organizer, shop, *, rate="full", date="first", quantity=1, paid=False, **buyer):
    buyer.setdefault("email", "ana@example.net")
    buyer.setdefault("name", "Ana Lopez")
    return services.place_order(
        organizer,
        event=shop["event"],
        lines=[OrderLine(rate=shop[rate], date=shop[date], quantity=quantity)],
        buyer=Buyer(**buyer),
        paid=paid,
        provider="cash" if paid else "",
        channel=SalesChannel.BOX_OFFICE if paid else SalesChannel.WEB,
    )


@pytest.fixture
def client_for():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
