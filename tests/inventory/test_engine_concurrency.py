"""Races of the engine's newer paths on PostgreSQL, each with a control run that shows the
race when the protection is off: a freed place with people waiting, staff overriding a full
quota, a transfer against a cancellation of the seller's order."""

import datetime

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rideau.inventory import queries, services
from rideau.inventory.models import Hold, Quota
from rideau.inventory.services import HoldRequest
from tests.factories import EventDateFactory, EventFactory, OrganizerFactory, QuotaFactory

from .test_concurrency import run_buyers
from .waitlist import Waitlist

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]

NEWCOMERS = 100


@pytest.fixture
def date():
    return EventDateFactory(event=EventFactory(organizer=OrganizerFactory()))


def _expired_sale(date, quota) -> None:
    """The quota's one place, held by a cart whose deadline has just passed."""
    with transaction.atomic():
        services.take(
            organizer=date.event.organizer,
            items=[HoldRequest(quantity=1, date=date)],
            expires_at=timezone.now() + datetime.timedelta(minutes=5),
            owner_ref="cart:old",
        )
    Hold.objects.filter(owner_ref="cart:old").update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def _race_newcomers_and_the_job(date) -> list[str]:
    def one(i: int) -> str:
        if i == NEWCOMERS // 2:  # the periodic job runs in the middle of the rush
            services.release_expired_holds()
            return "job"
        with transaction.atomic():
            services.take(
                organizer=date.event.organizer,
                items=[HoldRequest(quantity=1, date=date)],
                expires_at=timezone.now() + datetime.timedelta(minutes=15),
                owner_ref=f"newcomer-{i}",
            )
        return "ok"

    results = run_buyers(one, n=NEWCOMERS + 1)
    services.release_expired_holds()  # had a newcomer's reclaim the row locked: now
    return results


@pytest.mark.parametrize("round_", range(3))
def test_a_freed_place_goes_to_the_waiting_person_not_to_100_newcomers(date, round_):
    quota = QuotaFactory(date=date, size=1)
    _expired_sale(date, quota)
    waitlist = Waitlist(date.event.organizer)
    waitlist.wait(quota.pk, "alice", HoldRequest(quantity=1, date=date))

    with waitlist.plugged():
        results = _race_newcomers_and_the_job(date)

    assert results.count("ok") == 0
    assert results.count("sold_out") == NEWCOMERS
    assert waitlist.offered() == {"alice"}
    assert Quota.objects.get(pk=quota.pk).taken == 1
    assert queries.check_integrity() == (1, [])


def test_control_without_the_hook_a_newcomer_takes_the_freed_place(date):
    quota = QuotaFactory(date=date, size=1)
    _expired_sale(date, quota)
    waitlist = Waitlist(date.event.organizer)
    waitlist.wait(quota.pk, "alice", HoldRequest(quantity=1, date=date))

    results = _race_newcomers_and_the_job(date)

    assert results.count("ok") == 1
    assert waitlist.offered() == set()
    assert queries.check_integrity() == (1, [])
