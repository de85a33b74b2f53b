"""Offline scanning in a real chromium (ADR 0007): the scanner downloads the organiser's
public key while online; offline, a signed ticket typed in is verified with WebCrypto and
shown "Valid (offline)", a cancelled or forged one is refused; back online the queued scan
is sent with its nonce, recorded once, and the live count follows."""

import pytest
from playwright.sync_api import Page, expect

from rideau.checkin.models import Checkin
from rideau.core.access import Actor
from rideau.documents import signing
from rideau.orders import services as orders
from tests.checkin.conftest import make_world
from tests.factories import OrganizerFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GREEN = "rgb(27, 127, 59)"


@pytest.fixture
def world():
    organizer = OrganizerFactory(slug="theatre", signed_ticket_secrets=True)
    return make_world(organizer, Actor(user=member(organizer)))


def test_offline_scan_of_a_signed_ticket_then_sync(live_server, page: Page, world):
    ticket = world.ticket()
    assert signing.verify(world.organizer, ticket.secret) is not None
    revoked = world.ticket(email="gone@example.net")
    orders.cancel_order(revoked.order)
    flipped = "B" if ticket.secret[-10] != "B" else "C"  # one character of the signature
    forged = ticket.secret[:-10] + flipped + ticket.secret[-9:]
    page.goto(f"{live_server.url}/checkin/{world.checkin_list.access_code}/")
    offline = page.locator("#offline-scanner")
    expect(offline).to_have_attribute("data-keys", "1")  # the public key is downloaded
    badge = page.locator("#offline-badge")
    expect(badge).to_be_hidden()
    field = page.get_by_label("Ticket code (type it, or use a handheld scanner)")

    page.context.set_offline(True)
    expect(badge).to_be_visible()
    expect(badge).to_have_text("Offline")
    field.fill(ticket.secret)
    field.press("Enter")

    result = page.locator("#scan-result")
    expect(result).to_have_attribute("data-result", "valid")
    expect(result).to_have_text("Valid (offline)")
    expect(result).to_have_css("background-color", GREEN)
    expect(page.locator("#offline-queue")).to_have_text("Scans waiting to be sent: 1")
    expect(field).to_have_value("")
    assert Checkin.objects.count() == 0

    field.fill(ticket.secret)  # the same ticket again, still offline
    field.press("Enter")
    expect(result).to_have_attribute("data-result", "already_used")
    expect(result).to_have_text("Already used (offline)")

    field.fill(revoked.secret)  # cancelled before the scanner downloaded its data
    field.press("Enter")
    expect(result).to_have_attribute("data-result", "cancelled")
    expect(result).to_have_text("Cancelled ticket (offline)")

    field.fill(forged)
    field.press("Enter")
    expect(result).to_have_attribute("data-result", "unknown")
    expect(result).to_have_text("Unknown signature (offline)")
    expect(page.locator("#offline-queue")).to_have_text("Scans waiting to be sent: 1")

    page.context.set_offline(False)

    expect(badge).to_be_hidden()
    expect(page.locator("#offline-queue")).to_be_hidden()
    expect(page.locator("#checkin-count")).to_contain_text("1 attendee in")
    checkin = Checkin.objects.get()
    assert (checkin.position_id, checkin.result) == (ticket.pk, "valid")
    assert checkin.nonce


def test_the_scan_form_works_without_javascript(live_server, browser, world):
    """Before htmx is ready (or with scripts off) Enter posts the form itself: the page's
    referrer policy must let chromium send the real origin, or CSRF refuses the scan."""
    ticket = world.ticket()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/checkin/{world.checkin_list.access_code}/")
    page.get_by_label("Ticket code (type it, or use a handheld scanner)").fill(ticket.secret)
    page.get_by_label("Ticket code (type it, or use a handheld scanner)").press("Enter")

    expect(page.locator("#scan-result")).to_have_attribute("data-result", "valid")
    assert Checkin.objects.count() == 1
    context.close()


def test_offline_scan_at_a_session_door_then_sync(live_server, page: Page, world):
    """Scanning at a session's door (ADR 0023): offline, a registered holder's ticket is
    "present" and queued, scanned again "already present", a holder not registered is
    refused; back online the queued scan is sent to the door's API and marks them once."""
    from rideau.registration import services as registration
    from rideau.registration.models import Registration
    from tests.registration.conftest import make_session

    talk = make_session(world.event, world.actor, capacity=10, title="Masterclass")
    ticket = world.ticket(email="ana@example.net")
    stranger = world.ticket(email="bob@example.net")
    registration.staff_register(talk, actor=world.actor, email="ana@example.net")
    page.goto(f"{live_server.url}/checkin/{world.checkin_list.access_code}/?session={talk.pk}")
    offline = page.locator("#offline-scanner")
    expect(offline).to_have_attribute("data-keys", "1")
    expect(offline).to_have_attribute("data-door", str(talk.pk))
    field = page.get_by_label("Ticket code (type it, or use a handheld scanner)")
    result = page.locator("#scan-result")

    page.context.set_offline(True)
    expect(page.locator("#offline-badge")).to_be_visible()
    field.fill(ticket.secret)
    field.press("Enter")
    expect(result).to_have_attribute("data-result", "present")
    expect(result).to_have_text("Registered: marked present (offline)")
    expect(result).to_have_css("background-color", GREEN)
    expect(page.locator("#offline-queue")).to_have_text("Scans waiting to be sent: 1")

    field.fill(ticket.secret)
    field.press("Enter")
    expect(result).to_have_attribute("data-result", "already_present")
    field.fill(stranger.secret)
    field.press("Enter")
    expect(result).to_have_attribute("data-result", "not_registered")
    expect(result).to_have_text("Not registered to this session (offline)")
    assert not Registration.objects.filter(attended=True).exists()

    page.context.set_offline(False)

    expect(page.locator("#offline-queue")).to_be_hidden()
    expect(page.locator("#checkin-count")).to_contain_text("1 present of 1 registered")
    marked = Registration.objects.get(session=talk)
    assert marked.attended is True
