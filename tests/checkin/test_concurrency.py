"""Two (or ten) scanners on the same ticket at the same moment, on PostgreSQL.

Each scanner is a thread with its own database connection. The control run is the naive
"look for an earlier entry, then record" without the database's single-entry rule: it lets
the ticket in several times, so the test would notice if the rule did not hold.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection, transaction

from rideau.checkin import services
from rideau.checkin.models import Checkin
from rideau.core.access import Actor
from tests.factories import OrganizerFactory, member

from .conftest import make_world

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]

SCANNERS = 10


def run_scanners(scan_once, n=SCANNERS) -> list[str]:
    start = threading.Barrier(n)

    def one(i: int) -> str:
        connection.ensure_connection()  # connecting is not part of the race
        start.wait(timeout=30)
        try:
            return scan_once(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


@pytest.fixture
def world():
    organizer = OrganizerFactory()
    return make_world(organizer, Actor(user=member(organizer)))


def test_ten_scanners_on_one_ticket_let_it_in_exactly_once(world):
    ticket = world.ticket()

    results = run_scanners(
        lambda i: (
            services.scan(
                checkin_list=world.checkin_list, secret=ticket.secret, nonce=f"s{i}", actor=None
            ).result
        )
    )

    assert sorted(results) == ["already_used"] * (SCANNERS - 1) + ["valid"]
    assert Checkin.objects.filter(result="valid").count() == 1
    assert Checkin.objects.count() == SCANNERS
    assert services.present_count(world.checkin_list) == 1


def test_the_same_scan_re_sent_at_once_is_recorded_once(world):
    ticket = world.ticket()

    results = run_scanners(
        lambda i: (
            services.scan(
                checkin_list=world.checkin_list, secret=ticket.secret, nonce="one-scan", actor=None
            ).result
        )
    )

    assert results == ["valid"] * SCANNERS
    assert Checkin.objects.count() == 1


def test_control_run_without_the_single_entry_rule_lets_the_ticket_in_twice(world):
    """The naive check-then-insert (what the rule prevents) races: every scanner lets the
    ticket in."""
    ticket = world.ticket()
    all_read = threading.Barrier(SCANNERS)

    def naive(i: int) -> str:
        with transaction.atomic():
            seen = Checkin.objects.filter(
                checkin_list=world.checkin_list, position=ticket, result="valid"
            ).exists()
            # the window every scanner has between reading and writing, made certain: every
            # scanner has read before any writes
            all_read.wait(timeout=30)
            result = "already_used" if seen else "valid"
            Checkin.objects.create(checkin_list=world.checkin_list, position=ticket, result=result)
        return result

    results = run_scanners(naive)

    assert results.count("valid") == SCANNERS
    assert Checkin.objects.filter(result="valid").count() == SCANNERS
