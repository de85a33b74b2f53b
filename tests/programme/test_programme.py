"""The programme service: sessions, dates and events set up together with their quotas."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from rideau.core.errors import RideauError, ValidationFailed
from rideau.events.models import Session
from rideau.inventory import services as inventory
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Quota
from rideau.inventory.services import HoldRequest
from rideau.programme import services as programme
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db
START = timezone.now() + datetime.timedelta(days=20)


def register(session, n=1):
    with transaction.atomic():
        return inventory.take(
            organizer=session.event.organizer,
            items=[HoldRequest(quantity=n, session=session)],
            expires_at=None,
            owner_ref="attendee",
        )


def new_session(event, actor, capacity=3):
    return programme.create_session(
        event,
        actor=actor,
        title={"en": "Workshop"},
        start=START,
        end=START + datetime.timedelta(hours=1),
        capacity=capacity,
    )


def test_a_session_with_a_capacity_can_take_registrations(organizer, actor):
    """Regression: create_session made no quota, so a session's capacity never reached the
    engine and every registration was refused no_quota."""
    session = new_session(EventFactory(organizer=organizer), actor)

    register(session, 3)
    with pytest.raises(InventoryError) as err:
        register(session)

    assert err.value.code == "sold_out"
    assert programme.session_quota(session).taken == 3


def test_resizing_a_session_resizes_its_quota_never_below_the_registrations(organizer, actor):
    session = new_session(EventFactory(organizer=organizer), actor)
    register(session, 2)

    programme.update_session(session, actor=actor, capacity=5)
    with pytest.raises(ValidationFailed) as err:
        programme.update_session(session, actor=actor, capacity=1, title={"en": "Renamed"})

    assert list(err.value.errors) == ["capacity"]
    session.refresh_from_db()
    assert (session.capacity, session.title) == (5, {"en": "Workshop"})
    assert programme.session_quota(session).size == 5


def test_deleting_a_session_deletes_its_quota(organizer, actor):
    session = new_session(EventFactory(organizer=organizer), actor)

    programme.delete_session(session, actor=actor)

    assert not Session.objects.exists()
    assert not Quota.objects.exists()


def test_a_session_with_registrations_is_kept_saying_how_many_and_where(organizer, actor):
    session = new_session(EventFactory(organizer=organizer), actor)
    register(session, 2)

    with pytest.raises(RideauError) as err:
        programme.delete_session(session, actor=actor)

    assert err.value.code == "session_in_use"
    assert "2 places taken by registrations" in err.value.message
    assert "Registrations tab" in err.value.message
    assert Session.objects.filter(pk=session.pk).exists()


def test_an_event_capacity_is_an_event_wide_quota(organizer, actor):
    event = programme.create_event(
        organizer, actor=actor, slug="gala", name={"en": "Gala"}, capacity=100
    )
    programme.update_event(event, actor=actor, capacity=120)
    programme.update_event(event, actor=actor, capacity=None)

    quota = programme.event_quota(event)
    assert (quota.size, quota.date_id, quota.session_id) == (120, None, None)


def test_a_date_and_its_quota_are_saved_together(organizer, actor):
    event = EventFactory(organizer=organizer)
    date = programme.create_date(event, actor=actor, start=START, capacity=40)

    programme.update_date(date, actor=actor, capacity=50)

    assert programme.date_quota(date).size == 50
    # the quota named after the date follows its new time; one staff renamed stays
    named = programme.date_quota(date).name
    programme.update_date(date, actor=actor, start=START + datetime.timedelta(hours=1))
    quota = programme.date_quota(date)
    assert quota.name == str(date) != named
    inventory.rename_quota(quota, name="Balcony", actor=actor)
    programme.update_date(date, actor=actor, start=START + datetime.timedelta(hours=2))
    assert programme.date_quota(date).name == "Balcony"


def test_duplicating_copies_quotas_with_their_session_rule(organizer, actor):
    event = EventFactory(organizer=organizer)
    new_session(event, actor)
    inventory.create_quota(
        actor=actor,
        organizer=organizer,
        name="On site",
        size=9,
        event=event,
        covers_sessions=True,
    )

    copy = programme.duplicate_event(event, actor=actor, slug="copy")

    copied = list(programme.event_quotas(copy))
    assert sorted((q.size, q.covers_sessions, q.session is not None) for q in copied) == [
        (3, False, True),
        (9, True, False),
    ]
    assert all(q.event_id in (None, copy.pk) for q in copied)
