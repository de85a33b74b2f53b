from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from rideau.boxoffice import services
from rideau.catalog.models import Product
from rideau.core.access import Actor
from rideau.core.roles import Role
from tests.factories import (
    EventDateFactory,
    EventFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
    member,
)


@pytest.fixture
def cashier(organizer):
    return member(organizer, Role.BOX_OFFICE, email="cashier@example.org", full_name="Lucas")


@pytest.fixture
def till(cashier):
    """The box office's pages as the cashier sees them (logged in)."""
    client = Client()
    client.force_login(cashier)
    return client


def url(organizer, name, *args):
    return reverse(f"web:{name}", args=[organizer.slug, *args])


@pytest.fixture
def cashier_actor(cashier):
    return Actor(user=cashier)


@pytest.fixture
def show(organizer):
    """An event with one date of 10 places and a 20.00 rate."""
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event)
    QuotaFactory(date=date, size=10)
    rate = RateFactory(product__event=event, product__organizer=organizer, price=Decimal("20"))
    return date, rate


@pytest.fixture
def gift_rate(organizer):
    product = ProductFactory(
        organizer=organizer,
        event=None,
        kind=Product.Kind.GIFT_VOUCHER,
        name={"en": "Gift voucher", "fr": "Bon cadeau"},
    )
    return RateFactory(product=product, price=Decimal("30.00"), name={"en": "30", "fr": "30"})


@pytest.fixture
def shift(organizer, cashier_actor):
    return services.open_session(
        organizer, actor=cashier_actor, device="tablet-1", opening_float=Decimal("100")
    )
