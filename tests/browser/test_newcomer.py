"""A newcomer's first hour on the demo (`rideau demo`), in a real chromium, with production
settings (no DEBUG, no RIDEAU_DEMO_PAYMENTS) and the demo's mail sink (no EMAIL_URL: the
worker writes mail to files):

buy a seated Cyrano ticket with the demo's test card; as the demo owner, find the e-mail in
the back office's mailbox (sent), open its PDF and read the seat and the performance's local
time (Europe/Paris) in it; then scan the ticket (its QR code) on its night's check-in list
(valid, with the date and seat shown) and on another night's list (refused).
"""

import os
import re
import zoneinfo

import pypdfium2
import pytest
from django.core.management import call_command
from django.utils import formats, timezone, translation
from playwright.sync_api import Browser, Page, expect

from rideau.checkin.models import CheckinList
from rideau.events.models import Event
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order
from tests.orders.test_tickets import decode_pdf_qr_codes

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _buy_a_seat(browser: Browser, base: str) -> tuple[Order, str]:
    buyer = browser.new_context(locale="en-GB")
    page = buyer.new_page()
    page.goto(base + "/rideau-demo/cyrano/tickets/")
    page.locator("a.date-choice").first.click()  # a date first, then its seats
    page.get_by_role("button", name="Choose your seats on the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your seats")
    seat = page.locator("input.seat:not([disabled])").first
    label = seat.get_attribute("aria-label")
    seat.click()
    page.get_by_label("Rate for the seats you select").select_option(index=0)
    page.get_by_role("button", name="Add the selected seats to the cart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    page.get_by_role("button", name="Check out").click()

    page.get_by_label("E-mail").fill("newcomer@example.net")
    page.get_by_label("Your name").fill("Nora Newcomer")
    page.get_by_label("Attendee name").fill("Nora Newcomer")
    # the only way to pay in the demo, and labelled as a test
    page.get_by_label("Test card (demo, no real payment)").check()
    page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo card payment")
    page.get_by_label("Card number (demo)").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"^Pay .* \(demo\)$")).click()
    order = Order.objects.get(email="newcomer@example.net")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.code}")
    buyer.close()
    return order, label


def _login_as_demo_owner(page: Page, base: str) -> None:
    page.goto(base + "/control/login/")
    page.get_by_label("E-mail").fill("demo@rideau.localhost")
    page.get_by_label("Password").fill("rideau-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Orders", exact=True)).to_be_visible()


def _shoot(page: Page, name: str) -> None:
    """Screenshots on a phone and a desktop, when RIDEAU_SCREENSHOTS names a folder."""
    folder = os.environ.get("RIDEAU_SCREENSHOTS")
    if not folder:
        return
    for label, size in [("phone", (390, 844)), ("desktop", (1280, 900))]:
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.screenshot(path=f"{folder}/{name}-{label}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name


def _scan(page: Page, base: str, checkin_list: CheckinList, secret: str):
    page.goto(f"{base}/checkin/{checkin_list.access_code}/")
    field = page.get_by_label("Ticket code (type it, or use a handheld scanner)")
    field.fill(secret)
    field.press("Enter")
    return page.locator("#scan-result")


def test_the_newcomer_path_on_the_demo(
    live_server, page: Page, browser: Browser, settings, tmp_path
):
    settings.DEBUG = False
    settings.RIDEAU_DEMO_PAYMENTS = False  # the demo sells without any switch
    settings.RIDEAU_DELIVERY_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    call_command("demo", verbosity=0)
    base = live_server.url

    order, seat = _buy_a_seat(browser, base)
    [position] = order.positions.select_related("date")
    assert OutboxMessage.objects.filter(reference=f"order:{order.pk}").count() == 1
    call_command("worker", "--once")  # what `rideau serve --with-worker` runs
    assert list((tmp_path / "mail").iterdir())  # the demo's sink has the message

    # the demo owner finds the e-mail in the mailbox, sent, with its body and PDF
    page.context.set_extra_http_headers({"Accept-Language": "en"})
    _login_as_demo_owner(page, base)
    # the mailbox is in the menu's "Audience" group
    page.get_by_text("Audience", exact=True).click()
    page.get_by_role("link", name="Mailbox").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mailbox")
    _shoot(page, "mailbox")
    subject = f"Your tickets, order {order.code}"
    row = page.get_by_role("row").filter(has_text=subject)
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "sent")
    row.get_by_role("link", name=subject).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(subject)
    expect(page.locator(".mail-body")).to_contain_text("Thank you for your order")
    expect(page.locator(".mail-body")).to_contain_text(seat)
    _shoot(page, "mailbox-message")
    pdf_url = page.get_by_role("link", name=f"tickets-{order.code}.pdf").get_attribute("href")
    pdf = page.request.get(base + pdf_url).body()

    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range().replace("\r\n", "\n")
    local = timezone.localtime(position.date.start, PARIS)
    with translation.override(order.locale):
        when = formats.date_format(local, "DATETIME_FORMAT")
    assert f"Seat: {seat}" in text
    assert when in text  # the performance's time in Paris, as the buyer's language writes it
    assert order.code in text
    [secret] = decode_pdf_qr_codes(pdf)
    assert secret == position.secret

    # the order's page in the back office lists the e-mail and its state
    page.get_by_role("link", name=order.code, exact=True).click()
    expect(page.locator("#order-mail [data-state]")).to_have_attribute("data-state", "sent")

    # the demo's draft event: previewed by its staff, with a banner
    page.goto(base + "/rideau-demo/saison-prochaine/")
    expect(page.locator(".preview-banner")).to_contain_text("this event is a draft")
    _shoot(page, "preview-draft")

    # door staff scan it on its night's list, then on another night's list
    cyrano = Event.objects.get(slug="cyrano")
    lists = CheckinList.objects.filter(event=cyrano, dates__isnull=False)
    tonight = lists.get(dates=position.date)
    another = lists.exclude(dates=position.date).first()
    result = _scan(page, base, tonight, secret)
    expect(result).to_have_attribute("data-result", "valid")
    expect(result).to_contain_text(seat)
    with translation.override("en"):
        expect(result).to_contain_text(formats.date_format(local, "DATETIME_FORMAT"))
    _shoot(page, "scan-valid")
    result = _scan(page, base, another, secret)
    expect(result).to_have_attribute("data-result", "wrong_date")
    expect(result).to_contain_text("Ticket for another date")
    _shoot(page, "scan-wrong-date")
