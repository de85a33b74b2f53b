"""The same Stripe payment delivered many times at once (Stripe retries, the session and
the intent events, the buyer's return page) pays or refunds exactly once. PostgreSQL only."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from rideau.orders.models import Order, Payment, Refund
from rideau.orders.payments import services
from rideau.orders.payments.stripe_checkout import handle_stripe_webhook

from .conftest import WEBHOOK_SECRET
from .fake_stripe import event, sign

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]
THREADS = 8


def deliver_at_once(payloads: list[bytes]) -> list[str]:
    start = threading.Barrier(len(payloads))

    def deliver(payload: bytes) -> str:
        try:
            start.wait(timeout=30)
            return handle_stripe_webhook(payload, sign(payload, WEBHOOK_SECRET)).action
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
        return list(pool.map(deliver, payloads))


def payloads_for(fake, order) -> list[bytes]:
    services.start_payment(order, provider="stripe", return_url="https://shop.example.org/")
    session = fake.complete("cs_test_1")
    intent = {
        "id": session["payment_intent"],
        "object": "payment_intent",
        "amount_received": session["amount_total"],
        "currency": "eur",
        "metadata": session["metadata"],
    }
    half = THREADS // 2
    return [event("checkout.session.completed", session)] * half + [
        event("payment_intent.succeeded", intent)
    ] * (THREADS - half)


def test_concurrent_deliveries_pay_once(fake_stripe, place):
    order = place()
    results = deliver_at_once(payloads_for(fake_stripe, order))
    assert sorted(results) == ["duplicate"] * (THREADS - 1) + ["paid"]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Payment.objects.filter(order=order).count() == 1
    assert fake_stripe.posts("/v1/refunds") == []


def test_concurrent_late_deliveries_refund_once(fake_stripe, place):
    order = place(now=timezone.now() - datetime.timedelta(hours=2))
    place(5, email="bob@example.net", paid=True, provider="cash")
    results = deliver_at_once(payloads_for(fake_stripe, order))
    assert sorted(results) == ["duplicate"] * (THREADS - 1) + ["refunded"]
    assert Payment.objects.filter(order=order).count() == 1
    assert Refund.objects.filter(order=order).count() == 1
    assert len(fake_stripe.posts("/v1/refunds")) == 1
