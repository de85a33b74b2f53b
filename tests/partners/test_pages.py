"""The partner portal's pages, the organiser's back-office pages and the attendee's
section of the personal space, through real requests."""

import datetime
import io
import re
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from rideau.accounts.models import Account
from rideau.partners import meetings, services
from rideau.partners.models import (
    DocumentAssignment,
    Lead,
    Listing,
    Meeting,
    Partner,
    PortalTab,
    ProfileField,
    TaskAssignment,
    TeamMember,
)
from tests.accounts.conftest import log_in_account
from tests.factories import EventDateFactory

from .conftest import listed_attendee, slot_for

pytestmark = pytest.mark.django_db


def _base(fair) -> str:
    return f"/{fair.event.organizer.slug}/expo/partners/acme/"


def _control(fair) -> str:
    return f"/control/{fair.event.organizer.slug}/events/expo/partners/"


# --- back office ---------------------------------------------------------------------------


def test_the_organiser_adds_a_partner_with_its_administrator(fair, owner_client):
    response = owner_client.post(
        _control(fair),
        {
            "action": "partner",
            "name": "Initech",
            "slug": "initech",
            "kind": "sponsor",
            "level": str(fair.gold.pk),
            "admin_email": "bill@initech.example",
        },
    )

    partner = Partner.objects.get(slug="initech")
    assert response.status_code == 302
    assert partner.team.get().role == "admin"
    assert owner_client.get(response["Location"]).status_code == 200


def test_a_partner_without_a_valid_administrator_is_refused_with_field_errors(fair, owner_client):
    response = owner_client.post(
        _control(fair),
        {"action": "partner", "name": "X", "slug": "x y", "kind": "sponsor", "admin_email": "no"},
    )

    assert response.status_code == 200
    assert set(response.context["partner_form"].errors) == {"slug", "admin_email"}
    assert not Partner.objects.filter(name="X").exists()


def test_the_organiser_configures_the_menu(fair, owner_client):
    page = owner_client.get(_control(fair) + "menu/")
    assert page.status_code == 200
    tabs = list(PortalTab.objects.filter(event=fair.event))
    offers = next(t for t in tabs if t.kind == "offers")

    owner_client.post(_control(fair) + f"menu/{offers.pk}/", {"action": "disable"})
    owner_client.post(_control(fair) + f"menu/{offers.pk}/", {"action": "up"})
    empty = owner_client.post(
        _control(fair) + "menu/",
        {"kind": "custom", "title": "Rules", "content": "", "enabled": "on"},
    )
    owner_client.post(
        _control(fair) + "menu/",
        {"kind": "custom", "title": "Rules", "content": "<p>Be kind</p>", "enabled": "on"},
    )

    offers.refresh_from_db()
    assert offers.enabled is False
    assert empty.status_code == 200 and empty.context["form"].errors
    rules = PortalTab.objects.get(event=fair.event, kind="custom")
    assert rules.content == "<p>Be kind</p>"
    ids = [t.pk for t in PortalTab.objects.filter(event=fair.event)]
    assert ids.index(offers.pk) == 2  # one up, from the fourth place
    order = ",".join(str(i) for i in reversed(ids))
    answer = owner_client.post(
        _control(fair) + "menu/order/", {"order": order}, HTTP_ACCEPT="application/json"
    )
    assert answer.status_code == 200
    assert [t.pk for t in PortalTab.objects.filter(event=fair.event)] == list(reversed(ids))


def test_the_organiser_assigns_tasks_and_documents_and_sees_who_viewed(fair, owner_client):
    due = (timezone.now() + datetime.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    owner_client.post(
        _control(fair) + "tasks/",
        {"title": "Logo", "due": due, "answer_kind": "file", "remind_days": "2"},
    )
    owner_client.post(
        _control(fair) + "documents/",
        {
            "title": "Handbook",
            "file": SimpleUploadedFile("handbook.pdf", b"%PDF-1.4 x"),
            "partners": [str(fair.acme.pk)],
        },
    )

    assert TaskAssignment.objects.filter(task__title="Logo").count() == 2
    assignment = DocumentAssignment.objects.get()
    assert assignment.partner == fair.acme
    acme = Client()
    from .conftest import log_in_portal

    log_in_portal(acme, fair.acme_admin)
    services.ensure_tabs(fair.event)
    opened = acme.get(_base(fair) + f"documents/{assignment.pk}/")
    assert opened.status_code == 200
    page = owner_client.get(_control(fair) + "documents/")
    assert "Wile Coyote" in page.content.decode()


def test_the_add_field_form_shows_its_inputs_beside_the_existing_fields(fair, owner_client):
    services.save_profile_field(
        fair.event, actor=fair.actor, key="website", label="Website", kind="text"
    )

    page = owner_client.get(_control(fair) + "fields/").content.decode()
    added = owner_client.post(
        _control(fair) + "fields/",
        {"key": "booth", "label": "Booth", "kind": "text", "choices": "", "position": "1"},
    )

    assert "Website" in page
    for name in ("key", "label", "kind", "choices", "position"):
        assert f'name="{name}"' in page
    assert '<label for="">' not in page
    assert added.status_code == 302
    assert ProfileField.objects.filter(event=fair.event, key="booth", label="Booth").exists()


# --- access --------------------------------------------------------------------------------


def test_the_access_link_shows_a_button_and_logs_in_once(fair, actor):
    url = services.issue_link(fair.acme_admin)
    path = url.split("127.0.0.1:8000")[-1] if "127.0.0.1" in url else url
    path = "/" + path.split("://", 1)[-1].split("/", 1)[1]
    client = Client()

    assert client.get(path).status_code == 200  # a mail scanner's GET spends nothing
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == _base(fair)
    assert client.get(_base(fair)).status_code == 200
    again = Client().post(path)
    assert again.status_code == 400


# --- the portal ----------------------------------------------------------------------------


def test_profile_edits_update_the_public_page(fair, actor, acme_client):
    services.ensure_tabs(fair.event)
    services.save_profile_field(fair.event, actor=actor, key="about", label="About", kind="rich")
    services.save_profile_field(fair.event, actor=actor, key="site", label="Site", kind="url")

    response = acme_client.post(
        _base(fair) + "profile/",
        {"about": "<strong>Rockets</strong> for all", "site": "https://acme.example"},
    )
    public = Client().get(f"/{fair.event.organizer.slug}/expo/sponsors/acme/")
    listing = Client().get(f"/{fair.event.organizer.slug}/expo/sponsors/")

    assert response.status_code == 302
    assert "<strong>Rockets</strong> for all" in public.content.decode()
    assert "https://acme.example" in public.content.decode()
    assert "Gold" in listing.content.decode() and "Acme" in listing.content.decode()


def test_the_team_tab_adds_a_sales_contact_shown_publicly(fair, acme_client):
    services.ensure_tabs(fair.event)
    response = acme_client.post(
        _base(fair) + "team/",
        {"email": "sal@acme.example", "first_name": "Sally", "last_name": "Sales", "role": "sales"},
    )

    assert response.status_code == 302
    assert TeamMember.objects.get(contact__email="sal@acme.example").role == "sales"
    assert (
        "Sally Sales"
        in Client().get(f"/{fair.event.organizer.slug}/expo/sponsors/acme/").content.decode()
    )


def test_badges_download_only_when_the_organiser_shows_them(fair, actor, acme_client):
    services.ensure_tabs(fair.event)
    assert acme_client.get(_base(fair) + "team/badges.pdf").status_code == 404
    services.update_settings(fair.event, actor=actor, show_badges=True)

    response = acme_client.get(_base(fair) + "team/badges.pdf")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_a_task_is_answered_from_the_portal(fair, actor, acme_client):
    services.ensure_tabs(fair.event)
    task = services.create_task(
        fair.event,
        actor=actor,
        title="Insurance",
        due=timezone.now() + datetime.timedelta(days=3),
        answer_kind="text",
    )
    assignment = TaskAssignment.objects.get(task=task, partner=fair.acme)

    empty = acme_client.post(_base(fair) + f"tasks/{assignment.pk}/", {"text": ""})
    done = acme_client.post(_base(fair) + f"tasks/{assignment.pk}/", {"text": "Policy 42"})

    assert empty.status_code == 200 and empty.context["form"].errors
    assert done.status_code == 302
    assert TaskAssignment.objects.get(pk=assignment.pk).answer_text == "Policy 42"


def test_a_meeting_is_proposed_from_the_contact_list_and_accepted_in_the_personal_space(
    fair, acme_client
):
    services.ensure_tabs(fair.event)
    ada = listed_attendee(fair, "ada@example.org")
    slot = slot_for(fair, fair.acme)
    page = acme_client.get(_base(fair) + "contacts/")
    assert "Ada" in page.content.decode()

    response = acme_client.post(
        _base(fair) + "contacts/",
        {"contact": str(ada.pk), "slot": str(slot.pk), "message": "Coffee?"},
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    attendee = Client()
    log_in_account(attendee, Account.objects.create(organizer=fair.event.organizer, contact=ada))
    section = attendee.get(f"/{fair.event.organizer.slug}/account/meetings/")
    assert "Acme" in section.content.decode()
    attendee.post(
        f"/{fair.event.organizer.slug}/account/meetings/",
        {"action": "accept", "meeting": str(meeting.pk)},
    )

    meeting.refresh_from_db()
    assert meeting.state == "accepted"
    assert "Accepted" in acme_client.get(_base(fair) + "meetings/").content.decode()


def test_the_attendee_opts_in_to_be_listed_from_the_personal_space(fair):
    from tests.factories import ContactFactory

    ada = ContactFactory(organizer=fair.event.organizer, email="ada@example.org")
    attendee = Client()
    log_in_account(attendee, Account.objects.create(organizer=fair.event.organizer, contact=ada))
    url = f"/{fair.event.organizer.slug}/account/meetings/"
    assert "List me" in attendee.get(url).content.decode()

    attendee.post(
        url, {"action": "listing", "event": str(fair.event.pk), "listed": "on", "headline": "AI"}
    )

    listing = Listing.objects.get(contact=ada)
    assert (listing.listed, listing.headline, listing.shares_details) == (True, "AI", False)


def test_leads_are_scanned_and_downloaded_with_one_sheet_per_tab(fair, actor, acme_client):
    services.ensure_tabs(fair.event)
    assert acme_client.get(_base(fair) + "leads/scan/").status_code == 404
    services.update_settings(fair.event, actor=actor, leads_open=True)
    guest = services.add_member(
        fair.globex, actor=actor, email="g@globex.example", first_name="Gus"
    )
    meetings.set_listing(fair.event, guest.contact, listed=True)

    scan = acme_client.post(
        _base(fair) + "leads/scan/",
        {"code": guest.badge_code, "rating": "5", "note": "hot"},
        HTTP_HX_REQUEST="true",
    )
    unknown = acme_client.post(
        _base(fair) + "leads/scan/", {"code": "nope"}, HTTP_HX_REQUEST="true"
    )
    export = acme_client.get(_base(fair) + "leads/leads.xlsx")

    assert "Lead saved" in scan.content.decode()
    assert "not a badge" in unknown.content.decode()
    lead = Lead.objects.get()
    assert (lead.rating, lead.note, lead.scanned_by) == (5, "hot", fair.acme_admin)
    book = load_workbook(io.BytesIO(export.content))
    assert len(book.sheetnames) == 5
    assert book["Scans"]["A2"].value == "Gus"


def test_the_home_shows_counts_and_the_organisers_contacts(fair, actor, acme_client):
    services.update_settings(
        fair.event,
        actor=actor,
        organizer_contacts="Call Zoé: 0102",
        dashboard='<p><a href="https://fair.example/map">Floor plan</a><script>x()</script></p>',
    )
    services.create_task(
        fair.event,
        actor=actor,
        title="T",
        due=timezone.now() + datetime.timedelta(days=3),
        answer_kind="checkbox",
    )

    page = acme_client.get(_base(fair)).content.decode()

    assert "Call Zoé: 0102" in page
    assert (
        '<a href="https://fair.example/map" rel="noopener noreferrer nofollow">Floor plan</a>'
        in page
    )
    assert "x()" not in page
    assert re.search(r'class="big-number">1<', page)


def test_a_file_answer_is_downloaded_by_the_organiser(fair, actor, acme_client, owner_client):
    services.ensure_tabs(fair.event)
    task = services.create_task(
        fair.event,
        actor=actor,
        title="Insurance",
        due=timezone.now() + datetime.timedelta(days=3),
        answer_kind="file",
        partners=[fair.acme],
    )
    assignment = TaskAssignment.objects.get(task=task)
    acme_client.post(
        _base(fair) + f"tasks/{assignment.pk}/",
        {"file": SimpleUploadedFile("policy.pdf", b"%PDF-1.4 policy")},
    )

    page = owner_client.get(_control(fair) + "tasks/")
    download = owner_client.get(_control(fair) + f"tasks/{assignment.pk}/file/")

    assert f"tasks/{assignment.pk}/file/" in page.content.decode()
    assert b"".join(download.streaming_content) == b"%PDF-1.4 policy"
    assert download["Content-Disposition"].startswith("attachment")


def test_a_file_answer_of_the_wrong_kind_or_empty_is_refused_on_its_field(
    fair, actor, acme_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    services.ensure_tabs(fair.event)
    task = services.create_task(
        fair.event,
        actor=actor,
        title="Insurance",
        due=timezone.now() + datetime.timedelta(days=3),
        answer_kind="file",
        partners=[fair.acme],
    )
    assignment = TaskAssignment.objects.get(task=task)
    url = _base(fair) + f"tasks/{assignment.pk}/"

    html = acme_client.post(url, {"file": SimpleUploadedFile("evil.html", b"<script>x()</script>")})
    empty = acme_client.post(
        url, {"file": SimpleUploadedFile("policy.pdf", b"")}, HTTP_ACCEPT_LANGUAGE="fr"
    )

    assert html.status_code == 200
    assert "Upload a PDF" in html.context["form"].errors["file"][0]
    assert empty.status_code == 200
    assert empty.context["form"].errors["file"]
    assert "vide" in empty.context["form"].errors["file"][0]
    assignment.refresh_from_db()
    assert not assignment.answer_file and assignment.done_at is None


def test_the_calendar_refuses_slots_outside_the_fair_or_too_many_at_once(fair, acme_client):
    services.ensure_tabs(fair.event)
    day = EventDateFactory(event=fair.event)
    space = meetings.add_space(fair.acme, member=fair.acme_admin, name="Stand")
    url = _base(fair) + "calendar/"
    local = timezone.localtime(day.start, zoneinfo.ZoneInfo(fair.event.organizer.timezone))
    body = {"form": "slots", "space": str(space.pk), "minutes": "5"}

    past = acme_client.post(url, {**body, "start": "2020-03-02T10:00", "end": "2020-03-02T11:00"})
    whole_day = acme_client.post(
        url,
        {**body, "start": f"{local:%Y-%m-%d}T00:00", "end": f"{local:%Y-%m-%d}T23:55"},
    )

    assert past.status_code == 200
    assert "event's days" in past.context["slots_form"].errors["start"][0]
    assert whole_day.status_code == 200
    assert "at most 200" in whole_day.context["slots_form"].errors["end"][0]
    assert not space.slots.exists()


def test_a_document_is_shown_without_running_anything(fair, acme_client):
    from tests.factories import DocumentFactory

    services.ensure_tabs(fair.event)
    document = DocumentFactory(
        event=fair.event, file=SimpleUploadedFile("x.html", b"<script>alert(1)</script>")
    )
    assignment = DocumentAssignment.objects.create(document=document, partner=fair.acme)

    response = acme_client.get(_base(fair) + f"documents/{assignment.pk}/")

    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_cached_event_page_shows_a_new_partner_at_once(fair, actor):
    from rideau.events.models import Event

    Event.objects.filter(pk=fair.event.pk).update(visibility="public")
    url = f"/{fair.event.organizer.slug}/expo/"
    assert "Initech" not in Client().get(url).content.decode()
    services.create_partner(
        fair.event, actor=actor, name="Initech", slug="initech", admin_email="b@initech.example"
    )

    assert "Initech" in Client().get(url).content.decode()
