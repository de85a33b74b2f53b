"""Event passes ("passages", SPEC A1, A2): in event-level registration each pass grants a
preset set of sessions; registering with one takes the event's place and every session's,
all or nothing; defining one switches self-built agendas off in the same transaction."""

import pytest
from django.urls import reverse

from rideau.core.errors import ValidationFailed
from rideau.core.models import AuditLogEntry
from rideau.events import services as events
from rideau.events.models import Event
from rideau.inventory.models import Hold, Quota
from rideau.inventory.queries import check_integrity
from rideau.messaging.models import OutboxMessage
from rideau.registration import passages, queries, services
from rideau.registration.errors import RegistrationError
from rideau.registration.models import AgendaSettings, EventPassage, Registration, WaitlistEntry
from tests.factories import EventFactory

from .conftest import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def summit(organizer, actor):
    """An on-site public event with self-built agendas, an event-wide capacity of 10 and
    three sessions: a keynote (capacity 5), two workshops in parallel (capacity 1 each)."""
    event = EventFactory(
        organizer=organizer, kind=Event.Kind.ONSITE, visibility="public", self_agenda=True
    )
    Quota.objects.create(organizer=organizer, event=event, name="Summit", size=10)
    event.keynote = make_session(event, actor, hours=(0, 1), capacity=5, title="Keynote")
    event.ws_a = make_session(event, actor, hours=(2, 3), capacity=1, title="Workshop A")
    event.ws_b = make_session(event, actor, hours=(2, 3), capacity=1, title="Workshop B")
    return event


def _passes(event, actor):
    track_a = passages.create_passage(
        event, actor=actor, name="Track A", sessions=[event.keynote, event.ws_a]
    )
    track_b = passages.create_passage(
        event, actor=actor, name={"en": "Track B"}, sessions=[event.keynote.pk, event.ws_b.pk]
    )
    return track_a, track_b


def test_defining_a_pass_switches_the_self_built_agenda_off_in_the_same_transaction(summit, actor):
    track_a, _track_b = _passes(summit, actor)

    summit.refresh_from_db()
    assert summit.self_agenda is False
    assert AgendaSettings.objects.get(event=summit).event_registration is True
    assert services.event_level(summit)
    off = AuditLogEntry.objects.filter(action="event.self_agenda_off", object_id=str(summit.pk))
    assert off.count() == 1
    assert off.get().after == {"self_agenda": False, "event_pass": track_a.pk}
    assert AuditLogEntry.objects.filter(action="event_pass.created").count() == 2
    # A2: the setting is not offered back while passes exist
    with pytest.raises(ValidationFailed) as exc:
        events.update_event(summit, actor=actor, self_agenda=True)
    assert "event passes" in exc.value.errors["self_agenda"][0]
    with pytest.raises(ValidationFailed):
        services.update_settings(
            summit,
            actor=actor,
            waitlist=True,
            promotion="offer",
            offer_hours=24,
            event_registration=False,
        )


def test_a_pass_refuses_overlapping_sessions_and_sessions_of_another_event(summit, actor):
    other = EventFactory(organizer=summit.organizer)
    foreign = make_session(other, actor, hours=(5, 6))
    with pytest.raises(ValidationFailed) as clash:
        passages.create_passage(
            summit, actor=actor, name="Both", sessions=[summit.ws_a, summit.ws_b]
        )
    assert "overlap" in clash.value.errors["sessions"][0]
    with pytest.raises(ValidationFailed) as elsewhere:
        passages.create_passage(summit, actor=actor, name="Foreign", sessions=[foreign])
    assert list(elsewhere.value.errors) == ["sessions"]
    with pytest.raises(ValidationFailed) as empty:
        passages.create_passage(summit, actor=actor, name=" ", sessions=[])
    assert set(empty.value.errors) == {"name", "sessions"}
    assert EventPassage.objects.count() == 0
    summit.refresh_from_db()
    assert summit.self_agenda is True  # nothing changed


def test_registering_with_a_pass_takes_the_event_and_every_session_through_the_engine(
    summit, actor
):
    track_a, _ = _passes(summit, actor)

    registration = services.register_event(summit, email="ada@example.org", passage=track_a.pk)

    rows = Registration.objects.filter(contact=registration.contact, state="registered")
    assert sorted((r.session_id or 0) for r in rows) == sorted(
        [0, summit.keynote.pk, summit.ws_a.pk]
    )
    assert {r.passage_id for r in rows} == {track_a.pk}
    assert all(r.hold.state == Hold.State.CONFIRMED for r in rows)
    assert queries.event_places_left(summit) == 9
    assert queries.places_left([summit.keynote, summit.ws_a, summit.ws_b]) == {
        summit.keynote.pk: 4,
        summit.ws_a.pk: 0,
        summit.ws_b.pk: 1,
    }
    mail = OutboxMessage.objects.get(to=["ada@example.org"])
    assert "Your pass: Track A" in mail.text() and "Workshop A" in mail.text()
    assert check_integrity()[1] == []


def test_a_full_session_refuses_the_whole_pass_and_takes_nothing(summit, actor):
    track_a, track_b = _passes(summit, actor)
    services.register_event(summit, email="first@example.org", passage=track_a)
    before = list(Quota.objects.order_by("pk").values_list("taken", flat=True))

    with pytest.raises(RegistrationError) as exc:
        services.register_event(summit, email="second@example.org", passage=track_a)

    assert exc.value.code == "full" and "Workshop A" in exc.value.message
    assert list(Quota.objects.order_by("pk").values_list("taken", flat=True)) == before
    assert not Registration.objects.filter(contact__email="second@example.org").exists()
    assert [p.full for p in queries.event_passages(summit)] == [True, False]
    # the other pass still has room
    services.register_event(summit, email="second@example.org", passage=track_b)
    assert check_integrity()[1] == []


def test_an_event_with_passes_needs_one_of_its_own(summit, actor):
    _passes(summit, actor)
    other = EventFactory(organizer=summit.organizer, self_agenda=True)
    foreign = passages.create_passage(
        other, actor=actor, name="Elsewhere", sessions=[make_session(other, actor)]
    )
    with pytest.raises(RegistrationError) as none:
        services.register_event(summit, email="x@example.org")
    with pytest.raises(RegistrationError) as wrong:
        services.register_event(summit, email="x@example.org", passage=foreign.pk)
    assert (none.value.code, wrong.value.code) == ("choose_passage", "invalid_passage")
    assert none.value.field == "passage"
    assert not Registration.objects.filter(event=summit).exists()


def test_cancelling_a_pass_registration_frees_the_event_and_its_sessions(summit, actor):
    track_a, _ = _passes(summit, actor)
    registration = services.register_event(summit, email="ada@example.org", passage=track_a)

    services.cancel(registration)

    assert not Registration.objects.filter(event=summit, state="registered").exists()
    assert queries.event_places_left(summit) == 10
    assert queries.places_left([summit.ws_a])[summit.ws_a.pk] == 1
    assert check_integrity()[1] == []


def test_staff_register_a_pass_beyond_capacity_only_with_a_reason(summit, actor):
    track_a, _ = _passes(summit, actor)
    services.register_event(summit, email="first@example.org", passage=track_a)

    with pytest.raises(ValidationFailed) as exc:
        services.staff_register(summit, actor=actor, email="vip@example.org", passage=track_a)
    assert "Workshop A" in exc.value.errors["override_reason"][0]

    vip = services.staff_register(
        summit, actor=actor, email="vip@example.org", passage=track_a, override_reason="Speaker"
    )
    assert vip.override and vip.passage == track_a
    assert Registration.objects.filter(contact=vip.contact, session=summit.ws_a).exists()
    assert AuditLogEntry.objects.filter(action="hold.override").count() == 1
    assert check_integrity()[1] == []


def test_a_pass_in_use_cannot_be_deleted(summit, actor):
    track_a, track_b = _passes(summit, actor)
    services.register_event(summit, email="ada@example.org", passage=track_a)
    with pytest.raises(ValidationFailed):
        passages.delete_passage(track_a, actor=actor)
    passages.delete_passage(track_b, actor=actor)
    assert list(EventPassage.objects.values_list("pk", flat=True)) == [track_a.pk]


def test_a_webinar_pass_registers_without_capacity(organizer, actor):
    event = EventFactory(organizer=organizer, kind=Event.Kind.WEBINAR)
    talk = make_session(event, actor, capacity=1)
    online = passages.create_passage(event, actor=actor, name="Online", sessions=[talk])
    services.register_event(event, email="a@example.org", passage=online)
    services.register_event(event, email="b@example.org", passage=online)
    assert Registration.objects.filter(session=talk, hold=None).count() == 2


# --- pages ---------------------------------------------------------------------------------


def test_the_back_office_defines_a_pass_and_says_the_agenda_was_switched_off(summit, owner_client):
    url = reverse(
        "web:registrations-passes",
        kwargs={"organizer": summit.organizer.slug, "event": summit.slug},
    )
    page = owner_client.get(url)
    assert page.status_code == 200 and b"adding a pass switches that off" in page.content

    refused = owner_client.post(
        url, {"name_en": "Both", "sessions": [summit.ws_a.pk, summit.ws_b.pk], "position": 0}
    )
    assert refused.status_code == 422 and b"overlap in time" in refused.content

    done = owner_client.post(
        url,
        {"name_en": "Track A", "sessions": [summit.keynote.pk, summit.ws_a.pk], "position": 0},
        follow=True,
    )
    assert b"can no longer build their own agenda" in done.content
    passage = EventPassage.objects.get(event=summit)
    assert sorted(passage.sessions.values_list("pk", flat=True)) == sorted(
        [summit.keynote.pk, summit.ws_a.pk]
    )
    general = owner_client.get(
        reverse(
            "web:events-admin-edit",
            kwargs={"organizer": summit.organizer.slug, "event": summit.slug},
        )
    )
    assert b"Not available: this event has event passes" in general.content

    edit = reverse(
        "web:registrations-pass",
        kwargs={"organizer": summit.organizer.slug, "event": summit.slug, "passage": passage.pk},
    )
    assert owner_client.get(edit).status_code == 200
    owner_client.post(edit, {"action": "delete"})
    assert not EventPassage.objects.exists()


def test_the_public_page_offers_the_passes_and_registers_with_one(summit, actor, client):
    track_a, track_b = _passes(summit, actor)
    services.register_event(summit, email="first@example.org", passage=track_a)
    url = reverse("web:agenda", kwargs={"organizer": summit.organizer.slug, "event": summit.slug})

    page = client.get(url)
    assert page.status_code == 200
    assert b"Choose your pass" in page.content and b"Track B" in page.content
    # full, but waited for: the waitlist is on (A9, ADR 0023)
    assert f'id="pass-{track_a.pk}" disabled'.encode() not in page.content
    assert b"Join the waitlist with this pass" in page.content
    waits = client.post(url, {"email": "cy@example.org", "action": "wait", "passage": track_a.pk})
    assert waits.status_code == 302
    assert WaitlistEntry.objects.get(contact__email="cy@example.org").passage == track_a

    missing = client.post(url, {"email": "ada@example.org", "action": "register"})
    assert b"Choose one of the event" in missing.content
    done = client.post(
        url, {"email": "ada@example.org", "action": "register", "passage": track_b.pk}
    )
    assert done.status_code == 302
    assert Registration.objects.filter(
        contact__email="ada@example.org", session=summit.ws_b, passage=track_b
    ).exists()


def test_an_event_with_pass_registrations_can_still_be_deleted(organizer, actor):
    event = EventFactory(organizer=organizer, kind=Event.Kind.WEBINAR)
    online = passages.create_passage(
        event, actor=actor, name="Online", sessions=[make_session(event, actor)]
    )
    services.register_event(event, email="a@example.org", passage=online)

    events.delete_event(event, actor=actor)

    assert not EventPassage.objects.exists() and not Registration.objects.exists()


def test_my_agenda_cancels_a_pass_whole_never_one_of_its_sessions(summit, actor, client):
    track_a, _ = _passes(summit, actor)
    registration = services.register_event(summit, email="ada@example.org", passage=track_a)
    workshop = Registration.objects.get(contact__email="ada@example.org", session=summit.ws_a)
    url = services.agenda_url(registration.contact, summit)
    page = client.get(url).content.decode()
    assert f'name="id" value="{workshop.pk}"' not in page  # no cancel button per session
    assert f'name="id" value="{registration.pk}"' in page
    assert "Cancel my registration and my pass" in page and "Part of your pass" in page

    refused = client.post(url, {"action": "cancel", "id": workshop.pk}, follow=True)
    assert "comes with your pass" in refused.content.decode()
    assert Registration.objects.filter(event=summit, state="registered").count() == 3
    with pytest.raises(RegistrationError) as exc:
        services.cancel(workshop)
    assert exc.value.code == "pass_session"
    # nor by asking to be moved to another session (the swap would drop it later)
    client.post(url, {"action": "swap", "id": workshop.pk, "target": summit.ws_b.pk})
    with pytest.raises(RegistrationError) as exc:
        services.ask_swap(workshop, summit.ws_b)
    assert not WaitlistEntry.objects.filter(swap_from=workshop).exists()

    client.post(url, {"action": "cancel", "id": registration.pk})
    assert not Registration.objects.filter(event=summit, state="registered").exists()
    again = services.register_event(summit, email="ada@example.org", passage=track_a)
    assert again.passage == track_a  # the whole pass can be taken again
    assert check_integrity()[1] == []


def test_staff_may_still_remove_one_session_of_a_pass(summit, actor):
    track_a, _ = _passes(summit, actor)
    services.register_event(summit, email="ada@example.org", passage=track_a)
    workshop = Registration.objects.get(contact__email="ada@example.org", session=summit.ws_a)

    services.cancel(workshop, actor=actor)

    workshop.refresh_from_db()
    assert workshop.state == "cancelled"
