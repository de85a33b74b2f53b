"""A buyer world: one organiser with an event on sale, buyers with orders of every kind."""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from rideau.core.models import Organizer
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order, SalesChannel
from rideau.orders.services import Buyer, OrderLine, place_order
from tests.factories import (
    EventDateFactory,
    EventFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
)

CODE = re.compile(r"^\s+(\d{6})$", re.MULTILINE)


@dataclass
class BuyerWorld:
    organizer: Organizer
    paid: Order  # Ada's box-office order, paid
    pending: Order  # Ada's web order, waiting for payment
    other: Order  # Grace's order (another buyer of the same organiser)


def make_orders(organizer: Organizer, *, slug: str = "cyrano") -> BuyerWorld:
    event = EventFactory(organizer=organizer, slug=slug, name={"en": "Cyrano", "fr": "Cyrano"})
    start = timezone.now() + datetime.timedelta(days=20)
    date = EventDateFactory(event=event, start=start)
    product = ProductFactory(event=event, max_per_order=6)
    rate = RateFactory(product=product, price=Decimal("30.00"))
    QuotaFactory(date=date, size=50)
    line = [OrderLine(rate=rate, quantity=2, date=date)]
    paid = place_order(
        organizer,
        event=event,
        lines=line,
        buyer=Buyer(email="ada@school.example", name="Ada Lovelace"),
        channel=SalesChannel.BOX_OFFICE,
        provider="cash",
        paid=True,
    )
    pending = place_order(
        organizer,
        event=event,
        lines=[OrderLine(rate=rate, quantity=1, date=date)],
        buyer=Buyer(email="Ada@School.example", name="Ada Lovelace"),
        provider="bank_transfer",
        payment_deadline=datetime.timedelta(days=3),
    )
    other = place_order(
        organizer,
        event=event,
        lines=[OrderLine(rate=rate, quantity=1, date=date)],
        buyer=Buyer(email="grace@example.net", name="Grace Hopper"),
        provider="cash",
        channel=SalesChannel.PHONE,
        paid=True,
    )
    OutboxMessage.objects.all().delete()  # the order e-mails: tests count login e-mails
    return BuyerWorld(organizer, paid, pending, other)


@pytest.fixture
def buyers(organizer, settings) -> BuyerWorld:
    cache.clear()
    settings.RIDEAU_BANK_IBAN = "FR7630006000011234567890189"
    return make_orders(organizer)


def last_code(email: str) -> str:
    """The code in the last login e-mail to `email` (read from the outbox)."""
    message = next((m for m in OutboxMessage.objects.order_by("-id") if m.to == [email]), None)
    assert message is not None, f"no e-mail to {email}"
    match = CODE.search(message.body_text)
    assert match, message.body_text
    return match[1]


@pytest.fixture(autouse=True)
def _language_reset():
    yield
    translation.activate("en")


def log_in_account(client, account, *, method: str = "code") -> None:
    """Log `client` in to the account's personal space, like `force_login` for staff."""
    from rideau.accounts.services import session_hash
    from rideau.web.account.session import SESSION_KEY

    session = client.session
    entries = dict(session.get(SESSION_KEY, {}))
    entries[str(account.organizer_id)] = {
        "id": account.pk,
        "hash": session_hash(account),
        "method": method,
        "at": 0,
    }
    session[SESSION_KEY] = entries
    session.save()
