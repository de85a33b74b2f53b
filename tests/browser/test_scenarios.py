"""A three-step scenario built in chromium (SPEC E2–E5, the seed's form): an e-mail; after
2 days an SMS to the openers of step 1; at a date an e-mail to the non-openers of step 1.
Started on a segment, then time moves on in the test: each contact gets exactly what the
rules say, through a real SMTP server and the SMS file gateway."""

import datetime
import json
import os
import re
import zoneinfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from rideau.contacts.models import Contact
from rideau.core.access import Actor
from rideau.core.roles import Role
from rideau.messaging import templates
from rideau.messaging.delivery import deliver_due_messages
from rideau.messaging.models import OutboxMessage
from rideau.scenarios import engine, services
from rideau.scenarios.models import Scenario
from tests.factories import PASSWORD, OrganizerFactory, member

pytestmark = [pytest.mark.browser]
SHOTS = os.environ.get("RIDEAU_SCREENSHOTS")
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0"


def deliver_all() -> None:
    while deliver_due_messages().claimed:
        pass


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_three_step_scenario(live_server, page: Page, viewport, smtp_server, settings, tmp_path):
    settings.SMS_FILE_PATH = tmp_path / "sms"
    organizer = OrganizerFactory(
        slug="theatre", name="Théâtre", languages=["en"], timezone="Europe/Paris"
    )
    owner = member(organizer, Role.OWNER, email="owner@example.org")
    actor = Actor(user=owner)
    for index, name in enumerate(["ada", "bob", "cyd"]):
        Contact.objects.create(
            organizer=organizer,
            email=f"{name}@example.org",
            first_name=name.title(),
            phone=f"+3361234567{index}",
            consent_email=True,
            consent_sms=True,
        )
    templates.create_template(
        organizer,
        actor=actor,
        name="Season news",
        subject={"en": "News for {{ first_name }}"},
        body_text={"en": "Hello {{ first_name }}"},
        body_html={"en": '<p>Hello {{ first_name }}, <a href="https://example.org/">see</a></p>'},
    )
    templates.create_template(
        organizer, actor=actor, name="Last seats", channel="sms", body_text={"en": "Last seats!"}
    )
    templates.create_template(
        organizer,
        actor=actor,
        name="Second chance",
        subject={"en": "Did you miss it, {{ first_name }}?"},
        body_text={"en": "Another look"},
    )
    services.create_segment(
        organizer,
        actor=actor,
        name="Everyone",
        conditions=[{"field": "consent_email", "value": True}],
    )
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    third_at = (
        (timezone.now() + datetime.timedelta(days=3))
        .astimezone(paris)
        .replace(second=0, microsecond=0)
    )
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})

    page.goto(live_server.url + "/control/login/")
    page.get_by_label("E-mail").fill("owner@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/control/theatre/marketing/scenarios/")
    page.get_by_label("Name").fill("Spring season")
    page.get_by_label("Contacts of step 1").select_option(label="Everyone")
    page.get_by_role("button", name="Create the scenario").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring season")

    page.get_by_label("Message to send").select_option(label="Season news")
    page.get_by_role("button", name="Add the step").click()
    page.get_by_label("Description").fill("SMS to the openers")
    page.get_by_label("Message to send").select_option(label="Last seats")
    page.get_by_label("Target").select_option("openers")
    page.get_by_label("of step no.").fill("1")
    page.get_by_label("Launch").select_option("delay")
    page.get_by_label("Delay").fill("2")
    page.get_by_label("Unit").select_option("days")
    page.get_by_role("button", name="Add the step").click()
    page.get_by_label("Message to send").select_option(label="Second chance")
    page.get_by_label("Target").select_option("non_openers")
    page.get_by_label("of step no.").fill("1")
    page.get_by_label("Launch").select_option("date")
    page.get_by_label("Date", exact=True).fill(third_at.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Add the step").click()
    expect(page.locator(".scenario-step")).to_have_count(3)
    page.get_by_role("button", name="Start").click()
    expect(page.locator("main")).to_contain_text("3 contacts entered")
    scenario = Scenario.objects.get(name="Spring season")
    assert scenario.status == Scenario.Status.RUNNING

    # the worker's job: step 1 goes out; Ada opens it (a person, a minute later)
    engine.run_due_steps()
    deliver_all()
    first = {r.rcpt_tos[0]: r for r in smtp_server.wait_for(3)}
    assert first["ada@example.org"].message["Subject"] == "News for Ada"
    pixel = re.search(
        r'src="https?://[^/]+(/m/o/[^"]+)"',
        first["ada@example.org"].message.get_body(("html",)).get_content(),
    )[1]
    OutboxMessage.objects.update(sent_at=timezone.now() - datetime.timedelta(minutes=1))
    Client(HTTP_USER_AGENT=BROWSER_UA).get(pixel)

    with time_machine.travel(timezone.now() + datetime.timedelta(days=1), tick=True):
        engine.run_due_steps()  # nothing due yet
        assert not (tmp_path / "sms").exists()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2, minutes=1), tick=True):
        engine.run_due_steps()
        deliver_all()
    sms = [json.loads(p.read_text()) for p in (tmp_path / "sms").iterdir()]
    assert [(s["to"], s["text"]) for s in sms] == [("+33612345670", "Last seats!")]
    with time_machine.travel(third_at + datetime.timedelta(minutes=1), tick=True):
        engine.run_due_steps()
        deliver_all()
    later = smtp_server.wait_for(5)[3:]
    assert sorted((r.rcpt_tos[0], r.message["Subject"]) for r in later) == [
        ("bob@example.org", "Did you miss it, Bob?"),
        ("cyd@example.org", "Did you miss it, Cyd?"),
    ]

    page.reload()
    steps = page.locator(".scenario-step")
    expect(steps.nth(0)).to_contain_text("Opened1 (33 %)")
    expect(steps.nth(1)).to_contain_text("Sent1")
    expect(steps.nth(2)).to_contain_text("Sent2")
    expect(page.locator("figure.chart-figure svg")).to_be_visible()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/scenario-{viewport[0]}.png", full_page=True)
