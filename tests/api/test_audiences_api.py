"""The API of sales channels and audience types (SPEC CORE-8, ADR 0006): audience types
CRUD, rates' channels and audiences, orders for an audience, availability per channel."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rideau.catalog import services as catalog
from rideau.catalog.models import AudienceType, Rate
from rideau.core.access import Actor
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.events.models import Event
from rideau.inventory import services as inventory
from rideau.inventory.models import Hold
from rideau.inventory.queries import check_integrity
from rideau.orders.models import Order
from tests.factories import EventDateFactory, EventFactory, ProductFactory, member

from .conftest import ApiClient, make_token

pytestmark = pytest.mark.django_db
ORG = "/organizers/theatre"
AUDIENCES = ORG + "/audience-types"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


# --- audience types ------------------------------------------------------------------------


def test_audience_type_crud(api, organizer):
    created = api.post(
        AUDIENCES, {"code": "schools", "name": {"en": "Schools", "fr": "Écoles"}, "position": 2}
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body == {
        "id": body["id"],
        "code": "schools",
        "name": {"en": "Schools", "fr": "Écoles"},
        "description": {},
        "position": 2,
        "active": True,
    }
    assert api.get(AUDIENCES).json()["results"] == [body]
    assert api.get(AUDIENCES + "/schools").json() == body

    patched = api.patch(AUDIENCES + "/schools", {"code": "classes", "active": False})
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["code"], patched.json()["active"]) == ("classes", False)
    assert api.get(AUDIENCES + "/schools").status_code == 404

    assert api.delete(AUDIENCES + "/classes").status_code == 204
    assert not AudienceType.objects.exists()
    actions = set(AuditLogEntry.objects.values_list("action", flat=True))
    assert {"audience_type.created", "audience_type.updated", "audience_type.deleted"} <= actions


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"code": "Not a code", "name": "Schools"}, ["body", "code"]),
        ({"code": "schools", "name": {"de": "Schulen"}}, ["body", "name"]),
        ({"code": "schools", "name": ""}, ["body", "name"]),
        ({"code": "schools", "name": "x", "position": -1}, ["body", "position"]),
    ],
)
def test_bad_audience_types_get_field_errors(api, organizer, body, loc):
    response = api.post(AUDIENCES, body)

    assert response.status_code == 422, response.json()
    assert response.json()["detail"][0]["loc"] == loc
    assert not AudienceType.objects.exists()


def test_a_duplicate_code_is_a_field_error(api, organizer):
    api.post(AUDIENCES, {"code": "schools", "name": "Schools"})
    api.post(AUDIENCES, {"code": "groups", "name": "Groups"})

    again = api.post(AUDIENCES, {"code": "schools", "name": "Other"})
    renamed = api.patch(AUDIENCES + "/groups", {"code": "schools"})

    for response in (again, renamed):
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "code"]
    assert sorted(AudienceType.objects.values_list("code", flat=True)) == ["groups", "schools"]


def test_an_audience_type_in_use_is_not_deleted(api, organizer, actor):
    schools = catalog.create_audience_type(organizer, actor=actor, code="schools", name="S")
    product = ProductFactory(organizer=organizer)
    catalog.create_rate(product, actor=actor, name="R", price=Decimal(1), audience_types=[schools])

    response = api.delete(AUDIENCES + "/schools")

    assert response.status_code == 400
    assert response.json()["code"] == "audience_type_in_use"
    assert AudienceType.objects.filter(pk=schools.pk).exists()


def test_read_only_tokens_read_but_do_not_write(organizer, actor):
    catalog.create_audience_type(organizer, actor=actor, code="schools", name="Schools")
    reader = ApiClient(make_token(organizer, Role.READ_ONLY))

    assert reader.get(AUDIENCES).status_code == 200
    assert reader.get(AUDIENCES + "/schools").status_code == 200
    assert reader.post(AUDIENCES, {"code": "groups", "name": "G"}).status_code == 403
    assert reader.patch(AUDIENCES + "/schools", {"active": False}).status_code == 403
    assert reader.delete(AUDIENCES + "/schools").status_code == 403
    assert list(AudienceType.objects.values_list("code", "active")) == [("schools", True)]


def test_another_organizers_audience_types_are_not_found(rival_api, organizer, actor):
    catalog.create_audience_type(organizer, actor=actor, code="schools", name="Schools")

    assert rival_api.get(AUDIENCES).status_code == 404
    assert rival_api.get("/organizers/rival/audience-types/schools").status_code == 404
    assert rival_api.get("/organizers/rival/audience-types").json()["count"] == 0


@pytest.mark.parametrize("path", ["audiences", "rates"])
def test_lists_cost_the_same_queries_for_1_or_3_rows(api, organizer, actor, path):
    product = ProductFactory(organizer=organizer)
    schools = catalog.create_audience_type(organizer, actor=actor, code="schools", name="S")
    url = AUDIENCES if path == "audiences" else f"{ORG}/products/{product.pk}/rates"

    def count(rows: int) -> int:
        Rate.objects.all().delete()
        AudienceType.objects.exclude(pk=schools.pk).delete()
        for i in range(rows - 1):
            catalog.create_audience_type(organizer, actor=actor, code=f"a{i}", name="A")
        for i in range(rows):
            catalog.create_rate(
                product, actor=actor, name=f"R{i}", price=Decimal(1), audience_types=[schools]
            )
        api.get(url)  # the token's first use records it
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url)
        assert response.json()["count"] == rows
        return len(queries)

    assert count(1) == count(3)


# --- rates ---------------------------------------------------------------------------------


def test_rates_expose_and_take_channels_and_audiences(api, organizer, actor):
    product = ProductFactory(organizer=organizer)
    catalog.create_audience_type(organizer, actor=actor, code="schools", name="Schools")
    catalog.create_audience_type(organizer, actor=actor, code="groups", name="Groups")
    rates = f"{ORG}/products/{product.pk}/rates"

    created = api.post(
        rates,
        {
            "name": "School",
            "price": "8.00",
            "channels": ["phone", "box_office"],
            "audience_types": ["groups", "schools"],
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["channels"] == ["box_office", "phone"]
    assert body["audience_types"] == ["schools", "groups"]
    assert api.get(f"{rates}/{body['id']}").json() == body

    patched = api.patch(f"{rates}/{body['id']}", {"audience_types": [], "channels": None})
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["channels"], patched.json()["audience_types"]) == ([], [])
    assert not Rate.objects.get(pk=body["id"]).audience_restricted


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"channels": ["fax"]}, ["body", "channels", 0]),
        ({"audience_types": ["nobody"]}, ["body", "audience_types"]),
        ({"audience_types": ["Not A Code"]}, ["body", "audience_types", 0]),
    ],
)
def test_bad_channels_and_audiences_get_field_errors(api, organizer, body, loc):
    product = ProductFactory(organizer=organizer)

    response = api.post(
        f"{ORG}/products/{product.pk}/rates", {"name": "R", "price": "1.00", **body}
    )

    assert response.status_code == 422
    assert [str(p) for p in response.json()["detail"][0]["loc"]] == [str(p) for p in loc]
    assert not Rate.objects.exists()


def test_a_rate_cannot_name_another_organizers_audience(api, organizer, other_organizer):
    catalog.create_audience_type(
        other_organizer, actor=Actor(user=member(other_organizer)), code="vip", name="VIP"
    )
    product = ProductFactory(organizer=organizer)

    response = api.post(
        f"{ORG}/products/{product.pk}/rates",
        {"name": "R", "price": "1.00", "audience_types": ["vip"]},
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "audience_types"]


# --- orders and availability ---------------------------------------------------------------


@pytest.fixture
def sale(organizer, actor):
    event = EventFactory(organizer=organizer, slug="gala", visibility=Event.Visibility.PUBLIC)
    date = EventDateFactory(event=event, start=timezone.now() + datetime.timedelta(days=10))
    product = ProductFactory(event=event, organizer=organizer)
    schools = catalog.create_audience_type(organizer, actor=actor, code="schools", name="S")
    full = catalog.create_rate(product, actor=actor, name="Full", price=Decimal("20"))
    door = catalog.create_rate(
        product, actor=actor, name="Door", price=Decimal("18"), channels=["box_office"]
    )
    school = catalog.create_rate(
        product, actor=actor, name="School", price=Decimal("8"), audience_types=[schools]
    )
    quota = inventory.create_quota(actor=actor, organizer=organizer, name="Hall", size=9, date=date)
    return {"date": date, "full": full, "door": door, "school": school, "quota": quota}


def staff_order(sale, rate, **extra) -> dict:
    return {
        "event": "gala",
        "lines": [{"rate": sale[rate].pk, "quantity": 2, "date": sale["date"].pk}],
        "buyer": {"email": "teacher@example.net"},
        **extra,
    }


def assert_nothing_taken(sale):
    assert not Order.objects.exists()
    assert not Hold.objects.exists()
    sale["quota"].refresh_from_db()
    assert sale["quota"].taken == 0
    assert check_integrity()[1] == []


@pytest.mark.parametrize(
    ("rate", "extra", "loc", "code"),
    [
        ("door", {"channel": "phone"}, ["body", "lines", "rate"], "not_on_channel"),
        ("school", {"channel": "phone"}, ["body", "lines", "rate"], "not_for_audience"),
        ("full", {"audience_type": "nobody"}, ["body", "audience_type"], None),
    ],
)
def test_staff_orders_are_checked_against_channel_and_audience(api, sale, rate, extra, loc, code):
    response = api.post(ORG + "/orders", staff_order(sale, rate, **extra))

    assert response.status_code == 422, response.json()
    error = response.json()["detail"][0]
    assert error["loc"] == loc
    if code:
        assert error["type"] == code
    assert_nothing_taken(sale)


def test_a_staff_order_for_an_audience(api, sale):
    response = api.post(
        ORG + "/orders", staff_order(sale, "school", channel="phone", audience_type="schools")
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["channel"], response.json()["audience_type"]) == ("phone", "schools")
    order = Order.objects.get()
    assert order.audience_type.code == "schools"
    listed = api.get(ORG + "/orders?audience_type=schools").json()
    assert [o["code"] for o in listed["results"]] == [order.code]
    assert api.get(ORG + "/orders?channel=web").json()["count"] == 0


@pytest.mark.parametrize("rate", ["door", "school"])
def test_the_shop_refuses_rates_it_does_not_sell(sale, rate):
    body = {
        "lines": [{"rate": sale[rate].pk, "quantity": 1, "date": sale["date"].pk}],
        "buyer": {"email": "ana@example.net"},
    }

    response = ApiClient().post("/shop/theatre/gala/orders", body)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "lines", "rate"]
    assert_nothing_taken(sale)


def _rates_listed(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [r["rate"] for r in response.json()["dates"][0]["rates"]]


def test_availability_per_channel_and_audience(sale):
    shop = ApiClient()
    url = "/shop/theatre/gala/availability"

    assert _rates_listed(shop.get(url)) == [sale["full"].pk]
    assert _rates_listed(shop.get(url + "?channel=box_office")) == [
        sale["full"].pk,
        sale["door"].pk,
    ]
    assert _rates_listed(shop.get(url + "?channel=phone&audience_type=schools")) == [
        sale["full"].pk,
        sale["school"].pk,
    ]
    unknown = shop.get(url + "?audience_type=nobody")
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "audience_type"]
    assert shop.get(url + "?channel=fax").status_code == 422
