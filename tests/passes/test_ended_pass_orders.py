"""The order pages of a pass whose order ended unpaid (or was cancelled): the pass, its
season and that it admits to nothing any more, instead of an empty table of tickets."""

import datetime
import html

import pytest
from django.test import Client
from django.urls import reverse

from rideau.core.domain_events import process_events
from rideau.orders import services as orders
from rideau.orders.services import Buyer
from rideau.passes import services
from rideau.passes.models import Pass
from tests.accounts.conftest import log_in_account
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unpaid(world):
    """A pass ordered for a bank transfer that never came."""
    return services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=Buyer(email="ana@example.net"),
        provider="bank_transfer",
    )


def _pages(world, order) -> dict[str, str]:
    shop = Client().get(
        reverse("web:shop-order", args=[world.organizer.slug, order.code, order.secret])
    )
    client = Client()
    log_in_account(client, AccountFactory(contact=order.contact))
    account = client.get(reverse("web:account-order", args=[world.organizer.slug, order.code]))
    assert (shop.status_code, account.status_code) == (200, 200)
    return {"shop": shop.content.decode(), "account": account.content.decode()}


def test_an_expired_pass_order_shows_the_pass_its_season_and_that_it_expired(world, unpaid):
    order = unpaid.order
    orders.expire_orders(now=order.expires_at + datetime.timedelta(seconds=1))
    process_events()
    unpaid.refresh_from_db()
    assert unpaid.status == Pass.Status.CANCELLED

    for name, page in _pages(world, order).items():
        text = html.unescape(page)
        assert 'Season pass <span class="badge">Expired</span>' in text, name
        assert "2026–27" in text, name
        assert "Ana Lopez" in text, name
        assert "This pass has expired: its order was not paid by " in text, name
        assert 'id="tickets-title"' not in text, name  # no empty table of tickets
        assert reverse("web:pass-list", args=[world.organizer.slug]) in text, name


def test_a_cancelled_pass_order_says_the_pass_was_cancelled(world, unpaid):
    orders.cancel_order(unpaid.order, reason="changed mind")
    process_events()

    for name, page in _pages(world, unpaid.order).items():
        assert "This pass was cancelled with its order" in page, name
        assert 'id="tickets-title"' not in page, name


def test_a_pending_pass_order_still_lists_its_tickets(world, unpaid):
    for name, page in _pages(world, unpaid.order).items():
        assert 'id="tickets-title"' in page, name
        assert "ended-pass" not in page, name
