"""Done-when of the personal space: a buyer logs in with the code received over real local
SMTP, sees the dashboard and the orders, and downloads the ticket PDF, in a real chromium.

With RIDEAU_SCREENSHOTS=<folder>, each page is also captured on a phone and a desktop."""

import os
import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from rideau.messaging.delivery import deliver_due_messages
from tests.accounts.conftest import make_orders
from tests.factories import OrganizerFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _shoot(page: Page, name: str) -> None:
    folder = os.environ.get("RIDEAU_SCREENSHOTS")
    if not folder:
        return
    size = page.viewport_size
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=f"{folder}/account-{name}-{label}.png", full_page=True)
    page.set_viewport_size(size)


def test_buyer_logs_in_with_the_e_mailed_code_and_downloads_the_tickets(
    live_server, page: Page, settings, smtp_server
):
    cache.clear()
    settings.RIDEAU_BANK_IBAN = "FR7630006000011234567890189"
    organizer = OrganizerFactory(slug="theatre", name="Théâtre du Rideau", languages=["en"])
    world = make_orders(organizer)
    page.set_viewport_size(DESKTOP)

    page.goto(live_server.url + "/theatre/")
    page.get_by_role("link", name="My account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your personal space")
    _shoot(page, "login")
    page.get_by_label("E-mail").first.fill("ada@school.example")
    page.get_by_role("button", name="E-mail me a code").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    expect(page.get_by_role("status")).to_contain_text("we have sent a 6-digit code")
    _shoot(page, "code")
    assert deliver_due_messages().sent == 1
    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["ada@school.example"]
    body = mail.message.get_content()
    code = re.search(r"^\s+(\d{6})\s*$", body, re.MULTILINE)[1]
    assert mail.message["Subject"] == f"{code} is your login code for Théâtre du Rideau"
    page.get_by_label("Code from the e-mail").fill(code)
    page.get_by_role("button", name="Log in", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Ada")
    awaiting = page.get_by_role("region", name="Awaiting your action")
    expect(awaiting.get_by_role("heading", level=3)).to_have_text(
        [f"Order {world.pending.code}: waiting for payment · Cyrano"]
    )
    expect(awaiting).to_contain_text("Amount due: 30.00 EUR")
    _shoot(page, "home")

    page.get_by_role("navigation").get_by_role("link", name="Orders and tickets").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Orders and tickets")
    expect(page.locator(".account-order")).to_have_count(2)  # Ada's two orders
    expect(page.get_by_role("link", name=world.other.code)).to_have_count(0)
    _shoot(page, "orders")
    page.get_by_role("link", name=world.paid.code).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {world.paid.code}")
    expect(page.locator(".account-facts")).to_contain_text("Box office")
    _shoot(page, "order")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the tickets (PDF)").click()
    assert download.value.suggested_filename == f"tickets-{world.paid.code}.pdf"
    assert download.value.path().read_bytes().startswith(b"%PDF")

    page.get_by_role("link", name="Profile").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Profile")
    _shoot(page, "profile")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your personal space")
