"""List pages of the portal and its back office cost the same number of queries for one
item and for three (no query per row)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rideau.partners import meetings, services
from tests.factories import SessionFactory

from .conftest import listed_attendee, slot_for

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _add_rows(fair, actor, i: int) -> None:
    # the session first: a meeting slot is taken within the event's days
    session = SessionFactory(
        event=fair.event, start=timezone.now() + datetime.timedelta(days=10 + i)
    )
    ada = listed_attendee(fair, f"a{i}@example.org")
    meetings.propose(
        fair.acme, member=fair.acme_admin, contact=ada, slot=slot_for(fair, fair.acme, days=10 + i)
    )
    services.add_member(fair.acme, actor=actor, email=f"m{i}@acme.example", role="attendee")
    services.host_session(fair.acme, actor=actor, session=session)
    services.create_partner(
        fair.event, actor=actor, name=f"P{i}", slug=f"p{i}", admin_email=f"x{i}@p.example"
    )


@pytest.mark.parametrize("page", ["meetings/", "team/", "sessions/", "contacts/", "calendar/"])
def test_portal_lists_do_not_grow_with_their_rows(fair, actor, acme_client, page):
    services.ensure_tabs(fair.event)
    fair.gold.team_limit = None
    fair.gold.save()
    url = f"/{fair.event.organizer.slug}/expo/partners/acme/{page}"
    _add_rows(fair, actor, 0)
    one = _queries(acme_client, url)
    _add_rows(fair, actor, 1)
    _add_rows(fair, actor, 2)

    assert _queries(acme_client, url) == one


def test_the_back_office_partner_list_does_not_grow(fair, actor, owner_client):
    url = f"/control/{fair.event.organizer.slug}/events/expo/partners/"
    one = _queries(owner_client, url)
    _add_rows(fair, actor, 1)
    _add_rows(fair, actor, 2)

    assert _queries(owner_client, url) == one


def test_public_partners_list_levels_first_then_partners_without_one(fair):
    """SQLite sorts a missing level first: the public page listed an unranked partner above
    the gold ones (PostgreSQL sorted it last)."""
    from rideau.partners.models import Partner
    from rideau.partners.queries import public_partners

    Partner.objects.filter(event=fair.event).update(public=True)
    groups = public_partners(fair.event)
    assert [level.name if level else None for level, _partners in groups] == ["Gold", None]
