"""The discount codes API: list (search, active filter), create, generate, retrieve, update;
field errors that change nothing; permissions; query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.orders.models import Voucher
from tests.api.conftest import ApiClient, make_token
from tests.factories import EventFactory, ProductFactory, VoucherFactory

pytestmark = pytest.mark.django_db
VOUCHERS = "/organizers/theatre/vouchers"


@pytest.fixture
def event(organizer):
    return EventFactory(organizer=organizer, slug="hamlet")


@pytest.fixture
def product(event):
    return ProductFactory(event=event, organizer=event.organizer)


def state():
    return list(Voucher.objects.order_by("pk").values()), AuditLogEntry.objects.count()


def test_create_list_retrieve_update(api, organizer, event, product):
    created = api.post(
        VOUCHERS,
        {
            "code": "Partner-2026",
            "kind": "amount",
            "value": "7.50",
            "event": "hamlet",
            "products": [product.pk],
            "max_usages": 100,
            "valid_until": "2026-12-31T23:00:00+01:00",
            "partner_ref": "Radio Nova",
        },
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body == {
        "id": body["id"],
        "code": "Partner-2026",
        "kind": "amount",
        "value": "7.50",
        "event": "hamlet",
        "products": [product.pk],
        "max_usages": 100,
        "used": 0,
        "valid_from": None,
        "valid_until": "2026-12-31T22:00:00Z",
        "active": True,
        "partner_ref": "Radio Nova",
        "created": body["created"],
    }
    assert api.get(f"{VOUCHERS}/{body['id']}").json() == body
    assert api.get(VOUCHERS).json() == {"count": 1, "results": [body]}

    patched = api.patch(
        f"{VOUCHERS}/{body['id']}",
        {"value": "10", "products": [], "event": None, "active": False},
    )

    assert patched.status_code == 200, patched.json()
    assert (patched.json()["value"], patched.json()["products"]) == ("10.00", [])
    assert (patched.json()["event"], patched.json()["active"]) == (None, False)
    assert AuditLogEntry.objects.filter(action__startswith="voucher.").count() == 2


def test_search_and_active_filter(api, organizer):
    VoucherFactory(organizer=organizer, code="SPRING-A")
    VoucherFactory(organizer=organizer, code="SPRING-B", active=False)
    VoucherFactory(organizer=organizer, code="SUMMER")

    def codes(query):
        return [v["code"] for v in api.get(VOUCHERS + query).json()["results"]]

    assert codes("?search=spring") == ["SPRING-A", "SPRING-B"]
    assert codes("?active=false") == ["SPRING-B"]
    assert codes("?active=true&search=s") == ["SPRING-A", "SUMMER"]
    assert api.get(VOUCHERS + "?active=maybe").status_code == 422


def test_generate_codes(api, organizer, product):
    response = api.post(
        f"{VOUCHERS}/generate",
        {"count": 3, "prefix": "FNAC", "value": "15", "max_usages": 1, "products": [product.pk]},
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["count"] == 3
    assert all(v["code"].startswith("FNAC") and len(v["code"]) == 12 for v in body["results"])
    assert all(v["products"] == [product.pk] for v in body["results"])
    assert Voucher.objects.filter(organizer=organizer).count() == 3


@pytest.mark.parametrize(
    ("body", "loc", "message"),
    [
        ({"code": "spring", "value": "10"}, "code", "codes ignore case"),
        ({"code": "NEW", "value": "120"}, "value", "A percentage is at most 100."),
        ({"code": "NEW", "value": "0"}, "value", "greater than 0"),
        ({"code": "NEW", "value": "1.234"}, "value", "decimal places"),
        ({"code": "a b", "value": "10"}, "code", "letters, digits, hyphens"),
        ({"code": "x" * 51, "value": "10"}, "code", "at most 50 characters"),
        ({"code": "NEW", "value": "10", "event": "nowhere"}, "event", "Unknown"),
        ({"code": "NEW", "value": "10", "products": [999999]}, "products", "Unknown"),
        ({"code": "NEW", "value": "10", "kind": "gift"}, "kind", "Input should be"),
        ({"code": "NEW", "value": "10", "max_usages": 0}, "max_usages", "greater than or equal"),
        (
            {
                "code": "NEW",
                "value": "10",
                "valid_from": "2026-12-31T10:00:00Z",
                "valid_until": "2026-12-01T10:00:00Z",
            },
            "valid_until",
            "must come after its start",
        ),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(api, organizer, body, loc, message):
    VoucherFactory(organizer=organizer, code="SPRING")
    before = state()

    response = api.post(VOUCHERS, body)

    assert response.status_code == 422
    details = response.json()["detail"]
    assert any(d["loc"][:2] == ["body", loc] and message in d["msg"] for d in details), details
    assert state() == before


def test_max_usages_never_below_used(api, organizer):
    voucher = VoucherFactory(organizer=organizer, code="GALA", used=5, max_usages=10)
    before = state()

    response = api.patch(f"{VOUCHERS}/{voucher.pk}", {"max_usages": 4})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "max_usages"]
    assert state() == before


def test_null_for_a_required_setting_is_refused(api, organizer):
    voucher = VoucherFactory(organizer=organizer, code="GALA")
    before = state()

    response = api.patch(f"{VOUCHERS}/{voucher.pk}", {"code": None})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "code"]
    assert state() == before


@pytest.mark.parametrize("role", [Role.READ_ONLY, Role.BOX_OFFICE])
def test_readers_may_list_but_not_write(organizer, role):
    voucher = VoucherFactory(organizer=organizer, code="GALA")
    reader = ApiClient(make_token(organizer, role))
    before = state()

    assert reader.get(VOUCHERS).status_code == 200
    assert reader.get(f"{VOUCHERS}/{voucher.pk}").status_code == 200
    assert reader.post(VOUCHERS, {"code": "NEW", "value": "10"}).status_code == 403
    assert reader.post(f"{VOUCHERS}/generate", {"count": 2, "value": "10"}).status_code == 403
    assert reader.patch(f"{VOUCHERS}/{voucher.pk}", {"value": "50"}).status_code == 403
    assert state() == before


def test_check_in_tokens_cannot_read_codes(organizer):
    assert ApiClient(make_token(organizer, Role.CHECKIN)).get(VOUCHERS).status_code == 403


def test_another_organiser_sees_and_changes_nothing(organizer, rival_api, other_organizer):
    voucher = VoucherFactory(organizer=organizer, code="GALA")
    rival_product = ProductFactory(
        event=EventFactory(organizer=other_organizer), organizer=other_organizer
    )
    before = state()

    assert rival_api.get(VOUCHERS).status_code == 404
    assert rival_api.get(f"{VOUCHERS}/{voucher.pk}").status_code == 404
    assert rival_api.patch(f"{VOUCHERS}/{voucher.pk}", {"value": "50"}).status_code == 404
    own = "/organizers/rival/vouchers"
    assert rival_api.get(f"{own}/{voucher.pk}").status_code == 404
    assert rival_api.post(own, {"code": "X", "value": "1", "event": "gala"}).status_code == 422
    mine = rival_api.post(own, {"code": "GALA", "value": "1", "products": [rival_product.pk]})
    assert mine.status_code == 201  # codes are unique per organiser only
    assert Voucher.objects.filter(organizer=organizer).values_list("value", flat=True).get() == (
        Decimal("10.00")
    )
    assert state()[0][0] == before[0][0]


def _list_queries(api) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(VOUCHERS)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_queries_for_1_and_3_codes(api, organizer, product):
    def add():
        voucher = VoucherFactory(organizer=organizer, event=product.event)
        voucher.products.add(product)

    api.get(VOUCHERS)  # the token records its first use once
    add()
    one = _list_queries(api)
    add()
    add()
    three = _list_queries(api)

    assert one == three
