"""Idempotency-Key under real concurrency (PostgreSQL): a duplicate sent while the first
request is still placing its order gets 409, and only one order exists."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from rideau.api.models import IdempotentRequest
from rideau.core.access import Actor
from rideau.events.models import Event
from rideau.inventory import queries
from rideau.inventory import services as inventory
from rideau.inventory.models import Quota
from rideau.orders.models import Order
from tests.factories import EventDateFactory, EventFactory, ProductFactory, RateFactory, member

from .conftest import ApiClient

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]
KEY = "b7e2c1d0-0f4a-4c55-8d1e-2a9b3c4d5e6f"


@pytest.fixture
def shop(organizer):
    cache.clear()
    event = EventFactory(organizer=organizer, slug="gala", visibility=Event.Visibility.PUBLIC)
    date = EventDateFactory(event=event, start=timezone.now() + datetime.timedelta(days=10))
    product = ProductFactory(event=event, organizer=organizer)
    rate = RateFactory(product=product, price=Decimal("25.00"))
    quota = inventory.create_quota(
        actor=Actor(user=member(organizer)), organizer=organizer, name="Hall", size=10, date=date
    )
    body = {
        "lines": [{"rate": rate.pk, "date": date.pk}],
        "buyer": {"email": "ana@example.net", "name": "Ana"},
    }
    return {"quota": quota, "body": body, "url": "/shop/theatre/gala/orders"}


def in_thread(target) -> threading.Thread:
    def run() -> None:
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_duplicate_while_the_first_is_in_flight_gets_409(shop):
    locked, release = threading.Event(), threading.Event()

    def hold_the_quota_row() -> None:
        # another buyer's transaction holding the counter: the first request waits on it
        with transaction.atomic():
            Quota.objects.select_for_update().get(pk=shop["quota"].pk)
            locked.set()
            release.wait(timeout=30)

    answers = {}

    def first_request() -> None:
        answers["first"] = ApiClient().post(shop["url"], shop["body"], **{"Idempotency-Key": KEY})

    locker = in_thread(hold_the_quota_row)
    assert locked.wait(timeout=10)
    first = in_thread(first_request)
    for _ in range(200):  # until the first request has claimed the key
        if IdempotentRequest.objects.filter(status__isnull=True).exists():
            break
        threading.Event().wait(0.05)

    duplicate = ApiClient().post(shop["url"], shop["body"], **{"Idempotency-Key": KEY})
    release.set()
    locker.join(timeout=30)
    first.join(timeout=30)
    replay = ApiClient().post(shop["url"], shop["body"], **{"Idempotency-Key": KEY})

    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "idempotency_in_flight"
    assert answers["first"].status_code == 201
    assert (replay.status_code, replay.content) == (201, answers["first"].content)
    assert Order.objects.count() == 1
    assert Quota.objects.get(pk=shop["quota"].pk).taken == 1
    assert queries.check_integrity() == (1, [])


def test_simultaneous_duplicates_make_one_order(shop):
    threads = 8
    start = threading.Barrier(threads)
    statuses: list[int] = []
    bodies: set[bytes] = set()

    def send() -> None:
        start.wait(timeout=30)
        response = ApiClient().post(shop["url"], shop["body"], **{"Idempotency-Key": KEY})
        statuses.append(response.status_code)
        if response.status_code == 201:
            bodies.add(response.content)

    workers = [in_thread(send) for _ in range(threads)]
    for worker in workers:
        worker.join(timeout=60)

    assert len(statuses) == threads
    assert set(statuses) <= {201, 409}
    assert len(bodies) == 1  # every 201 is the same answer: the one order
    assert Order.objects.count() == 1
    assert Quota.objects.get(pk=shop["quota"].pk).taken == 1
