"""Odd input is a 422 with the field, never a 500 (issue 10 items 2 and 3): control
characters and lone surrogates in names and answers, on the public shop and the staff API;
time zone offsets PostgreSQL cannot store, on every datetime field of the API."""

import json

import pytest

from rideau.api.main import api as ninja_api
from rideau.orders.models import Order
from tests.factories import (
    EventDateFactory,
    EventFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
    SessionFactory,
    VoucherFactory,
)

from .test_orders_api import SHOP, order_body, shop  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
ORDERS = "/organizers/theatre/orders"


@pytest.mark.parametrize("name", ["Ana\u000bLopez", "Ana\x07", "Ana\x00", "\ud800Ana", "A\x85"])
def test_the_shop_refuses_control_characters_in_the_buyer_name(shop, name):  # noqa: F811
    from .conftest import ApiClient

    body = order_body(shop)
    body["buyer"]["name"] = name

    response = ApiClient().post(SHOP + "/orders", body)

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "buyer", "name"]]
    assert Order.objects.count() == 0


@pytest.mark.parametrize("locale", ["zz", "de", "EN", ""])
def test_the_shop_refuses_a_language_rideau_does_not_write(shop, locale):  # noqa: F811
    """The order's e-mails and pages are written in its language: one Rideau cannot write
    is a 422 on the field (it was stored, "zz")."""
    from .conftest import ApiClient

    body = order_body(shop)
    body["buyer"]["locale"] = locale

    response = ApiClient().post(SHOP + "/orders", body)

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "buyer", "locale"]]
    assert Order.objects.count() == 0


@pytest.mark.parametrize("value", ["\x00", "\ud800", "yes\x1b[31m"])
def test_answers_with_unstorable_text_are_422_on_shop_and_staff_api(api, shop, value):  # noqa: F811
    from .conftest import ApiClient

    body = order_body(shop, attendees=[{"name": "Ana", "answers": {"1": value}}], quantity=1)
    staff_body = {**body, "event": "gala"}

    public = ApiClient().post(SHOP + "/orders", body)
    staff = api.post(ORDERS, staff_body)

    for response in (public, staff):
        assert response.status_code == 422, response.content
        assert [e["loc"] for e in response.json()["detail"]] == [
            ["body", "lines", "0", "attendees", "0", "answers", "1"]
        ]
    assert Order.objects.count() == 0


def test_multi_line_fields_keep_line_breaks_but_not_other_controls(api, shop):  # noqa: F811
    order = api.post(ORDERS, {**order_body(shop, quantity=1), "event": "gala"}).json()
    bad = api.post(f"{ORDERS}/{order['code']}/cancel", {"reason": "no\x07", "notify": False})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "reason"]
    good = api.post(
        f"{ORDERS}/{order['code']}/cancel", {"reason": "line one\nline two", "notify": False}
    )
    assert good.status_code == 200


def _datetime_fields() -> list[tuple[str, str, str]]:
    """(method, path, field) of every body datetime field of the API."""
    schema = ninja_api.get_openapi_schema()
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
            props = (
                schema["components"]["schemas"].get(ref.split("/")[-1], {}).get("properties", {})
            )
            for name, prop in props.items():
                if "date-time" in json.dumps(prop):
                    found.append((method.upper(), path.removeprefix("/api/v1"), name))
    return found


DATETIME_FIELDS = _datetime_fields()


def test_the_api_has_datetime_fields_to_check():
    assert len(DATETIME_FIELDS) >= 14


def _datetime_params(organizer) -> dict:
    event = EventFactory(organizer=organizer, slug="e")
    product = ProductFactory(event=event, organizer=organizer)
    return {
        "organizer": organizer.slug,
        "event": "e",
        "date_id": EventDateFactory(event=event).pk,
        "session_id": SessionFactory(event=event).pk,
        "product_id": product.pk,
        "rate_id": RateFactory(product=product).pk,
        "voucher_id": VoucherFactory(organizer=organizer).pk,
        "quota_id": QuotaFactory(organizer=organizer, event=event, date=None).pk,
        "code": "ABCD234",  # a reservation's (the body is refused before any lookup)
        **_scenario_params(organizer),
    }


def _scenario_params(organizer) -> dict:
    from tests.factories import ScenarioFactory, StepFactory

    scenario = ScenarioFactory(organizer=organizer)
    return {"scenario_id": scenario.pk, "step_id": StepFactory(scenario=scenario).pk}


def test_every_datetime_field_refuses_a_number(api, organizer):
    """Regression (found by schemathesis' negative checks): a JSON number was taken for a
    Unix timestamp; the schema says a date and time is text."""
    params = _datetime_params(organizer)
    for method, path, field in DATETIME_FIELDS:
        body = json.dumps({field: -4.5e16})
        response = getattr(api.client, method.lower())(
            "/api/v1" + path.format(**params),
            data=body,
            content_type="application/json",
            headers=api.headers,
        )
        assert response.status_code == 422, (method, path, field, response.content)
        errors = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
        assert errors[("body", field)].startswith("Give a date and time as text"), (method, path)


@pytest.mark.parametrize("offset", ["-17:00", "+16:00", "+23:59"])
def test_every_datetime_field_refuses_offsets_postgresql_cannot_store(api, organizer, offset):
    event = EventFactory(organizer=organizer, slug="e")
    product = ProductFactory(event=event, organizer=organizer)
    params = {
        "organizer": organizer.slug,
        "event": "e",
        "date_id": EventDateFactory(event=event).pk,
        "session_id": SessionFactory(event=event).pk,
        "product_id": product.pk,
        "rate_id": RateFactory(product=product).pk,
        "voucher_id": VoucherFactory(organizer=organizer).pk,
        "code": "ABCD234",
        **_scenario_params(organizer),
    }
    for method, path, field in DATETIME_FIELDS:
        url = path.format(**params)
        body = json.dumps({field: f"2030-01-01T10:00:00{offset}"})
        response = getattr(api.client, method.lower())(
            "/api/v1" + url, data=body, content_type="application/json", headers=api.headers
        )
        assert response.status_code == 422, (method, path, field, response.content)
        errors = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
        assert errors[("body", field)] == "Give a time zone offset between -15:59 and +15:59.", (
            method,
            path,
        )


def test_the_largest_storable_offset_is_accepted(api, organizer):
    EventFactory(organizer=organizer, slug="e")
    response = api.post(
        "/organizers/theatre/events/e/dates", {"start": "2030-01-01T10:00:00-15:59"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["start"].startswith("2030-01-02T01:59")
