"""The box office and gift voucher API: shifts, split-payment sales, refunds, reports,
vouchers created, looked up, redeemed and their history."""

import pytest
from django.test import Client

from rideau.core.roles import Role
from rideau.giftcards.models import GiftVoucher
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order
from tests.api.conftest import make_token
from tests.boxoffice import conftest as till_fixtures

pytestmark = pytest.mark.django_db
show = till_fixtures.show
gift_rate = till_fixtures.gift_rate


@pytest.fixture
def api(organizer):
    return Client(HTTP_AUTHORIZATION=f"Bearer {make_token(organizer, Role.BOX_OFFICE)}")


def post(client, path, body):
    return client.post(f"/api/v1{path}", body, content_type="application/json")


def test_a_shift_sells_with_cash_and_a_voucher_refunds_and_closes(api, organizer, show, gift_rate):
    date, rate = show
    base = f"/organizers/{organizer.slug}"
    created = post(api, f"{base}/gift-vouchers", {"value": "30"})
    assert created.status_code == 201, created.content
    code = created.json()["code"]
    assert post(api, f"{base}/gift-vouchers/lookup", {"code": code}).json()["balance"] == "30.00"
    opened = post(api, f"{base}/boxoffice/sessions", {"device": "till-1", "opening_float": "20"})
    assert opened.status_code == 201
    session = opened.json()["id"]

    # a voucher never pays for a new gift voucher: refused, nothing spent
    rolled = post(
        api,
        f"{base}/boxoffice/sessions/{session}/sales",
        {
            "gift_vouchers": [{"rate": gift_rate.pk}],
            "payments": [{"method": "gift_voucher", "amount": "30", "code": code}],
        },
    )
    assert rolled.status_code == 422
    assert rolled.json()["detail"][0]["type"] == "buys_gift_voucher"
    assert post(api, f"{base}/gift-vouchers/lookup", {"code": code}).json()["balance"] == "30.00"

    sold = post(
        api,
        f"{base}/boxoffice/sessions/{session}/sales",
        {
            "lines": [{"rate": rate.pk, "date": date.pk, "quantity": 3}],
            "payments": [
                {"method": "gift_voucher", "amount": "30", "code": code},
                {"method": "cash", "amount": "30", "given": "40"},
            ],
            "buyer": {"email": "ann@example.org", "name": "Ann"},
        },
    )

    assert sold.status_code == 201, sold.content
    body = sold.json()
    assert (body["total"], body["change"]) == ("60.00", "10.00")
    report = api.get(f"/api/v1{base}/boxoffice/sessions/{session}/report").json()
    assert report["sales"] == {"cash": "30.00", "gift_voucher": "30.00"}
    assert report["expected_cash"] == "50.00"

    refunded = post(api, f"{base}/boxoffice/sessions/{session}/refunds", {"order": body["order"]})
    assert refunded.json()["refunded"] == {"cash": "30.00", "gift_voucher": "30.00"}
    history = api.get(
        f"/api/v1{base}/gift-vouchers/{GiftVoucher.objects.order_by('pk').first().pk}/history"
    )
    assert [e["kind"] for e in history.json()] == ["issued", "redeemed", "refunded"]

    closed = post(
        api,
        f"{base}/boxoffice/sessions/{session}/close",
        {"counted_cash": "20", "recipients": ["boss@example.org"]},
    )
    assert closed.json()["difference"] == "0.00"
    assert OutboxMessage.objects.filter(to=["boss@example.org"]).count() == 1


def test_redeem_pays_a_pending_order_and_bad_input_changes_nothing(api, organizer, show):
    base = f"/organizers/{organizer.slug}"
    code = post(api, f"{base}/gift-vouchers", {"value": "15"}).json()["code"]
    session = post(
        api, f"{base}/boxoffice/sessions", {"device": "till-2", "opening_float": "0"}
    ).json()["id"]
    date, rate = show

    short = post(
        api,
        f"{base}/boxoffice/sessions/{session}/sales",
        {
            "lines": [{"rate": rate.pk, "date": date.pk, "quantity": 1}],
            "payments": [{"method": "gift_voucher", "amount": "20", "code": code}],
        },
    )
    assert short.status_code == 422
    assert Order.objects.count() == 0
    assert post(api, f"{base}/gift-vouchers/lookup", {"code": code}).json()["balance"] == "15.00"
    spent = post(api, f"{base}/gift-vouchers/redeem", {"code": code, "amount": "5"})
    assert spent.status_code == 200 and spent.json()["balance"] == "10.00"
    unknown = post(api, f"{base}/gift-vouchers/lookup", {"code": "AAAA-AAAA-AAAA-AAAA"})
    assert unknown.status_code == 422


def test_a_retried_sale_with_its_idempotency_key_sells_once(api, organizer, show):
    date, rate = show
    base = f"/organizers/{organizer.slug}"
    session = post(api, f"{base}/boxoffice/sessions", {"device": "till-3", "opening_float": "0"})
    url = f"/api/v1{base}/boxoffice/sessions/{session.json()['id']}/sales"
    body = {
        "lines": [{"rate": rate.pk, "date": date.pk, "quantity": 2}],
        "payments": [{"method": "cash", "amount": "40", "given": "50"}],
    }

    first = api.post(
        url, body, content_type="application/json", headers={"Idempotency-Key": "sale-0001"}
    )
    again = api.post(
        url, body, content_type="application/json", headers={"Idempotency-Key": "sale-0001"}
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and first.json()["change"] == "10.00"
    assert Order.objects.count() == 1
    bad = api.post(url, body, content_type="application/json", headers={"Idempotency-Key": "x"})
    assert bad.status_code == 422 and Order.objects.count() == 1
    assert [e["loc"] for e in bad.json()["detail"]] == [["header", "Idempotency-Key"]]


def test_a_till_sale_with_a_choice_pass_and_its_dates(api, organizer, actor):
    from rideau.passes.models import Pass
    from tests.passes.conftest import make_world

    world = make_world(organizer, actor, seated=False)
    base = f"/organizers/{organizer.slug}"
    session = post(api, f"{base}/boxoffice/sessions", {"device": "till-2", "opening_float": "0"})
    sales = f"{base}/boxoffice/sessions/{session.json()['id']}/sales"
    line = {
        "rate": world.choice_rate.pk,
        "holder": {"last_name": "Lopez", "first_name": "Ana", "email": "ana@example.net"},
        "dates": [world.dates[0].pk],
    }
    card = [{"method": "card_present", "amount": "40"}]
    missing = post(api, sales, {"passes": [{**line, "holder": {}}], "payments": card})
    assert missing.status_code == 422 and "last_name" in missing.content.decode()
    foreign = post(api, sales, {"passes": [{**line, "dates": [999999]}], "payments": card})
    assert foreign.status_code == 422 and Pass.objects.count() == 0

    sold = post(
        api,
        sales,
        {
            "passes": [line],
            "payments": [
                {"method": "card_present", "amount": "30"},
                {"method": "cash", "amount": "10", "given": "20"},
            ],
        },
    )

    assert sold.status_code == 201, sold.content
    body = sold.json()
    p = Pass.objects.get()
    assert body["passes"] == [
        {"id": p.pk, "code": body["passes"][0]["code"], "holder": "Ana Lopez"}
    ]
    assert body["change"] == "10.00" and p.order.channel == "box_office"
    assert list(p.tickets.values_list("date_id", flat=True)) == [world.dates[0].pk]
    report = api.get(f"/api/v1{sales.removesuffix('/sales')}/report").json()
    assert (report["passes_sold"], report["passes_sold_amount"]) == (1, "40.00")


def test_a_past_expiry_has_its_own_code_on_its_field(api, organizer):
    """It answered `invalid_amount`, a code about amounts."""
    response = post(
        api,
        f"/organizers/{organizer.slug}/gift-vouchers",
        {"value": "30", "expires_at": "2020-01-01T00:00:00Z"},
    )

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "expires_at"],
            "msg": "Give a date in the future.",
            "type": "expiry_in_past",
        }
    ]
    assert GiftVoucher.objects.count() == 0
