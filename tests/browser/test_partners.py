"""Done-when of the partner portal (SPEC B1–B13), in a real chromium: the organiser
configures the portal's menu and adds a partner with its administrator; the access e-mail
arrives over real local SMTP and its link logs in; the partner edits its profile and the
public page changes; adds a sales contact; proposes a meeting that an attendee (who chose to
be listed) accepts in the personal space; scans the attendee's badge on a phone; downloads
the leads file, which has one sheet per tab. Each portal page is also captured at phone and
desktop size (var/screenshots/partners-*.png) and must not scroll sideways."""

import datetime
import io
import re

import pytest
import segno
from django.core.cache import cache
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect

from rideau.core.access import Actor
from rideau.core.roles import Role
from rideau.core.timezones import organizer_zone
from rideau.messaging.delivery import deliver_due_messages
from rideau.partners import services
from rideau.partners.models import Lead, Meeting, Partner, PortalTab
from tests.accounts.conftest import make_orders
from tests.browser.test_screenshots import VIEWPORTS, shoot
from tests.factories import PASSWORD, OrganizerFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _mail_to(smtp_server, address: str, count: int):
    received = smtp_server.wait_for(count)
    return [m for m in received if m.rcpt_tos == [address]]


def test_partner_portal_from_menu_to_leads(live_server, browser: Browser, settings, smtp_server):
    cache.clear()
    settings.SITE_URL = live_server.url
    settings.RIDEAU_BANK_IBAN = "FR7630006000011234567890189"
    organizer = OrganizerFactory(slug="theatre", name="Théâtre du Rideau", languages=["en"])
    owner = member(organizer, Role.OWNER, email="owner@example.org")
    world = make_orders(organizer)  # Ada holds two paid tickets to "cyrano"
    event = world.paid.event
    ada_ticket = world.paid.positions.first()
    services.save_profile_field(
        event, actor=Actor(user=owner), key="about", label="About us", kind="rich"
    )
    base = live_server.url
    control = f"{base}/control/theatre/events/{event.slug}/partners/"
    overflowing: list[str] = []

    # --- the organiser: menu and a partner with its administrator ---
    staff = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = staff.new_page()
    page.goto(base + "/control/login/")
    page.get_by_label("E-mail").fill("owner@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(control + "menu/")
    expect(page.locator("#portal-tabs li")).to_have_count(12)
    offers = page.locator("#portal-tabs li", has_text="Offers")
    offers.get_by_role("button", name="Disable").click()
    expect(page.locator("#portal-tabs li", has_text="Offers")).to_contain_text("disabled")
    # reorder with the keyboard: focus "Move Team up", press Enter
    page.get_by_role("button", name="Move “Team” up").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#portal-tabs li").nth(1)).to_contain_text("Team")
    # and by dragging: Leads onto the first place (the whole list in view: no scrolling
    # during a drag)
    page.set_viewport_size({"width": 1280, "height": 1800})
    with page.expect_navigation():  # the new order is saved, then the page reloads
        page.locator("#portal-tabs li", has_text="Leads").drag_to(
            page.locator("#portal-tabs li").first, target_position={"x": 20, "y": 2}
        )
    expect(page.locator("#portal-tabs li").first).to_contain_text("Leads")
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.get_by_label("Page", exact=True).select_option("custom")
    page.get_by_label("Title", exact=True).fill("Set-up rules")
    page.get_by_label("Content (custom pages)").fill("<p>Stands open at <b>7:00</b>.</p>")
    page.get_by_role("button", name="Add the tab").click()
    expect(page.locator("#portal-tabs li").last).to_contain_text("Set-up rules")
    overflowing += shoot(page, "partners-admin-menu")

    page.goto(control)
    page.get_by_label("Show badges (partners download them)").check()
    page.get_by_label("Open the Leads tab (badge scans)").check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("button", name="Open the portal").click()
    page.get_by_label("Name", exact=True).fill("Acme Lighting")
    page.get_by_label("Short name (in the address)").fill("acme")
    page.get_by_label("Administrator's e-mail").fill("wile@acme.example")
    page.get_by_label("First name").fill("Wile")
    page.get_by_role("button", name="Add the partner").click()
    expect(page.get_by_role("heading", name="Team", exact=True)).to_be_visible()
    expect(page.locator("table")).to_contain_text("wile@acme.example")
    overflowing += shoot(page, "partners-admin-partner")
    page.goto(control)
    overflowing += shoot(page, "partners-admin-index")
    page.get_by_role("button", name="Send access e-mails to all administrators").click()
    expect(page.get_by_text("1 access e-mails sent.")).to_be_visible()
    staff.close()

    # --- the access e-mail, over SMTP, logs the administrator in ---
    assert deliver_due_messages().sent == 1
    [access] = _mail_to(smtp_server, "wile@acme.example", 1)
    link = re.search(r"https?://\S+/login/\S+/", access.message.get_content())[0]
    partner_context = browser.new_context(viewport=VIEWPORTS["desktop"])
    portal = partner_context.new_page()
    portal.goto(link)
    portal.get_by_role("button", name="Log in to the partner space").click()
    expect(portal.get_by_role("heading", level=1)).to_have_text("Welcome, Acme Lighting")
    menu = portal.get_by_role("navigation", name="Partner space")
    expect(menu.get_by_role("link", name="Set-up rules")).to_be_visible()
    expect(menu.get_by_role("link", name="Offers")).to_have_count(0)
    overflowing += shoot(portal, "partners-portal-home")
    menu.get_by_role("link", name="Set-up rules").click()
    expect(portal.locator(".custom-page b")).to_have_text("7:00")

    # --- profile → public page ---
    menu.get_by_role("link", name="Profile").click()
    portal.get_by_label("About us").fill("<strong>Stage lights</strong> since 1987")
    portal.get_by_role("button", name="Save the profile").click()
    expect(portal.get_by_text("Profile saved")).to_be_visible()
    visitor = browser.new_page()
    visitor.goto(f"{base}/theatre/{event.slug}/sponsors/acme/")
    expect(visitor.locator("dd strong")).to_have_text("Stage lights")

    # --- a sales contact, shown on the public page ---
    menu.get_by_role("link", name="Team").click()
    portal.get_by_label("E-mail").fill("sally@acme.example")
    portal.get_by_label("First name").fill("Sally")
    portal.get_by_label("Last name").fill("Sales")
    portal.get_by_label("Role").select_option("sales")
    portal.get_by_role("button", name="Add", exact=True).click()
    expect(portal.get_by_text("Added to the team.")).to_be_visible()
    overflowing += shoot(portal, "partners-portal-team")
    visitor.reload()
    expect(visitor.get_by_text("Sally Sales")).to_be_visible()
    overflowing += shoot(visitor, "partners-public-page")
    visitor.goto(f"{base}/theatre/{event.slug}/")
    expect(visitor.locator("#partners-title + ul")).to_contain_text("Acme Lighting")
    visitor.close()

    # --- meeting calendar: a space and slots ---
    menu.get_by_role("link", name="Meeting calendar").click()
    portal.get_by_label("Meeting space").fill("Stand A12")
    portal.get_by_role("button", name="Add the space").click()
    # on the event's day, in the organiser's zone: slots are taken within the event's days
    start = timezone.localtime(event.dates.get().start, organizer_zone(organizer)).replace(
        hour=10, minute=0
    )
    portal.get_by_label("From").fill(start.strftime("%Y-%m-%dT%H:%M"))
    portal.get_by_label("To").fill((start + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    portal.get_by_role("button", name="Add the slots").click()
    expect(portal.get_by_text("2 time slots added.")).to_be_visible()

    # --- the attendee opts in to be listed, from the personal space ---
    attendee_context = browser.new_context(viewport=VIEWPORTS["phone"])
    attendee = attendee_context.new_page()
    attendee.goto(base + "/theatre/account/login/")
    attendee.get_by_label("E-mail").first.fill("ada@school.example")
    attendee.get_by_role("button", name="E-mail me a code").click()
    assert deliver_due_messages().sent == 1
    [code_mail] = [
        m
        for m in _mail_to(smtp_server, "ada@school.example", 2)
        if "login code" in m.message["Subject"]
    ]
    code = re.search(r"^\s+(\d{6})\s*$", code_mail.message.get_content(), re.MULTILINE)[1]
    attendee.get_by_label("Code from the e-mail").fill(code)
    attendee.get_by_role("button", name="Log in", exact=True).click()
    attendee.goto(base + "/theatre/account/meetings/")
    attendee.get_by_label("List me to this event's partners").check()
    attendee.get_by_role("button", name="Save").click()
    expect(attendee.get_by_text("You are listed to this event's partners.")).to_be_visible()

    # --- the partner proposes a meeting; the attendee accepts it ---
    menu.get_by_role("link", name="Contact list").click()
    expect(portal.locator("table")).to_contain_text("Ada")
    contacts_page = portal.url
    propose = portal.locator("form", has=portal.get_by_role("button", name="Propose"))
    ada_name = f"{world.paid.contact.first_name} {world.paid.contact.last_name}".strip()
    propose.get_by_label("Attendee").select_option(label=ada_name)  # a name, no e-mail
    propose.get_by_label("Message").fill("A coffee at our stand?")
    portal.get_by_role("button", name="Propose").click()
    expect(portal.locator("table")).to_contain_text("Awaiting answer")
    assert deliver_due_messages().sent == 1
    [invitation] = [
        m
        for m in _mail_to(smtp_server, "ada@school.example", 3)
        if "meeting" in m.message["Subject"]
    ]
    assert "Acme Lighting proposes a meeting" == str(invitation.message["Subject"])
    attendee.reload()
    attendee.get_by_role("button", name="Accept").click()
    expect(attendee.get_by_text("Meeting accepted.")).to_be_visible()
    overflowing += shoot(attendee, "partners-account-meetings")
    portal.reload()
    expect(portal.locator("table")).to_contain_text("Accepted")
    overflowing += shoot(portal, "partners-portal-meetings")
    assert Meeting.objects.get().state == "accepted"

    # --- the partner writes first; Ada shares her contact details in answer ---
    meetings_page = portal.url
    portal.goto(contacts_page)
    write = portal.locator("form", has=portal.get_by_role("button", name="Send"))
    write.get_by_label("Attendee").select_option(label=ada_name)
    write.get_by_label("Message").fill("Our catalogue, by e-mail?")
    write.get_by_role("button", name="Send").click()
    expect(portal.get_by_text("Message sent")).to_be_visible()
    expect(portal.locator("main")).not_to_contain_text("ada@school.example")
    overflowing += shoot(portal, "partners-portal-contacts")
    attendee.reload()
    expect(attendee.locator("main")).to_contain_text("Our catalogue, by e-mail?")
    overflowing += shoot(attendee, "partners-account-message")
    attendee.get_by_role("button", name="Share my contact details").click()
    expect(attendee.get_by_text("Your contact details were shared")).to_be_visible()
    portal.reload()
    expect(portal.locator("main")).to_contain_text("ada@school.example")
    portal.goto(meetings_page)

    # --- badge scan on a phone ---
    phone = partner_context.new_page()
    phone.set_viewport_size(VIEWPORTS["phone"])
    phone.goto(portal.url.replace("/meetings/", "/leads/scan/"))
    decoded = phone.evaluate(
        """async (src) => {
            const img = new Image(); img.src = src; await img.decode();
            const canvas = document.createElement("canvas");
            canvas.width = img.width; canvas.height = img.height;
            const context = canvas.getContext("2d");
            context.drawImage(img, 0, 0);
            const data = context.getImageData(0, 0, img.width, img.height);
            return jsQR(data.data, data.width, data.height).data;
        }""",
        segno.make_qr(ada_ticket.secret, error="m").png_data_uri(scale=6, border=4),
    )
    assert decoded == ada_ticket.secret  # the camera path's decoder reads the badge
    phone.get_by_label("Badge code").fill(decoded)
    phone.get_by_label("Rating").select_option("4")
    phone.get_by_label("Note").fill("Wants a quote")
    phone.get_by_role("button", name="Save the lead").click()
    expect(phone.locator("#scan-result")).to_contain_text("Lead saved")
    expect(phone.locator("#scan-result")).to_contain_text("Ada")
    overflowing += shoot(phone, "partners-portal-scan")
    lead = Lead.objects.get()
    assert (lead.rating, lead.note) == (4, "Wants a quote")

    # --- the leads file: one sheet per tab ---
    phone.goto(portal.url.replace("/meetings/", "/leads/"))
    overflowing += shoot(phone, "partners-portal-leads")
    with phone.expect_download() as download:
        phone.get_by_role("button", name="Download (XLSX)").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert book.sheetnames == [
        "Scans",
        "Contact sharing",
        "Sessions",
        "Networking contacts",
        "Meetings",
    ]
    assert book["Scans"]["C2"].value == "ada@school.example"
    assert book["Meetings"]["F2"].value == "Accepted"
    partner_context.close()
    attendee_context.close()

    assert Partner.objects.get().team.count() == 2
    assert PortalTab.objects.filter(kind="custom").count() == 1
    assert overflowing == []


def test_partner_pages_have_no_serious_axe_violation(live_server, page, settings):
    """The public partner pages and the demo partner's portal, under axe-core (WCAG 2.x A/AA),
    at a desktop and a phone size."""
    from django.core.management import call_command

    from rideau.partners.models import TeamMember
    from tests.browser.test_accessibility import serious_violations

    settings.SITE_URL = live_server.url
    call_command("demo", verbosity=0)
    admin = TeamMember.objects.get(partner__slug="lumiere-son", role="admin")
    link = services.issue_link(admin)
    base = live_server.url + "/rideau-demo/rencontres-2027/"
    found: list[str] = []

    page.goto(base)
    found += serious_violations(page, "event with partners")
    page.goto(base + "sponsors/")
    found += serious_violations(page, "partners by level")
    page.goto(base + "sponsors/lumiere-son/")
    found += serious_violations(page, "partner page")
    page.goto(link)
    page.get_by_role("button", name="Log in to the partner space").click()
    for tab in [
        "",
        "team/",
        "tasks/",
        "documents/",
        "sessions/",
        "contacts/",
        "meetings/",
        "calendar/",
        "leads/",
        "leads/scan/",
    ]:
        page.goto(base + "partners/lumiere-son/" + tab)
        found += serious_violations(page, f"portal {tab or 'home'}")

    assert found == []


def test_discount_codes_and_a_confirmation_fit_a_phone_and_a_desktop(
    live_server, browser: Browser, settings
):
    """The Discount codes tab with its downloads, and the back office asking before it
    deletes a partner, at both sizes."""
    from rideau.checkin import services as checkin
    from rideau.orders.models import SalesChannel
    from rideau.orders.services import Buyer, OrderLine, place_order
    from rideau.partners import meetings
    from tests.factories import CheckinListFactory, VoucherFactory

    cache.clear()
    settings.SITE_URL = live_server.url
    organizer = OrganizerFactory(slug="theatre", name="Théâtre du Rideau", languages=["en"])
    owner = member(organizer, Role.OWNER, email="owner@example.org")
    actor = Actor(user=owner)
    world = make_orders(organizer)
    event = world.paid.event
    services.update_settings(event, actor=actor, open_portal=True)
    partner = services.create_partner(
        event, actor=actor, name="Acme Lighting", slug="acme", admin_email="wile@acme.example"
    )
    tab = next(t for t in services.ensure_tabs(event) if t.kind == "discounts")
    services.set_tab_enabled(tab, actor=actor, enabled=True)
    voucher = VoucherFactory(organizer=organizer, code="ACME10")
    services.assign_voucher(partner, actor=actor, voucher=voucher)
    position = world.paid.positions.first()
    for email, name in [("bob@example.net", "Bob Buyer"), ("eve@example.net", "Eve Quiet")]:
        order = place_order(
            organizer,
            event=event,
            lines=[OrderLine(rate=position.rate, quantity=1, date=position.date)],
            buyer=Buyer(email=email, name=name),
            channel=SalesChannel.BOX_OFFICE,
            provider="cash",
            paid=True,
            voucher_code="ACME10",
        )
        if name == "Bob Buyer":
            meetings.set_listing(event, order.contact, listed=True, shares_details=True)
            checkin.scan(
                checkin_list=CheckinListFactory(event=event),
                secret=order.positions.get().secret,
                actor=None,
                now=position.date.start,
            )
    link = services.issue_link(partner.team.get())
    overflowing: list[str] = []

    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    page.goto(link)
    page.get_by_role("button", name="Log in to the partner space").click()
    page.goto(f"{live_server.url}/theatre/{event.slug}/partners/acme/discounts/")
    expect(page.locator("table")).to_contain_text("bob@example.net")
    expect(page.locator("table")).not_to_contain_text("eve@example.net")
    overflowing += shoot(page, "partners-portal-discounts")

    page.goto(live_server.url + "/control/login/")
    page.get_by_label("E-mail").fill("owner@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/control/theatre/events/{event.slug}/partners/{partner.pk}/")
    page.get_by_role("button", name="Delete this partner").click()
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    overflowing += shoot(page, "partners-admin-confirm")
    assert Partner.objects.filter(pk=partner.pk).exists()
    page.get_by_role("button", name="Delete the partner").click()
    expect(page.get_by_text("Partner deleted.")).to_be_visible()
    context.close()

    assert not Partner.objects.filter(pk=partner.pk).exists()
    assert overflowing == []
