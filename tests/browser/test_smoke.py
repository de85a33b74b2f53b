"""Smoke test in a real chromium: the public pages render, a staff user logs in."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from rideau.core.roles import Role
from rideau.events.models import Event
from tests.factories import PASSWORD, EventDateFactory, EventFactory, OrganizerFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_public_pages_and_staff_login(live_server, page: Page):
    organizer = OrganizerFactory(slug="theatre", name="Théâtre du Rideau", primary_color="#aa3300")
    event = EventFactory(
        organizer=organizer,
        slug="hamlet",
        name={"en": "Hamlet", "fr": "Hamlet, prince"},
        visibility=Event.Visibility.PUBLIC,
    )
    EventDateFactory(event=event, start=datetime.datetime(2031, 1, 15, 18, 0, tzinfo=datetime.UTC))
    member(organizer, Role.OWNER, email="owner@example.org")

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Théâtre du Rideau").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Théâtre du Rideau")
    expect(page.get_by_role("link", name="Hamlet")).to_be_visible()
    expect(page.get_by_text("Wednesday 15 January 2031, 19:00")).to_be_visible()
    # the vendored CSS is served and the organiser's colour applies
    brand = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--pico-primary').trim()"
    )
    assert brand == "#aa3300"
    assert page.evaluate("typeof htmx.ajax") == "function"

    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change language").click()
    expect(page.get_by_role("link", name="Hamlet, prince")).to_be_visible()
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Changer de langue").click()

    page.goto(live_server.url + "/control/")
    expect(page).to_have_url(live_server.url + "/control/login/?next=/control/")
    page.get_by_label("E-mail").fill("owner@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(live_server.url + "/control/theatre/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Théâtre du Rideau")
    expect(page.locator(".upcoming")).to_contain_text("Hamlet")  # its next date
    page.get_by_role("link", name="Events", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Events")
    row = page.get_by_role("row", name="Hamlet")
    expect(row).to_contain_text("On-site")
    expect(row).to_contain_text("Public")

    page.get_by_role("button", name="Log out (owner@example.org)").click()
    expect(page).to_have_url(live_server.url + "/control/login/")


def test_api_docs_and_the_teams_page_run_under_the_content_security_policy(live_server, page: Page):
    """Swagger UI (ninja's bundled files) and the token page: no CSP violation (the autouse
    fixture of tests/browser/conftest.py fails the test on any)."""
    organizer = OrganizerFactory(slug="theatre", name="Théâtre du Rideau")
    member(organizer, Role.OWNER, email="owner@example.org")

    page.goto(live_server.url + "/api/v1/docs")
    expect(page.get_by_role("heading", name=re.compile("Rideau API"))).to_be_visible()

    page.goto(live_server.url + "/control/login/")
    page.get_by_label("E-mail").fill("owner@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + "/control/theatre/teams/")
    page.get_by_label("Team", exact=True).select_option(index=1)
    page.get_by_label("Token name").fill("Box office tablet")
    page.get_by_role("button", name="Create the token").click()
    expect(page.locator("code.api-token")).to_contain_text("rdu_")
    page.get_by_role("button", name="Revoke the token Box office tablet").click()
    expect(page.get_by_role("row", name=re.compile("Box office tablet"))).to_contain_text("revoked")
