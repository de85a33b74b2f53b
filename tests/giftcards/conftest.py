from decimal import Decimal

import pytest

from rideau.catalog.models import Product
from rideau.giftcards.models import FreeAmount
from tests.factories import ProductFactory, RateFactory


@pytest.fixture
def gift_rate(organizer):
    """A fixed-value gift voucher of 50 (no event)."""
    product = ProductFactory(
        organizer=organizer,
        event=None,
        kind=Product.Kind.GIFT_VOUCHER,
        name={"en": "Gift voucher", "fr": "Bon cadeau"},
    )
    return RateFactory(product=product, price=Decimal("50.00"), name={"en": "50", "fr": "50"})


@pytest.fixture
def free_rate(organizer):
    """A free-amount gift voucher, 10 to 300."""
    product = ProductFactory(
        organizer=organizer,
        event=None,
        kind=Product.Kind.GIFT_VOUCHER,
        name={"en": "Gift voucher, your amount", "fr": "Bon cadeau libre"},
    )
    FreeAmount.objects.create(product=product, min_amount=Decimal("10"), max_amount=Decimal("300"))
    return RateFactory(product=product, price=Decimal("0"), name={"en": "Any", "fr": "Libre"})
