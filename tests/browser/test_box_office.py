"""Done-when of the box office (D10) and gift vouchers (D11) in a real chromium on a tablet
(1280 × 800, touch): open a shift, sell two tickets and a gift voucher for cash and see the
change due, reprint the receipt, then a buyer spends the voucher online, then the shift is
closed and its report arrives over real local SMTP with the PDF."""

import re
from decimal import Decimal

import pypdfium2
import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, expect

from rideau.boxoffice.models import CashSession, Movement
from rideau.core.models import User
from rideau.events.models import Event
from rideau.giftcards.models import GiftVoucher
from rideau.messaging.delivery import deliver_due_messages
from rideau.orders.models import Order
from tests.browser.test_accessibility import serious_violations
from tests.browser.test_screenshots import shoot
from tests.orders.test_tickets import decode_pdf_qr_codes

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TABLET = {"width": 1280, "height": 800}


def test_sell_at_the_box_office_then_spend_the_voucher_online_then_close_the_shift(
    live_server, browser: Browser, settings, smtp_server
):
    settings.RIDEAU_DEMO_PAYMENTS = True
    call_command("demo", verbosity=0)
    User.objects.filter(email="guichet@rideau.localhost").update(locale="en")
    cyrano = Event.objects.get(slug="cyrano")
    base = live_server.url
    tablet = browser.new_context(viewport=TABLET, has_touch=True, locale="en-GB")
    page = tablet.new_page()
    page.goto(base + "/control/login/")
    page.get_by_label("E-mail").fill("guichet@rideau.localhost")
    page.get_by_label("Password").fill("rideau-demo")
    page.get_by_role("button", name="Log in").click()

    page.goto(base + "/control/rideau-demo/boxoffice/")
    page.get_by_label("Opening float (cash in the till)").fill("100")
    page.get_by_role("button", name="Open the shift").tap()
    page.wait_for_url(re.compile("/boxoffice/event/$"))
    page.goto(base + f"/control/rideau-demo/boxoffice/event/?event={cyrano.pk}")
    tabs = page.get_by_role("navigation", name="Box office")
    more = page.get_by_role("button", name="One more Full price")
    box = more.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44
    more.tap()
    page.get_by_role("button", name="One more Full price").tap()
    expect(page.get_by_test_id("cart-count")).to_have_text("2")
    overflowing = shoot(page, "pos-1-event")
    tabs.get_by_role("link", name="Gift vouchers").tap()
    page.get_by_role("button", name=re.compile(r"^50\.00 EUR")).tap()
    expect(page.get_by_test_id("cart-count")).to_have_text("3")
    overflowing += shoot(page, "pos-2-gift-vouchers")

    tabs.get_by_role("link", name=re.compile("^Cart")).tap()
    overflowing += shoot(page, "pos-3-cart")
    violations = serious_violations(page, "box office cart")
    page.set_viewport_size(TABLET)
    total = Decimal(page.get_by_test_id("total").inner_text().split()[-2])
    page.get_by_label("Cash given").fill("200")
    page.get_by_role("button", name="Take the payment").tap()

    expect(page.get_by_test_id("change")).to_be_visible()
    overflowing += shoot(page, "pos-4-sold")
    page.set_viewport_size(TABLET)
    order = Movement.objects.filter(session__closed_at__isnull=True).latest("pk").order
    assert order.total == total and order.status == "paid", list(
        order.positions.values_list("product__name", "rate__name", "price")
    )
    expect(page.get_by_test_id("change")).to_contain_text(f"{200 - total:.2f} EUR")
    receipt_url = page.get_by_role("button", name="Print receipt (80 mm)").get_attribute("href")
    receipt = page.request.get(base + receipt_url)
    assert receipt.headers["content-type"] == "application/pdf"
    tickets = order.positions.filter(product__kind="ticket").values_list("secret", flat=True)
    assert sorted(decode_pdf_qr_codes(receipt.body())) == sorted(tickets)
    voucher = GiftVoucher.objects.get(order=order)

    buyer = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    shop = buyer.new_page()
    shop.goto(base + "/rideau-demo/cyrano/tickets/")
    shop.locator("a.date-choice").first.click()
    shop.get_by_role("spinbutton", name=re.compile("Full price")).fill("1")
    shop.get_by_role("button", name="Add to cart").click()
    shop.get_by_role("button", name="Check out").click()
    shop.get_by_label("E-mail").fill("ada@example.net")
    shop.get_by_label("Your name").fill("Ada Lovelace")
    shop.get_by_label("Attendee name").fill("Ada Lovelace")
    shop.get_by_label("Test card (demo, no real payment)").check()
    shop.get_by_role("button", name=re.compile("Place order")).click()
    online = Order.objects.get(email="ada@example.net")
    shop.goto(base + f"/rideau-demo/order/{online.code}/{online.secret}/")
    violations += serious_violations(shop, "order page with the gift voucher form")
    shop.get_by_label("Pay with a gift voucher").fill(voucher.code.lower())
    shop.get_by_role("button", name="Use the voucher").click()
    expect(shop.locator(".order-status")).to_contain_text("Paid")
    voucher.refresh_from_db()
    assert voucher.balance == Decimal("50") - online.total
    expect(shop.get_by_role("status").or_(shop.locator(".messages"))).to_contain_text(
        f"{voucher.balance} EUR remain on it"
    )
    shop.goto(base + "/rideau-demo/gift-vouchers/")
    violations += serious_violations(shop, "gift vouchers shop page")
    buyer.close()
    assert violations == []

    tabs.get_by_role("link", name="Report").tap()
    expected = 100 + total
    expect(page.get_by_test_id("expected-cash")).to_have_text(f"{expected:.2f} EUR")
    overflowing += shoot(page, "pos-5-report")
    page.set_viewport_size(TABLET)
    page.get_by_label("Cash counted").fill(f"{expected - 5}")
    page.get_by_label("Send the report to").fill("direction@example.net")
    page.get_by_role("button", name="Close and send the report").tap()
    expect(page.get_by_test_id("difference")).to_have_text("-5.00")
    overflowing += shoot(page, "pos-6-closed")
    page.goto(base + "/control/rideau-demo/giftcards/")
    overflowing += shoot(page, "giftcards-1-list")
    page.goto(base + f"/control/rideau-demo/giftcards/{voucher.pk}/")
    overflowing += shoot(page, "giftcards-2-voucher")
    assert overflowing == []
    assert CashSession.objects.get(
        device__isnull=False, closed_at__isnull=False, counted_cash=expected - 5
    )
    tablet.close()

    deliver_due_messages()
    received = smtp_server.wait_until(
        lambda msgs: any("Cash register report" in m.message["Subject"] for m in msgs),
        what="the cash register report",
    )
    [report] = [m for m in received if "Cash register report" in m.message["Subject"]]
    assert report.rcpt_tos == ["direction@example.net"]
    parts = {p.get_filename(): p for p in report.message.iter_attachments()}
    [pdf_name] = [n for n in parts if n.endswith(".pdf")]
    assert any(n.endswith(".xlsx") for n in parts)
    text = pypdfium2.PdfDocument(parts[pdf_name].get_content())[0].get_textpage().get_text_range()
    assert f"{expected - 5:.2f}" in text and "-5.00" in text
