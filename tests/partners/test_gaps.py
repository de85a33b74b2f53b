"""Badges that pass check-in (B4), partners writing first and attendees sharing details
(B12), networking contacts (B12), discount code exports (B11), document upload through the
API (B7) and confirmation of destructive back-office actions."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from rideau.accounts.models import Account
from rideau.checkin import services as checkin
from rideau.core.errors import ValidationFailed
from rideau.inventory.models import Quota
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order, SalesChannel
from rideau.orders.services import Buyer, OrderLine, place_order
from rideau.partners import leads, meetings, queries, services
from rideau.partners.badges import badge_code
from rideau.partners.errors import PartnerError
from rideau.partners.models import ContactShare, Document, Partner, TeamMember
from tests.accounts.conftest import log_in_account
from tests.api.conftest import make_token
from tests.factories import (
    CheckinListFactory,
    EventDateFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
    VoucherFactory,
)

from .conftest import listed_attendee, slot_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def badge_rate(fair, actor):
    """Two days of the fair; badges are tickets of a free 'Exhibitor badge' rate with a
    quota of 3 places a day."""
    start = timezone.now() + datetime.timedelta(days=20)
    days = [
        EventDateFactory(event=fair.event, start=start + datetime.timedelta(days=i)) for i in (0, 1)
    ]
    for day in days:
        QuotaFactory(date=day, size=3)
    rate = RateFactory(
        product=ProductFactory(event=fair.event, name={"en": "Exhibitor badge"}), price=0
    )
    services.update_settings(fair.event, actor=actor, badge_rate=rate)
    return rate, days


def _taken(day) -> int:
    return sum(Quota.objects.filter(date=day).values_list("taken", flat=True))


def test_a_registered_attendee_s_badge_passes_check_in_once_per_day(fair, actor, badge_rate):
    _rate, (day1, day2) = badge_rate
    bea = services.add_member(fair.acme, actor=actor, email="bea@acme.example", role="attendee")
    checkin_list = CheckinListFactory(event=fair.event)

    code = badge_code(bea)
    first = checkin.scan(checkin_list=checkin_list, secret=code, actor=None, now=day1.start)
    again = checkin.scan(checkin_list=checkin_list, secret=code, actor=None, now=day1.start)
    next_day = checkin.scan(checkin_list=checkin_list, secret=code, actor=None, now=day2.start)

    assert code == bea.badge_code  # the badge's own code, not a ticket of one day
    assert (first.result, again.result, next_day.result) == ("valid", "already_used", "valid")
    assert first.position.date == day1 and next_day.position.date == day2
    assert first.attendee_name == "bea@acme.example"
    assert (_taken(day1), _taken(day2)) == (1, 1)
    # an administrator (no ticket, no badge ticket) is not admitted by the badge
    admin = checkin.scan(
        checkin_list=checkin_list, secret=fair.acme_admin.badge_code, actor=None, now=day1.start
    )
    assert admin.result == "unknown"


def test_a_badge_stops_passing_when_the_person_leaves_the_role_or_the_team(fair, actor, badge_rate):
    _rate, (day1, _day2) = badge_rate
    bea = services.add_member(fair.acme, actor=actor, email="bea@acme.example", role="attendee")
    cid = services.add_member(fair.acme, actor=actor, email="cid@acme.example", role="attendee")
    checkin_list = CheckinListFactory(event=fair.event)
    assert _taken(day1) == 2

    services.change_member(bea, by=fair.acme_admin, role="sales")
    services.remove_member(TeamMember.objects.get(pk=cid.pk), by=fair.acme_admin)
    bea.refresh_from_db()

    assert bea.badge_order is None and _taken(day1) == 0
    assert Order.objects.filter(channel=SalesChannel.PARTNER, status="cancelled").count() == 2
    scanned = checkin.scan(
        checkin_list=checkin_list, secret=bea.badge_code, actor=None, now=day1.start
    )
    assert scanned.result == "unknown"


def test_badges_take_places_through_the_engine_and_a_full_quota_refuses_the_member(
    fair, actor, badge_rate
):
    services.save_level(fair.event, actor=actor, level=fair.gold, name="Gold", team_limit=10)
    for i in range(3):
        services.add_member(fair.acme, actor=actor, email=f"p{i}@acme.example", role="attendee")

    with pytest.raises(PartnerError, match="no_badge_place"):
        services.add_member(fair.acme, actor=actor, email="late@acme.example", role="attendee")

    assert not fair.acme.team.filter(contact__email="late@acme.example").exists()
    assert fair.acme.team.filter(role="attendee", badge_order__isnull=False).count() == 3


def test_choosing_the_badge_rate_issues_the_existing_attendees_badges(fair, actor):
    bea = services.add_member(fair.acme, actor=actor, email="bea@acme.example", role="attendee")
    assert bea.badge_order_id is None
    day = EventDateFactory(event=fair.event)
    QuotaFactory(date=day, size=5)
    rate = RateFactory(product=ProductFactory(event=fair.event), price=0)
    other_event_rate = RateFactory(price=0)

    with pytest.raises(ValidationFailed):
        services.update_settings(fair.event, actor=actor, badge_rate=other_event_rate)
    services.update_settings(fair.event, actor=actor, badge_rate=rate)
    bea.refresh_from_db()

    assert bea.badge_order.positions.get().date == day
    assert bea.badge_order.total == 0 and bea.badge_order.status == "paid"


# --- contact sharing and messaging (B12) ---------------------------------------------------


def test_a_partner_writes_first_and_sees_the_e_mail_only_once_the_attendee_shares(fair):
    ada = listed_attendee(fair, "ada@example.org", listed=False)
    meetings.set_listing(fair.event, ada, listed=True, shares_details=False)

    row = meetings.write_to_attendee(
        fair.acme, member=fair.acme_admin, contact=ada, message="Visit our stand B12?"
    )
    mail = OutboxMessage.objects.get(reference=f"partner-message:{row.pk}")
    before = leads.sheets(fair.acme)
    with pytest.raises(PartnerError, match="message_waiting"):
        meetings.write_to_attendee(fair.acme, member=fair.acme_admin, contact=ada, message="?")
    meetings.answer_message(row, contact=ada, share=True)
    after = leads.sheets(fair.acme)
    with pytest.raises(PartnerError, match="message_closed"):
        meetings.answer_message(row, contact=ada, share=False)

    assert mail.to == ["ada@example.org"] and "Visit our stand B12?" in mail.body_text
    sharing_before = dict((t, rows) for t, _h, rows in before)["Contact sharing"]
    sharing_after = dict((t, rows) for t, _h, rows in after)["Contact sharing"]
    assert [r[2] for r in sharing_before] == [""]  # no e-mail before consent
    assert [r[2] for r in sharing_after] == ["ada@example.org"]
    assert ada.pk in queries.details_visible(fair.acme)
    assert ada.pk not in queries.details_visible(fair.globex)


def test_a_partner_cannot_write_to_an_unlisted_attendee_nor_flood(fair, monkeypatch):
    hidden = listed_attendee(fair, "hidden@example.org", listed=False)
    with pytest.raises(PartnerError, match="not_listed"):
        meetings.write_to_attendee(fair.acme, member=fair.acme_admin, contact=hidden, message="Hi")
    monkeypatch.setattr(meetings, "MESSAGES_PER_HOUR", 2)
    people = [listed_attendee(fair, f"p{i}@example.org") for i in range(3)]
    for person in people[:2]:
        meetings.write_to_attendee(fair.acme, member=fair.acme_admin, contact=person, message="Hi")

    with pytest.raises(PartnerError, match="too_many_messages") as refused:
        meetings.write_to_attendee(
            fair.acme, member=fair.acme_admin, contact=people[2], message="Hi"
        )

    assert refused.value.status == 429
    assert ContactShare.objects.filter(partner=fair.acme, origin="partner").count() == 2
    assert all(m.to != ["hidden@example.org"] for m in OutboxMessage.objects.all())


def test_the_portal_and_the_personal_space_carry_the_message_and_the_answer(
    fair, acme_client, organizer
):
    ada = listed_attendee(fair, "ada@example.org", listed=False)
    meetings.set_listing(fair.event, ada, listed=True, shares_details=False)
    services.ensure_tabs(fair.event)
    contacts_url = f"/{organizer.slug}/expo/partners/acme/contacts/"

    sent = acme_client.post(
        contacts_url, {"form": "message", "msg-contact": ada.pk, "msg-message": "Coffee?"}
    )
    page = acme_client.get(contacts_url).content.decode()
    account = Account.objects.create(organizer=organizer, contact=ada)
    attendee = Client()
    log_in_account(attendee, account)
    space = attendee.get(f"/{organizer.slug}/account/meetings/").content.decode()
    row = ContactShare.objects.get(contact=ada)
    attendee.post(f"/{organizer.slug}/account/meetings/", {"action": "share", "message": row.pk})
    shared_page = acme_client.get(contacts_url).content.decode()

    assert sent.status_code == 302
    assert "Coffee?" in page and "ada@example.org" not in page
    assert "Coffee?" in space and "Share my contact details" in space
    assert "ada@example.org" in shared_page


def test_networking_contacts_are_people_met_or_who_shared_with_consent(fair, actor):
    met = listed_attendee(fair, "met@example.org")
    slot = slot_for(fair, fair.acme)
    meeting = meetings.propose(fair.acme, member=fair.acme_admin, contact=met, slot=slot)
    meetings.answer(meeting, contact=met, accept=True)
    sharer = listed_attendee(fair, "sharer@example.org", listed=False)
    meetings.write_to_partner(fair.acme, contact=sharer, message="Hello", share=True)
    shy = listed_attendee(fair, "shy@example.org", listed=False)
    meetings.write_to_partner(fair.acme, contact=shy, message="Just a note", share=False)

    rows = queries.networking_contacts(fair.acme)
    sheet = dict((t, r) for t, _h, r in leads.sheets(fair.acme))["Networking contacts"]

    assert sorted((n.contact.email, n.how) for n in rows) == [
        ("met@example.org", "meeting"),
        ("sharer@example.org", "shared"),
    ]
    assert sorted(r[2] for r in sheet) == ["met@example.org", "sharer@example.org"]
    assert queries.networking_contacts(fair.globex) == []


# --- discount codes export (B11) -----------------------------------------------------------


def test_discount_uses_export_as_csv_and_xlsx_defused(fair, actor, organizer, acme_client):
    tab = next(t for t in services.ensure_tabs(fair.event) if t.kind == "discounts")
    services.set_tab_enabled(tab, actor=actor, enabled=True)
    day = EventDateFactory(event=fair.event)
    QuotaFactory(date=day, size=5)
    rate = RateFactory(product=ProductFactory(event=fair.event), price=10)
    voucher = VoucherFactory(organizer=organizer, code="ACME10")
    services.assign_voucher(fair.acme, actor=actor, voucher=voucher)
    order = place_order(
        organizer,
        event=fair.event,
        lines=[OrderLine(rate=rate, quantity=1, date=day)],
        buyer=Buyer(email="bob@example.net", name="=HYPERLINK(1)"),
        channel=SalesChannel.BOX_OFFICE,
        provider="cash",
        paid=True,
        voucher_code="ACME10",
    )
    meetings.set_listing(fair.event, order.contact, listed=True, shares_details=True)
    base = f"/{organizer.slug}/expo/partners/acme/discounts/"

    as_csv = acme_client.get(base + "discounts.csv")
    as_xlsx = acme_client.get(base + "discounts.xlsx")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode())))
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active

    assert as_csv.status_code == 200 and as_csv["Content-Type"].startswith("text/csv")
    assert rows[1][:3] == ["ACME10", "'=HYPERLINK(1)", "bob@example.net"]
    assert rows[1][-1] == "no"
    assert sheet.cell(2, 2).value == "'=HYPERLINK(1)"
    assert sheet.title == "Discount codes"


# --- documents through the API (B7) --------------------------------------------------------


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_documents_upload_through_the_api_checked_like_the_web_form(fair, organizer):
    token = make_token(organizer)
    client = Client()
    url = f"/api/v1/organizers/{organizer.slug}/events/expo/partner-documents"
    auth = {"Authorization": f"Bearer {token}"}

    made = client.post(
        url,
        {
            "title": "Stand rules",
            "partners": str(fair.acme.pk),
            "file": SimpleUploadedFile("rules.pdf", PDF, "application/pdf"),
        },
        headers=auth,
    )
    fake = client.post(
        url,
        {"title": "Fake", "file": SimpleUploadedFile("x.pdf", b"<script>", "application/pdf")},
        headers=auth,
    )
    exe = client.post(
        url,
        {"title": "Exe", "file": SimpleUploadedFile("x.exe", b"MZ\x90", "application/octet")},
        headers=auth,
    )
    foreign = client.post(
        url,
        {
            "title": "Other",
            "partners": "999999",
            "file": SimpleUploadedFile("r.pdf", PDF, "application/pdf"),
        },
        headers=auth,
    )

    assert made.status_code == 201, made.content
    assert made.json()["partners"] == [fair.acme.pk]
    assert (fake.status_code, exe.status_code, foreign.status_code) == (422, 422, 422)
    assert "file" in fake.content.decode() and "file" in exe.content.decode()
    assert list(Document.objects.values_list("title", flat=True)) == ["Stand rules"]


def test_the_back_office_form_refuses_the_same_files(fair, owner_client, organizer):
    url = f"/control/{organizer.slug}/events/expo/partners/documents/"
    response = owner_client.post(
        url, {"title": "Exe", "file": SimpleUploadedFile("x.exe", b"MZ", "application/octet")}
    )

    assert response.status_code == 200
    assert "Upload a PDF" in response.content.decode()
    assert not Document.objects.exists()


# --- confirmation of destructive back-office actions ---------------------------------------


def test_deleting_a_partner_asks_for_confirmation_first(fair, owner_client, organizer):
    url = f"/control/{organizer.slug}/events/expo/partners/{fair.globex.pk}/"

    asked = owner_client.post(url, {"action": "delete"})
    still = Partner.objects.filter(pk=fair.globex.pk).exists()
    done = owner_client.post(url, {"action": "delete", "confirmed": "1"})

    assert asked.status_code == 200 and still
    page = asked.content.decode()
    assert "This cannot be undone." in page and 'name="confirmed" value="1"' in page
    assert done.status_code == 302
    assert not Partner.objects.filter(pk=fair.globex.pk).exists()


def test_removing_a_team_member_asks_for_confirmation_first(fair, owner_client, organizer, actor):
    bea = services.add_member(fair.acme, actor=actor, email="bea@acme.example")
    url = f"/control/{organizer.slug}/events/expo/partners/{fair.acme.pk}/"
    data = {"action": "remove", "teammember": bea.pk}

    asked = owner_client.post(url, data)
    kept = TeamMember.objects.filter(pk=bea.pk).exists()
    owner_client.post(url, {**data, "confirmed": "1"})

    assert asked.status_code == 200 and kept
    assert f'name="teammember" value="{bea.pk}"' in asked.content.decode()
    assert not TeamMember.objects.filter(pk=bea.pk).exists()


def test_the_back_office_sets_the_badge_rate_among_the_event_s_rates(
    fair, owner_client, organizer, actor
):
    day = EventDateFactory(event=fair.event)
    QuotaFactory(date=day, size=5)
    rate = RateFactory(product=ProductFactory(event=fair.event), price=0)
    foreign = RateFactory(price=0)
    bea = services.add_member(fair.acme, actor=actor, email="bea@acme.example", role="attendee")
    url = f"/control/{organizer.slug}/events/expo/partners/"
    form = {
        "action": "settings",
        "primary_color": "#1d3557",
        "text_color": "#ffffff",
        "logo_placement": "menu",
    }

    refused = owner_client.post(url, {**form, "badge_rate": foreign.pk})
    saved = owner_client.post(url, {**form, "badge_rate": rate.pk})
    bea.refresh_from_db()

    assert refused.status_code == 200  # not a choice: the form says so
    assert saved.status_code == 302
    assert services.settings_for(fair.event).badge_rate == rate
    assert bea.badge_order.positions.get().date == day


def test_the_portal_asks_before_removing_a_teammate_or_deleting_an_offer(
    fair, acme_client, organizer, actor
):
    from rideau.partners import portal
    from rideau.partners.models import Offer

    bea = services.add_member(fair.acme, actor=actor, email="bea@acme.example")
    offer = portal.save_offer(
        fair.acme, member=fair.acme_admin, kind="promotion", title="Spotlights", description=""
    )
    base = f"/{organizer.slug}/expo/partners/acme"

    for tab in services.ensure_tabs(fair.event):
        services.set_tab_enabled(tab, actor=actor, enabled=True)
    team = acme_client.get(f"{base}/team/").content.decode()
    offer_page = acme_client.get(f"{base}/offers/{offer.pk}/").content.decode()

    # the shared delete button: htmx asks the question first (without scripts the form posts)
    # inline in the table; the offer's is the page's wide button (the include's `wide`, not
    # `block`, which is always true inside a template block)
    assert f'class="inline-form" hx-post="{base}/team/{bea.pk}/"' in team
    assert 'class="inline-form"' not in offer_page
    assert 'hx-confirm="Remove bea@acme.example from the team?"' in team
    assert 'name="action" value="remove"' in team
    assert 'hx-confirm="Delete this offer?"' in offer_page
    assert 'name="action" value="delete"' in offer_page
    # the buttons still do what they did
    acme_client.post(f"{base}/team/{bea.pk}/", {"action": "remove"})
    acme_client.post(f"{base}/offers/{offer.pk}/", {"action": "delete"})
    assert not TeamMember.objects.filter(pk=bea.pk).exists()
    assert not Offer.objects.filter(pk=offer.pk).exists()
