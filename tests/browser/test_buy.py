"""Done-when of the shop: buy two tickets in the demo shop with the demo card in a real
chromium, receive the e-mail over real local SMTP, and decode the PDF's QR codes back to the
tickets' secrets."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from rideau.messaging.delivery import deliver_due_messages
from rideau.orders.models import Order
from tests.orders.test_tickets import decode_pdf_qr_codes

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_buy_two_tickets_with_the_demo_card(live_server, page: Page, settings, smtp_server):
    settings.RIDEAU_DEMO_PAYMENTS = True
    call_command("demo", verbosity=0)

    page.goto(live_server.url + "/rideau-demo/cyrano/")
    page.get_by_role("button", name="Buy tickets").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tickets")
    page.locator("a.date-choice").first.click()  # six dates: a date first, then its rates
    page.get_by_role("spinbutton", name=re.compile("Full price")).fill("2")
    page.get_by_role("button", name="Add to cart").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    expect(page.get_by_role("status")).to_contain_text("Your places are held until")
    expect(page.locator("[data-countdown-left]")).to_have_text(re.compile(r"^1[45]:\d\d$"))
    page.get_by_role("button", name="Check out").click()

    page.get_by_label("E-mail").fill("ada@example.net")
    page.get_by_label("Your name").fill("Ada Lovelace")
    names = page.get_by_label("Attendee name")
    expect(names).to_have_count(2)
    names.nth(0).fill("Ada Lovelace")
    names.nth(1).fill("Charles Babbage")
    page.get_by_label("Test card (demo, no real payment)").check()
    page.get_by_role("button", name=re.compile("Place order")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Demo card payment")
    page.get_by_label("Card number (demo)").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"^Pay .* \(demo\)$")).click()

    order = Order.objects.get(email="ada@example.net")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.code}")
    expect(page.locator(".order-status")).to_contain_text("Paid")
    expect(page.get_by_role("button", name="Download your tickets (PDF)")).to_be_visible()

    # the tickets only: no "waiting for payment" seconds before them for a card buyer
    assert deliver_due_messages().sent == 1
    [tickets] = smtp_server.wait_for(1)
    assert tickets.message["Subject"] == f"Your tickets, order {order.code}"
    assert tickets.rcpt_tos == ["ada@example.net"]
    [pdf] = [
        part
        for part in tickets.message.iter_attachments()
        if part.get_content_type() == "application/pdf"
    ]
    secrets = sorted(order.positions.values_list("secret", flat=True))
    assert len(secrets) == 2
    assert sorted(decode_pdf_qr_codes(pdf.get_content())) == secrets
