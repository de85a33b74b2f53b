"""A field a request body does not take is refused, never ignored: a misspelt
`"quantitiy": 3` used to be accepted and did nothing (one ticket instead of three)."""

from typing import Annotated

import pytest
from pydantic import AfterValidator, ValidationError

from rideau.api.main import api as ninja_api
from rideau.api.schemas.common import BodySchema
from rideau.contacts.models import Contact
from rideau.orders.models import Order
from tests.factories import ContactFactory

from .conftest import ApiClient
from .request_schemas import request_schema_names, schema_classes
from .test_orders_api import ORDERS, SHOP, order_body, shop, staff_body, taken  # noqa: F401

UNKNOWN = "zz_not_a_field"


def _refuses_unknown_fields(cls: type) -> bool:
    try:
        cls.model_validate({UNKNOWN: 1})
    except ValidationError as exc:
        return {"type": "extra_forbidden", "loc": (UNKNOWN,)} in [
            {"type": e["type"], "loc": e["loc"]} for e in exc.errors()
        ]
    return False


def test_every_request_schema_refuses_an_unknown_field():
    classes = schema_classes()
    wanted = request_schema_names()
    assert sorted(wanted - classes.keys()) == []  # each body schema is one of ours
    checked = [classes[name] for name in sorted(wanted)]
    assert len(checked) > 20  # the walk reaches the bodies (and their nested schemas)
    lax = [cls.__name__ for cls in checked if not _refuses_unknown_fields(cls)]
    assert lax == []


def test_the_openapi_document_says_so():
    components = ninja_api.get_openapi_schema()["components"]["schemas"]

    open_bodies = [
        name
        for name in sorted(request_schema_names())
        if components[name].get("additionalProperties") is not False
    ]

    assert open_bodies == []


def test_a_body_is_validated_once_at_every_level():
    """ninja's own root validator validates a schema that forbids extra fields twice, at
    every level of nesting (a line's attendee four times): `BodySchema` replaces it."""
    seen: list[str] = []

    def note(value: str) -> str:
        seen.append(value)
        return value

    class AttendeeBody(BodySchema):
        name: Annotated[str, AfterValidator(note)]

    class LineBody(BodySchema):
        attendees: list[AttendeeBody]

    class OrderBody(BodySchema):
        lines: list[LineBody]

    OrderBody.model_validate({"lines": [{"attendees": [{"name": "Ada"}]}]})

    assert seen == ["Ada"]


@pytest.mark.django_db
def test_a_misspelt_field_of_a_line_is_a_field_error(api, shop):  # noqa: F811
    body = staff_body(shop)
    body["lines"][0]["quantitiy"] = body["lines"][0].pop("quantity")

    response = api.post(ORDERS, body)

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "lines", "0", "quantitiy"],
            "msg": "Unknown field.",
            "type": "extra_forbidden",
        }
    ]
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_the_shop_refuses_an_unknown_field_and_takes_nothing(shop):  # noqa: F811
    response = ApiClient().post(SHOP + "/orders", {**order_body(shop), "coupon": "SUMMER"})

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "coupon"], "msg": "Unknown field.", "type": "extra_forbidden"}
    ]
    assert (Order.objects.count(), taken(shop)) == (0, 0)


@pytest.mark.django_db
def test_a_change_with_an_unknown_field_changes_nothing(api, organizer):
    contact = ContactFactory(organizer=organizer, first_name="Ada")

    response = api.patch(
        f"/organizers/{organizer.slug}/contacts/{contact.pk}",
        {"frist_name": "Grace"},
        **{"Accept-Language": "fr"},
    )

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "frist_name"], "msg": "Champ inconnu.", "type": "extra_forbidden"}
    ]
    assert Contact.objects.get(pk=contact.pk).first_name == "Ada"
