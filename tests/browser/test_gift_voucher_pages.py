"""The buyer's gift voucher pages in a real chromium, on a desktop and a phone: the balance
check (found, and refused), the "Pay with a gift voucher" box refusing an empty code under
the field, and the page of an order of gift vouchers — no serious axe violation, nothing
blocked by the Content-Security-Policy (the conftest's check)."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from rideau.catalog.models import Product
from rideau.core.access import Actor
from rideau.core.domain_events import process_events
from rideau.core.roles import Role
from rideau.giftcards import services as giftcards
from rideau.orders import services as orders
from rideau.orders.payments.services import confirm_demo_payment
from rideau.orders.services import Buyer, OrderLine
from tests.browser.test_accessibility import serious_violations
from tests.factories import (
    EventDateFactory,
    EventFactory,
    OrganizerFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
    member,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_gift_voucher_pages_have_no_serious_axe_violation(live_server, page: Page, settings):
    settings.RIDEAU_DEMO_PAYMENTS = True
    org = OrganizerFactory(slug="theatre", name="Théâtre du Rideau")
    actor = Actor(user=member(org, Role.OWNER, email="owner@example.org"))
    gift = RateFactory(
        product=ProductFactory(organizer=org, event=None, kind=Product.Kind.GIFT_VOUCHER),
        price=Decimal("50"),
    )
    event = EventFactory(organizer=org)
    date = EventDateFactory(event=event)
    QuotaFactory(date=date, size=10)
    ticket = RateFactory(product__event=event, product__organizer=org, price=Decimal("30"))
    buyer = Buyer(email="ada@example.net", name="Ada")
    pending = orders.place_order(
        org,
        event=event,
        lines=[OrderLine(rate=ticket, date=date)],
        buyer=buyer,
        provider="demo_card",
    )
    bought = orders.place_order(
        org, lines=[OrderLine(rate=gift)], buyer=buyer, provider="demo_card"
    )
    confirm_demo_payment(bought)
    process_events()
    voucher = giftcards.create_voucher(org, value=Decimal("40"), actor=actor)
    base = live_server.url
    found: list[str] = []

    page.goto(f"{base}/theatre/gift-vouchers/balance/")
    page.get_by_role("button", name="Check the balance").click()  # empty: an error
    expect(page.locator("#id_code_error")).to_have_text(
        "Enter the code printed on your gift voucher."
    )
    found += serious_violations(page, "balance check with an error")
    page.get_by_label("Gift voucher code").fill(voucher.code.lower())
    page.get_by_role("button", name="Check the balance").click()
    expect(page.locator(".gift-balance-amount")).to_have_text("40.00 EUR")
    found += serious_violations(page, "balance found")

    page.goto(f"{base}/theatre/order/{pending.code}/{pending.secret}/")
    page.get_by_role("button", name="Use the voucher").click()  # empty: an error under it
    expect(page.locator("#gift-voucher-code_error")).to_have_text(
        "Enter the code printed on your gift voucher."
    )
    expect(page.get_by_label("Pay with a gift voucher")).to_be_focused()
    found += serious_violations(page, "voucher box with an error")

    page.goto(f"{base}/theatre/order/{bought.code}/{bought.secret}/")
    expect(page.get_by_role("heading", level=2, name="Gift voucher")).to_be_visible()
    found += serious_violations(page, "order of a gift voucher")
    page.get_by_role("link", name="Check a gift voucher balance").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check a gift voucher balance")

    assert found == []
