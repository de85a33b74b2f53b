"""Idempotency-Key under real concurrency (PostgreSQL): the key's row is written in the
order's transaction, so a duplicate sent while the first request is still placing its order
waits for it and gets the same answer, and only one order exists (with a control run: the
same race without the key makes two orders)."""

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


def _race(shop, key_of) -> dict:
    """Two requests of the same body, the second sent while the first is inside its order's
    transaction (the quota row is held by another transaction, so the first waits there
    with its rows written but not committed). `key_of(n)`: request n's Idempotency-Key."""
    locked, release = threading.Event(), threading.Event()

    def hold_the_quota_row() -> None:
        # another buyer's transaction holding the counter: the first request waits on it
        with transaction.atomic():
            Quota.objects.select_for_update().get(pk=shop["quota"].pk)
            locked.set()
            release.wait(timeout=30)

    answers: dict = {}

    def request(n: int) -> None:
        answers[n] = ApiClient().post(shop["url"], shop["body"], **{"Idempotency-Key": key_of(n)})

    locker = in_thread(hold_the_quota_row)
    assert locked.wait(timeout=10)
    first = in_thread(lambda: request(1))
    _until_waiting(1)  # the first request is blocked on the quota row
    second = in_thread(lambda: request(2))
    _until_waiting(2)  # and the duplicate on the first one's rows (or on the quota row)
    release.set()
    for thread in (locker, first, second):
        thread.join(timeout=30)
    return answers


def _until_waiting(n: int) -> None:
    """Poll until `n` other backends of this database wait on a lock."""
    for _ in range(400):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= n:
                return
        threading.Event().wait(0.025)
    raise AssertionError(f"{n} requests never waited on a lock")


def test_a_duplicate_while_the_first_is_in_flight_gets_the_same_order(shop):
    answers = _race(shop, lambda n: KEY)

    assert (answers[1].status_code, answers[2].status_code) == (201, 201)
    assert answers[2].content == answers[1].content
    assert Order.objects.count() == 1
    assert IdempotentRequest.objects.count() == 1
    assert Quota.objects.get(pk=shop["quota"].pk).taken == 1
    assert queries.check_integrity() == (1, [])
    replay = ApiClient().post(shop["url"], shop["body"], **{"Idempotency-Key": KEY})
    assert (replay.status_code, replay.content) == (201, answers[1].content)


def test_control_the_same_race_with_two_keys_makes_two_orders(shop):
    """The race above really runs both requests inside their transactions at once: with a
    key each, both orders are placed."""
    answers = _race(shop, lambda n: f"{KEY}-{n}")

    assert (answers[1].status_code, answers[2].status_code) == (201, 201)
    assert answers[2].json()["code"] != answers[1].json()["code"]
    assert Order.objects.count() == 2
    assert Quota.objects.get(pk=shop["quota"].pk).taken == 2


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
    assert set(statuses) == {201}  # each duplicate waited for the first and got its answer
    assert len(bodies) == 1  # every 201 is the same answer: the one order
    assert Order.objects.count() == 1
    assert Quota.objects.get(pk=shop["quota"].pk).taken == 1
