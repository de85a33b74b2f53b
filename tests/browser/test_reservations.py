"""Done-when of reservations (SPEC C1–C6) in a real chromium, on the demo: a school's buyer
reserves in the shop, sees the dashboard with the deadlines, cancels one reservation with a
reason and pays another with the demo card; staff extend a third from the release screen.

With RIDEAU_SCREENSHOTS=<folder>, the new pages are also captured on a phone and a desktop."""

import datetime
import os
import re
import zoneinfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from rideau.ops.management.commands.demo import PASSWORD, SCHOOL_BUYER
from rideau.orders.models import Order
from rideau.reservations.models import Reservation

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
        page.screenshot(path=f"{folder}/reservations-{name}-{label}.png", full_page=True)
    page.set_viewport_size(size)


def test_reserve_see_the_deadlines_cancel_one_pay_one_and_staff_extend_one(
    live_server, page: Page, settings
):
    settings.RIDEAU_DEMO_PAYMENTS = True
    call_command("demo", verbosity=0)
    email = SCHOOL_BUYER[0]
    page.set_viewport_size(DESKTOP)

    # the buyer reserves two places in the shop
    page.goto(live_server.url + "/rideau-demo/cyrano/")
    page.get_by_role("button", name="Buy tickets").click()
    page.locator("a.date-choice").nth(4).click()
    page.get_by_role("spinbutton", name=re.compile("Reduced")).fill("2")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("button", name="Check out").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Your name").fill("Claire Rousseau")
    names = page.get_by_label("Attendee name")
    names.nth(0).fill("Élève 1")
    names.nth(1).fill("Élève 2")
    expect(page.locator(".reserve-offer")).to_contain_text("Your places are held until")
    _shoot(page, "checkout")
    page.get_by_role("button", name="Reserve now, pay later").click()
    made = Reservation.objects.get(order__email=email, code=page.url.split("/")[-3])
    expect(page.get_by_role("status").first).to_contain_text("Your places are reserved")

    # the personal space (in French, Claire's language): four reservations, soonest first
    page.goto(live_server.url + "/rideau-demo/account/login/")
    page.get_by_text("I have a password").click()
    password_form = page.locator("form[action$='login/password/']")
    password_form.locator("input[name='email']").fill(email)
    password_form.locator("input[name='password']").fill(PASSWORD)
    password_form.get_by_role("button").click()
    items = page.locator(".account-item")
    expected = Reservation.objects.filter(order__email=email).order_by("deadline")
    assert expected.count() == 4
    for reservation in expected:
        expect(page.locator(".account-item", has_text=reservation.code)).to_have_count(1)
    titles = [t for t in items.locator("h3").all_inner_texts() if "Réservation" in t]
    assert [t.split()[1] for t in titles] == [r.code for r in expected]
    zone = zoneinfo.ZoneInfo("Europe/Paris")
    first_day = expected[0].deadline.astimezone(zone).day
    expect(items.filter(has_text=expected[0].code)).to_contain_text(f"{first_day}")
    _shoot(page, "dashboard")

    # cancel the new one with a reason
    page.locator(".account-item", has_text=made.code).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(made.code)
    _shoot(page, "reservation")
    page.get_by_label("Motif (facultatif)").fill("Sortie reportée")
    page.get_by_role("button", name="Annuler la réservation").click()
    expect(page.locator(".badge[data-state]")).to_have_text("Annulée")
    made.refresh_from_db()
    assert (made.status, made.cancel_reason) == ("cancelled", "Sortie reportée")

    # pay another with the demo card
    to_pay = Reservation.objects.get(order__idempotency_key="demo-resa-3")
    page.goto(f"{live_server.url}/rideau-demo/account/reservations/{to_pay.code}/")
    page.locator("input[value='demo_card']").check()
    page.get_by_role("button", name=re.compile("^Payer")).click()
    page.get_by_label(re.compile("Card number|Numéro de carte")).fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"\(d[ée]mo\)")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(to_pay.code)
    assert Order.objects.get(pk=to_pay.order_id).status == Order.Status.PAID
    page.goto(f"{live_server.url}/rideau-demo/account/reservations/{to_pay.code}/")
    expect(page.locator(".badge[data-state]")).to_have_text("Payée")

    # staff extend the third from the release screen
    third = Reservation.objects.get(order__idempotency_key="demo-resa-2")
    page.goto(live_server.url + "/control/login/")
    page.get_by_label("E-mail").fill("demo@rideau.localhost")
    page.get_by_label(re.compile("Password|Mot de passe")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Log in|Connexion|Se connecter")).click()
    page.goto(f"{live_server.url}/control/rideau-demo/reservations/?within=720")
    _shoot(page, "release")
    page.locator(f"#select-{third.pk}").check()
    page.locator("input[name='action'][value='extend']").check()
    new = (
        (timezone.now() + datetime.timedelta(days=9))
        .astimezone(zone)
        .replace(second=0, microsecond=0)
    )
    page.locator("input[name='deadline']").fill(new.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#release-apply").click()
    expect(page.get_by_role("status").first).to_contain_text("1")
    third.refresh_from_db()
    assert third.deadline == new and third.extensions == 1
