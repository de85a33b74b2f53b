"""A reservable world: an event on sale, a web shop and a phone point of sale taking
reservations, a profile making the ticket reservable, and a deadline rule."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from rideau.catalog.models import Product, Rate
from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate
from rideau.inventory.models import Quota
from rideau.orders.models import SalesChannel
from rideau.orders.services import Buyer, OrderLine
from rideau.reservations.models import (
    PointOfSale,
    ProductProfile,
    ProfileProduct,
    ReservationRule,
)
from tests.factories import (
    EventDateFactory,
    EventFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
)


@dataclass
class World:
    organizer: Organizer
    event: Event
    date: EventDate
    product: Product
    rate: Rate
    quota: Quota
    web: PointOfSale
    phone: PointOfSale
    profile: ProductProfile
    rule: ReservationRule

    def lines(self, quantity: int = 2) -> list[OrderLine]:
        return [OrderLine(rate=self.rate, quantity=quantity, date=self.date)]


def make_world(organizer: Organizer, *, days_ahead: int = 30, size: int = 10) -> World:
    event = EventFactory(
        organizer=organizer, slug="moliere", name={"en": "Molière", "fr": "Molière"}
    )
    date = EventDateFactory(event=event, start=timezone.now() + datetime.timedelta(days=days_ahead))
    product = ProductFactory(event=event, max_per_order=10)
    rate = RateFactory(product=product, price=Decimal("12.00"))
    quota = QuotaFactory(date=date, size=size)
    web = PointOfSale.objects.create(
        organizer=organizer, name="Web shop", channel=SalesChannel.WEB, may_reserve=True
    )
    phone = PointOfSale.objects.create(
        organizer=organizer, name="Phone", channel=SalesChannel.PHONE, may_reserve=True
    )
    profile = ProductProfile.objects.create(organizer=organizer, name="Schools")
    ProfileProduct.objects.create(profile=profile, product=product, reservable=True)
    rule = ReservationRule.objects.create(product=product, days_after_booking=7, days_before_date=2)
    return World(organizer, event, date, product, rate, quota, web, phone, profile, rule)


@pytest.fixture
def world(organizer) -> World:
    return make_world(organizer)


SCHOOL = Buyer(email="claire@college.example", name="Claire Rousseau", locale="fr")
