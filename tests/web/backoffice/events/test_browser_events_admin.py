"""In a real chromium: create an event, add a date inline (htmx) and switch it onto a
multi-event page (htmx), then see the public page."""

import os

import pytest
from playwright.sync_api import Page, expect

from rideau.core.roles import Role
from rideau.events.models import EventDate, FestivalPage
from rideau.inventory.models import Quota
from tests.factories import (
    PASSWORD,
    EventDateFactory,
    EventFactory,
    FestivalPageFactory,
    OrganizerFactory,
    member,
)

# Playwright's sync API runs an event loop in the test thread (see tests/browser/conftest.py)
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_create_event_add_date_inline_and_show_it_on_a_programme(live_server, page: Page):
    organizer = OrganizerFactory(slug="theatre", name="Théâtre", languages=["en", "fr"])
    member(organizer, Role.OWNER, email="owner@example.org")
    FestivalPage.objects.create(
        organizer=organizer, slug="season", title={"en": "Season"}, published=True
    )

    page.goto(live_server.url + "/control/login/")
    page.get_by_label("E-mail").fill("owner@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="New event").click()
    page.get_by_label("Name (English)").fill("Hamlet")
    page.get_by_label("Name (French)").fill("Hamlet (fr)")
    page.get_by_label("Short name").fill("hamlet")
    page.get_by_label("Visibility").select_option("public")
    page.get_by_role("button", name="Create the event").click()
    dates_url = live_server.url + "/control/theatre/events/hamlet/edit/dates/"
    expect(page).to_have_url(dates_url)

    page.get_by_label("Start").first.fill("2031-01-15T20:00")
    page.get_by_label("Places on sale").fill("120")
    page.get_by_role("button", name="Add the date").click()
    expect(page.get_by_role("row").filter(has_text="120")).to_have_count(1)
    expect(page).to_have_url(dates_url)  # swapped in place by htmx
    date = EventDate.objects.get(event__slug="hamlet")
    assert Quota.objects.get(date=date).size == 120

    page.get_by_text("Set-up", exact=True).click()  # the menu's group holding the page
    page.get_by_role("link", name="Multi-event pages").click()
    page.get_by_role("link", name="Season").click()
    row = page.get_by_role("row", name="Hamlet")
    row.get_by_role("switch").click()
    expect(row.get_by_role("switch")).to_have_attribute("aria-checked", "true")
    assert list(FestivalPage.objects.get().events.values_list("slug", flat=True)) == ["hamlet"]

    page.goto(live_server.url + "/theatre/programme/season/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Season")
    expect(page.get_by_role("link", name="Hamlet")).to_be_visible()


def test_the_programme_cards_keep_their_text_inside_and_apart(live_server, page: Page):
    organizer = OrganizerFactory(slug="festival", languages=["en"])
    programme = FestivalPageFactory(organizer=organizer, slug="summer")
    for name in ("Opening", "Closing"):
        event = EventFactory(organizer=organizer, name={"en": name})
        EventDateFactory(event=event)
        programme.events.add(event)

    for viewport in ({"width": 390, "height": 844}, {"width": 1280, "height": 900}):
        page.set_viewport_size(viewport)
        page.goto(live_server.url + "/festival/programme/summer/")
        cards = page.locator("article.event-card")
        expect(cards).to_have_count(2)
        boxes = [cards.nth(i).bounding_box() for i in range(2)]
        for i, card in enumerate(boxes):
            title = cards.nth(i).get_by_role("heading", level=3).bounding_box()
            dates = cards.nth(i).locator(".event-dates").bounding_box()
            assert title["x"] - card["x"] >= 8 and title["y"] - card["y"] >= 8, viewport
            bottom = card["y"] + card["height"]
            assert bottom - (dates["y"] + dates["height"]) >= 8, viewport
        first, second = boxes
        apart = second["y"] - (first["y"] + first["height"])
        beside = second["x"] - (first["x"] + first["width"])
        assert max(apart, beside) >= 8, viewport  # the cards do not touch
