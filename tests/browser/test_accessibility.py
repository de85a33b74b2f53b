"""axe-core (the engine bundled by the `axe-playwright-python` package, installed with the dev
dependencies) on the public pages and the checkout, in a real chromium: no serious or
critical violation of WCAG 2.x A/AA, on a desktop and on a phone, including the checkout
answered with errors."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}


def serious_violations(page: Page, name: str) -> list[str]:
    """The serious and critical axe violations of the page, at a desktop and a phone size."""
    found = []
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_load_state()
        results = Axe().run(page, options=OPTIONS).response
        for violation in results["violations"]:
            if violation["impact"] in BLOCKING:
                targets = [node["target"] for node in violation["nodes"]][:3]
                found.append(
                    f"{name} @{width}px: {violation['id']} ({violation['impact']}) {targets}"
                )
    page.set_viewport_size({"width": 1280, "height": 900})
    return found


def test_public_pages_and_checkout_have_no_serious_axe_violation(live_server, page: Page, settings):
    settings.RIDEAU_DEMO_PAYMENTS = True
    call_command("demo", verbosity=0)
    base = live_server.url
    found: list[str] = []

    page.goto(base + "/")
    found += serious_violations(page, "home")
    page.goto(base + "/rideau-demo/")
    found += serious_violations(page, "organiser")
    page.goto(base + "/rideau-demo/cyrano/")
    found += serious_violations(page, "event")
    page.goto(base + "/rideau-demo/cyrano/tickets/")
    found += serious_violations(page, "date choice")
    page.locator("a.date-choice").first.click()
    page.get_by_role("button", name="Add to cart").click()  # nothing chosen: an error
    expect(page.locator(".form-errors")).to_contain_text("Choose at least one ticket.")
    found += serious_violations(page, "tickets with an error")
    page.get_by_role("button", name="One more: Full price").click()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    found += serious_violations(page, "cart")
    page.get_by_role("button", name="Check out").click()
    # each check waits for the next page: axe on a page still navigating reads no document
    expect(page.get_by_label("E-mail")).to_be_visible()
    found += serious_violations(page, "checkout")
    page.get_by_role("button", name=re.compile("Place order")).click()  # empty: errors
    expect(page.locator(".field-error").first).to_be_visible()
    found += serious_violations(page, "checkout with errors")
    page.get_by_label("E-mail").fill("ada@example.net")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Attendee name").fill("Ada Lovelace")
    page.get_by_label("Card (demo, no real payment)").check()
    page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page.get_by_label("Card number (demo)")).to_be_visible()
    found += serious_violations(page, "demo card payment")
    page.get_by_label("Card number (demo)").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"^Pay .* \(demo\)$")).click()
    expect(page.locator(".order-status")).to_contain_text("Paid")
    found += serious_violations(page, "order")

    # the agenda (issue 11): filters, a full session's waitlist, event-level registration
    page.goto(base + "/rideau-demo/rencontres-2027/agenda/?track=Workshops")
    found += serious_violations(page, "agenda filtered")
    page.goto(base + "/rideau-demo/assemblee-2027/agenda/")
    found += serious_violations(page, "event-level registration")

    assert found == []


def test_the_check_finds_a_serious_violation_when_there_is_one(page: Page):
    """Control: the same check on a page with an unlabelled button and an image without a
    text alternative reports them (the engine runs and the filter keeps them)."""
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>'
        '<img src="data:,"><button></button></main></body></html>'
    )
    found = serious_violations(page, "broken")
    assert any("image-alt (critical)" in f for f in found), found
    assert any("button-name (critical)" in f for f in found), found
