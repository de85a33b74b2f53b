"""Figures of registered (and present) people count places, as capacity and the waitlist's
"N waiting" do: a group registration of 3 places counts 3, not 1."""

import pytest
from django.urls import reverse

from rideau.events.models import Event
from rideau.inventory.models import Quota
from rideau.partners import queries as partner_queries
from rideau.partners import services as partners
from rideau.registration import passages, queries, services
from tests.checkin.conftest import make_world
from tests.factories import EventFactory

from .conftest import make_session

pytestmark = pytest.mark.django_db


def test_a_sessions_figures_count_a_group_by_its_places(conference, actor, owner_client):
    talk = make_session(conference, actor, capacity=10)
    group = services.staff_register(talk, actor=actor, email="group@example.org", seats=3)
    services.register(conference, email="single@example.org", sessions=[talk.pk])
    services.mark_attended(group, actor=actor)
    session_url = reverse(
        "web:registrations-session", args=[conference.organizer.slug, conference.slug, talk.pk]
    )

    (row,) = queries.registration_counts(conference)
    assert (row["n"], row["present"]) == (4, 3)
    assert queries.session_attendance([talk.pk]) == {talk.pk: (4, 3)}
    page = owner_client.get(session_url).content.decode()
    assert "4 registered · 3 present" in page and "6 places left" in page
    listing = owner_client.get(
        reverse("web:registrations", args=[conference.organizer.slug, conference.slug])
    ).content.decode()
    assert '<td data-label="Registered">4</td>' in listing
    assert '<td data-label="Present">3</td>' in listing


def test_the_event_level_figures_count_a_group_by_its_places(organizer, actor, owner_client):
    gala = EventFactory(organizer=organizer, kind=Event.Kind.ONSITE, visibility="public")
    Quota.objects.create(organizer=organizer, event=gala, name="Gala", size=10)
    services.update_settings(
        gala, actor=actor, waitlist=True, promotion="offer", offer_hours=24, event_registration=True
    )
    services.staff_register(gala, actor=actor, email="group@example.org", seats=3)
    services.register_event(gala, email="single@example.org")

    assert queries.event_registered_places(gala) == 4
    listing = owner_client.get(
        reverse("web:registrations", args=[organizer.slug, gala.slug])
    ).content.decode()
    assert "4 people registered" in listing and "6 places left" in listing
    own = owner_client.get(
        reverse("web:registrations-event-level", args=[organizer.slug, gala.slug])
    ).content.decode()
    assert "4 registered · 0 present" in own


def test_an_event_pass_counts_the_places_registered_with_it(organizer, actor, owner_client):
    summit = EventFactory(
        organizer=organizer, kind=Event.Kind.ONSITE, visibility="public", self_agenda=True
    )
    keynote = make_session(summit, actor, capacity=10, title="Keynote")
    track = passages.create_passage(summit, actor=actor, name="Track", sessions=[keynote])
    services.staff_register(summit, actor=actor, email="group@example.org", passage=track, seats=3)
    services.register_event(summit, email="single@example.org", passage=track)

    (found,) = queries.event_passages(summit)
    assert found.registered == 4
    page = owner_client.get(
        reverse("web:registrations-passes", args=[organizer.slug, summit.slug])
    ).content.decode()
    assert '<td data-label="Registered">4</td>' in page


def test_the_session_door_counts_places(organizer, actor, client):
    world = make_world(organizer, actor)
    talk = make_session(world.event, actor, capacity=10, title="Talk")
    group = services.staff_register(talk, actor=actor, email="group@example.org", seats=3)
    services.staff_register(talk, actor=actor, email="single@example.org")
    services.mark_attended(group, actor=actor)

    page = client.get(
        reverse("web:checkin-scanner", args=[world.checkin_list.access_code]),
        {"session": talk.pk},
    )
    assert b"3</strong> present of 4 registered" in page.content


def test_a_partners_hosted_session_counts_places(organizer, actor):
    event = EventFactory(organizer=organizer, kind=Event.Kind.ONSITE)
    talk = make_session(event, actor, capacity=10)
    partner = partners.create_partner(
        event, actor=actor, name="Acme", slug="acme", admin_email="wile@acme.example"
    )
    partners.host_session(partner, actor=actor, session=talk)
    group = services.staff_register(talk, actor=actor, email="group@example.org", seats=3)
    services.staff_register(talk, actor=actor, email="single@example.org")
    services.mark_attended(group, actor=actor)

    (row,) = partner_queries.hosted_sessions(partner)
    assert (row.registered, row.present) == (4, 3)
