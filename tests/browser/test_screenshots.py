"""The pages a newcomer sees first, on a phone (390 × 844) and a desktop (1280 × 900), on the
demo data: each is saved as a screenshot in `var/screenshots/` (kept by CI, looked at by
people) and none may scroll sideways (`scrollWidth ≤ innerWidth`).

The walk buys on the demo's multi-date show through the date choice and the quantity
steppers, then looks at the back office as the demo owner."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# elements sticking out on the right (not inside a scrolling box), to say what overflows
WIDEST = """(() => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    let clipped = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") { clipped = true; break; }
    }
    if (!clipped && box.right > window.innerWidth + 1) {
      out.push(el.tagName.toLowerCase() + (el.className ? "." + el.className : "")
               + " " + Math.round(box.right));
    }
  }
  return out.slice(-5);
})()"""
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def screenshots_dir() -> Path:
    folder = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(page: Page, name: str) -> list[str]:
    """Screenshot the page at both sizes; return the sizes at which it overflows."""
    overflowing = []
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.wait_for_load_state("load")
        page.screenshot(path=screenshots_dir() / f"{name}-{size}.png", full_page=True)
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if widths[0] > widths[1]:
            culprits = page.evaluate(WIDEST)
            overflowing.append(
                f"{name} ({size}): {widths[0]} px wide in {widths[1]} px: {culprits}"
            )
    page.set_viewport_size(VIEWPORTS["desktop"])
    return overflowing


def test_first_pages_fit_a_phone_and_a_desktop(live_server, browser: Browser, settings):
    settings.RIDEAU_DEMO_PAYMENTS = True
    call_command("demo", verbosity=0)
    base = live_server.url
    overflowing: list[str] = []

    buyer = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = buyer.new_page()
    page.goto(base + "/rideau-demo/")
    expect(page.locator(".event-card img.event-image").first).to_be_visible()
    expect(page.locator(".event-card").filter(has_text="Cyrano")).to_contain_text("from 12.00 EUR")
    overflowing += shoot(page, "01-organiser")

    page.get_by_role("link", name="Cyrano de Bergerac").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cyrano de Bergerac")
    overflowing += shoot(page, "02-event")

    page.get_by_role("button", name="Buy tickets").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Choose a date")
    expect(page.locator(".date-choice")).to_have_count(6)
    expect(page.get_by_role("spinbutton")).to_have_count(0)
    overflowing += shoot(page, "03-date-choice")

    page.locator("a.date-choice").first.click()
    expect(page.get_by_role("link", name="Change the date")).to_be_visible()
    expect(page.get_by_role("spinbutton")).to_have_count(3)  # the 3 rates of that date
    full = page.get_by_role("spinbutton", name=re.compile("Full price"))
    page.get_by_role("button", name="One more: Full price").click()
    page.get_by_role("button", name="One more: Full price").click()
    expect(full).to_have_value("2")
    page.get_by_role("button", name="One less: Full price").click()
    expect(full).to_have_value("1")
    expect(page.get_by_role("button", name="One less: Full price")).to_be_enabled()
    # the keyboard: the "+" button by Enter, the field itself by its arrow keys
    page.get_by_role("button", name="One more: Full price").focus()
    page.keyboard.press("Enter")
    expect(full).to_have_value("2")
    child = page.get_by_role("spinbutton", name=re.compile("Child"))
    child.focus()
    page.keyboard.press("ArrowUp")
    expect(child).to_have_value("1")
    expect(page.get_by_role("button", name="One less: Reduced")).to_be_disabled()
    expect(page.locator(".shop-total")).to_have_text("Tickets chosen: 3 · total 76.00 EUR")
    overflowing += shoot(page, "04-tickets-of-a-date")
    # the live total writes decimals as the page's language does ("32,00" in French)
    french = browser.new_context(
        viewport=VIEWPORTS["desktop"], extra_http_headers={"Accept-Language": "fr"}
    )
    french_page = french.new_page()
    french_page.goto(page.url)
    french_page.get_by_role("spinbutton").first.focus()
    french_page.keyboard.press("ArrowUp")
    expect(french_page.locator(".shop-total")).to_contain_text("32,00 EUR")
    french.close()

    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    expect(page.locator(".cart-line")).to_have_count(2)
    expect(page.locator(".cart-total")).to_contain_text("76.00 EUR")  # 2 × 32 + 12
    overflowing += shoot(page, "05-cart")
    page.set_viewport_size(VIEWPORTS["phone"])
    for remove in page.get_by_role("button", name=re.compile("^Remove")).all():
        box = remove.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    page.set_viewport_size(VIEWPORTS["desktop"])

    page.get_by_role("button", name="Check out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    legends = page.locator("fieldset.attendee legend")
    expect(legends).to_have_count(3)
    expect(legends.nth(0)).to_contain_text("Ticket — Full price, 1 of 2")
    expect(legends.nth(1)).to_contain_text("Ticket — Full price, 2 of 2")
    expect(legends.nth(2)).to_contain_text("Ticket — Child (under 12)")
    overflowing += shoot(page, "06-checkout")

    page.get_by_label("E-mail").fill("ada@example.net")
    page.get_by_label("Your name").fill("Ada Lovelace")
    for i, name in enumerate(["Ada Lovelace", "Charles Babbage", "Augusta King"]):
        page.get_by_label("Attendee name").nth(i).fill(name)
    page.get_by_label("Card (demo, no real payment)").check()
    page.get_by_role("button", name=re.compile("Place order")).click()
    page.get_by_label("Card number (demo)").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"^Pay .* \(demo\)$")).click()
    expect(page.locator(".order-status")).to_contain_text("Paid")
    overflowing += shoot(page, "07-order")
    buyer.close()

    staff = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = staff.new_page()
    page.goto(base + "/control/login/")
    page.get_by_label("E-mail").fill("demo@rideau.localhost")
    page.get_by_label("Password").fill("rideau-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base + "/control/rideau-demo/")
    overflowing += shoot(page, "08-backoffice-home")

    page.goto(base + "/control/rideau-demo/events/cyrano/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cyrano")
    overflowing += shoot(page, "09-event-overview")

    page.goto(base + "/control/rideau-demo/orders/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Orders")
    overflowing += shoot(page, "10-orders")

    page.goto(base + "/control/rideau-demo/events/cyrano/edit/rates/")
    expect(page.get_by_role("navigation", name="Event settings")).to_be_visible()
    overflowing += shoot(page, "11-event-rates")

    page.goto(base + "/control/rideau-demo/reservations/?within=720")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reservations to release")
    overflowing += shoot(page, "12-reservations-release")

    page.goto(base + "/control/rideau-demo/reservations/settings/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reservation settings")
    overflowing += shoot(page, "13-reservations-settings")
    # registration (issue 11): the agenda's staff pages
    page.goto(base + "/control/rideau-demo/events/rencontres-2027/registrations/")
    expect(page.locator("table").first).to_contain_text("Present")
    overflowing += shoot(page, "agenda-3-staff-registrations")
    page.get_by_role("link", name="Workshop: youth").click()
    expect(page.locator("body")).to_contain_text("×3")  # the school's group entry
    expect(page.get_by_role("button", name="Invite").first).to_be_visible()
    overflowing += shoot(page, "agenda-4-staff-session")
    page.goto(base + "/control/rideau-demo/events/assemblee-2027/registrations/event/")
    expect(page.get_by_role("heading", name="Registrations to the event")).to_be_visible()
    overflowing += shoot(page, "agenda-5-staff-event-level")
    page.goto(base + "/control/rideau-demo/marketing/scenarios/")
    page.get_by_role("link", name="Ouverture de la saison 2027").click()
    expect(page.locator(".scenario-step")).to_have_count(3)
    overflowing += shoot(page, "14-scenario")
    page.goto(base + "/control/rideau-demo/marketing/contacts/")
    overflowing += shoot(page, "15-contacts")
    page.goto(base + "/control/rideau-demo/marketing/contacts/?q=alice.durand")
    page.get_by_role("link", name="Alice Durand").click()
    overflowing += shoot(page, "16-contact")
    page.goto(base + "/control/rideau-demo/marketing/segments/")
    page.get_by_role("link", name="Abonnés à la lettre").first.click()
    overflowing += shoot(page, "17-segment")
    page.goto(base + "/control/rideau-demo/marketing/messages/")
    page.get_by_role("link", name="SMS : dernières places").click()
    overflowing += shoot(page, "18-message")
    # passes (SPEC D1–D7): the back office's lists and a pass product, the shop's passes
    from rideau.passes.models import Pass, PassProduct

    for path, heading, name in [
        ("passes/", "Passes", "20-passes"),
        (
            f"passes/{Pass.objects.filter(organizer__slug='rideau-demo').first().pk}/",
            None,
            "21-pass",
        ),
        ("passes/seasons/", "Seasons", "22-seasons"),
        ("passes/products/", "Pass products", "23-pass-products"),
        (
            f"passes/products/{PassProduct.objects.filter(organizer__slug='rideau-demo').first().pk}/",
            None,
            "24-pass-product",
        ),
        ("passes/renewals/", "Renewal campaigns", "25-renewals"),
    ]:
        page.goto(base + "/control/rideau-demo/" + path)
        if heading:
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        overflowing += shoot(page, name)
    page.goto(base + "/rideau-demo/passes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Passes and subscriptions")
    overflowing += shoot(page, "26-shop-passes")
    page.goto(base + "/rideau-demo/pass-renew")
    overflowing += shoot(page, "27-pass-renew")
    staff.close()

    visitor = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = visitor.new_page()
    page.goto(base + "/rideau-demo/rencontres-2027/agenda/")
    expect(page.get_by_label("Track")).to_be_visible()
    page.get_by_label("Track").select_option("Workshops")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("article.agenda-session")).to_have_count(2)
    overflowing += shoot(page, "agenda-1-public-filtered")
    page.goto(base + "/rideau-demo/assemblee-2027/agenda/")
    expect(page.get_by_role("button", name="Join the waitlist")).to_be_visible()
    overflowing += shoot(page, "agenda-2-event-level-full")
    visitor.close()

    assert overflowing == []


def test_without_javascript_the_quantities_are_number_fields(
    live_server, browser: Browser, settings
):
    settings.RIDEAU_DEMO_PAYMENTS = True
    call_command("demo", verbosity=0)
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORTS["phone"])
    page = context.new_page()
    page.goto(live_server.url + "/rideau-demo/cyrano/tickets/")
    page.locator("a.date-choice").nth(1).click()

    expect(page.get_by_role("button", name="One more: Full price")).to_be_hidden()
    expect(page.locator(".shop-total")).to_be_hidden()
    page.get_by_role("spinbutton", name=re.compile("Reduced")).fill("2")
    page.get_by_role("button", name="Add to cart").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    expect(page.locator(".cart-line")).to_contain_text("2 × 22.00")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
