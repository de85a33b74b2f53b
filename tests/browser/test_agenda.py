"""Done-when of session registration: an attendee builds an agenda, hits a full session and
joins its waitlist; another attendee cancels; the first receives the offer over real local
SMTP, accepts it, and their agenda shows the session."""

import re

import pytest
from playwright.sync_api import Page, expect

from rideau.core.access import Actor
from rideau.events.models import Event
from rideau.messaging.delivery import deliver_due_messages
from rideau.registration import services
from tests.factories import EventFactory, OrganizerFactory, member
from tests.registration.conftest import make_session

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_waitlist_offer_accepted_from_the_e_mail(live_server, page: Page, settings, smtp_server):
    settings.SITE_URL = live_server.url
    organizer = OrganizerFactory(slug="confs")
    actor = Actor(user=member(organizer))
    event = EventFactory(
        organizer=organizer, slug="summit", self_agenda=True, kind=Event.Kind.ONSITE
    )
    make_session(event, actor, capacity=5, hours=(0, 1), title="Keynote")
    masterclass = make_session(event, actor, capacity=1, hours=(2, 3), title="Masterclass")
    bob = services.register(event, email="bob@example.net", sessions=[masterclass.pk])
    bob_link = services.agenda_url(bob.contact, event)

    page.goto(live_server.url + "/confs/summit/")
    page.get_by_role("button", name="Build your agenda").click()
    keynote_card = page.locator("article.agenda-session", has_text="Keynote")
    expect(keynote_card).to_contain_text("5 places left")
    keynote_card.get_by_label("I will attend").check()
    page.get_by_label("E-mail").fill("ada@example.net")
    page.get_by_label("First name").fill("Ada")
    page.get_by_role("button", name="Register").click()
    # the link to "my agenda" comes by e-mail only (never to whoever typed the address)
    expect(page.get_by_text("link to your agenda")).to_be_visible()
    deliver_due_messages()
    received = smtp_server.wait_for(2)  # Bob's confirmation, then Ada's
    [confirmation] = [r for r in received if r.rcpt_tos == ["ada@example.net"]]
    ada_link = re.search(r"https?://\S+/agenda/me/\S+/", confirmation.message.get_content()).group(
        0
    )
    page.goto(ada_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("My agenda")
    expect(page.locator("#registered-title + article")).to_contain_text("Keynote")

    # "Add sessions", on My agenda itself: no name or address to type again
    expect(page.get_by_role("heading", name="Add sessions")).to_be_visible()
    full_card = page.locator("#add article.agenda-session", has_text="Masterclass")
    expect(full_card).to_contain_text("Full")
    full_card.get_by_label("Join the waitlist").check()
    page.get_by_role("button", name="Add to my agenda").click()
    expect(page.get_by_text("Your agenda was updated")).to_be_visible()
    expect(page.locator("article.agenda-waiting")).to_contain_text("Position 1 on the waitlist")

    other = page.context.new_page()
    other.goto(bob_link)
    other.get_by_role("button", name="Cancel my registration").click()
    expect(other.get_by_text("Your registration was cancelled.")).to_be_visible()
    other.close()

    deliver_due_messages()
    received = smtp_server.wait_for(4)  # Bob's, Ada's two confirmations, then the offer
    [offer] = [r for r in received if "waiting for you" in str(r.message["Subject"])]
    assert offer.rcpt_tos == ["ada@example.net"]
    link = re.search(r"https?://\S+/agenda/me/\S+/", offer.message.get_content()).group(0)

    page.goto(link)
    expect(page.locator("article.agenda-waiting")).to_contain_text("A place is kept for you")
    page.get_by_role("button", name="Accept the place").click()
    expect(page.get_by_text("The place is yours")).to_be_visible()
    mine = page.locator("article.agenda-session")
    expect(mine).to_have_count(2)
    expect(mine.nth(1)).to_contain_text("Masterclass")


def test_waiting_with_an_event_pass_then_accepting_its_offer(
    live_server, page: Page, settings, smtp_server
):
    """Event-level registration with passes (A1, A9, ADR 0023): the attendee joins the
    event's waitlist with the full pass, someone with that pass cancels, the offer comes by
    real local SMTP, and accepting it puts every session of the pass in the agenda."""
    from rideau.inventory.models import Quota
    from rideau.registration import passages

    settings.SITE_URL = live_server.url
    organizer = OrganizerFactory(slug="confs")
    actor = Actor(user=member(organizer))
    event = EventFactory(
        organizer=organizer, slug="day", kind=Event.Kind.ONSITE, visibility="public"
    )
    Quota.objects.create(organizer=organizer, event=event, name="Day", size=10)
    opening = make_session(event, actor, capacity=10, hours=(0, 1), title="Opening")
    lights = make_session(event, actor, capacity=1, hours=(2, 3), title="Lighting workshop")
    technical = passages.create_passage(
        event, actor=actor, name="Technical morning", sessions=[opening, lights]
    )
    bob = services.register_event(event, email="bob@example.net", passage=technical)
    bob_link = services.agenda_url(bob.contact, event)

    page.goto(live_server.url + "/confs/day/agenda/")
    technical_card = page.locator("article.pass", has_text="Technical morning")
    expect(technical_card).to_contain_text("Full")
    technical_card.get_by_label("Technical morning").check()
    page.get_by_label("E-mail").fill("ada@example.net")
    page.get_by_label("First name").fill("Ada")
    page.get_by_role("button", name="Join the waitlist with this pass").click()
    expect(page.get_by_text("You are on the waitlist")).to_be_visible()

    other = page.context.new_page()
    other.goto(bob_link)
    other.get_by_role("button", name="Cancel my registration").first.click()
    expect(other.get_by_text("Your registration was cancelled.")).to_be_visible()
    other.close()

    deliver_due_messages()
    received = smtp_server.wait_for(2)  # Bob's confirmation, then the offer to Ada
    [offer] = [r for r in received if "waiting for you" in str(r.message["Subject"])]
    assert offer.rcpt_tos == ["ada@example.net"]
    body = offer.message.get_content()
    assert "Technical morning" in body and "Lighting workshop" in body
    link = re.search(r"https?://\S+/agenda/me/\S+/", body).group(0)

    page.goto(link)
    page.get_by_role("button", name="Accept the place").click()
    expect(page.get_by_text("The place is yours")).to_be_visible()
    mine = page.locator("article.agenda-session")
    expect(mine.filter(has_text="Lighting workshop")).to_have_count(1)
    expect(mine.filter(has_text="Opening")).to_have_count(1)
