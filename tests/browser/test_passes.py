"""Done-when of passes (SPEC D1, D3, D6, D7) in a real chromium with real local SMTP: buy a
choice pass, log into the subscriber space with the e-mailed code, add tickets with the pass
code, put one on resale, buy a ticket of its event in the ordinary shop as another buyer (the
listed place is sold first), and see the first buyer's e-mail and credit.

With RIDEAU_SCREENSHOTS=<folder>, each page is also captured on a phone and a desktop."""

import os
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from rideau.core.access import Actor
from rideau.core.domain_events import process_events
from rideau.inventory.models import Quota, SeatHold
from rideau.messaging.delivery import deliver_due_messages
from rideau.orders.services import Buyer
from rideau.passes import resale, services
from rideau.passes.models import Pass, Resale
from tests.factories import OrganizerFactory, ProductFactory, RateFactory, member
from tests.passes.conftest import make_world

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
        page.screenshot(path=f"{folder}/passes-{name}-{label}.png", full_page=True)
    page.set_viewport_size(size)


def _mail_to(smtp_server, address: str, subject: str):
    process_events()  # what the worker does: a pass paid after its sale gets its code then
    deliver_due_messages()
    received = smtp_server.wait_until(
        lambda messages: any(
            address in m.rcpt_tos and subject in str(m.message["Subject"]) for m in messages
        )
    )
    return next(
        m
        for m in reversed(received)
        if address in m.rcpt_tos and subject in str(m.message["Subject"])
    )


def _pay_with_demo_card(page: Page) -> None:
    page.get_by_label("Test card (demo, no real payment)").check()


def test_choice_pass_subscriber_space_and_resale(live_server, page: Page, browser, smtp_server):
    cache.clear()
    organizer = OrganizerFactory(
        slug="theatre", name="Théâtre du Rideau", languages=["en"], is_demo=True
    )
    # unnumbered places: the shop's cart claims the listed place first (a seat is chosen on
    # the seat map: test_a_listed_seat_of_a_sold_out_date_is_bought_on_the_seat_map)
    world = make_world(organizer, Actor(user=member(organizer)), seated=False)
    for event in world.events:  # the events' own tickets, for the resale buyer
        RateFactory(product=ProductFactory(event=event), price=Decimal("20.00"))
    page.set_viewport_size(DESKTOP)

    # 1. buy a choice pass in the shop, pay with the demo card
    page.goto(live_server.url + "/theatre/passes/")
    _shoot(page, "list")
    page.get_by_role("link", name="Pick 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pick 2")
    page.get_by_label("Last name").fill("Lopez")
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Your e-mail").fill("ana@example.net")
    page.get_by_label("Your name").fill("Ana Lopez")
    _pay_with_demo_card(page)
    _shoot(page, "buy")
    page.get_by_role("button", name="Buy the pass").click()
    page.get_by_label("Card number (demo)").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"^Pay .* \(demo\)$")).click()
    expect(page.locator(".order-status")).to_contain_text("Paid")
    issued = _mail_to(smtp_server, "ana@example.net", "Your pass")
    pass_code = re.search(r"Pass code: (\w+)", issued.message.get_content())[1]

    # 2. the subscriber space: e-mail + pass code, then the code e-mailed over SMTP
    page.goto(live_server.url + "/theatre/account/subscriber/login/")
    _shoot(page, "subscriber-login")
    page.get_by_label("E-mail").fill("ana@example.net")
    page.get_by_label("Pass code").fill(pass_code)
    page.get_by_role("button", name="E-mail me a code").click()
    login = _mail_to(smtp_server, "ana@example.net", "login code")
    code = re.search(r"^\s+(\d{6})\s*$", login.message.get_content(), re.MULTILINE)[1]
    page.get_by_label("Code from the e-mail").fill(code)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passes")
    page.get_by_role("link", name="Pick 2").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pick 2")

    # 3. add the two events with the pass code (subscriber access)
    page.get_by_role("button", name="Choose 2 more events").click()
    page.get_by_label("Pass code").fill(pass_code)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("2 choices left.")).to_be_visible()
    _shoot(page, "choose")
    page.get_by_label(re.compile("Play 0")).check()
    page.get_by_label(re.compile("Play 1")).check()
    page.get_by_role("button", name="Add to my pass").click()
    expect(page.locator(".order-status")).to_contain_text("Paid")

    # 4. put the first one up for resale, the proceeds as credit on the pass
    p = Pass.objects.get()
    page.goto(live_server.url + f"/theatre/account/passes/{p.pk}/")
    expect(page.locator("tbody tr")).to_have_count(2)
    page.get_by_label(re.compile("Play 0")).check()
    page.get_by_label("Credit on the pass").check()
    page.get_by_role("button", name="Put up for resale").click()
    expect(page.get_by_text("Your tickets are on resale.")).to_be_visible()
    _shoot(page, "pass")
    # on a phone the tickets table stacks: each ticket's action stays within the screen
    page.set_viewport_size(PHONE)
    for action in (
        page.get_by_role("link", name="Ticket (PDF)"),
        page.get_by_role("button", name="Withdraw from resale"),
    ):
        box = action.bounding_box()
        assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"]
    page.set_viewport_size(DESKTOP)

    # 5. another buyer buys a ticket of that event in its ordinary shop: the listed place
    # is sold before any fresh one
    other = browser.new_context(viewport=DESKTOP)
    buyer = other.new_page()
    buyer.goto(live_server.url + f"/theatre/{world.events[0].slug}/tickets/")
    buyer.get_by_role("spinbutton", name=re.compile("Full price")).fill("1")
    buyer.get_by_role("button", name="Add to cart").click()
    buyer.get_by_role("button", name="Check out").click()
    buyer.get_by_label("E-mail").fill("bob@example.net")
    buyer.get_by_label("Your name").fill("Bob Martin")
    buyer.get_by_label("Attendee name").fill("Bob Martin")
    _pay_with_demo_card(buyer)
    _shoot(buyer, "resale-checkout")
    buyer.get_by_role("button", name=re.compile("Place order")).click()
    buyer.get_by_label("Card number (demo)").fill("4242 4242 4242 4242")
    buyer.get_by_role("button", name=re.compile(r"^Pay .* \(demo\)$")).click()
    expect(buyer.locator(".order-status")).to_contain_text("Paid")
    other.close()
    listing = Resale.objects.get()
    assert listing.state == Resale.State.SOLD
    assert listing.buyer_order.positions.get().hold_id == listing.ticket.position.hold_id

    # 6. the first buyer's e-mail and credit
    process_events()  # the worker's domain-event job: the paid resale credits the pass
    resold = _mail_to(smtp_server, "ana@example.net", "was resold")
    assert "credited on your pass" in resold.message.get_content()
    page.reload()
    expect(page.locator("[data-credit]")).to_have_text("20.00")


def test_a_listed_seat_of_a_sold_out_date_is_bought_on_the_seat_map(
    live_server, page: Page, smtp_server
):
    """D7 on a seated date: the tickets page offers the sold-out date's listed place, the
    seat map shows the listed seat free (marked as resale), the cart claims it, and once
    the buyer paid the holder is told and credited."""
    cache.clear()
    organizer = OrganizerFactory(
        slug="opera", name="Opéra du Rideau", languages=["en"], is_demo=True
    )
    world = make_world(organizer, Actor(user=member(organizer)), seated=True)
    p = services.sell_pass(
        organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=Buyer(email="ana@example.net"),
        paid=True,
        provider="cash",
    )
    ticket = p.tickets.select_related("position__hold").order_by("date__start").first()
    [listing] = resale.list_tickets(p, tickets=[ticket], method="credit")
    seat = SeatHold.objects.get(hold=ticket.position.hold, active=True).seat
    quota = Quota.objects.get(date=ticket.date)
    Quota.objects.filter(pk=quota.pk).update(size=quota.taken)  # sold out but the listing
    RateFactory(product=ProductFactory(event=ticket.event), price=Decimal("20.00"))
    page.set_viewport_size(DESKTOP)

    page.goto(live_server.url + f"/opera/{ticket.event.slug}/tickets/")
    _shoot(page, "resale-tickets")
    page.get_by_text("Choose your seats on the plan").click()
    resale_seat = page.locator("input.seat-resale")
    expect(resale_seat).to_have_count(1)
    expect(page.get_by_text("Resale: a subscriber's seat")).to_be_visible()
    _shoot(page, "resale-seatmap")
    resale_seat.check()
    page.get_by_role("button", name="Add the selected seats to the cart").click()
    expect(page.get_by_text("Including 1 resale place")).to_be_visible()
    expect(page.get_by_text(seat.label)).to_be_visible()
    _shoot(page, "resale-cart")
    page.get_by_role("button", name="Check out").click()
    page.get_by_label("E-mail").fill("bob@example.net")
    page.get_by_label("Your name").fill("Bob Martin")
    page.get_by_label("Attendee name").fill("Bob Martin")
    _pay_with_demo_card(page)
    page.get_by_role("button", name=re.compile("Place order")).click()
    listing.refresh_from_db()
    assert listing.state == Resale.State.LISTED  # claimed: sold only once paid
    page.get_by_label("Card number (demo)").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"^Pay .* \(demo\)$")).click()
    expect(page.locator(".order-status")).to_contain_text("Paid")
    expect(page.get_by_text(seat.label)).to_be_visible()

    listing.refresh_from_db()
    assert listing.state == Resale.State.SOLD
    assert listing.buyer_order.positions.get().hold_id == ticket.position.hold_id
    resold = _mail_to(smtp_server, "ana@example.net", "was resold")
    assert "credited on your pass" in resold.message.get_content()
    p.refresh_from_db()
    assert p.credit == Decimal("20.00")
