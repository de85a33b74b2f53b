"""The API of staff order changes: POST …/orders/{code}/positions and
DELETE …/positions/{position_id}."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rideau.catalog.models import Question
from rideau.core.access import Actor
from rideau.core.roles import Role
from rideau.inventory import services as inventory
from rideau.inventory.models import Quota
from rideau.inventory.queries import check_integrity
from rideau.orders import services
from rideau.orders.models import Order, Payment, Position, Refund
from rideau.orders.services import Buyer, OrderLine
from tests.factories import EventDateFactory, EventFactory, ProductFactory, RateFactory, member

from .conftest import ApiClient, make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(organizer):
    event = EventFactory(organizer=organizer, slug="gala")
    date = EventDateFactory(event=event, start=timezone.now() + datetime.timedelta(days=10))
    product = ProductFactory(event=event, organizer=organizer, max_per_order=6)
    full = RateFactory(product=product, price=Decimal("25.00"))
    quota = inventory.create_quota(
        actor=Actor(user=member(organizer)), organizer=organizer, name="Hall", size=4, date=date
    )
    return {"event": event, "date": date, "product": product, "full": full, "quota": quota}


def place(organizer, shop, quantity=2, paid=False):
    return services.place_order(
        organizer,
        event=shop["event"],
        lines=[OrderLine(rate=shop["full"], date=shop["date"], quantity=quantity)],
        buyer=Buyer(email="ana@example.net", name="Ana"),
        paid=paid,
        provider="cash" if paid else "",
    )


def path(order, rest="positions") -> str:
    return f"/organizers/theatre/orders/{order.code}/{rest}"


def taken(shop) -> int:
    return Quota.objects.get(pk=shop["quota"].pk).taken


def test_add_positions_with_answers(organizer, shop, api):
    question = Question.objects.create(product=shop["product"], label={"en": "Diet"})
    order = place(organizer, shop, paid=True)
    response = api.post(
        path(order),
        {
            "lines": [
                {
                    "rate": shop["full"].pk,
                    "date": shop["date"].pk,
                    "quantity": 1,
                    "attendees": [{"name": "Bob", "answers": {str(question.pk): "vegan"}}],
                }
            ],
            "provider": "cash",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], Decimal(body["total"])) == ("paid", Decimal("75.00"))
    assert len(body["positions"]) == 3
    added = Position.objects.filter(order=order).order_by("id").last()
    assert (added.attendee_name, added.answers) == ("Bob", {str(question.pk): "vegan"})
    assert Payment.objects.filter(order=order).count() == 2
    assert taken(shop) == 3
    assert check_integrity()[1] == []


def test_add_beyond_the_quota_is_a_conflict(organizer, shop, api):
    order = place(organizer, shop, quantity=3)
    response = api.post(
        path(order), {"lines": [{"rate": shop["full"].pk, "date": shop["date"].pk, "quantity": 2}]}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "sold_out"
    assert Position.objects.filter(order=order).count() == 3
    assert taken(shop) == 3


def test_add_with_a_bad_answer_changes_nothing(organizer, shop, api):
    question = Question.objects.create(product=shop["product"], label={"en": "Age"}, kind="number")
    order = place(organizer, shop)
    response = api.post(
        path(order),
        {
            "lines": [
                {
                    "rate": shop["full"].pk,
                    "date": shop["date"].pk,
                    "attendees": [{"answers": {str(question.pk): "old"}}],
                }
            ]
        },
    )
    assert response.status_code == 422
    assert "Enter a number." in response.content.decode()
    assert Position.objects.filter(order=order).count() == 2
    assert taken(shop) == 2


def test_remove_a_position_with_refund(organizer, shop, api):
    order = place(organizer, shop, paid=True)
    ticket = order.positions.order_by("id").first()
    response = api.delete(path(order, f"positions/{ticket.pk}?refund=true&reason=ill"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert Decimal(body["total"]) == Decimal("25.00")
    assert [p["cancelled"] for p in body["positions"]] == [True, False]
    assert Refund.objects.get(order=order).amount == Decimal("25.00")
    assert taken(shop) == 1
    last = api.delete(path(order, f"positions/{order.positions.order_by('id').last().pk}"))
    assert (last.status_code, last.json()["code"]) == (409, "last_position")
    assert taken(shop) == 1


def test_remove_a_position_of_another_order_is_404(organizer, shop, api):
    order = place(organizer, shop)
    other = place(organizer, shop)
    response = api.delete(path(order, f"positions/{other.positions.first().pk}"))
    assert response.status_code == 404
    assert not Position.objects.filter(cancelled=True).exists()


def test_read_only_tokens_cannot_change_orders(organizer, shop):
    order = place(organizer, shop)
    reader = ApiClient(make_token(organizer, Role.READ_ONLY))
    add = reader.post(path(order), {"lines": [{"rate": shop["full"].pk, "date": shop["date"].pk}]})
    remove = reader.delete(path(order, f"positions/{order.positions.first().pk}"))
    assert (add.status_code, remove.status_code) == (403, 403)
    assert Order.objects.get(pk=order.pk).total == Decimal("50.00")
    assert taken(shop) == 2
