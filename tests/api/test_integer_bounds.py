"""Every integer the API reads has a maximum the database can hold: a bigger one is a 422 on
its field, never an OverflowError (a 500 HTML page) when it reaches a query."""

import pytest
from django.test import Client

from rideau.api.main import api as ninja_api
from rideau.events.models import Event
from rideau.passes.models import Pass
from rideau.registration.models import Registration
from rideau.scenarios.models import Segment
from tests.factories import EventFactory

from .conftest import ApiClient

HUGE = 99999999999999999999999


def _unbounded_integers() -> list[str]:
    """Where in a request (path, query, header, body) an integer without a maximum is read."""
    schema = ninja_api.get_openapi_schema()
    components = schema["components"]["schemas"]
    found: list[str] = []

    def walk(node, where: str, seen: frozenset) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, where, seen)
            return
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            name = node["$ref"].split("/")[-1]
            if name not in seen:
                walk(components[name], f"{where} > {name}", seen | {name})
            return
        if node.get("type") == "integer" and not {"maximum", "exclusiveMaximum"} & set(node):
            found.append(where)
        for key, value in node.items():
            if key == "properties":
                for name, prop in value.items():
                    walk(prop, f"{where}.{name}", seen)
            else:
                walk(value, where, seen)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} {parameter['in']} {parameter['name']}"
                walk(parameter.get("schema", {}), where, frozenset())
            body = operation.get("requestBody", {}).get("content", {})
            walk(body, f"{method.upper()} {path} body", frozenset())
    return found


def test_the_walk_sees_integers():
    """The walk below reaches nested bodies: the agenda's session ids are bounded integers."""
    schema = ninja_api.get_openapi_schema()
    agenda = schema["components"]["schemas"]["AgendaIn"]["properties"]["sessions"]
    assert agenda["items"]["type"] == "integer" and agenda["items"]["maximum"] > 0


def test_every_integer_the_api_reads_has_a_maximum():
    assert _unbounded_integers() == []


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["sessions", "waitlist"])
def test_a_huge_session_id_in_an_agenda_is_a_field_error(organizer, field):
    event = EventFactory(
        organizer=organizer, self_agenda=True, kind=Event.Kind.ONSITE, visibility="public"
    )
    url = f"/api/v1/shop/{organizer.slug}/{event.slug}/agenda"

    response = Client().post(
        url, {"email": "a@example.org", field: [HUGE]}, content_type="application/json"
    )

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", field, "0"]]
    assert Registration.objects.count() == 0


@pytest.mark.django_db
def test_a_huge_date_id_in_a_till_pass_line_is_a_field_error(api, organizer):
    base = f"/organizers/{organizer.slug}/boxoffice/sessions"
    shift = api.post(base, {"device": "till-9", "opening_float": "0"}).json()
    body = {
        "passes": [{"rate": 1, "dates": [HUGE]}],
        "payments": [{"method": "cash", "amount": "10"}],
    }

    response = api.post(f"{base}/{shift['id']}/sales", body)

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "passes", "0", "dates", "0"]]
    assert Pass.objects.count() == 0


@pytest.mark.django_db
def test_a_huge_event_id_in_a_segment_condition_is_a_field_error(api: ApiClient, organizer):
    response = api.post(
        f"/organizers/{organizer.slug}/segments",
        {"name": "Huge", "conditions": [{"field": "ordered", "value": HUGE}]},
    )

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "conditions", "0", "value"],
            "msg": "Give a text of at most 200 characters, a whole number, true or false.",
            "type": "value_error",
        }
    ]
    assert Segment.objects.count() == 0
