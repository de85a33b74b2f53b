"""The scope rule: tickets and session registrations count against different quotas."""

import pytest
from django.db import transaction

from rideau.inventory import queries, services
from rideau.inventory.errors import InventoryError
from rideau.inventory.services import HoldRequest
from tests.factories import QuotaFactory, SessionFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db


def take(show, *, owner="x", **item):
    with transaction.atomic():
        return services.take(
            organizer=show.organizer,
            items=[HoldRequest(quantity=item.pop("quantity", 1), **item)],
            expires_at=None,
            owner_ref=owner,
            now=NOW,
        )


def test_session_registrations_do_not_use_up_the_hall(show):
    """The leak: three registrations to a talk used the 3-place hall quota and the next
    ticket was refused sold_out."""
    hall = QuotaFactory(date=show.date, size=3, name="Hall")
    talk = SessionFactory(event=show.event, date=show.date, capacity=10)
    room = QuotaFactory(organizer=show.organizer, date=None, session=talk, size=10)

    for i in range(3):
        take(show, session=talk, date=show.date, owner=f"attendee-{i}")
    [ticket] = take(show, date=show.date, rate=show.full, owner="buyer")

    hall.refresh_from_db()
    room.refresh_from_db()
    assert (hall.taken, room.taken) == (1, 3)
    assert list(ticket.quotas.all()) == [hall]
    assert queries.check_integrity() == (2, [])


def test_session_registrations_do_not_use_up_an_event_quota(show):
    whole = QuotaFactory(organizer=show.organizer, date=None, event=show.event, size=3)
    talk = SessionFactory(event=show.event)
    QuotaFactory(organizer=show.organizer, date=None, session=talk, size=10)

    for i in range(3):
        take(show, session=talk, owner=f"attendee-{i}")
    take(show, date=show.date, rate=show.full, owner="buyer")

    whole.refresh_from_db()
    assert whole.taken == 1


def test_a_ticket_never_counts_against_a_session_quota(show):
    talk = SessionFactory(event=show.event, date=show.date)
    QuotaFactory(organizer=show.organizer, date=None, session=talk, size=1)
    QuotaFactory(organizer=show.organizer, date=None, event=show.event, size=5)

    take(show, date=show.date, rate=show.full, quantity=3)

    assert queries.find_quotas(organizer=show.organizer, session=talk).get().taken == 0


def test_a_registration_without_a_session_quota_is_not_for_sale(show):
    talk = SessionFactory(event=show.event, date=show.date)
    QuotaFactory(organizer=show.organizer, date=None, event=show.event, size=5)

    with pytest.raises(InventoryError) as err:
        take(show, session=talk)

    assert err.value.code == "no_quota"


def test_the_organiser_may_tie_session_registrations_to_a_wider_quota(show):
    talk = SessionFactory(event=show.event, date=show.date)
    on_site = QuotaFactory(
        organizer=show.organizer, date=None, event=show.event, size=2, covers_sessions=True
    )
    room = QuotaFactory(organizer=show.organizer, date=None, session=talk, size=10)

    take(show, session=talk)
    take(show, date=show.date, rate=show.full)
    with pytest.raises(InventoryError) as err:
        take(show, session=talk)

    assert err.value.params["quota_id"] == on_site.pk
    assert list(queries.find_quotas(organizer=show.organizer, session=talk)) == [on_site, room]


@pytest.mark.parametrize(
    ("quota", "request_", "applies"),
    [
        ({"event_id": 1}, {"event_id": 1, "session_id": None}, True),
        ({"event_id": 1}, {"event_id": 1, "session_id": 7}, False),
        ({"event_id": 1, "covers_sessions": True}, {"event_id": 1, "session_id": 7}, True),
        ({"session_id": 7}, {"event_id": 1, "session_id": 7}, True),
        ({"session_id": 7}, {"event_id": 1, "session_id": 8}, False),
        ({"session_id": 7}, {"event_id": 1, "session_id": None}, False),
        ({"date_id": 3, "rate_id": 4}, {"date_id": 3, "rate_id": 5}, False),
    ],
)
def test_the_rule_in_memory(quota, request_, applies):
    assert queries.quota_applies(quota, request_) is applies
