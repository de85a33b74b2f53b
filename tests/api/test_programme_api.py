"""Programme set-up through the API sells like the back office's: capacities become quotas,
and quotas can be listed, created, resized and deleted under their event."""

import pytest

from rideau.core.models import AuditLogEntry
from rideau.inventory.models import Quota
from tests.factories import EventFactory, SessionFactory

pytestmark = pytest.mark.django_db
ORG = "/organizers/theatre"


def set_up_event(api, *, capacity=None, date_capacity=None) -> dict:
    event = {"slug": "gala", "name": {"en": "Gala"}, "visibility": "public"}
    if capacity is not None:
        event["capacity"] = capacity
    assert api.post(f"{ORG}/events", event).status_code == 201
    date = {"start": "2030-05-01T20:00:00Z"}
    if date_capacity is not None:
        date["capacity"] = date_capacity
    date = api.post(f"{ORG}/events/gala/dates", date).json()
    product = api.post(f"{ORG}/products", {"event": "gala", "name": {"en": "Entry"}}).json()
    rate = api.post(
        f"{ORG}/products/{product['id']}/rates", {"name": {"en": "Full"}, "price": "0.00"}
    ).json()
    return {"date": date["id"], "rate": rate["id"], "product": product["id"]}


def order(api, ids: dict, quantity: int = 1):
    return api.post(
        f"{ORG}/orders",
        {
            "event": "gala",
            "lines": [{"rate": ids["rate"], "quantity": quantity, "date": ids["date"]}],
            "buyer": {"email": "ana@example.net", "name": "Ana"},
        },
    )


def test_an_event_set_up_through_the_api_with_a_capacity_sells(api):
    """Regression: the API's date creation made no quota and Event.capacity never became
    one, so such an event answered every order 422 no_quota."""
    ids = set_up_event(api, capacity=3)

    placed = order(api, ids, quantity=3)
    refused = order(api, ids)

    assert placed.status_code == 201, placed.json()
    assert refused.status_code == 409
    assert refused.json()["code"] == "sold_out"


def test_a_date_capacity_through_the_api_becomes_its_quota(api):
    ids = set_up_event(api, date_capacity=2)
    quota = Quota.objects.get(date_id=ids["date"])

    assert order(api, ids, quantity=2).status_code == 201
    grown = api.patch(f"{ORG}/events/gala/dates/{ids['date']}", {"capacity": 5})
    shrunk = api.patch(f"{ORG}/events/gala/dates/{ids['date']}", {"capacity": 1})

    assert grown.status_code == 200
    assert shrunk.status_code == 422
    assert [e["loc"] for e in shrunk.json()["detail"]] == [["body", "capacity"]]
    quota.refresh_from_db()
    assert (quota.size, quota.taken) == (5, 2)


def test_a_date_quota_is_named_in_the_organisers_zone(api, organizer):
    """Regression: the API runs in UTC, and a date's quota was named after its start in UTC
    ("2027-03-14 19:00" for a show at 20:00 in Paris)."""
    assert organizer.timezone == "Europe/Paris"
    api.post(f"{ORG}/events", {"slug": "gala", "name": {"en": "Gala"}})

    winter = api.post(
        f"{ORG}/events/gala/dates", {"start": "2027-03-14T20:00:00+01:00", "capacity": 50}
    )
    summer = api.post(f"{ORG}/events/gala/dates", {"start": "2027-07-14T18:00:00Z", "capacity": 1})

    assert winter.status_code == summer.status_code == 201
    assert Quota.objects.get(date_id=winter.json()["id"]).name == "2027-03-14 20:00"
    assert Quota.objects.get(date_id=summer.json()["id"]).name == "2027-07-14 20:00"


def test_messages_quote_the_date_in_the_organisers_zone(api):
    """Regression: "Not enough places left for “2027-07-14 18:00”" for a show at 20:00."""
    ids = set_up_event(api, date_capacity=1)  # 2030-05-01T20:00:00Z: 22:00 in Paris

    assert order(api, ids).status_code == 201
    sold_out = order(api, ids)
    closing = {"sales_end": "2021-01-01T00:00:00Z"}
    assert api.patch(f"{ORG}/events/gala/dates/{ids['date']}", closing).status_code == 200
    closed = order(api, ids)

    assert sold_out.status_code == 409
    assert sold_out.json()["detail"] == "Not enough places left for “2030-05-01 22:00”."
    assert closed.status_code == 422, closed.json()
    assert closed.json()["detail"][0]["msg"] == ("“2030-05-01 22:00” is not on sale at the moment.")


def test_event_capacity_changes_resize_its_quota(api):
    set_up_event(api, capacity=10)

    assert api.patch(f"{ORG}/events/gala", {"capacity": 12}).status_code == 200

    assert Quota.objects.get(event__slug="gala").size == 12


def test_quota_operations_under_the_event(api, organizer):
    ids = set_up_event(api)
    quotas = f"{ORG}/events/gala/quotas"

    created = api.post(
        quotas, {"name": "Reduced", "size": 4, "rate": ids["rate"], "date": ids["date"]}
    )
    whole = api.post(quotas, {"name": "Whole", "size": 10})
    assert created.status_code == 201, created.json()
    quota = created.json()
    assert (quota["rate"], quota["date"], quota["taken"], quota["whole_event"]) == (
        ids["rate"],
        ids["date"],
        0,
        False,
    )
    assert whole.json()["whole_event"] is True
    assert api.get(quotas).json()["count"] == 2
    url = f"{quotas}/{quota['id']}"
    patched = api.patch(url, {"name": "Reduced price", "size": 6})
    assert (patched.json()["name"], patched.json()["size"]) == ("Reduced price", 6)

    assert order(api, ids).status_code == 201
    in_use = api.delete(url)
    assert in_use.status_code == 409
    assert in_use.json()["code"] == "quota_in_use"
    below = api.patch(url, {"size": 0})
    assert below.status_code == 422
    assert [e["loc"] for e in below.json()["detail"]] == [["body", "size"]]

    actions = set(AuditLogEntry.objects.values_list("action", flat=True))
    assert {"quota.created", "quota.renamed", "quota.resized"} <= actions


def test_quota_scopes_must_belong_to_the_event(api, organizer):
    set_up_event(api)
    other = EventFactory(organizer=organizer, slug="other")
    talk = SessionFactory(event=other)

    refused = api.post(f"{ORG}/events/gala/quotas", {"name": "X", "size": 1, "session": talk.pk})

    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", "session"]]
    assert api.get(f"{ORG}/events/other/quotas/1").status_code == 404


def test_an_empty_quota_is_deleted(api):
    set_up_event(api)
    url = api.post(f"{ORG}/events/gala/quotas", {"name": "Whole", "size": 3}).json()["id"]

    assert api.delete(f"{ORG}/events/gala/quotas/{url}").status_code == 204
    assert not Quota.objects.exists()
    assert AuditLogEntry.objects.filter(action="quota.deleted").count() == 1
