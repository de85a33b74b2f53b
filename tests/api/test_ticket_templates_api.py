"""The ticket templates over the API: read only, the ids a product's `ticket_template` takes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rideau.core.roles import Role
from tests.factories import TicketTemplateFactory

from .conftest import ApiClient, make_token

pytestmark = pytest.mark.django_db


def url(organizer) -> str:
    return f"/organizers/{organizer.slug}/ticket-templates"


def test_templates_are_listed_by_name_without_their_files(api, organizer, other_organizer):
    plain = TicketTemplateFactory(organizer=organizer, name="Plain", elements=["qr"])
    framed = TicketTemplateFactory(
        organizer=organizer,
        name="Framed",
        elements=["event_name", "seat"],
        background="ticket-templates/frame.png",
    )
    TicketTemplateFactory(organizer=other_organizer, name="Another's")

    response = api.get(url(organizer))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "count": 2,
        "results": [
            {
                "id": framed.pk,
                "name": "Framed",
                "elements": ["event_name", "seat"],
                "has_background": True,
            },
            {"id": plain.pk, "name": "Plain", "elements": ["qr"], "has_background": False},
        ],
    }


def test_a_check_in_member_may_read_them(organizer):
    TicketTemplateFactory(organizer=organizer)
    checkin = ApiClient(make_token(organizer, Role.CHECKIN))

    assert checkin.get(url(organizer)).json()["count"] == 1


def test_a_limit_out_of_bounds_is_a_field_error(api, organizer):
    response = api.get(url(organizer) + "?limit=0")

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["query", "limit"]]


def test_another_organiser_cannot_list_them(rival_api, organizer):
    TicketTemplateFactory(organizer=organizer)

    response = rival_api.get(url(organizer))

    assert response.status_code == 404
    assert "results" not in response.json()


def test_the_list_costs_the_same_for_1_and_3(api, organizer):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(url(organizer)).status_code == 200
        return len(queries)

    TicketTemplateFactory(organizer=organizer)
    count()  # the token's first use records it
    one = count()
    TicketTemplateFactory.create_batch(2, organizer=organizer)

    assert count() == one
