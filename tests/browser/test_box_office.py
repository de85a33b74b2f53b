"""Done-when of the box office (D10) and gift vouchers (D11) in a real chromium on a tablet
(1280 × 800, touch): open a shift, sell two tickets and a gift voucher for cash and see the
change due, reprint the receipt, then a buyer spends the voucher online, then a choice pass
is sold in the Pass tab with its holder and an event, paid by card, found again and its
card reprinted, then a phone reservation is paid in cash from its order's page, then the
shift is closed and its report arrives over real local SMTP with
the PDF. And the camera reader of the box office's code fields finds a pass by its card's
QR code."""

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
from rideau.passes.models import Pass
from tests.browser.test_accessibility import serious_violations
from tests.browser.test_screenshots import shoot
from tests.orders.test_tickets import decode_pdf_qr_codes

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TABLET = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


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
    page.set_viewport_size(PHONE)  # every tab in sight, the cart's count and total too
    for link in tabs.get_by_role("link").all():
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(tabs.get_by_role("link", name=re.compile("^Cart"))).to_contain_text("EUR")
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

    # --- the Pass tab: a choice pass with its holder and one event, paid by card ---
    tabs.get_by_role("link", name="Pass", exact=True).tap()
    page.get_by_role("link", name=re.compile("Pass 2 spectacles")).tap()
    page.get_by_label("Last name").fill("Lopez")
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Holder's e-mail").fill("ana.lopez@example.net")
    page.locator("input[name=dates]").first.check()
    overflowing += shoot(page, "pos-7-pass")
    page.set_viewport_size(TABLET)
    page.get_by_role("button", name="Add the pass to the cart").tap()
    expect(page.get_by_test_id("cart-count")).to_have_text("1")
    tabs.get_by_role("link", name=re.compile("^Cart")).tap()
    expect(page.get_by_test_id("cart-pass")).to_contain_text("Ana Lopez")
    overflowing += shoot(page, "pos-7-pass-cart")
    page.set_viewport_size(TABLET)
    pass_total = page.get_by_test_id("total").inner_text().split()[-2]
    page.get_by_label("Card (terminal)").fill(pass_total)
    page.get_by_role("button", name="Take the payment").tap()
    expect(page.get_by_test_id("pass-code")).to_be_visible()
    sold = Pass.objects.get(email="ana.lopez@example.net")
    assert sold.order.channel == "box_office" and sold.tickets.count() == 1
    tabs.get_by_role("link", name="Pass", exact=True).tap()
    page.get_by_label(re.compile("^Pass code, holder")).fill("lopez")
    page.get_by_role("button", name="Find").tap()
    page.get_by_test_id("found-passes").get_by_role("link", name=re.compile("Ana Lopez")).tap()
    expect(page.get_by_test_id("pass-tickets").locator("li")).to_have_count(1)
    overflowing += shoot(page, "pos-8-pass-page")
    page.set_viewport_size(TABLET)
    card_url = page.get_by_role("button", name="Print the card (CR80)").get_attribute("href")
    card = page.request.get(base + card_url)
    assert card.headers["content-type"] == "application/pdf"
    assert decode_pdf_qr_codes(card.body()) == [sold.secret]

    # --- a phone reservation paid at the counter, found by its code in the Orders tab ---
    reserved = Order.objects.filter(
        organizer__slug="rideau-demo", status="pending", channel="phone"
    ).earliest("pk")
    tabs.get_by_role("link", name="Orders").tap()
    page.get_by_label("Name, e-mail, order code or ticket QR").fill(reserved.code.lower())
    page.get_by_role("button", name="Search").tap()
    page.get_by_role("link", name=reserved.code).tap()
    expect(page.get_by_test_id("due")).to_contain_text(f"{reserved.total} EUR")
    expect(page.get_by_test_id("order-buyer")).to_contain_text(reserved.buyer_name)
    overflowing += shoot(page, "pos-9-order-to-pay")
    page.set_viewport_size(TABLET)
    page.get_by_label("Cash given").fill(f"{reserved.total + 10}")
    page.get_by_role("button", name="Take the payment").tap()
    expect(page.get_by_test_id("change")).to_contain_text("10.00 EUR")
    reserved.refresh_from_db()
    assert reserved.status == "paid"

    tabs.get_by_role("link", name="Report").tap()
    expect(page.get_by_test_id("passes-sold")).to_have_text("1")
    expected = 100 + total + reserved.total
    expect(page.get_by_test_id("expected-cash")).to_have_text(f"{expected:.2f} EUR")
    overflowing += shoot(page, "pos-5-report")
    page.set_viewport_size(TABLET)
    page.get_by_label("Cash counted").fill(f"{expected - 5}")
    page.get_by_label("Send the report to").fill("direction@example.net")
    page.get_by_role("button", name="Close and send the report").tap()
    expect(page.get_by_test_id("difference")).to_have_text("-5.00 EUR")
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
        # in the organiser's language (French), like its attachments, whatever the cashier's
        lambda msgs: any("Rapport de caisse" in m.message["Subject"] for m in msgs),
        what="the cash register report",
    )
    [report] = [m for m in received if "Rapport de caisse" in m.message["Subject"]]
    assert report.rcpt_tos == ["direction@example.net"]
    parts = {p.get_filename(): p for p in report.message.iter_attachments()}
    [pdf_name] = [n for n in parts if n.endswith(".pdf")]
    assert any(n.endswith(".xlsx") for n in parts)
    text = pypdfium2.PdfDocument(parts[pdf_name].get_content())[0].get_textpage().get_text_range()
    # the organiser's language (French) writes the amounts: "209,00 EUR"
    assert f"{expected - 5:.2f} EUR".replace(".", ",") in text and "-5,00 EUR" in text


def test_the_box_office_camera_finds_a_pass_by_its_card(
    live_server, browser_type, browser_type_launch_args, tmp_path
):
    """The shared camera reader (qr-camera.js: BarcodeDetector, else the vendored jsQR) on
    the Pass tab's search field: a fake camera shows a pass card's QR code, the field is
    filled and sent, the pass is found. (Typing or a handheld scanner fills the same field.)"""
    from rideau.core.access import Actor
    from rideau.core.roles import Role
    from rideau.orders.services import Buyer
    from rideau.passes import services as passes
    from tests.browser.test_scanner import _y4m_with_qr
    from tests.factories import OrganizerFactory, member
    from tests.passes.conftest import make_world

    organizer = OrganizerFactory(slug="theatre")
    actor = Actor(user=member(organizer))
    world = make_world(organizer, actor, events=1, seated=False)
    sold = passes.sell_pass(
        organizer,
        rate=world.auto_rate,
        holder=passes.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=Buyer(email="ana@example.net"),
        paid=True,
        provider="cash",
    )
    cashier = member(organizer, Role.BOX_OFFICE, email="till@example.org")
    cashier.set_password("a-till-password-1")
    cashier.save()
    video = tmp_path / "pass.y4m"
    _y4m_with_qr(video, sold.secret)
    browser = browser_type.launch(
        **{
            **browser_type_launch_args,
            "args": [
                *browser_type_launch_args.get("args", []),
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        }
    )
    try:
        context = browser.new_context(
            viewport=TABLET, has_touch=True, permissions=["camera"], locale="en-GB"
        )
        page = context.new_page()
        page.goto(live_server.url + "/control/login/")
        page.get_by_label("E-mail").fill("till@example.org")
        page.get_by_label("Password").fill("a-till-password-1")
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{live_server.url}/control/{organizer.slug}/boxoffice/passes/")

        page.get_by_role("button", name="Scan a QR code").tap()

        found = page.get_by_test_id("found-passes")
        expect(found).to_contain_text("Ana Lopez", timeout=15_000)
        assert page.get_by_label(re.compile("^Pass code, holder")).input_value() == sold.secret
    finally:
        browser.close()
