"""Session registrations and waitlist entries over the API (SPEC A4, A6, A7)."""

import pytest

from rideau.events.models import Event
from rideau.inventory.models import Quota
from rideau.registration.models import WaitlistEntry
from tests.factories import EventFactory
from tests.registration.conftest import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def talk(organizer, actor):
    event = EventFactory(organizer=organizer, self_agenda=True, kind=Event.Kind.ONSITE)
    return make_session(event, actor, capacity=1)


def base(talk):
    return f"/organizers/{talk.event.organizer.slug}/events/{talk.event.slug}/sessions/{talk.pk}"


def test_registrations_through_the_api_follow_the_capacity_rules(api, talk):
    first = api.post(f"{base(talk)}/registrations", {"email": "a@example.org"})
    assert first.status_code == 201, first.content
    full = api.post(f"{base(talk)}/registrations", {"email": "b@example.org"})
    assert full.status_code == 422 and "override_reason" in full.content.decode()
    over = api.post(
        f"{base(talk)}/registrations", {"email": "b@example.org", "override_reason": "Press"}
    )
    assert over.status_code == 201 and over.json()["override"] is True
    listing = api.get(f"{base(talk)}/registrations").json()
    assert {r["email"] for r in listing["results"]} == {"a@example.org", "b@example.org"}
    wait = api.post(f"{base(talk)}/waitlist", {"email": "c@example.org"})
    assert wait.status_code == 201 and wait.json()["state"] == "waiting"
    # removing the overbooked place frees nothing; removing the normal one offers it
    assert api.delete(f"{base(talk)}/registrations/{over.json()['id']}").status_code == 204
    assert WaitlistEntry.objects.get(contact__email="c@example.org").state == "waiting"
    assert api.delete(f"{base(talk)}/registrations/{first.json()['id']}").status_code == 204
    assert WaitlistEntry.objects.get(contact__email="c@example.org").state == "offered"
    assert Quota.objects.get(session=talk).taken == 1
    entries = api.get(f"{base(talk)}/waitlist").json()["results"]
    assert entries[0]["offer_expires"] is not None
    assert api.delete(f"{base(talk)}/waitlist/{entries[0]['id']}").status_code == 204
    assert Quota.objects.get(session=talk).taken == 0


def test_another_organiser_cannot_see_or_add(rival_api, talk):
    assert rival_api.get(f"{base(talk)}/registrations").status_code == 404
    assert rival_api.post(f"{base(talk)}/waitlist", {"email": "x@example.org"}).status_code == 404


def test_event_level_registrations_and_waitlist_through_the_api(api, organizer, actor):
    from rideau.registration import services

    gala = EventFactory(organizer=organizer, kind=Event.Kind.ONSITE)
    Quota.objects.create(organizer=organizer, event=gala, name="Gala", size=1)
    root = f"/organizers/{organizer.slug}/events/{gala.slug}"
    refused = api.post(f"{root}/registrations", {"email": "a@example.org"})
    assert refused.status_code == 422  # not an event-level registration event
    services.update_settings(
        gala,
        actor=actor,
        waitlist=True,
        promotion="offer",
        offer_hours=24,
        event_registration=True,
    )
    first = api.post(f"{root}/registrations", {"email": "a@example.org"})
    assert first.status_code == 201 and first.json()["session"] is None
    group = api.post(f"{root}/waitlist", {"email": "g@example.org", "seats": 2})
    single = api.post(f"{root}/waitlist", {"email": "s@example.org"})
    assert group.json()["seats"] == 2 and single.status_code == 201
    assert api.post(f"{root}/waitlist", {"email": "x@example.org", "seats": 0}).status_code == 422
    listing = api.get(f"{root}/waitlist").json()["results"]
    assert [e["email"] for e in listing] == ["g@example.org", "s@example.org"]
    assert api.delete(f"{root}/registrations/{first.json()['id']}").status_code == 204
    # strict order: the group of two waits for two places; the single person behind it too
    assert WaitlistEntry.objects.get(contact__email="g@example.org").state == "waiting"
    assert WaitlistEntry.objects.get(contact__email="s@example.org").state == "waiting"
    assert api.get(f"{root}/registrations").json()["results"] == []


def test_session_check_in_through_the_api(api, talk):
    reg = api.post(f"{base(talk)}/registrations", {"email": "a@example.org"}).json()
    done = api.post(f"{base(talk)}/registrations/{reg['id']}/check-in", {"attended": True})
    assert done.status_code == 200 and done.json()["attended"] is True
    undone = api.post(f"{base(talk)}/registrations/{reg['id']}/check-in", {"attended": False})
    assert undone.json()["attended"] is False


def test_an_attendee_builds_an_agenda_through_the_public_api(client, organizer, actor):
    from django.test import Client

    event = EventFactory(
        organizer=organizer, self_agenda=True, kind=Event.Kind.ONSITE, visibility="public"
    )
    a = make_session(event, actor, capacity=1, hours=(0, 1))
    b = make_session(event, actor, capacity=5, hours=(0, 1))
    url = f"/api/v1/shop/{organizer.slug}/{event.slug}/agenda"
    anonymous = Client()
    ok = anonymous.post(url, {"email": "a@example.org", "sessions": [a.pk]}, "application/json")
    assert ok.status_code == 201 and ok.json() == {"registered": [a.pk], "waiting": []}
    assert "agenda/me" not in ok.content.decode()  # the link goes by e-mail only
    full = anonymous.post(url, {"email": "b@example.org", "sessions": [a.pk]}, "application/json")
    assert full.status_code == 422 and full.json()["detail"][0]["type"] == "full"
    clash = anonymous.post(
        url, {"email": "c@example.org", "sessions": [a.pk, b.pk]}, "application/json"
    )
    assert clash.status_code in (409, 422) and "clash" in clash.content.decode()
    wait = anonymous.post(url, {"email": "b@example.org", "waitlist": [a.pk]}, "application/json")
    assert wait.status_code == 201 and wait.json()["waiting"] == [a.pk]
    event.visibility = "draft"
    event.save()
    assert anonymous.post(url, {"email": "d@example.org"}, "application/json").status_code == 404


def test_staff_register_a_group_through_the_api(api, talk):
    Quota.objects.filter(session=talk).update(size=3)
    group = api.post(f"{base(talk)}/registrations", {"email": "g@example.org", "seats": 2})
    assert group.status_code == 201 and group.json()["seats"] == 2
    assert Quota.objects.get(session=talk).taken == 2
    too_many = api.post(f"{base(talk)}/registrations", {"email": "h@example.org", "seats": 2})
    assert too_many.status_code == 422 and "override_reason" in too_many.content.decode()
    bad = api.post(f"{base(talk)}/registrations", {"email": "i@example.org", "seats": 0})
    assert bad.status_code == 422 and "seats" in bad.content.decode()
    assert Quota.objects.get(session=talk).taken == 2
