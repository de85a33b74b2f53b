"""The shop API's hot path, pinned: what one one-ticket order sends to the database.

A change that adds a statement to the rush path (docs/performance.md) fails here; a change
that removes one lowers the pin. Run on both databases (the numbers differ: PostgreSQL takes
the lean write path)."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from rideau.core.access import Actor
from rideau.events.models import Event
from rideau.inventory import services as inventory
from rideau.inventory.models import Quota
from rideau.orders.models import Order
from tests.factories import EventDateFactory, EventFactory, ProductFactory, RateFactory, member

from .statements import recorded

pytestmark = pytest.mark.django_db(transaction=True)

# statements per one-ticket shop order with an Idempotency-Key, and COMMITs
PINNED = {"postgresql": (2, 1), "sqlite": (22, 1)}


@pytest.fixture
def rush(organizer):
    cache.clear()
    event = EventFactory(organizer=organizer, slug="gala", visibility=Event.Visibility.PUBLIC)
    date = EventDateFactory(event=event, start=timezone.now() + datetime.timedelta(days=10))
    product = ProductFactory(event=event, organizer=organizer, max_per_order=6)
    rate = RateFactory(product=product, price=Decimal("25.00"))
    quota = inventory.create_quota(
        actor=Actor(user=member(organizer)), organizer=organizer, name="Hall", size=50, date=date
    )
    return {"rate": rate, "date": date, "quota": quota}


def order(client: Client, rush, n: int):
    body = {
        "lines": [{"rate": rush["rate"].pk, "quantity": 1, "date": rush["date"].pk}],
        "buyer": {"email": f"buyer{n}@bench.example", "name": f"Buyer {n}"},
    }
    return client.post(
        "/api/v1/shop/theatre/gala/orders",
        data=body,
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )


def test_one_shop_order_costs_the_pinned_statements(rush, settings):
    settings.RIDEAU_SHOP_ORDER_RATE = (0, 60)
    client = Client()
    assert order(client, rush, 0).status_code == 201  # warm: the first request loads things
    with recorded() as found:
        response = order(client, rush, 1)
    assert response.status_code == 201, response.content
    assert Quota.objects.get(pk=rush["quota"].pk).taken == 2
    assert Order.objects.count() == 2
    statements, commits = PINNED[connection.vendor]
    print(found.summary())
    assert (len(found.statements), found.commits) == (statements, commits), found.summary()
    _rows_refer_to_each_other(Order.objects.latest("pk"))


def _rows_refer_to_each_other(order: Order) -> None:
    """The rows written in one statement carry the real ids of the rows before them."""
    from rideau.api.models import IdempotentRequest
    from rideau.contacts.models import Contact
    from rideau.core.models import AuditLogEntry, DomainEventRecord
    from rideau.inventory.models import Hold
    from rideau.messaging.models import OutboxMessage

    contact = Contact.objects.get(organizer=order.organizer, email="buyer1@bench.example")
    assert order.contact_id == contact.pk and contact.first_name == "Buyer"
    hold = Hold.objects.get(owner_ref=f"order:{order.pk}")
    assert list(order.positions.values_list("hold_id", flat=True)) == [hold.pk]
    message = OutboxMessage.objects.get(reference=f"order:{order.pk}")
    assert order.code in message.subject
    placed = AuditLogEntry.objects.get(action="order.placed", object_id=str(order.pk))
    assert placed.after["id"] == order.pk and placed.after["contact_id"] == contact.pk
    assert AuditLogEntry.objects.filter(action="hold.taken", object_id=str(hold.pk)).exists()
    key = IdempotentRequest.objects.get(key=order.idempotency_key)  # in the same statement
    assert (key.organizer_id, key.status) == (order.organizer_id, 201)
    record = DomainEventRecord.objects.filter(name="order.placed").latest("pk")
    assert record.payload["order_id"] == order.pk
    assert record.payload["contact_id"] == contact.pk
