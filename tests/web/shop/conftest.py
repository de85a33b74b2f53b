import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation

from rideau.catalog.models import Product, Question, Rate
from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate
from rideau.inventory.models import Quota
from tests.factories import (
    EventDateFactory,
    EventFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
)


@dataclass
class Shop:
    organizer: Organizer
    event: Event
    dates: list[EventDate]
    product: Product
    full: Rate
    reduced: Rate
    quotas: list[Quota]

    def url(self, name: str = "") -> str:
        base = f"/{self.organizer.slug}/{self.event.slug}/tickets/"
        return base + (f"{name}/" if name else "")


@pytest.fixture
def shop(organizer, settings) -> Shop:
    cache.clear()  # the add-to-cart rate limit counts in the cache
    settings.RIDEAU_DEMO_PAYMENTS = True
    settings.RIDEAU_BANK_IBAN = "FR7630006000011234567890189"
    event = EventFactory(organizer=organizer, slug="cyrano", name={"en": "Cyrano", "fr": "Cyrano"})
    start = timezone.now() + datetime.timedelta(days=20)
    dates = [
        EventDateFactory(event=event, start=start),
        EventDateFactory(event=event, start=start + datetime.timedelta(days=40)),
    ]
    product = ProductFactory(event=event, max_per_order=4)
    full = RateFactory(product=product, price=Decimal("30.00"), position=0)
    reduced = RateFactory(
        product=product, name={"en": "Reduced", "fr": "Réduit"}, price=Decimal("0.00"), position=1
    )
    quotas = [QuotaFactory(date=date, size=3, name=f"Hall {i}") for i, date in enumerate(dates)]
    return Shop(organizer, event, dates, product, full, reduced, quotas)


@pytest.fixture
def question(shop) -> Question:
    return Question.objects.create(
        product=shop.product,
        label={"en": "Dietary needs", "fr": "Régime alimentaire"},
        kind=Question.Kind.CHOICE,
        required=True,
        choices=[{"en": "None", "fr": "Aucun"}, {"en": "Vegetarian", "fr": "Végétarien"}],
    )


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in French leaves French active in this thread: give the next test English."""
    yield
    translation.activate("en")
