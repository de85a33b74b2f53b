"""Event passes over the API (SPEC A1, A2): define them, register with one (staff and the
public operation), all or nothing."""

import pytest

from rideau.events.models import Event
from rideau.inventory.models import Quota
from rideau.registration.models import EventPassage, Registration
from tests.factories import EventFactory
from tests.registration.conftest import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def summit(organizer, actor):
    event = EventFactory(
        organizer=organizer, kind=Event.Kind.ONSITE, visibility="public", self_agenda=True
    )
    Quota.objects.create(organizer=organizer, event=event, name="Summit", size=10)
    event.keynote = make_session(event, actor, hours=(0, 1), capacity=5, title="Keynote")
    event.workshop = make_session(event, actor, hours=(2, 3), capacity=1, title="Workshop")
    return event


def root(event):
    return f"/organizers/{event.organizer.slug}/events/{event.slug}"


def test_passes_are_defined_changed_and_deleted_through_the_api(api, summit):
    bad = api.post(
        f"{root(summit)}/passes", {"name": "Both", "sessions": [summit.keynote.pk, 10**6]}
    )
    assert bad.status_code == 422 and "sessions" in bad.content.decode()
    created = api.post(
        f"{root(summit)}/passes", {"name": {"en": "Full day"}, "sessions": [summit.keynote.pk]}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["sessions"] == [summit.keynote.pk] and body["full"] is False
    summit.refresh_from_db()
    assert summit.self_agenda is False  # A2, in the same transaction
    url = f"{root(summit)}/passes/{body['id']}"
    changed = api._send(
        "put", url, {"name": "Full day", "sessions": [summit.keynote.pk, summit.workshop.pk]}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["sessions"] == sorted([summit.keynote.pk, summit.workshop.pk])
    assert [p["id"] for p in api.get(f"{root(summit)}/passes").json()] == [body["id"]]
    assert api.delete(url).status_code == 204
    assert not EventPassage.objects.exists()


def test_staff_and_attendees_register_with_a_pass_all_or_nothing(api, client, summit, actor):
    from rideau.registration import passages

    day = passages.create_passage(
        summit, actor=actor, name="Day", sessions=[summit.keynote, summit.workshop]
    )
    staff = api.post(f"{root(summit)}/registrations", {"email": "a@example.org", "passage": day.pk})
    assert staff.status_code == 201 and staff.json()["passage"] == day.pk

    public = f"/api/v1/shop/{summit.organizer.slug}/{summit.slug}/registration"
    missing = client.post(public, {"email": "b@example.org"}, content_type="application/json")
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["type"] == "choose_passage"
    full = client.post(
        public, {"email": "b@example.org", "passage": day.pk}, content_type="application/json"
    )
    assert full.status_code == 422 and full.json()["detail"][0]["type"] == "full"
    assert not Registration.objects.filter(contact__email="b@example.org").exists()
    assert api.get(f"{root(summit)}/passes").json()[0]["full"] is True

    morning = passages.create_passage(
        summit, actor=actor, name="Morning", sessions=[summit.keynote]
    )
    done = client.post(
        public, {"email": "b@example.org", "passage": morning.pk}, content_type="application/json"
    )
    assert done.status_code == 201, done.content
    assert done.json() == {"passage": morning.pk, "sessions": [summit.keynote.pk]}


def test_another_organiser_cannot_see_or_define_passes(rival_api, summit):
    assert rival_api.get(f"{root(summit)}/passes").status_code == 404
    refused = rival_api.post(
        f"{root(summit)}/passes", {"name": "X", "sessions": [summit.keynote.pk]}
    )
    assert refused.status_code == 404
    assert not EventPassage.objects.exists()


def test_a_pass_is_sold_with_ticket_products_and_waited_for_through_the_api(api, summit, organizer):
    from tests.factories import ProductFactory

    ticket = ProductFactory(event=summit, organizer=organizer)
    foreign = ProductFactory(event=EventFactory(organizer=organizer), organizer=organizer)
    refused = api.post(
        f"{root(summit)}/passes",
        {"name": "Day", "sessions": [summit.workshop.pk], "products": [foreign.pk]},
    )
    assert refused.status_code == 422 and "products" in refused.content.decode()
    created = api.post(
        f"{root(summit)}/passes",
        {"name": "Day", "sessions": [summit.workshop.pk], "products": [ticket.pk]},
    )
    assert created.status_code == 201, created.content
    assert created.json()["products"] == [ticket.pk]
    ticket.refresh_from_db()
    assert ticket.grants_sessions is True
    day = created.json()["id"]
    api.post(f"{root(summit)}/registrations", {"email": "a@example.org", "passage": day})

    no_pass = api.post(f"{root(summit)}/waitlist", {"email": "b@example.org"})
    waits = api.post(f"{root(summit)}/waitlist", {"email": "b@example.org", "passage": day})

    assert no_pass.status_code == 422
    assert waits.status_code == 201, waits.content
    assert waits.json()["passage"] == day
