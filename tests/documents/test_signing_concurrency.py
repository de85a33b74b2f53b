"""Concurrent first orders of an organiser that signs tickets, on PostgreSQL: they make one
signing key between them, and every ticket verifies with it."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection

from rideau.core.access import Actor
from rideau.core.models import AuditLogEntry, TicketSigningKey
from rideau.documents import signing
from tests.checkin.conftest import make_world
from tests.factories import OrganizerFactory, member

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]

BUYERS = 6


def test_racing_first_orders_make_one_key():
    organizer = OrganizerFactory(signed_ticket_secrets=True)
    world = make_world(organizer, Actor(user=member(organizer)))
    start = threading.Barrier(BUYERS)

    def buy(i: int) -> str:
        connection.ensure_connection()
        start.wait(timeout=30)
        try:
            return world.ticket(email=f"buyer{i}@example.net").secret
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=BUYERS) as pool:
        secrets = list(pool.map(buy, range(BUYERS)))

    assert TicketSigningKey.objects.filter(organizer=organizer).count() == 1
    assert AuditLogEntry.objects.filter(action="signing_key.created").count() == 1
    assert all(signing.verify(organizer, s) is not None for s in secrets)
    assert {signing.decode(s).kid for s in secrets} == {1}
