"""The whole path of issue 4 in one real chromium walk, through the UI only.

An organiser logs in through the login page, creates an event in the back office, adds two
dates, a ticket template, a product using it with two rates (Full 25.00, Reduced 15.00),
a check-in list, and publishes the event. A buyer, in a fresh browser context (no shared
cookies), buys a Reduced ticket in the shop with the demo card. The organiser then sees the
sale in the overview's report and chart, exports the buyers as CSV (run by the real worker
loop, `rideau worker --once`), downloads the file and finds the buyer, and opens the
scanner of the list from the overview: the ticket (its secret read from the QR code of the
PDF in the e-mail) is valid once, then already used.

The only shortcuts: the organiser account exists (no sign-up page), and the test process
plays the worker (the same command an operator runs).
"""

import csv
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from rideau.core.roles import Role
from tests.factories import PASSWORD, OrganizerFactory, member
from tests.orders.test_tickets import decode_pdf_qr_codes

pytestmark = [pytest.mark.browser, pytest.mark.slow]

YEAR = timezone.now().year + 2  # the dates are in the future, whenever the test runs


def _login(page: Page, base: str) -> None:
    page.goto(base + "/control/login/")
    page.get_by_label("E-mail").fill("owner@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Théâtre")  # the home
    expect(page.locator(".kpi").first).to_contain_text("Sales today")


def _create_event(page: Page) -> None:
    page.get_by_role("button", name="New event").click()
    page.get_by_label("Name (English)").fill("Hamlet")
    page.get_by_label("Short name").fill("hamlet")
    page.get_by_role("button", name="Create the event").click()
    expect(page.get_by_role("heading", level=2, name="Dates and performances")).to_be_visible()

    for count, day in enumerate((15, 16), start=1):
        page.get_by_label("Start").first.fill(f"{YEAR}-01-{day}T20:00")
        page.get_by_label("Places on sale").fill("100")
        page.get_by_role("button", name="Add the date").click()
        # the panel is swapped in place by htmx: wait for the new row before the next date
        expect(page.get_by_role("row").filter(has_text=str(YEAR))).to_have_count(count)


def _create_ticket_template(page: Page) -> None:
    page.get_by_text("Set-up", exact=True).click()  # the menu's group holding the templates
    page.get_by_role("link", name="Ticket templates").click()
    page.get_by_label("Name", exact=True).fill("Hamlet ticket")
    page.get_by_role("button", name="Create the template").click()
    expect(page.locator(".messages")).to_contain_text("The ticket template has been created.")


def _create_product_and_rates(page: Page) -> None:
    page.get_by_role("link", name="Events", exact=True).click()
    page.get_by_role("link", name="Hamlet").click()
    page.get_by_role("link", name="Rates & products").click()

    product_form = page.locator("form").filter(
        has=page.get_by_role("button", name="Add the product")
    )
    product_form.get_by_label("Name (English)").fill("Seat")
    product_form.get_by_label("Ticket template").select_option(label="Hamlet ticket")
    product_form.get_by_role("button", name="Add the product").click()
    expect(page.get_by_role("link", name="Seat", exact=True)).to_be_visible()

    for name, price in (("Full", "25.00"), ("Reduced", "15.00")):
        rate_form = page.locator("form").filter(has=page.get_by_role("button", name="Add the rate"))
        rate_form.get_by_label("Product").select_option(label="Seat")
        rate_form.get_by_label("Rate name (English)").fill(name)
        rate_form.get_by_label("Price").fill(price)
        rate_form.get_by_role("button", name="Add the rate").click()
        expect(page.get_by_role("row", name=re.compile(f"^{name} {price}"))).to_be_visible()


def _create_checkin_list(page: Page) -> None:
    page.get_by_role("link", name="Ticket control").click()
    page.get_by_role("button", name="New check-in list").click()
    page.get_by_label("Event").select_option(label="Hamlet")
    page.get_by_label("Name", exact=True).fill("Main door")
    # the dates are years away and the scan happens today: a list for any day
    page.get_by_label("Admit tickets on any day, not only on the day of their date").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("row", name=re.compile("Main door"))).to_be_visible()


def _publish(page: Page) -> None:
    page.get_by_role("link", name="Events", exact=True).click()
    page.get_by_role("link", name="Hamlet").click()
    page.get_by_role("button", name="Make it: Public").click()
    expect(page.locator(".badge-public").first).to_have_text("Public")


def _buy_a_reduced_ticket(browser: Browser, base: str) -> str:
    """In a fresh context (another person): the public page, the shop, the demo card."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(base + "/theatre/")
        page.get_by_role("link", name="Hamlet").click()
        page.get_by_role("button", name="Buy tickets").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Tickets")
        expect(page.locator("a.date-choice")).to_have_count(2)  # two dates: one first
        page.locator("a.date-choice").first.click()
        page.get_by_role("spinbutton", name=re.compile("Reduced")).fill("1")
        page.get_by_role("button", name="Add to cart").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
        page.get_by_role("button", name="Check out").click()

        page.get_by_label("E-mail").fill("ada@example.net")
        page.get_by_label("Your name").fill("Ada Lovelace")
        page.get_by_label("Attendee name").fill("Ada Lovelace")
        page.get_by_label("Test card (demo, no real payment)").check()
        page.get_by_role("button", name=re.compile("Place order")).click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Demo card payment")
        page.get_by_label("Card number (demo)").fill("4242 4242 4242 4242")
        page.get_by_role("button", name=re.compile(r"^Pay .* \(demo\)$")).click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text(re.compile(r"^Order [A-Z0-9]+$"))
        expect(page.locator(".order-status")).to_contain_text("Paid")
        return heading.inner_text().removeprefix("Order ")
    finally:
        context.close()


def _ticket_secret(smtp_server, code: str) -> str:
    """The secret in the QR code of the PDF attached to the tickets e-mail."""
    call_command("worker", "--once")  # the worker delivers the outbox over SMTP
    [mail] = smtp_server.wait_for(1)  # a card buyer gets no "waiting for payment" e-mail
    assert mail.message["Subject"] == f"Your tickets, order {code}"
    assert mail.rcpt_tos == ["ada@example.net"]
    [pdf] = [
        part
        for part in mail.message.iter_attachments()
        if part.get_content_type() == "application/pdf"
    ]
    [secret] = decode_pdf_qr_codes(pdf.get_content())
    return secret


def test_create_sell_report_export_and_scan(
    live_server, page: Page, browser: Browser, settings, smtp_server, tmp_path
):
    settings.RIDEAU_DEMO_PAYMENTS = True
    settings.MEDIA_ROOT = tmp_path / "media"
    organizer = OrganizerFactory(slug="theatre", name="Théâtre", languages=["en"])
    member(organizer, Role.OWNER, email="owner@example.org")
    base = live_server.url

    # the organiser builds and publishes the event
    _login(page, base)
    _create_event(page)
    _create_ticket_template(page)
    _create_product_and_rates(page)
    _create_checkin_list(page)
    _publish(page)

    # someone else buys a Reduced ticket
    code = _buy_a_reduced_ticket(browser, base)
    secret = _ticket_secret(smtp_server, code)

    # the organiser sees the sale in the report and the chart
    page.reload()
    report = page.get_by_role("region", name="Sales report")
    expect(report.get_by_role("row", name=re.compile("^Seat – Reduced"))).to_have_count(2)
    reduced = report.get_by_role("row", name=re.compile("^Seat – Reduced")).last  # the total
    expect(reduced).to_have_text(re.compile(r"Seat – Reduced\s*1\s*15\.00 EUR"))
    # the chart's bar carries its numbers in its accessible title
    expect(page.locator("svg.sales-chart rect title")).to_have_text(
        [re.compile(r"^Reduced, .*: 1 tickets, 15\.00 EUR$")]
    )
    expect(page.locator("svg.sales-chart polyline title")).to_have_text("Revenue so far: 15.00 EUR")
    # and the end of sales: one place fewer on the first date for both rates
    first_date = page.locator("#date-windows tbody tr").first
    expect(first_date.locator("td")).to_have_text([re.compile(str(YEAR)), "On sale", "99", "99"])

    # the buyers' export, run by the worker, downloaded from its progress page
    page.get_by_role("button", name="Export buyers and answers (CSV)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Buyers export (CSV)")
    call_command("worker", "--once")
    download_link = page.get_by_role("button", name="Download the file")
    expect(download_link).to_be_visible(timeout=10_000)  # htmx polls the progress every second
    with page.expect_download() as download:
        download_link.click()
    text = download.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    buyers = [row for row in rows[1:] if "ada@example.net" in row]
    assert len(rows) == 2
    assert len(buyers) == 1
    assert buyers[0][0] == code
    assert "Seat – Reduced" in buyers[0]

    # door staff open the list's scanner from the overview
    page.get_by_role("link", name="Hamlet").click()
    checkin = page.get_by_role("region", name="Ticket control")
    scanner_link = checkin.get_by_role("button", name="Open the scanner of Main door")
    expect(scanner_link).to_have_attribute("href", re.compile(r"/checkin/[\w-]{32}/$"))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    checkin.get_by_role("button", name="Copy").click()
    expect(checkin.get_by_role("button", name="Copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == scanner_link.get_attribute("href")
    assert copied.startswith(base + "/checkin/")
    scanner_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hamlet")
    field = page.get_by_label("Ticket code (type it, or use a handheld scanner)")
    result = page.locator("#scan-result")

    field.fill(secret)
    field.press("Enter")
    expect(result).to_have_attribute("data-result", "valid")
    expect(result).to_contain_text("Valid ticket")
    expect(result).to_contain_text("Ada Lovelace")
    expect(page.locator("#checkin-count")).to_contain_text("1 attendee in")

    field.fill(secret)
    field.press("Enter")
    expect(result).to_have_attribute("data-result", "already_used")
    expect(result).to_contain_text("Already used")
    expect(page.locator("#checkin-count")).to_contain_text("1 attendee in")
