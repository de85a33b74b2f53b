import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rideau.core.access import Actor
from rideau.inventory import services as inventory
from rideau.orders import services
from rideau.orders.services import Buyer, OrderLine
from tests.factories import EventDateFactory, EventFactory, ProductFactory, RateFactory, member

from .fake_stripe import FakeStripe

WEBHOOK_SECRET = "whsec_rideau_test"
IBAN = "DE89370400440532013000"


@pytest.fixture
def world(organizer):
    now = timezone.now()
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event, start=now + datetime.timedelta(days=10))
    product = ProductFactory(event=event, organizer=organizer, max_per_order=6)
    full = RateFactory(product=product, price=Decimal("25.00"))
    quota = inventory.create_quota(
        actor=Actor(user=member(organizer)), organizer=organizer, name="Hall", size=5, date=date
    )
    return {"event": event, "date": date, "full": full, "quota": quota}


@pytest.fixture
def place(organizer, world):
    def place(quantity=2, *, rate=None, email="ana@example.net", **kwargs):
        return services.place_order(
            organizer,
            event=world["event"],
            lines=[OrderLine(rate=rate or world["full"], quantity=quantity)],
            buyer=Buyer(email=email, name="Ana Lopez"),
            **kwargs,
        )

    return place


@pytest.fixture
def payment_settings(settings):
    settings.RIDEAU_BANK_IBAN = IBAN
    settings.RIDEAU_BANK_HOLDER = "Théâtre du Rideau"
    settings.RIDEAU_DEMO_PAYMENTS = True
    return settings


@pytest.fixture
def fake_stripe(settings):
    fake = FakeStripe().start()
    settings.STRIPE_SECRET_KEY = "sk_test_rideau"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    yield fake
    fake.stop()
