"""A ticket scanned at a session's door through the API (ADR 0023): as staff (token with
the check-in permission) or with the list's access code (what the scanner sends, also when
it replays the scans it queued offline), with the rules of `registration.door`; and the
offline data of a session's door."""

import pytest
from django.core.cache import cache

from rideau.core.access import Actor
from rideau.core.roles import Role
from rideau.documents import signing
from rideau.orders import services as orders
from rideau.registration import services
from rideau.registration.models import Registration
from tests.checkin.conftest import make_world
from tests.factories import EventFactory, OrganizerFactory, member
from tests.registration.conftest import make_session

from .conftest import ApiClient, make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    cache.clear()
    organizer = OrganizerFactory(slug="theatre", signed_ticket_secrets=True)
    actor = Actor(user=member(organizer))
    world = make_world(organizer, actor)
    world.talk = make_session(world.event, actor, capacity=10, title="Talk")
    world.token = make_token(organizer, Role.OWNER)
    return world


def _staff_url(world, session=None):
    return (
        f"/organizers/theatre/checkin-lists/{world.checkin_list.pk}/sessions/"
        f"{(session or world.talk).pk}/scans"
    )


def _code_url(world, session=None):
    return f"/checkin/{world.checkin_list.access_code}/sessions/{(session or world.talk).pk}/scans"


def test_staff_scan_at_a_session_door_marks_the_holder_present_once(world):
    ticket = world.ticket(email="ana@example.net")
    services.staff_register(world.talk, actor=world.actor, email="ana@example.net")
    api = ApiClient(world.token)

    first = api.post(_staff_url(world), {"secret": ticket.secret})
    again = api.post(_staff_url(world), {"secret": ticket.secret})

    assert first.status_code == 200, first.json()
    assert first.json()["result"] == "present" and first.json()["ok"] is True
    assert (first.json()["registered"], first.json()["present"]) == (1, 1)
    assert again.json()["result"] == "already_present"
    assert Registration.objects.get(session=world.talk).attended is True


def test_the_access_code_scans_at_the_door_with_the_same_rules(world):
    stranger = world.ticket(email="bob@example.net")
    unpaid = world.ticket(email="carl@example.net", paid=False)
    services.staff_register(world.talk, actor=world.actor, email="carl@example.net")
    client = ApiClient()

    assert client.post(_code_url(world), {"secret": stranger.secret}).json()["result"] == (
        "not_registered"
    )
    assert client.post(_code_url(world), {"secret": unpaid.secret}).json()["result"] == "unpaid"
    assert client.post(_code_url(world), {"secret": "nope"}).json()["result"] == "unknown"
    assert not Registration.objects.filter(attended=True).exists()


def test_a_session_of_another_event_or_list_is_not_found(world):
    other = make_session(EventFactory(organizer=world.organizer), world.actor, title="Elsewhere")
    ticket = world.ticket()
    assert (
        ApiClient(world.token).post(_staff_url(world, other), {"secret": ticket.secret}).status_code
        == 404
    )
    assert ApiClient().post(_code_url(world, other), {"secret": ticket.secret}).status_code == 404
    bad_code = f"/checkin/wrong-code/sessions/{world.talk.pk}/scans"
    assert ApiClient().post(bad_code, {"secret": ticket.secret}).status_code == 404


def test_another_organiser_cannot_scan_at_the_door(world, other_organizer):
    ticket = world.ticket(email="ana@example.net")
    services.staff_register(world.talk, actor=world.actor, email="ana@example.net")
    rival = ApiClient(make_token(other_organizer, Role.OWNER))
    assert rival.post(_staff_url(world), {"secret": ticket.secret}).status_code in (403, 404)
    assert not Registration.objects.filter(attended=True).exists()


def test_the_door_offline_data_names_whose_tickets_enter_and_who_is_present(world):
    ana = world.ticket(email="ana@example.net")
    bob = world.ticket(email="bob@example.net")
    world.ticket(email="cy@example.net")  # not registered
    gone = world.ticket(email="dan@example.net")
    for email in ("ana@example.net", "bob@example.net", "dan@example.net"):
        services.staff_register(world.talk, actor=world.actor, email=email)
    orders.cancel_order(gone.order)
    ApiClient().post(_code_url(world), {"secret": bob.secret})

    data = (
        ApiClient()
        .get(f"/checkin/{world.checkin_list.access_code}/offline?session={world.talk.pk}")
        .json()
    )

    ids = {p: signing.decode(p.secret).ticket_id for p in (ana, bob, gone)}
    assert data["door"]["session_id"] == world.talk.pk
    assert sorted(data["door"]["registered"]) == sorted([ids[ana], ids[bob]])
    assert data["door"]["present"] == [ids[bob]]
    assert ids[gone] in data["revoked"]
    plain = ApiClient().get(f"/checkin/{world.checkin_list.access_code}/offline").json()
    assert plain.get("door") is None
