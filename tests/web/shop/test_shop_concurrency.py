"""A checkout submitted several times at once (a double click, a retried request) makes one
order on PostgreSQL: the cart token is the order's idempotency key."""

import copy
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from rideau.inventory import queries
from rideau.inventory.models import Hold
from rideau.orders.models import Order, Position

from .test_shop import add, checkout_data, taken

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]


def test_simultaneous_checkouts_of_one_cart_make_one_order(shop):
    buyer = Client()
    add(buyer, shop, n=2)
    threads = 4
    start = threading.Barrier(threads)
    locations: list[str] = []

    def submit() -> None:
        try:
            same_browser = Client()
            same_browser.cookies = copy.deepcopy(buyer.cookies)
            start.wait(timeout=30)
            response = same_browser.post(
                shop.url("checkout"), checkout_data(provider="bank_transfer")
            )
            locations.append(response["Location"])
        finally:
            connection.close()

    workers = [threading.Thread(target=submit) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    order = Order.objects.get()
    assert locations == [f"/{shop.organizer.slug}/order/{order.code}/{order.secret}/"] * threads
    assert Position.objects.count() == 2
    assert Hold.objects.filter(owner_ref=f"order:{order.pk}").count() == 2
    assert taken(shop.quotas[0]) == 2
    assert queries.check_integrity() == (2, [])
