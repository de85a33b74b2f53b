"""The checkout's discount code in a real chromium: "Apply" (htmx) shows the new total in
place, keeps what the buyer typed, and the order is placed with the discount."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from rideau.core.models import Organizer
from rideau.orders.models import Order, Voucher

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_apply_a_discount_code_then_place_the_order(live_server, page: Page, settings):
    settings.RIDEAU_DEMO_PAYMENTS = True
    call_command("demo", verbosity=0)
    organizer = Organizer.objects.get(slug="rideau-demo")
    Voucher.objects.create(organizer=organizer, code="HALF", kind="percent", value=Decimal(50))

    page.goto(live_server.url + "/rideau-demo/cyrano/tickets/")
    page.locator("a.date-choice").first.click()
    page.get_by_role("spinbutton", name=re.compile("Full price")).fill("2")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("button", name="Check out").click()
    page.get_by_label("E-mail").fill("ada@example.net")
    place = page.get_by_role("button", name=re.compile("Place order"))
    full_label = place.inner_text()

    page.get_by_label("Discount code (optional)").fill("nope")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#discount-panel")).to_contain_text("This discount code is not valid.")

    page.get_by_label("Discount code (optional)").fill("half")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#discount-panel .discount-preview")).to_contain_text("Code HALF")
    expect(place).not_to_have_text(full_label)
    expect(page.get_by_label("E-mail")).to_have_value("ada@example.net")  # not reloaded

    page.get_by_label("Your name").fill("Ada Lovelace")
    names = page.get_by_label("Attendee name")
    names.nth(0).fill("Ada Lovelace")
    names.nth(1).fill("Charles Babbage")
    page.get_by_label("Test card (demo, no real payment)").check()
    place.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Demo card payment")
    order = Order.objects.get(email="ada@example.net")
    assert order.voucher.code == "HALF"
    assert order.discount * 2 == order.total + order.discount  # half of the full price
