"""The partner portal's rules (SPEC B1–B13), through its services."""

import datetime
import hashlib
import io
import os
import re
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from openpyxl import load_workbook

from rideau.core.domain_events import process_events
from rideau.core.errors import ValidationFailed
from rideau.core.models import DomainEventRecord
from rideau.messaging.models import OutboxMessage
from rideau.partners import leads, meetings, portal, queries, services, tasks
from rideau.partners.domain_events import PartnerAdministratorAdded
from rideau.partners.errors import PartnerError
from rideau.partners.models import (
    AccessLink,
    DocumentAssignment,
    Lead,
    Meeting,
    MeetingSlot,
    MeetingSpace,
    PortalTab,
    Task,
    TaskAssignment,
    TeamMember,
)
from tests.factories import ContactFactory, DocumentFactory, EventDateFactory, SessionFactory

from .conftest import listed_attendee, slot_for

pytestmark = pytest.mark.django_db

LINK = re.compile(r"(http://\S+/login/\S+/)")


# --- B13 access ----------------------------------------------------------------------------


def test_a_partner_is_created_with_its_administrator(fair):
    admin = fair.acme.team.get()

    assert admin.role == TeamMember.Role.ADMIN
    assert admin.contact.email == "wile@acme.example"
    assert fair.acme.level == fair.gold


def test_the_last_administrator_cannot_leave_or_lose_the_role(fair, actor):
    admin = fair.acme_admin

    with pytest.raises(PartnerError) as removed:
        services.remove_member(admin, actor=actor)
    with pytest.raises(PartnerError) as demoted:
        services.change_member(admin, actor=actor, role="sales")

    assert removed.value.code == demoted.value.code == "last_administrator"
    assert TeamMember.objects.get(pk=admin.pk).role == "admin"


def test_send_access_emails_writes_one_hashed_single_use_link_per_administrator(fair, actor):
    OutboxMessage.objects.all().delete()

    sent = services.send_access_emails(fair.event, actor=actor)

    assert sent == 2
    mails = list(OutboxMessage.objects.order_by("pk"))
    assert sorted(m.to[0] for m in mails) == ["hank@globex.example", "wile@acme.example"]
    mail = next(m for m in mails if m.to == ["wile@acme.example"])
    token = LINK.search(mail.body_text)[1].rstrip("/").rsplit("/", 1)[1]
    link = AccessLink.objects.get(member=fair.acme_admin)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in link.token_hash  # only the hash is stored

    assert services.log_in_with_link(fair.acme, token) == fair.acme_admin
    with pytest.raises(PartnerError, match="link_invalid"):
        services.log_in_with_link(fair.acme, token)  # single use


def test_a_closed_portal_lets_nobody_in(fair, actor, acme_client):
    url = services.issue_link(fair.acme_admin)
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    services.update_settings(fair.event, actor=actor, open_portal=False)

    assert acme_client.get(f"/{fair.event.organizer.slug}/expo/partners/acme/").status_code == 302
    assert Client().post(path).status_code == 400
    assert AccessLink.objects.get().used_at is None  # still usable once the portal opens


def test_a_link_expires_and_opens_only_its_own_partner(fair, actor):
    url = services.issue_link(fair.acme_admin)
    token = url.rstrip("/").rsplit("/", 1)[1]

    with pytest.raises(PartnerError, match="link_invalid"):
        services.log_in_with_link(fair.globex, token)
    AccessLink.objects.update(expires=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(PartnerError, match="link_invalid"):
        services.log_in_with_link(fair.acme, token)
    assert AccessLink.objects.get().used_at is None


def test_an_administrator_added_after_the_portal_opened_gets_the_link_automatically(fair, actor):
    services.update_settings(fair.event, actor=actor, open_portal=False)
    services.add_member(fair.acme, actor=actor, email="early@acme.example", role="admin")
    process_events()
    assert not OutboxMessage.objects.filter(to=["early@acme.example"]).exists()  # not open

    services.update_settings(fair.event, actor=actor, open_portal=True)
    services.add_member(fair.acme, actor=actor, email="late@acme.example", role="admin")
    record = DomainEventRecord.objects.filter(name=PartnerAdministratorAdded.name).last()
    process_events()

    assert (
        record.payload["contact_id"]
        == TeamMember.objects.get(contact__email="late@acme.example").contact_id
    )
    assert str(PartnerAdministratorAdded.trigger_label) == "A partner administrator is added"
    assert OutboxMessage.objects.filter(to=["late@acme.example"]).count() == 1
    assert AccessLink.objects.filter(member__contact__email="late@acme.example").count() == 1


# --- B1 menu -------------------------------------------------------------------------------


def test_the_default_menu_has_every_built_in_tab_and_discount_codes_off(fair):
    tabs = services.ensure_tabs(fair.event)

    assert [t.kind for t in tabs][:3] == ["home", "profile", "team"]
    assert {t.kind: t.enabled for t in tabs}["discounts"] is False
    assert len(tabs) == 12


def test_a_custom_tab_without_content_cannot_be_enabled(fair, actor):
    with pytest.raises(PartnerError, match="tab_without_content"):
        services.save_tab(fair.event, actor=actor, title="Rules", content="  ")
    tab = services.save_tab(fair.event, actor=actor, title="Rules", content="", enabled=False)

    with pytest.raises(PartnerError, match="tab_without_content"):
        services.set_tab_enabled(tab, actor=actor, enabled=True)
    assert PortalTab.objects.get(pk=tab.pk).enabled is False


def test_custom_content_is_sanitised(fair, actor):
    tab = services.save_tab(
        fair.event,
        actor=actor,
        title="Rules",
        content='<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:x">y</a></p>',
    )

    assert "script" not in tab.content
    assert "onclick" not in tab.content
    assert "javascript" not in tab.content
    assert tab.content.startswith("<p>Hi")


def test_tabs_are_reordered_and_moved(fair, actor):
    tabs = services.ensure_tabs(fair.event)
    ids = [t.pk for t in tabs]

    services.reorder_tabs(fair.event, actor=actor, order=list(reversed(ids)))
    assert [t.pk for t in PortalTab.objects.filter(event=fair.event)] == list(reversed(ids))
    services.move_tab(PortalTab.objects.get(pk=ids[-1]), actor=actor, offset=1)
    assert [t.pk for t in PortalTab.objects.filter(event=fair.event)][:2] == [ids[-2], ids[-1]]
    with pytest.raises(ValidationFailed):
        services.reorder_tabs(fair.event, actor=actor, order=ids[:3])


# --- B3 profile, B4 team -------------------------------------------------------------------


def test_profile_fields_are_checked_by_kind(fair, actor):
    services.save_profile_field(fair.event, actor=actor, key="about", label="About", kind="rich")
    services.save_profile_field(fair.event, actor=actor, key="site", label="Site", kind="url")
    services.save_profile_field(
        fair.event, actor=actor, key="sector", label="Sector", kind="choice", choices=["IT", "Food"]
    )
    member = fair.acme_admin

    with pytest.raises(ValidationFailed) as bad:
        portal.update_profile(
            fair.acme, member=member, values={"site": "ftp://x", "sector": "Cars"}
        )
    assert set(bad.value.errors) == {"site", "sector"}
    portal.update_profile(
        fair.acme,
        member=member,
        values={"about": "<b>Rockets</b><script>x</script>", "site": "https://acme.example"},
    )
    fair.acme.refresh_from_db()
    assert fair.acme.profile == {
        "about": "<b>Rockets</b>",
        "site": "https://acme.example",
        "sector": "",
    }


def test_team_size_is_limited_by_level(fair, actor):
    services.add_member(fair.acme, actor=actor, email="a@acme.example", role="sales")
    services.add_member(fair.acme, by=fair.acme_admin, email="b@acme.example")

    with pytest.raises(PartnerError) as full:
        services.add_member(fair.acme, by=fair.acme_admin, email="c@acme.example")
    assert full.value.code == "team_full"
    assert fair.acme.team.count() == 3


def test_an_administrator_of_another_partner_cannot_manage_this_team(fair):
    with pytest.raises(PartnerError):
        services.add_member(fair.acme, by=fair.globex_admin, email="x@globex.example")
    assert fair.acme.team.count() == 1


def test_badges_hold_a_qr_code_with_the_badge_code(fair, actor):
    import pypdfium2
    import zxingcpp

    from rideau.partners.badges import render_badges

    sales = services.add_member(
        fair.acme, actor=actor, email="s@acme.example", first_name="Sam", role="sales"
    )
    pdf = render_badges(fair.acme, [sales])

    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=3).to_pil()
    found = zxingcpp.read_barcodes(image)
    assert [r.text for r in found] == [sales.badge_code]
    assert "Sam" in page.get_textpage().get_text_range()


# --- B5–B7 ---------------------------------------------------------------------------------


def test_tasks_go_to_all_partners_and_an_answer_completes_them(fair, actor):
    task = services.create_task(
        fair.event,
        actor=actor,
        title="Send your logo",
        due=timezone.now() + datetime.timedelta(days=2),
        answer_kind="checkbox",
    )
    assignment = TaskAssignment.objects.get(task=task, partner=fair.acme)
    assert TaskAssignment.objects.filter(task=task).count() == 2

    with pytest.raises(ValidationFailed):
        portal.answer_task(assignment, member=fair.acme_admin, done=False)
    portal.answer_task(assignment, member=fair.acme_admin, done=True)

    active, done = queries.tasks(fair.acme)
    assert (len(active), len(done)) == (0, 1)
    assert len(queries.tasks(fair.globex)[0]) == 1


def test_a_task_due_in_the_past_is_refused_on_its_date(fair, actor):
    with pytest.raises(ValidationFailed) as past:
        services.create_task(
            fair.event,
            actor=actor,
            title="Too late",
            due=timezone.now() - datetime.timedelta(hours=1),
            answer_kind="checkbox",
        )
    assert list(past.value.errors) == ["due"] and not Task.objects.exists()


def _file_task(fair, actor) -> TaskAssignment:
    task = services.create_task(
        fair.event,
        actor=actor,
        title="Insurance",
        due=timezone.now() + datetime.timedelta(days=2),
        answer_kind="file",
        partners=[fair.acme],
    )
    return TaskAssignment.objects.get(task=task)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("evil.html", b"<script>alert(1)</script>", "Envoyez un PDF, une image"),
        ("policy.pdf", b"", "Le fichier est vide."),
        ("policy.pdf", b"<html></html>", "n'est pas celui d'un fichier .pdf"),
    ],
)
def test_a_file_answer_is_checked_like_the_organisers_documents(
    fair, actor, name, content, problem
):
    assignment = _file_task(fair, actor)

    with translation.override("fr"), pytest.raises(ValidationFailed) as refused:
        portal.answer_task(
            assignment, member=fair.acme_admin, file=SimpleUploadedFile(name, content)
        )

    assert problem in refused.value.errors["file"][0]
    assignment.refresh_from_db()
    assert not assignment.answer_file and assignment.done_at is None


def test_a_new_file_answer_deletes_the_previous_file_once_saved(
    fair, actor, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    assignment = _file_task(fair, actor)
    portal.answer_task(
        assignment, member=fair.acme_admin, file=SimpleUploadedFile("a.pdf", b"%PDF-1.4 one")
    )
    first = TaskAssignment.objects.get(pk=assignment.pk).answer_file.path

    with django_capture_on_commit_callbacks(execute=False) as pending:
        portal.answer_task(
            assignment, member=fair.acme_admin, file=SimpleUploadedFile("a.pdf", b"%PDF-1.4 two")
        )
    kept_until_commit = os.path.exists(first)
    for callback in pending:
        callback()

    second = TaskAssignment.objects.get(pk=assignment.pk).answer_file
    assert kept_until_commit
    assert not os.path.exists(first)
    assert second.read() == b"%PDF-1.4 two"


def test_task_reminders_are_sent_once_before_the_due_date(fair, actor):
    services.create_task(
        fair.event,
        actor=actor,
        title="Insurance",
        due=timezone.now() + datetime.timedelta(days=2),
        answer_kind="text",
        remind_days=3,
        partners=[fair.acme],
    )
    services.create_task(
        fair.event,
        actor=actor,
        title="Later",
        due=timezone.now() + datetime.timedelta(days=20),
        answer_kind="text",
        remind_days=3,
        partners=[fair.acme],
    )
    OutboxMessage.objects.all().delete()

    assert tasks.send_task_reminders() == 1
    assert tasks.send_task_reminders() == 0
    mail = OutboxMessage.objects.get()
    assert mail.to == ["wile@acme.example"]
    assert "Insurance" in mail.subject


def test_a_document_is_viewed_once_and_the_organiser_sees_who(fair):
    document = DocumentFactory(event=fair.event)
    assignment = DocumentAssignment.objects.create(document=document, partner=fair.acme)

    portal.mark_viewed(assignment, member=fair.acme_admin)
    first = assignment.viewed_at
    portal.mark_viewed(assignment, member=fair.acme_admin)

    assignment.refresh_from_db()
    assert assignment.viewed_at == first
    assert assignment.viewed_by == fair.acme_admin
    assert queries.documents(fair.acme) == ([], [assignment])


def test_offers_can_be_hidden_from_the_public_site(fair):
    portal.save_offer(fair.acme, member=fair.acme_admin, kind="job", title="Engineer")
    portal.save_offer(
        fair.acme, member=fair.acme_admin, kind="promotion", title="-20 %", public=False
    )

    assert [o.title for o in fair.acme.offers.filter(public=True)] == ["Engineer"]


# --- B9, B10 meetings ----------------------------------------------------------------------


def test_only_listed_attendees_are_in_the_contact_list_and_can_be_invited(fair):
    listed = listed_attendee(fair, "listed@example.org")
    quiet = listed_attendee(fair, "quiet@example.org", listed=False)
    ContactFactory(organizer=fair.event.organizer, email="never@example.org")
    slot = slot_for(fair, fair.acme)

    assert [row.contact for row in queries.contact_list(fair.acme)] == [listed]
    with pytest.raises(PartnerError, match="not_listed"):
        meetings.propose(fair.acme, member=fair.acme_admin, contact=quiet, slot=slot)
    assert Meeting.objects.count() == 0


def _two_day_fair(fair) -> tuple[MeetingSpace, datetime.datetime]:
    """The fair runs on two days in the organiser's zone (far from UTC, so a day there is
    not a day in UTC): its first day's midnight is returned with a meeting space."""
    organizer = fair.event.organizer
    organizer.timezone = "Pacific/Auckland"
    organizer.save()
    zone = zoneinfo.ZoneInfo("Pacific/Auckland")
    day = (timezone.now() + datetime.timedelta(days=20)).astimezone(zone).date()
    midnight = datetime.datetime.combine(day, datetime.time(0), tzinfo=zone)
    EventDateFactory(
        event=fair.event,
        start=midnight + datetime.timedelta(hours=9),
        end=midnight + datetime.timedelta(hours=18),
    )
    SessionFactory(
        event=fair.event,
        start=midnight + datetime.timedelta(days=1, hours=14),
        end=midnight + datetime.timedelta(days=1, hours=15),
    )
    space = meetings.add_space(fair.acme, member=fair.acme_admin, name="Stand")
    return space, midnight


@pytest.mark.parametrize(
    ("start", "end", "refused"),
    [
        (datetime.timedelta(days=-2000), datetime.timedelta(days=-2000, hours=1), "start"),
        (datetime.timedelta(days=365), datetime.timedelta(days=365, hours=1), "start"),
        (datetime.timedelta(hours=-1), datetime.timedelta(hours=1), "start"),
        (datetime.timedelta(days=1, hours=23), datetime.timedelta(days=2, hours=1), "end"),
    ],
)
def test_meeting_slots_outside_the_events_days_are_refused(fair, start, end, refused):
    space, midnight = _two_day_fair(fair)

    with translation.override("fr"), pytest.raises(ValidationFailed) as error:
        meetings.add_slots(
            space, member=fair.acme_admin, start=midnight + start, end=midnight + end
        )

    assert "jours de l'événement" in error.value.errors[refused][0]
    assert not MeetingSlot.objects.exists()


def test_meeting_slots_fill_the_events_days_from_midnight_to_midnight(fair):
    space, midnight = _two_day_fair(fair)

    made = meetings.add_slots(
        space,
        member=fair.acme_admin,
        start=midnight,
        end=midnight + datetime.timedelta(days=2),
        minutes=480,
    )

    assert len(made) == 6
    assert made[-1].end == midnight + datetime.timedelta(days=2)


def test_too_many_meeting_slots_at_once_are_refused_not_cut_short(fair):
    space, midnight = _two_day_fair(fair)

    with pytest.raises(ValidationFailed) as error:
        meetings.add_slots(
            space,
            member=fair.acme_admin,
            start=midnight,
            end=midnight + datetime.timedelta(days=2),
            minutes=5,
        )

    assert "576 time slots" in error.value.errors["end"][0]
    assert f"at most {meetings.MAX_SLOTS_AT_ONCE}" in error.value.errors["end"][0]
    assert not MeetingSlot.objects.exists()


def test_an_accepted_meeting_books_its_slot_and_a_second_acceptance_is_refused(fair):
    ada = listed_attendee(fair, "ada@example.org")
    bob = listed_attendee(fair, "bob@example.org")
    slot = slot_for(fair, fair.acme)
    OutboxMessage.objects.all().delete()
    first = meetings.propose(fair.acme, member=fair.acme_admin, contact=ada, slot=slot)
    second = meetings.propose(fair.acme, member=fair.acme_admin, contact=bob, slot=slot)
    assert OutboxMessage.objects.filter(to=["ada@example.org"]).count() == 1

    meetings.answer(first, contact=ada, accept=True)
    with pytest.raises(PartnerError, match="slot_taken"):
        meetings.answer(second, contact=bob, accept=True)

    slot.refresh_from_db()
    assert slot.meeting == first
    assert Meeting.objects.get(pk=second.pk).state == "proposed"
    with pytest.raises(PartnerError, match="permission_denied"):
        meetings.answer(second, contact=ada, accept=False)


# --- B12 leads -----------------------------------------------------------------------------


def test_a_badge_of_a_non_consenting_attendee_is_refused_and_nothing_is_stored(fair, actor):
    services.update_settings(fair.event, actor=actor, leads_open=True)
    member = services.add_member(fair.globex, actor=actor, email="guest@globex.example")

    with pytest.raises(PartnerError, match="not_listed"):
        leads.scan(fair.acme, member=fair.acme_admin, code=member.badge_code)
    assert Lead.objects.count() == 0


def test_scans_need_the_tab_opened_by_the_organiser(fair, actor):
    with pytest.raises(PartnerError, match="leads_closed"):
        leads.scan(fair.acme, member=fair.acme_admin, code="x")


def test_the_leads_file_has_one_sheet_per_tab_safe_and_without_non_consenting_people(fair, actor):
    services.update_settings(fair.event, actor=actor, leads_open=True)
    evil = listed_attendee(fair, "evil@example.org")
    evil.first_name = "=HYPERLINK(1)"
    evil.save()
    guest = services.add_member(
        fair.globex, actor=actor, email="guest@globex.example", first_name="Gus"
    )
    from rideau.partners.models import Listing

    Listing.objects.create(
        organizer=fair.event.organizer, event=fair.event, contact=guest.contact, listed=True
    )
    leads.scan(fair.acme, member=fair.acme_admin, code=guest.badge_code, note="+1 call", rating=4)
    Lead.objects.create(partner=fair.acme, contact=evil, note="met")
    quiet = listed_attendee(fair, "quiet@example.org", listed=False)
    Lead.objects.create(partner=fair.acme, contact=quiet, note="was listed before")
    slot = slot_for(fair, fair.acme)
    meetings.propose(fair.acme, member=fair.acme_admin, contact=evil, slot=slot)

    book = load_workbook(io.BytesIO(leads.leads_workbook(fair.acme)))

    assert book.sheetnames == [
        "Scans",
        "Contact sharing",
        "Sessions",
        "Networking contacts",
        "Meetings",
    ]
    scans = [[c.value for c in row] for row in book["Scans"].iter_rows(min_row=2)]
    assert sorted(r[0] for r in scans) == ["'=HYPERLINK(1)", "Gus"]
    assert "'+1 call" in [r[6] for r in scans]
    every_cell = {
        str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row
    }
    assert "quiet@example.org" not in every_cell
    assert [r[2].value for r in book["Meetings"].iter_rows(min_row=2)] == ["evil@example.org"]


def test_an_upload_that_is_not_an_image_is_refused(fair, actor):
    services.save_profile_field(fair.event, actor=actor, key="photo", label="Photo", kind="image")

    with pytest.raises(ValidationFailed) as bad:
        portal.update_profile(
            fair.acme,
            member=fair.acme_admin,
            values={},
            files={"photo": SimpleUploadedFile("x.png", b"not an image")},
        )
    assert list(bad.value.errors) == ["photo"]


def _png_upload(name="logo.png") -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 120, 200)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def test_a_new_profile_image_deletes_the_previous_one_once_saved(
    fair, actor, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    services.save_profile_field(fair.event, actor=actor, key="photo", label="Photo", kind="image")
    with django_capture_on_commit_callbacks(execute=True):
        portal.update_profile(
            fair.acme, member=fair.acme_admin, values={}, files={"photo": _png_upload()}
        )
    first = tmp_path / fair.acme.profile["photo"]
    assert first.exists()
    # a profile saved without a new image keeps it
    with django_capture_on_commit_callbacks(execute=True):
        portal.update_profile(fair.acme, member=fair.acme_admin, values={})
    assert first.exists() and fair.acme.profile["photo"] == str(first.relative_to(tmp_path))

    with django_capture_on_commit_callbacks(execute=False) as pending:
        portal.update_profile(
            fair.acme, member=fair.acme_admin, values={}, files={"photo": _png_upload()}
        )
    kept_until_commit = first.exists()
    for callback in pending:
        callback()
    second = tmp_path / fair.acme.profile["photo"]
    assert kept_until_commit and not first.exists() and second.exists()


HOUR = datetime.timedelta(hours=1)


def test_meeting_slots_overlapping_the_spaces_own_or_already_begun_are_refused(fair):
    """One stand cannot hold two meetings at once; a slot that has begun cannot be booked."""
    space, midnight = _two_day_fair(fair)
    nine = midnight + datetime.timedelta(hours=9)
    meetings.add_slots(space, member=fair.acme_admin, start=nine, end=nine + HOUR * 2)

    with pytest.raises(ValidationFailed) as error:
        meetings.add_slots(
            space, member=fair.acme_admin, start=nine + HOUR, end=nine + HOUR * 3, minutes=60
        )
    assert "overlaps a time slot the space already has" in error.value.errors["start"][0]
    assert MeetingSlot.objects.count() == 4
    # right after them: fine; another space at the same time: fine
    meetings.add_slots(space, member=fair.acme_admin, start=nine + HOUR * 2, end=nine + HOUR * 3)
    other = meetings.add_space(fair.acme, member=fair.acme_admin, name="Meeting room")
    meetings.add_slots(other, member=fair.acme_admin, start=nine, end=nine + HOUR)
    assert MeetingSlot.objects.count() == 8

    with pytest.raises(ValidationFailed) as error:
        meetings.add_slots(
            space,
            member=fair.acme_admin,
            start=nine + HOUR * 4,
            end=nine + HOUR * 5,
            now=nine + HOUR * 4 + datetime.timedelta(minutes=1),
        )
    assert error.value.errors["start"] == ["Choose a start in the future."]
    assert MeetingSlot.objects.count() == 8
