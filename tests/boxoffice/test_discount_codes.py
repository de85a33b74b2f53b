"""Discount codes at the till (as in the web shop and the API): the cart shows what the code
takes off, the payment is of the discounted total, the code is used once per sale; a wrong
code sells nothing."""

from decimal import Decimal

import pytest
from django.test import Client

from rideau.boxoffice import services
from rideau.boxoffice.errors import BoxOfficeError
from rideau.boxoffice.services import GiftLine, Tender
from rideau.core.roles import Role
from rideau.orders import vouchers
from rideau.orders.errors import OrderError
from rideau.orders.models import Order, Voucher
from tests.api.conftest import make_token
from tests.factories import VoucherFactory

from .conftest import url

pytestmark = pytest.mark.django_db


def hold(organizer, cashier_actor, show, n=2, cart="t1"):
    date, rate = show
    services.add_places(
        organizer, token=cart, rate=rate, date=date, quantity=n, actor=cashier_actor
    )


def test_a_code_takes_its_share_off_the_sale_and_is_used_once(
    organizer, cashier_actor, show, gift_rate, shift
):
    code = VoucherFactory(organizer=organizer, code="STUDENT", value=Decimal("50"))
    code.products.add(show[1].product)  # the tickets only, not the gift voucher
    hold(organizer, cashier_actor, show)  # 2 × 20
    gifts = [GiftLine(rate=gift_rate)]  # 30

    with pytest.raises(BoxOfficeError) as full_price:
        services.sell(
            shift,
            token="t1",
            gifts=gifts,
            tenders=[Tender(method="cash", amount=Decimal("70"))],
            actor=cashier_actor,
            discount_code="student",
        )
    assert full_price.value.code == "payments_mismatch"
    assert "50.00" in full_price.value.message  # 20 + 30 due, not 70

    sale = services.sell(
        shift,
        token="t1",
        gifts=gifts,
        tenders=[Tender(method="cash", amount=Decimal("50"), given=Decimal("50"))],
        actor=cashier_actor,
        discount_code=" student ",
    )

    assert (sale.order.total, sale.order.voucher) == (Decimal("50"), code)
    assert [v.value for v in sale.vouchers] == [Decimal("30")]  # the gift voucher is whole
    code.refresh_from_db()
    assert code.used == 1


def test_a_wrong_or_used_up_code_sells_nothing(organizer, cashier_actor, show, shift):
    VoucherFactory(organizer=organizer, code="ONCE", max_usages=1, used=1)
    hold(organizer, cashier_actor, show)
    for wrong, reason in (("NOPE", "invalid_voucher"), ("ONCE", "voucher_used_up")):
        with pytest.raises(OrderError) as exc:
            services.sell(
                shift,
                token="t1",
                tenders=[Tender(method="cash", amount=Decimal("36"))],
                actor=cashier_actor,
                discount_code=wrong,
            )
        assert (exc.value.code, exc.value.field) == (reason, "voucher")
    assert not Order.objects.exists()


def test_the_cart_applies_shows_and_removes_the_code(till, organizer, show):
    VoucherFactory(organizer=organizer, code="FRIENDS", value=Decimal("10"))
    date, rate = show
    till.post(url(organizer, "pos-shift-open"), {"opening_float": "0"})
    wrong = till.post(url(organizer, "pos-cart-discount"), {"code": "FRIENDS"}, follow=True)
    assert "The cart is empty." in wrong.content.decode()
    for _i in range(2):
        till.post(
            url(organizer, "pos-cart-places"), {"rate": rate.pk, "date": date.pk, "delta": "1"}
        )
    unknown = till.post(url(organizer, "pos-cart-discount"), {"code": "FREE"}, follow=True)
    assert "discount code" in unknown.content.decode().lower()
    assert 'data-testid="discount"' not in unknown.content.decode()

    applied = till.post(url(organizer, "pos-cart-discount"), {"code": "friends"}, follow=True)

    page = applied.content.decode()
    assert "Discount code applied: 4.00 EUR off." in page
    assert "Discount code friends" in page and "36.00 EUR" in page
    assert page.count("36.00 EUR") == 2  # the total and the cart's tab
    done = till.post(url(organizer, "pos-sell"), {"cash_given": "40"}, follow=True)
    order = Order.objects.get()
    assert (order.total, order.voucher.code) == (Decimal("36"), "FRIENDS")
    assert "4.00 EUR" in done.content.decode()  # the change
    # the next cart starts without it
    assert 'data-testid="discount"' not in till.get(url(organizer, "pos-cart")).content.decode()
    till.post(url(organizer, "pos-cart-places"), {"rate": rate.pk, "date": date.pk, "delta": "1"})
    till.post(url(organizer, "pos-cart-discount"), {"code": "FRIENDS"})
    till.post(url(organizer, "pos-cart-discount"), {"remove": "1"})
    assert "20.00 EUR" in till.get(url(organizer, "pos-cart")).content.decode()


def test_the_api_sells_with_a_discount_code(organizer, show):
    VoucherFactory(organizer=organizer, code="HALF", value=Decimal("50"))
    date, rate = show
    api = Client(HTTP_AUTHORIZATION=f"Bearer {make_token(organizer, Role.BOX_OFFICE)}")
    base = f"/api/v1/organizers/{organizer.slug}/boxoffice/sessions"
    session = api.post(
        base, {"device": "t", "opening_float": "0"}, content_type="application/json"
    ).json()["id"]

    sold = api.post(
        f"{base}/{session}/sales",
        {
            "lines": [{"rate": rate.pk, "date": date.pk, "quantity": 2}],
            "payments": [{"method": "cash", "amount": "20"}],
            "discount_code": "half",
        },
        content_type="application/json",
    )

    assert sold.status_code == 201, sold.content
    assert sold.json()["total"] == "20.00"
    assert Voucher.objects.get(code="HALF").used == 1


def test_a_code_for_everything_leaves_gift_vouchers_whole(
    organizer, cashier_actor, show, gift_rate, shift
):
    """A card sold at a discount would be worth less (nothing at 100 %): only a code naming
    the gift voucher product discounts it."""
    VoucherFactory(organizer=organizer, code="ALL", value=Decimal("50"))
    gift_only = services.order_lines([], [GiftLine(rate=gift_rate)])
    with pytest.raises(OrderError) as exc:
        services.discount(organizer, gift_only, "ALL")
    assert exc.value.code == "voucher_not_applicable"

    hold(organizer, cashier_actor, show, n=1)  # 20
    sale = services.sell(
        shift,
        token="t1",
        gifts=[GiftLine(rate=gift_rate)],  # 30
        tenders=[Tender(method="cash", amount=Decimal("40"))],
        actor=cashier_actor,
        discount_code="ALL",
    )
    assert sale.order.total == Decimal("40")  # 10 + 30
    assert [v.value for v in sale.vouchers] == [Decimal("30")]

    named = VoucherFactory(organizer=organizer, code="GIFTS", value=Decimal("10"))
    named.products.add(gift_rate.product)
    assert services.discount(organizer, gift_only, "GIFTS") == Decimal("3")


def test_a_page_of_the_till_reckons_the_discount_once(till, organizer, show, monkeypatch):
    """The cart's page shows the discounted total twice (the cart, the tab's badge), the
    event tab too: the code is checked against the catalogue once per page, not per figure."""
    VoucherFactory(organizer=organizer, code="FRIENDS", value=Decimal("10"))
    date, rate = show
    till.post(url(organizer, "pos-shift-open"), {"opening_float": "0"})
    for _i in range(2):
        till.post(
            url(organizer, "pos-cart-places"), {"rate": rate.pk, "date": date.pk, "delta": "1"}
        )
    till.post(url(organizer, "pos-cart-discount"), {"code": "FRIENDS"})
    calls = []
    reckon = vouchers.discount_for

    def counted(*args, **kwargs):
        calls.append(args)
        return reckon(*args, **kwargs)

    monkeypatch.setattr(vouchers, "discount_for", counted)

    cart = till.get(url(organizer, "pos-cart")).content.decode()
    assert (len(calls), cart.count("36.00 EUR")) == (1, 2)
    calls.clear()
    event = till.get(url(organizer, "pos-event")).content.decode()
    assert len(calls) == 1 and "36.00 EUR" in event
