"""What an order's answers say was paid and is still due (`amount_paid`, `amount_due`): the
confirmed payments and `orders.services.amount_due`, in every answer that shows an order."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rideau.core.access import Actor
from rideau.orders import services
from rideau.orders.models import Order, Payment
from tests.factories import member

from .test_orders_api import ORDERS, SHOP, order_body, shop, staff_body  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def amounts(data: dict) -> tuple[str, str, str]:
    return data["total"], data["amount_paid"], data["amount_due"]


def test_a_new_pending_order_owes_its_total(api, shop):  # noqa: F811
    created = api.post(ORDERS, staff_body(shop))

    assert created.status_code == 201, created.json()
    assert amounts(created.json()) == ("25.00", "0.00", "25.00")
    fetched = api.get(f"{ORDERS}/{created.json()['code']}").json()
    assert amounts(fetched) == ("25.00", "0.00", "25.00")


def test_a_box_office_sale_paid_at_once_owes_nothing(api, shop):  # noqa: F811
    created = api.post(ORDERS, staff_body(shop, channel="box_office", paid=True)).json()

    assert amounts(created) == ("25.00", "25.00", "0.00")
    assert amounts(api.get(f"{ORDERS}/{created['code']}").json()) == ("25.00", "25.00", "0.00")


def test_the_shop_answer_shows_the_amounts(shop):  # noqa: F811
    from .conftest import ApiClient

    response = ApiClient().post(SHOP + "/orders", order_body(shop, quantity=2))

    assert response.status_code == 201, response.json()
    assert amounts(response.json()) == ("50.00", "0.00", "50.00")


def test_a_part_payment_leaves_the_rest_due_in_the_order_and_the_list(api, shop):  # noqa: F811
    code = api.post(ORDERS, {**staff_body(shop), **order_body(shop, quantity=2)}).json()["code"]
    order = Order.objects.get(code=code)
    actor = Actor(user=member(order.organizer))
    services.record_part_payment(order, provider="cash", amount=Decimal("20.00"), actor=actor)

    fetched = api.get(f"{ORDERS}/{code}").json()
    listed = api.get(ORDERS).json()["results"]

    assert amounts(fetched) == ("50.00", "20.00", "30.00")
    assert [amounts(o) for o in listed] == [("50.00", "20.00", "30.00")]
    assert services.amount_due(order) == Decimal("30.00")  # the same rule


def test_mark_paid_answers_with_nothing_due(api, shop):  # noqa: F811
    code = api.post(ORDERS, staff_body(shop)).json()["code"]

    response = api.post(
        f"{ORDERS}/{code}/mark-paid", {"provider": "bank_transfer", "amount": "25.00"}
    )

    assert response.status_code == 200, response.json()
    assert amounts(response.json()) == ("25.00", "25.00", "0.00")


def test_a_cancelled_order_owes_nothing(api, shop):  # noqa: F811
    code = api.post(ORDERS, staff_body(shop)).json()["code"]

    response = api.post(f"{ORDERS}/{code}/cancel", {"notify": False})

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], amounts(response.json())) == (
        "cancelled",
        ("25.00", "0.00", "0.00"),
    )


def test_a_refund_keeps_the_payment_confirmed_and_owes_nothing(api, shop):  # noqa: F811
    """A partial refund does not make the order owe it again."""
    code = api.post(ORDERS, staff_body(shop, channel="box_office", paid=True)).json()["code"]

    response = api.post(f"{ORDERS}/{code}/refund", {"amount": "5.00"})

    assert response.status_code == 200, response.json()
    assert amounts(response.json()) == ("25.00", "25.00", "0.00")
    assert Payment.objects.get().state == Payment.State.CONFIRMED


def test_the_amounts_cost_no_query_per_order_in_the_list(api, shop):  # noqa: F811
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(ORDERS).status_code == 200
        return len(queries)

    api.post(ORDERS, staff_body(shop, channel="box_office", paid=True))
    one = count()
    api.post(ORDERS, staff_body(shop))
    api.post(ORDERS, staff_body(shop, channel="box_office", paid=True))

    assert count() == one
    listed = api.get(ORDERS).json()["results"]
    assert [o["amount_due"] for o in listed] == ["0.00", "25.00", "0.00"]


def test_another_organiser_gets_404_and_no_amounts(api, rival_api, shop):  # noqa: F811
    code = api.post(ORDERS, staff_body(shop)).json()["code"]

    response = rival_api.get(f"{ORDERS}/{code}")

    assert response.status_code == 404
    assert "amount_due" not in response.json()
    assert rival_api.get(ORDERS).status_code == 404


def test_an_order_code_that_is_not_one_is_a_field_error(api, shop):  # noqa: F811
    response = api.get(f"{ORDERS}/not-a-code")

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["path", "code"]]
