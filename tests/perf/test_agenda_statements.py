"""The public agenda API's hot path, pinned: what one attendee registering to three
sessions sends to the database (the request `bench/agenda.py` makes).

A change that adds a statement fails here; a change that removes one lowers the pin. Run on
both databases (the numbers differ)."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from rideau.events.models import Event, Session
from rideau.inventory.models import Quota
from rideau.registration.models import Registration
from tests.factories import EventFactory

from .statements import recorded

pytestmark = pytest.mark.django_db(transaction=True)

# statements per registration of one new attendee to three sessions, and COMMITs (was 15
# on PostgreSQL: the engine read each session's event, the attendee's agenda took two
# reads, the registrations and their audit entry were two more INSERTs; then 9: the
# sessions, the agenda, the settings and the waiting groups were four reads, the domain
# event and the e-mail two INSERTs after the engine's statement). Now: the event, the
# attendee's lock (`registration.queries.lock_attendee`: one attendee's requests one at a
# time, so two at once cannot both pass the agenda's checks), one read
# (`registration.queries.agenda_view`), the new contact, the engine's statement.
PINNED = {"postgresql": (5, 1), "sqlite": (23, 1)}
# an attendee already known (a contact of the organiser) adding one session: no contact
# insert
PINNED_KNOWN = {"postgresql": (4, 1), "sqlite": (14, 1)}


@pytest.fixture
def summit(organizer):
    cache.clear()
    event = EventFactory(
        organizer=organizer,
        slug="summit",
        visibility=Event.Visibility.PUBLIC,
        kind=Event.Kind.ONSITE,
        self_agenda=True,
    )
    start = (timezone.now() + datetime.timedelta(days=30)).replace(minute=0, second=0)
    sessions = []
    for i in range(4):
        session = Session.objects.create(
            event=event,
            title={"en": f"Session {i}"},
            start=start + datetime.timedelta(hours=i),
            end=start + datetime.timedelta(hours=i, minutes=50),
            capacity=50,
        )
        Quota.objects.create(
            organizer=organizer, event=event, session=session, name=f"S{i}", size=50
        )
        sessions.append(session)
    return sessions


def register(client: Client, sessions, n: int):
    return client.post(
        "/api/v1/shop/theatre/summit/agenda",
        data={"email": f"attendee{n}@bench.example", "sessions": [s.pk for s in sessions]},
        content_type="application/json",
    )


def test_one_agenda_registration_costs_the_pinned_statements(summit, settings):
    settings.RIDEAU_AGENDA_RATE = (0, 60)
    client = Client()
    assert register(client, summit[:3], 0).status_code == 201  # warm
    with recorded() as found:
        response = register(client, summit[1:], 1)
    assert response.status_code == 201, response.content
    assert Registration.objects.count() == 6
    assert Quota.objects.get(session=summit[2]).taken == 2
    statements, commits = PINNED[connection.vendor]
    print(found.summary())
    assert (len(found.statements), found.commits) == (statements, commits), found.summary()


def test_a_known_attendee_adding_a_session_costs_the_pinned_statements(summit, settings):
    settings.RIDEAU_AGENDA_RATE = (0, 60)
    client = Client()
    assert register(client, summit[:2], 0).status_code == 201
    with recorded() as found:
        response = register(client, summit[3:], 0)
    assert response.status_code == 201, response.content
    assert Registration.objects.filter(contact__email="attendee0@bench.example").count() == 3
    statements, commits = PINNED_KNOWN[connection.vendor]
    print(found.summary())
    assert (len(found.statements), found.commits) == (statements, commits), found.summary()
