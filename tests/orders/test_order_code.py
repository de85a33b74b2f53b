"""An order whose random code is taken gets another; a taken idempotency key is refused.
On PostgreSQL the insert is one statement without a savepoint (`core.rows`, ADR 0020)."""

import pytest
from django.db import IntegrityError, connection, transaction

from rideau.orders.models import Order
from rideau.orders.services import save_new_order
from tests.factories import EventFactory, OrderFactory
from tests.perf.statements import recorded

pytestmark = pytest.mark.django_db


def copy_of(order: Order, **changes) -> Order:
    fields = {
        "organizer": order.organizer,
        "event": order.event,
        "email": "bob@example.net",
        "total": order.total,
        "currency": order.currency,
        "code": order.code,
        **changes,
    }
    return Order(**fields)


def test_a_taken_code_is_replaced_and_the_transaction_goes_on(organizer):
    first = OrderFactory(event=EventFactory(organizer=organizer))
    second = copy_of(first)

    with transaction.atomic(), recorded() as found:
        save_new_order(second)
        assert Order.objects.filter(organizer=organizer).count() == 2  # still usable

    assert second.pk is not None and second.code != first.code
    assert Order.objects.get(pk=second.pk).code == second.code
    if connection.vendor == "postgresql":
        assert not [s for s in found.statements if "SAVEPOINT" in s]


def test_a_taken_idempotency_key_is_refused(organizer):
    first = OrderFactory(event=EventFactory(organizer=organizer), idempotency_key="shop:abc:key-1")
    second = copy_of(first, code="OTHERCODE1", idempotency_key="shop:abc:key-1")

    with pytest.raises(IntegrityError), transaction.atomic():
        save_new_order(second)

    assert Order.objects.filter(organizer=organizer).count() == 1
