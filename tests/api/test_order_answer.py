"""The shop's order answer is written out by hand (`order_answer`) for speed; it must stay
what ninja's `OrderOut` schema makes of the same order, field by field and as JSON."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder

from rideau.api.schemas.orders import OrderOut, PositionOut, order_answer
from rideau.inventory import services as inventory
from rideau.orders import services
from rideau.orders.models import Order
from rideau.orders.services import Attendee, Buyer, OrderLine
from tests.factories import EventDateFactory, EventFactory, ProductFactory, RateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(organizer, actor):
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event, start=timezone.now() + datetime.timedelta(days=10))
    product = ProductFactory(event=event, organizer=organizer, max_per_order=6)
    full = RateFactory(product=product, price=Decimal("25.50"))
    free = RateFactory(product=product, price=Decimal("0.00"), name={"en": "Guest"})
    inventory.create_quota(actor=actor, organizer=organizer, name="Hall", size=20, date=date)
    pending = services.place_order(
        organizer,
        event=event,
        lines=[OrderLine(rate=full, quantity=2, date=date)],
        buyer=Buyer(email="ana@example.net", name="Ana Lopez", locale="fr"),
    )
    paid = services.place_order(
        organizer,
        event=event,
        lines=[
            OrderLine(
                rate=full,
                quantity=1,
                date=date,
                attendees=[Attendee(name="Bo", email="bo@example.net")],
            ),
            OrderLine(rate=free, quantity=1, date=date),
        ],
        buyer=Buyer(email="cy@example.net"),
        provider="cash",
        paid=True,
        actor=actor,
    )
    cancelled = services.place_order(
        organizer,
        event=event,
        lines=[OrderLine(rate=full, quantity=1, date=date)],
        buyer=Buyer(email="di@example.net"),
    )
    services.cancel_order(cancelled, actor=actor)
    return [pending, paid, cancelled]


def by_schema(order: Order, secrets: bool) -> dict:
    order.show_secrets = secrets  # type: ignore[attr-defined]
    return OrderOut.from_orm(order).model_dump()


@pytest.mark.parametrize("secrets", [True, False])
def test_the_written_out_answer_is_the_schemas(orders, secrets):
    fresh = [Order.objects.get(pk=o.pk) for o in orders]  # as a replay reads it back
    for order in [*orders, *fresh]:
        answer = order_answer(order, secrets=secrets)
        assert answer == by_schema(order, secrets)
        assert json.dumps(answer, cls=NinjaJSONEncoder) == json.dumps(
            by_schema(order, secrets), cls=NinjaJSONEncoder
        )
        assert set(answer) == set(OrderOut.model_fields)
        assert set(answer["positions"][0]) == set(PositionOut.model_fields)
        assert (answer["secret"] is not None) is secrets


def test_the_comparison_sees_every_kind_of_value(orders):
    pending, paid, cancelled = (order_answer(o, secrets=True) for o in orders)
    assert pending["expires_at"] is not None and pending["expires_at"].tzinfo == datetime.UTC
    assert paid["paid_at"] is not None and paid["positions"][0]["attendee_name"] == "Bo"
    assert cancelled["cancelled_at"] is not None and cancelled["status"] == "cancelled"
    assert pending["locale"] == "fr" and pending["total"] == Decimal("51.00")
