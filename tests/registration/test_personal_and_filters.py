"""The agenda in the personal space (a "My agenda" section and items awaiting action), the
public agenda's filters by day, track and room."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from rideau.registration import services
from tests.accounts.conftest import log_in_account
from tests.factories import (
    AccountFactory,
    ContactFactory,
    LocationFactory,
    OrderFactory,
)

from .conftest import make_session

pytestmark = pytest.mark.django_db


def test_my_agenda_in_the_personal_space_with_an_offer_to_accept(conference, actor, client):
    talk = make_session(conference, actor, capacity=1, title="Keynote")
    (reg,) = services.register(conference, email="a@example.org", sessions=[talk.pk]).registrations
    entry = services.register(conference, email="w@example.org", waitlist=[talk.pk]).waiting[0]
    account = AccountFactory(contact=entry.contact)
    log_in_account(client, account)
    org = conference.organizer.slug

    answer = client.get(reverse("web:account-agenda", args=[org]))
    page = answer.content.decode()
    assert "Keynote" in page and "Position 1 on the waitlist" in page
    assert f"/agenda/me/{services.agenda_token(entry.contact, conference)}/" in page

    services.cancel(reg)  # w is offered the place
    home = client.get(reverse("web:account-home", args=[org])).content.decode()
    assert "A place is waiting for you: Keynote" in home and "Accept the place" in home
    assert reverse("web:account-agenda", args=[org]) in home
    # the section accepts it at once (it only listed it: accepting took two more pages)
    page = client.get(reverse("web:account-agenda", args=[org])).content.decode()
    action = re.search(r'<form method="post" action="([^"]+)"', page)
    assert action is not None and "/agenda/me/" in action.group(1)
    assert f"{action.group(1)}agenda.ics" in page
    client.post(action.group(1), {"action": "accept", "id": entry.pk})
    entry.refresh_from_db()
    assert entry.state == "registered"


def test_a_paid_ticket_without_sessions_asks_to_choose_them(conference, actor, client):
    make_session(conference, actor, capacity=5, title="Workshop")
    account = AccountFactory(contact=ContactFactory(organizer=conference.organizer))
    OrderFactory(event=conference, email=account.contact.email.upper(), status="paid")
    log_in_account(client, account)
    org = conference.organizer.slug
    home = client.get(reverse("web:account-home", args=[org])).content.decode()
    assert "Choose your sessions" in home
    assert reverse("web:agenda", args=[org, conference.slug]) in home
    services.register(
        conference, email=account.contact.email, sessions=[conference.sessions.get().pk]
    )
    assert (
        "Choose your sessions"
        not in client.get(reverse("web:account-home", args=[org])).content.decode()
    )


def test_the_public_agenda_filters_by_day_track_and_room(conference, actor, client):
    room = LocationFactory(venue__organizer=conference.organizer, name="Salle Molière")
    a = make_session(conference, actor, title="Alpha")
    b = make_session(conference, actor, hours=(2, 3), title="Bravo")
    c = make_session(conference, actor, hours=(26, 27), title="Charlie")
    a.track, a.location = "Design", room
    a.save()
    b.track = "Code"
    b.save()
    url = reverse("web:agenda", args=[conference.organizer.slug, conference.slug])
    everything = client.get(url).content.decode()
    assert all(t in everything for t in ("Alpha", "Bravo", "Charlie", "All tracks", "All rooms"))
    by_track = client.get(url, {"track": "Design"}).content.decode()
    assert "Alpha" in by_track and "Bravo" not in by_track and "Charlie" not in by_track
    by_room = client.get(url, {"room": str(room.pk)}).content.decode()
    assert "Alpha" in by_room and "Bravo" not in by_room
    day = timezone.localtime(c.start, ZoneInfo(conference.organizer.timezone)).date()
    by_day = client.get(url, {"day": day.isoformat()}).content.decode()
    assert "Charlie" in by_day and "Alpha" not in by_day
    unknown = client.get(url, {"day": "nonsense", "track": "Nope"}).content.decode()
    assert all(t in unknown for t in ("Alpha", "Bravo", "Charlie"))  # unknown: no filter
