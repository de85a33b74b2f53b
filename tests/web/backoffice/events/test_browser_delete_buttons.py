"""The back office's one delete button in chromium: it asks first; saying no keeps the
row, saying yes deletes it and the list is swapped in place (a session as a date)."""

import os

import pytest
from playwright.sync_api import Page, expect

from rideau.core.roles import Role
from rideau.events.models import Session
from tests.factories import PASSWORD, EventFactory, OrganizerFactory, SessionFactory, member

# Playwright's sync API runs an event loop in the test thread (see tests/browser/conftest.py)
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser]
SHOTS = os.environ.get("RIDEAU_SCREENSHOTS")  # a folder to keep the screenshots in


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_deleting_a_session_asks_first(live_server, page: Page, viewport):
    organizer = OrganizerFactory(slug="theatre", name="Théâtre", languages=["en"])
    member(organizer, Role.OWNER, email="owner@example.org")
    event = EventFactory(organizer=organizer, slug="conf", name={"en": "Conference"})
    session = SessionFactory(event=event, title={"en": "Keynote"})
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto(live_server.url + "/control/login/")
    page.get_by_label("E-mail").fill("owner@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/control/theatre/")
    page.goto(f"{live_server.url}/control/theatre/events/conf/edit/sessions/")
    row = page.get_by_role("row").filter(has_text="Keynote")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/sessions-{viewport[0]}.png", full_page=True)

    asked: list[str] = []

    def answer(dialog, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    row.get_by_role("button", name="Delete").click()
    expect(row).to_be_visible()
    assert asked == ["Delete this session?"]
    assert Session.objects.filter(pk=session.pk).exists()

    page.once("dialog", lambda dialog: answer(dialog, True))
    row.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("The session has been deleted.")).to_be_visible()
    expect(page.get_by_text("No sessions yet")).to_be_visible()
    assert not Session.objects.filter(pk=session.pk).exists()
