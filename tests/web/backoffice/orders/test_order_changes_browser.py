"""Order changes in a real chromium: add and remove a ticket, then a bulk change with its
progress bar."""

import os

import pytest
from playwright.sync_api import Page, expect

from rideau.core import jobs as core_jobs
from rideau.core.models import Job
from rideau.inventory.queries import check_integrity
from rideau.orders import jobs
from rideau.orders.models import Order
from tests.factories import PASSWORD

from ..conftest import place

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# as in tests/browser: Playwright's sync API runs an event loop in the test thread
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _login(page: Page, base: str) -> None:
    page.goto(base + "/control/login/")
    page.get_by_label("E-mail").fill("owner@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".kpi").first).to_contain_text("Sales today")  # the home


def test_add_and_remove_a_ticket_then_cancel_two_orders_at_once(
    live_server, page: Page, organizer, owner, shop
):
    base = live_server.url
    order = place(organizer, shop, quantity=1, paid=True, name="Ana Lopez")
    second = place(organizer, shop, email="bob@example.org", name="Bob Martin")
    third = place(organizer, shop, email="cyd@example.org", name="Cyd Charisse")
    _login(page, base)

    page.goto(f"{base}/control/theatre/orders/{order.pk}/")
    form = page.locator("#add-tickets")
    form.get_by_label("Rate").select_option(label="Seat – Reduced (15.00 EUR)")
    form.get_by_label("Date").select_option(index=1)
    form.get_by_label("Quantity").fill("2")
    form.get_by_label("Attendee names").fill("Bea\nCarl")
    form.get_by_role("button", name="Add the tickets").click()
    expect(page.get_by_text("2 tickets are added to the order.")).to_be_visible()
    expect(page.locator(".balance-due")).to_have_text("30.00 EUR")

    page.locator("#balance").get_by_role("button", name="Record the payment").click()
    expect(page.get_by_text("The payment is recorded.")).to_be_visible()
    expect(page.locator(".balance-due")).to_have_count(0)

    ticket = order.positions.order_by("id").last()
    row = page.locator(".remove-form").filter(has=page.locator(f"input[value='{ticket.pk}']"))
    row.get_by_label("Refund 15.00 EUR").check()
    row.get_by_role("button", name=f"Remove ticket #{ticket.pk}").click()
    expect(page.get_by_text(f"Ticket #{ticket.pk} is removed.")).to_be_visible()
    order.refresh_from_db()
    assert (order.status, str(order.total)) == (Order.Status.PAID, "40.00")

    page.goto(f"{base}/control/theatre/orders/?status=pending")
    page.get_by_label(f"Select order {second.code}").check()
    page.get_by_label(f"Select order {third.code}").check()
    page.get_by_label("Action").select_option("cancel")
    page.get_by_role("button", name="Start the change").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change of several orders")
    job = Job.objects.get(kind=jobs.BULK_ORDERS)
    core_jobs.run_job.call(job.pk)  # the worker's part
    expect(page.locator(".job-result")).to_have_text("2 orders done.")  # htmx polls
    expect(page.locator("progress")).to_have_attribute("value", "100")
    assert set(
        Order.objects.filter(pk__in=[second.pk, third.pk]).values_list("status", flat=True)
    ) == {Order.Status.CANCELLED}
    assert check_integrity()[1] == []
