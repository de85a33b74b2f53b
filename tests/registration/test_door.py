"""Session check-in at the door by ticket QR code: the event's scanner, set to a session's
door, marks the ticket holder's registration present (or says why not)."""

import pytest
from django.urls import reverse

from rideau.core.errors import ValidationFailed
from rideau.core.models import AuditLogEntry
from rideau.registration import door, services
from rideau.registration.models import Registration
from tests.checkin.conftest import make_world
from tests.factories import EventFactory

from .conftest import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(organizer, actor):
    world = make_world(organizer, actor)
    world.talk = make_session(world.event, actor, capacity=10, title="Talk")
    return world


def _scan(world, secret):
    return door.scan_at_session(
        world.talk, checkin_list=world.checkin_list, secret=secret, actor=None
    )


def test_a_registered_ticket_holder_is_marked_present_once(world, actor):
    ticket = world.ticket(email="ana@example.net")
    registration = services.staff_register(world.talk, actor=actor, email="Ana@example.net")

    first = _scan(world, ticket.secret)
    again = _scan(world, ticket.secret)

    assert (first.result, again.result) == ("present", "already_present")
    assert first.ok and first.registration.pk == registration.pk
    assert str(first.message) == "Welcome: marked present"
    registration.refresh_from_db()
    assert registration.attended is True
    entry = AuditLogEntry.objects.get(action="registration.attended")
    assert entry.after["scanned"] == ticket.pk and entry.actor_id is None


def test_the_door_says_why_a_ticket_does_not_enter_the_session(world, actor):
    stranger = world.ticket(email="bob@example.net")
    unpaid = world.ticket(email="carl@example.net", paid=False)
    services.staff_register(world.talk, actor=actor, email="carl@example.net")

    assert _scan(world, stranger.secret).result == "not_registered"
    assert _scan(world, unpaid.secret).result == "unpaid"
    assert _scan(world, "no-such-code").result == "unknown"
    assert _scan(world, "").result == "unknown"
    assert not Registration.objects.filter(attended=True).exists()


def test_a_ticket_for_a_named_attendee_checks_that_attendee_in(world, actor):
    ticket = world.ticket(email="buyer@example.net")
    ticket.attendee_email = "guest@example.net"
    ticket.save(update_fields=["attendee_email"])
    services.staff_register(world.talk, actor=actor, email="buyer@example.net")
    assert _scan(world, ticket.secret).result == "not_registered"  # the buyer's, not theirs
    guest = services.staff_register(world.talk, actor=actor, email="guest@example.net")
    assert _scan(world, ticket.secret).registration.pk == guest.pk


def test_a_session_of_another_event_is_refused(world, actor):
    other = make_session(EventFactory(organizer=world.organizer), actor)
    with pytest.raises(ValidationFailed):
        door.scan_at_session(other, checkin_list=world.checkin_list, secret="x", actor=None)


def test_the_scanner_page_scans_at_a_session_door(world, actor, client):
    ticket = world.ticket(email="ana@example.net")
    services.staff_register(world.talk, actor=actor, email="ana@example.net")
    url = reverse("web:checkin-scanner", args=[world.checkin_list.access_code])

    page = client.get(url, {"session": world.talk.pk})
    assert page.status_code == 200
    assert b"Session door: Talk" in page.content
    # offline at the door too (ADR 0023): the door's data and its scan API
    assert f'data-door="{world.talk.pk}"'.encode() in page.content
    assert f"/sessions/{world.talk.pk}/scans".encode() in page.content
    assert b"0</strong> present of 1 registered" in page.content

    answer = client.post(
        f"{url}?session={world.talk.pk}",
        {"secret": ticket.secret, "nonce": "n1"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert b'data-result="present"' in answer.content
    assert b"1</strong> present of 1 registered" in answer.content
    again = client.post(
        f"{url}?session={world.talk.pk}", {"secret": ticket.secret}, headers={"HX-Request": "true"}
    )
    assert b'data-result="already_present"' in again.content
    # the entrance (no session) still checks tickets in as before
    entrance = client.post(url, {"secret": ticket.secret}, headers={"HX-Request": "true"})
    assert b'data-result="valid"' in entrance.content
