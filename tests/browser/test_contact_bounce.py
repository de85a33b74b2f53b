"""A contact whose address bounced for good: the contact page says so (phone and desktop)."""

import os

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from rideau.contacts.models import Contact
from rideau.core.roles import Role
from tests.factories import PASSWORD, OrganizerFactory, member

pytestmark = [pytest.mark.browser]
SHOTS = os.environ.get("RIDEAU_SCREENSHOTS")


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_the_contact_page_says_the_address_is_undeliverable(live_server, page: Page, viewport):
    organizer = OrganizerFactory(slug="theatre", name="Théâtre", languages=["en"])
    member(organizer, Role.OWNER, email="owner@example.org")
    dee = Contact.objects.create(
        organizer=organizer,
        email="dee@example.org",
        first_name="Dee",
        consent_email=True,
        email_undeliverable_at=timezone.now(),
    )
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.goto(live_server.url + "/control/login/")
    page.get_by_label("E-mail").fill("owner@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + reverse("web:contact-detail", args=["theatre", dee.pk]))
    expect(page.get_by_role("status")).to_contain_text("bounced for good")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/contact-bounced-{viewport[0]}.png", full_page=True)
