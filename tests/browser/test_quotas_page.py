"""The quotas page in chromium: tie a quota to session registrations, see places taken
beyond the size, on a phone and on a desktop."""

import os

import pytest
from playwright.sync_api import Page, expect

from rideau.core.roles import Role
from rideau.inventory.models import Quota
from tests.factories import PASSWORD, EventFactory, OrganizerFactory, QuotaFactory, member

pytestmark = [pytest.mark.browser]
SHOTS = os.environ.get("RIDEAU_SCREENSHOTS")  # a folder to keep the screenshots in


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_add_a_quota_tied_to_sessions(live_server, page: Page, viewport):
    organizer = OrganizerFactory(slug="theatre", name="Théâtre", languages=["en"])
    member(organizer, Role.OWNER, email="owner@example.org")
    event = EventFactory(organizer=organizer, slug="conf", name={"en": "Conference"})
    hall = QuotaFactory(organizer=organizer, date=None, event=event, name="Hall", size=100)
    Quota.objects.filter(pk=hall.pk).update(taken=101, overbooked=1)
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})

    page.goto(live_server.url + "/control/login/")
    page.get_by_label("E-mail").fill("owner@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/control/theatre/")  # the organiser's home
    page.goto(f"{live_server.url}/control/theatre/events/conf/edit/quotas/")
    page.get_by_label("Name", exact=True).fill("On site")
    page.get_by_label("Size").last.fill("250")
    page.get_by_label("Also counts session registrations").check()
    page.get_by_role("button", name="Add the quota").click()

    row = page.get_by_role("row").filter(has_text="On site")
    expect(row).to_contain_text("and session registrations")
    expect(page.get_by_role("row").filter(has_text="Hall")).to_contain_text(
        "1 beyond the size, by staff"
    )
    assert Quota.objects.get(name="On site").covers_sessions
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/quotas-{viewport[0]}.png", full_page=True)
