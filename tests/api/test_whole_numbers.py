"""A whole number the API reads (an id, a count, a position) is never JSON's true or false:
pydantic would read true as 1, so `{"rate": true}` named the object with id 1."""

from typing import Annotated

import pytest
from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from rideau.orders.models import Order

from .request_schemas import request_schema_names, schema_classes
from .test_orders_api import ORDERS, shop, staff_body  # noqa: F401 (a fixture)


def _adapter(field: FieldInfo) -> TypeAdapter:
    annotation = field.annotation
    return TypeAdapter(Annotated[annotation, *field.metadata] if field.metadata else annotation)


def _reads_true_as_a_number(adapter: TypeAdapter) -> bool:
    for value in (True, [True]):
        try:
            read = adapter.validate_python(value)
        except ValidationError:
            continue
        items = read if isinstance(read, list) else [read]
        if any(isinstance(v, int) and not isinstance(v, bool) for v in items):
            return True
    return False


def test_no_request_field_reads_true_as_a_number():
    classes = schema_classes()
    wanted = request_schema_names()
    checked = [classes[name] for name in sorted(wanted) if name in classes]
    assert len(checked) > 20  # the walk reaches the bodies (and their nested schemas)
    lax = [
        f"{cls.__name__}.{name}"
        for cls in checked
        for name, field in cls.model_fields.items()
        if _reads_true_as_a_number(_adapter(field))
    ]
    assert lax == []


@pytest.mark.django_db
def test_true_for_a_rate_id_is_a_field_error(api, shop):  # noqa: F811
    body = staff_body(shop)
    body["lines"][0]["rate"] = True

    response = api.post(ORDERS, body)

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "lines", "0", "rate"],
            "msg": "Give a whole number, not true or false.",
            "type": "int_type",
        }
    ]
    assert Order.objects.count() == 0
