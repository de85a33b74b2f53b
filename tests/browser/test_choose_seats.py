"""Chosen seats in a real chromium: on the demo's seated show, pick one seat with the keyboard
and one with the mouse on the SVG seat map, and reach the cart holding exactly those seats."""

import os

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from rideau.events.models import Event
from rideau.inventory.models import SeatHold
from rideau.orders.models import Position

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_pick_two_seats_and_reach_the_cart(live_server, page: Page, settings):
    call_command("demo", verbosity=0)
    cyrano = Event.objects.get(slug="cyrano")
    # the demo's sales on the seated show went through the engine with seats
    sold = Position.objects.filter(order__event=cyrano)
    assert sold.exists()
    assert not sold.filter(hold__seat_holds__isnull=True).exists()

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(live_server.url + "/rideau-demo/cyrano/tickets/")
    page.locator("a.date-choice").first.click()
    page.get_by_role("button", name="Choose your seats on the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your seats")

    first = page.get_by_role("checkbox", name="Row E, seat 1 — section Balcon", exact=True)
    second = page.get_by_role("checkbox", name="Row E, seat 2 — section Balcon", exact=True)
    # the keyboard: focus a seat, Space selects it, Tab goes on to the next seat
    first.focus()
    page.keyboard.press("Space")
    expect(first).to_be_checked()
    page.keyboard.press("Tab")
    expect(second).to_be_focused()
    # the mouse (or a finger)
    second.click()
    expect(second).to_be_checked()
    if os.environ.get("RIDEAU_SCREENSHOTS"):
        page.screenshot(path=os.environ["RIDEAU_SCREENSHOTS"] + "/seats.png", full_page=True)
    page.get_by_label("Rate for the seats you select").select_option(index=1)
    page.get_by_role("button", name="Add the selected seats to the cart").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    expect(page.locator(".cart-line").first).to_contain_text(
        "Row E, seat 1 — section Balcon, Row E, seat 2 — section Balcon"
    )
    held = SeatHold.objects.filter(active=True, hold__owner_ref__startswith="cart:")
    assert sorted(sh.seat.label for sh in held.select_related("seat")) == [
        "Row E, seat 1 — section Balcon",
        "Row E, seat 2 — section Balcon",
    ]
    assert {sh.hold.rate.position for sh in held.select_related("hold__rate")} == {1}
