"""The public agenda builder, "my agenda" and the staff registration pages."""

import csv
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rideau.core import jobs as core_jobs
from rideau.core.models import AuditLogEntry, Job
from rideau.core.roles import Role
from rideau.inventory.models import Quota
from rideau.messaging.models import OutboxMessage
from rideau.registration import services
from rideau.registration.models import Registration, WaitlistEntry
from tests.factories import member

from .conftest import make_session

pytestmark = pytest.mark.django_db


def agenda_url(event):
    return reverse("web:agenda", args=[event.organizer.slug, event.slug])


def test_the_event_page_links_to_the_agenda_which_lists_sessions_by_day(conference, actor):
    make_session(conference, actor, capacity=3, title="Opening")
    full = make_session(conference, actor, capacity=1, hours=(2, 3), title="Masterclass")
    services.register(conference, email="a@example.org", sessions=[full.pk])
    client = Client()
    page = client.get(reverse("web:event", args=[conference.organizer.slug, conference.slug]))
    assert agenda_url(conference) in page.content.decode()
    text = client.get(agenda_url(conference)).content.decode()
    assert "Opening" in text and "3 places left" in text
    assert "Full" in text and "Join the waitlist" in text


def test_registering_from_the_agenda_page_then_cancelling_from_my_agenda(conference, actor):
    talk = make_session(conference, actor, capacity=3)
    client = Client()
    response = client.post(
        agenda_url(conference),
        {"email": "ada@example.org", "first_name": "Ada", "sessions": [talk.pk]},
    )
    # the link to "my agenda" goes by e-mail only, never to whoever typed the address
    assert response.status_code == 302 and response["Location"] == agenda_url(conference)
    assert "link to your agenda" in client.get(response["Location"]).content.decode()
    reg = Registration.objects.get(contact__email="ada@example.org")
    body = OutboxMessage.objects.get(to=["ada@example.org"]).text()
    # the e-mailed link is the attendee's (its signature's time stamp may differ by a
    # second from one made now)
    found = re.search(r"http\S+/agenda/me/(\S+)/", body)
    assert found is not None and found.group().startswith(
        services.agenda_url(reg.contact, conference).rsplit("/me/", 1)[0]
    )
    assert services.contact_from_token(found.group(1), conference) == reg.contact
    link = found.group()
    mine = client.get(link).content.decode()
    assert "Talk" in mine and "Cancel my registration" in mine
    client.post(link, {"action": "cancel", "id": reg.pk})
    reg.refresh_from_db()
    assert reg.state == "cancelled" and Quota.objects.get(session=talk).taken == 0


def test_a_clash_is_refused_on_the_page_with_nothing_changed(conference, actor):
    a = make_session(conference, actor, hours=(0, 2), title="Keynote")
    b = make_session(conference, actor, hours=(1, 2), title="Workshop")
    response = Client().post(
        agenda_url(conference), {"email": "x@example.org", "sessions": [a.pk, b.pk]}
    )
    assert response.status_code == 200
    assert re.search("Keynote.*Workshop.*overlap in time", response.content.decode())
    assert not Registration.objects.exists()
    bad = Client().post(agenda_url(conference), {"email": "nope", "sessions": ["x"]})
    assert bad.status_code == 200 and not Registration.objects.exists()


def test_adding_sessions_from_my_agenda_without_typing_again(conference, actor):
    """My agenda lists the other sessions: held and overlapping ones cannot be ticked, the
    ticked ones join the agenda (a full one's waitlist too), nothing else changes."""
    keynote = make_session(conference, actor, hours=(0, 1), title="Keynote")
    clash = make_session(conference, actor, hours=(0, 2), title="Overlapping")
    later = make_session(conference, actor, hours=(3, 4), title="Later")
    full = make_session(conference, actor, hours=(5, 6), capacity=1, title="Popular")
    services.register(conference, email="b@example.org", sessions=[full.pk])
    outcome = services.register(
        conference, email="ada@example.org", first_name="Ada", sessions=[keynote.pk]
    )
    url = reverse(
        "web:agenda-mine",
        args=[
            conference.organizer.slug,
            conference.slug,
            services.agenda_token(outcome.contact, conference),
        ],
    )
    client = Client()
    page = client.get(url).content.decode()
    assert "Add sessions" in page and "In your agenda" in page
    assert f'name="sessions" value="{later.pk}"' in page
    assert f'name="sessions" value="{clash.pk}"' not in page
    assert "Overlaps a session of your agenda" in page
    assert f'name="waitlist" value="{full.pk}"' in page
    # an overlapping session sent anyway is refused, whole, with the reason
    refused = client.post(url, {"action": "add", "sessions": [clash.pk, later.pk]}, follow=True)
    assert "overlap in time" in refused.content.decode()
    assert Registration.objects.filter(contact=outcome.contact, state="registered").count() == 1
    client.post(url, {"action": "add", "sessions": [later.pk], "waitlist": [full.pk]})
    held = Registration.objects.filter(contact=outcome.contact, state="registered")
    assert {r.session_id for r in held} == {keynote.pk, later.pk}
    assert WaitlistEntry.objects.get(contact=outcome.contact).session_id == full.pk
    nothing = client.post(url, {"action": "add"}, follow=True).content.decode()
    assert "Choose at least one session" in nothing
    # odd ids are no session, never a 500 ("²" is a digit to str.isdigit; a huge id
    # overflows SQLite's integers)
    for odd in ("²", "9" * 30, "-1"):
        for action in ({"action": "add", "sessions": odd}, {"action": "cancel", "id": odd}):
            assert client.post(url, action).status_code in (302, 404)
        assert Client().post(agenda_url(conference), {"sessions": odd}).status_code == 200


def test_a_bad_agenda_link_is_a_404(conference):
    url = reverse("web:agenda-mine", args=[conference.organizer.slug, conference.slug, "forged"])
    assert Client().get(url).status_code == 404


def test_staff_add_beyond_capacity_with_a_reason_remove_and_waitlist(
    conference, actor, owner_client
):
    talk = make_session(conference, actor, capacity=1)
    services.register(conference, email="a@example.org", sessions=[talk.pk])
    url = reverse(
        "web:registrations-session", args=[conference.organizer.slug, conference.slug, talk.pk]
    )
    refused = owner_client.post(url, {"action": "add", "add-email": "vip@example.org"})
    assert "give a reason" in refused.content.decode()
    owner_client.post(
        url, {"action": "add", "add-email": "vip@example.org", "add-override_reason": "Sponsor"}
    )
    vip = Registration.objects.get(contact__email="vip@example.org")
    assert vip.override and AuditLogEntry.objects.filter(action="hold.override").exists()
    owner_client.post(url, {"action": "wait", "wait-email": "w@example.org"})
    entry = WaitlistEntry.objects.get(contact__email="w@example.org")
    # refusals the form has no field for are shown, not lost: already waiting, registered
    again = owner_client.post(url, {"action": "wait", "wait-email": "w@example.org"})
    assert "already on the waitlist" in again.content.decode()
    registered = owner_client.post(url, {"action": "wait", "wait-email": "a@example.org"})
    assert "already registered" in registered.content.decode()
    page = owner_client.get(url).content.decode()
    assert "vip@example.org" in page and "w@example.org" in page
    owner_client.post(url, {"action": "remove", "id": vip.pk})
    vip.refresh_from_db()
    assert vip.state == "cancelled"
    owner_client.post(url, {"action": "unwait", "id": entry.pk})
    entry.refresh_from_db()
    assert entry.state == "removed"
    listing = owner_client.get(
        reverse("web:registrations", args=[conference.organizer.slug, conference.slug])
    ).content.decode()
    assert "a@example.org" in listing


def test_staff_set_the_waitlist_and_register_a_waiting_person(conference, actor, owner_client):
    talk = make_session(conference, actor, capacity=1)
    (reg,) = services.register(conference, email="a@example.org", sessions=[talk.pk]).registrations
    entry = services.register(conference, email="w@example.org", waitlist=[talk.pk]).waiting[0]
    listing = reverse("web:registrations", args=[conference.organizer.slug, conference.slug])
    bad = owner_client.post(listing, {"waitlist": "on", "promotion": "direct", "offer_hours": 0})
    assert bad.status_code == 200 and "offer_hours" in bad.content.decode()
    owner_client.post(listing, {"waitlist": "on", "promotion": "direct", "offer_hours": 12})
    settings = services.settings_for(conference)
    assert (settings.promotion, settings.offer_hours) == ("direct", 12)
    url = reverse(
        "web:registrations-session", args=[conference.organizer.slug, conference.slug, talk.pk]
    )
    full = owner_client.post(url, {"action": "promote", "id": entry.pk}, follow=True)
    assert "give a reason" in full.content.decode()
    owner_client.post(url, {"action": "promote", "id": entry.pk, "override_reason": "Board"})
    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.REGISTERED
    assert Registration.objects.get(contact=entry.contact, session=talk).override
    assert reg.state == "registered"


def test_staff_export_registrations_and_waitlists_as_csv_and_excel(conference, actor, owner_client):
    """One row per registration and waitlist entry, times on the organiser's clock, cells
    defused, audited; for staff who manage registrations only."""
    talk = make_session(conference, actor, capacity=1, title="Keynote")
    services.register(
        conference,
        email="a@example.org",
        first_name="=cmd|calc",
        last_name="Ada",
        sessions=[talk.pk],
    )
    services.register(conference, email="w@example.org", waitlist=[talk.pk])
    args = [conference.organizer.slug, conference.slug]
    page = owner_client.get(reverse("web:registrations", args=args)).content.decode()
    csv_url = reverse("web:registrations-export-csv", args=args)
    assert csv_url in page
    response = owner_client.get(csv_url)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Session", "Starts", "Location"]
    start = timezone.localtime(talk.start, ZoneInfo(conference.organizer.timezone))
    assert rows[1][:2] == ["Keynote", start.strftime("%Y-%m-%d %H:%M")]
    assert rows[1][3:9] == ["Ada", "'=cmd|calc", "a@example.org", "1", "", "Registered"]
    assert rows[2][5] == "w@example.org" and rows[2][8] == "Waiting"
    book = load_workbook(
        io.BytesIO(owner_client.get(reverse("web:registrations-export-xlsx", args=args)).content)
    )
    assert [c.value for c in next(book.active.iter_rows(min_row=2))][3] == "Ada"
    assert AuditLogEntry.objects.filter(action="registrations.exported").count() == 2
    door = member(conference.organizer, Role.CHECKIN, email="door@example.org")
    door_client = Client()
    door_client.force_login(door)
    assert door_client.get(csv_url).status_code == 403


def test_staff_write_to_a_sessions_registrants_and_its_waitlist(conference, actor, owner_client):
    """Practical news reaches every registrant once (consent or not), the waitlist only
    when asked, never another session's people; errors stay on the form."""
    talk = make_session(conference, actor, capacity=1, title="Keynote")
    other = make_session(conference, actor, hours=(2, 3), title="Other")
    services.register(conference, email="A@example.org", sessions=[talk.pk])
    services.register(conference, email="w@example.org", waitlist=[talk.pk])
    services.register(conference, email="o@example.org", sessions=[other.pk])
    args = [conference.organizer.slug, conference.slug]
    session_page = owner_client.get(
        reverse("web:registrations-session", args=[*args, talk.pk])
    ).content.decode()
    url = reverse("web:registrations-contact", args=args)
    assert f"{url}?session={talk.pk}" in session_page
    form = owner_client.get(url, {"session": talk.pk})
    assert form.context["form"]["session"].value() == talk.pk
    for odd in ("²", "abc", "9" * 30):
        assert owner_client.get(url, {"session": odd}).status_code == 200
    bad = owner_client.post(url, {"subject": " ", "body": "", "session": talk.pk})
    assert bad.status_code == 422 and set(bad.context["form"].errors) == {"subject", "body"}
    assert not Job.objects.exists()

    before = OutboxMessage.objects.count()
    response = owner_client.post(
        url, {"subject": "Room change", "body": "Now in room B.", "session": talk.pk}
    )
    job = Job.objects.get()
    assert response["Location"].endswith(f"/jobs/{job.pk}/")
    core_jobs.run_job.call(job.pk)
    sent = OutboxMessage.objects.order_by("id")[before:]
    assert [m.to for m in sent] == [["a@example.org"]] and sent[0].subject == "Room change"

    owner_client.post(url, {"subject": "S", "body": "B", "session": talk.pk, "waiting": "on"})
    core_jobs.run_job.call(Job.objects.latest("pk").pk)
    everyone = owner_client.post(url, {"subject": "All", "body": "B"})
    assert everyone.status_code == 302
    core_jobs.run_job.call(Job.objects.latest("pk").pk)
    assert sorted(m.to[0] for m in OutboxMessage.objects.filter(subject="S")) == [
        "a@example.org",
        "w@example.org",
    ]
    assert sorted(m.to[0] for m in OutboxMessage.objects.filter(subject="All")) == [
        "a@example.org",
        "o@example.org",
    ]
    assert AuditLogEntry.objects.filter(action="event.registrants_contacted").count() == 3


def test_my_agenda_as_an_icalendar_feed(conference, actor):
    talk = make_session(conference, actor, title="Keynote")
    outcome = services.register(conference, email="a@example.org", sessions=[talk.pk])
    token = services.agenda_token(outcome.contact, conference)
    url = reverse("web:agenda-ical", args=[conference.organizer.slug, conference.slug, token])
    response = Client().get(url)
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.count("BEGIN:VEVENT") == 1 and "SUMMARY:Keynote" in body
    # on the event's clock with its zone (as the agenda shows it), linking back to it
    zone = conference.organizer.timezone
    local = timezone.localtime(talk.start, ZoneInfo(zone))
    assert f"DTSTART;TZID={zone}:{local:%Y%m%dT%H%M%S}" in body and "BEGIN:VTIMEZONE" in body
    assert "URL:" in body and "/agenda/me/" in body.replace("\r\n ", "")
    assert url in Client().get(url.removesuffix("agenda.ics")).content.decode()
    forged = reverse("web:agenda-ical", args=[conference.organizer.slug, conference.slug, "x"])
    assert Client().get(forged).status_code == 404


def test_public_registrations_are_rate_limited_and_texts_checked(conference, actor, settings):
    """Each public registration may create a contact and sends an e-mail: limited per client
    address and per e-mail address; names follow the input-text rule."""
    from rideau.contacts.models import Contact

    settings.RIDEAU_AGENDA_RATE = (1, 900)
    talk = make_session(conference, actor, capacity=3)
    client = Client()
    url = agenda_url(conference)
    bad = client.post(
        url, {"email": "ana@example.org", "last_name": "a\x07b", "sessions": [talk.pk]}
    )
    assert bad.status_code == 200
    assert "last_name" in bad.context["form"].errors
    first = client.post(url, {"email": "ana@example.org", "sessions": [talk.pk]})
    assert first.status_code == 302
    again = client.post(url, {"email": "bob@example.org", "sessions": [talk.pk]})
    assert again.status_code == 200
    assert "Too many registrations" in str(again.context["form"].non_field_errors())
    assert list(Contact.objects.values_list("email", flat=True)) == ["ana@example.org"]


def test_staff_removal_of_a_registration_or_a_waiting_person_asks_first(
    conference, actor, owner_client
):
    talk = make_session(conference, actor, capacity=1)
    (reg,) = services.register(conference, email="a@example.org", sessions=[talk.pk]).registrations
    entry = services.register(conference, email="w@example.org", waitlist=[talk.pk]).waiting[0]
    url = reverse(
        "web:registrations-session", args=[conference.organizer.slug, conference.slug, talk.pk]
    )
    page = owner_client.get(url).content.decode()

    remove = re.search(
        r'<form[^>]*hx-confirm="([^"]*)"[^>]*>(?:(?!</form>).)*value="remove"'
        r"(?:(?!</form>).)*</form>",
        page,
        re.S,
    )
    assert remove and "Remove the registration of" in remove.group(1)
    assert f'name="id" value="{reg.pk}"' in remove.group(0)
    unwait = re.search(
        r'<form[^>]*hx-confirm="([^"]*)"[^>]*>(?:(?!</form>).)*value="unwait"'
        r"(?:(?!</form>).)*</form>",
        page,
        re.S,
    )
    assert unwait and "off the waitlist" in unwait.group(1)
    assert f'name="id" value="{entry.pk}"' in unwait.group(0)


def test_a_refused_agenda_form_keeps_the_ticks_and_opens_on_its_errors(conference, actor):
    talk = make_session(conference, actor, capacity=3, title="Opening")
    other = make_session(conference, actor, capacity=3, hours=(2, 3), title="Closing")
    full = make_session(conference, actor, capacity=1, hours=(4, 5), title="Masterclass")
    services.register(conference, email="a@example.org", sessions=[full.pk])
    client = Client()

    page = client.post(
        agenda_url(conference),
        {"email": "not an address", "sessions": [talk.pk], "waitlist": [full.pk]},
    ).content.decode()

    assert f'name="sessions" value="{talk.pk}" checked' in page
    assert f'name="sessions" value="{other.pk}" checked' not in page
    assert f'name="waitlist" value="{full.pk}" checked' in page
    assert 'action="#agenda-errors"' in page
    errors = page.index('id="agenda-errors"')
    assert errors < page.index(f'data-session="{talk.pk}"')  # above the sessions
    assert "E-mail: Enter a valid email address." in page[errors:]
    assert not Registration.objects.filter(contact__email="not an address").exists()
