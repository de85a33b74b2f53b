"""The passes API: the same operations as the back office."""

import pytest

from rideau.core.roles import Role
from rideau.passes.models import Pass, PassTicket, Resale
from tests.api.conftest import ApiClient, make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(organizer):
    return ApiClient(make_token(organizer, Role.OWNER))


def test_sell_find_and_read_a_pass(api, world):
    response = api.post(
        "/organizers/theatre/passes",
        {
            "rate": world.auto_rate.pk,
            "holder": {"last_name": "Lopez", "first_name": "Ana"},
            "email": "ana@example.net",
            "provider": "cash",
            "paid": True,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["code"]) == 10
    assert len(body["tickets"]) == 3

    found = api.get(f"/organizers/theatre/passes?search={body['code']}").json()
    assert [p["id"] for p in found["results"]] == [body["id"]]
    one = api.get(f"/organizers/theatre/passes/{body['id']}").json()
    assert "code" not in one and one["last_name"] == "Lopez"
    # the same amount in both answers (the create answer said "0")
    assert body["credit"] == one["credit"] == "0.00"


def test_an_unknown_rate_is_a_field_error_in_the_callers_language(api, world):
    response = api.post(
        "/organizers/theatre/passes",
        {"rate": 999999, "holder": {"last_name": "Lopez"}, "email": "ana@example.net"},
        **{"Accept-Language": "fr"},
    )

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "rate"], "msg": "Inconnu ou indisponible ici.", "type": "value_error"}
    ]


def test_bad_holder_input_is_a_field_error_and_writes_nothing(api, world):
    response = api.post(
        "/organizers/theatre/passes",
        {
            "rate": world.auto_rate.pk,
            "holder": {"last_name": "", "first_name": "A", "mobile": "1"},
            "email": "ana@example.net",
        },
    )
    assert response.status_code == 422
    assert Pass.objects.count() == 0


def test_choices_preview_and_resale_withdrawal(api, world):
    sold = api.post(
        "/organizers/theatre/passes",
        {
            "rate": world.choice_rate.pk,
            "holder": {"last_name": "L", "first_name": "A"},
            "email": "ana@example.net",
            "provider": "cash",
            "paid": True,
        },
    ).json()
    added = api.post(
        f"/organizers/theatre/passes/{sold['id']}/choices", {"dates": [world.dates[0].pk]}
    )
    assert added.status_code == 201
    assert PassTicket.objects.filter(pass_obj_id=sold["id"]).count() == 1
    preview = api.get(f"/organizers/theatre/pass-products/{world.automatic.pk}/update-preview")
    assert preview.json() == {"passes": 0}
    assert api.get("/organizers/theatre/seasons").json()["count"] == 1
    assert api.get("/organizers/theatre/pass-products").json()["count"] == 2

    from rideau.passes import resale

    p = Pass.objects.get()
    [listing] = resale.list_tickets(p, tickets=list(p.tickets.all()), method="credit")
    first = api.post(f"/organizers/theatre/resales/{listing.pk}/withdraw")
    again = api.post(f"/organizers/theatre/resales/{listing.pk}/withdraw")
    assert first.status_code == 200 and first.json()["state"] == "withdrawn"
    assert again.status_code == 409
    assert Resale.objects.get().state == "withdrawn"
