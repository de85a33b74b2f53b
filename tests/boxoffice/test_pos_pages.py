"""The box office screen through the test client: every tab, a sale with change due,
reprints, a refund, closing the shift."""

from decimal import Decimal

import pytest
from django.urls import reverse

from rideau.boxoffice.models import CashSession, Movement
from rideau.catalog.models import Product
from rideau.giftcards import services as giftcards
from rideau.giftcards.models import GiftVoucher
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order

from .conftest import url

pytestmark = pytest.mark.django_db


def test_the_screen_asks_for_a_shift_first_then_sells(till, organizer, show, gift_rate, actor):
    date, rate = show
    assert till.get(url(organizer, "pos")).url == url(organizer, "pos-report")
    assert till.post(url(organizer, "pos-shift-open"), {"opening_float": "50"}).status_code == 302
    assert CashSession.objects.get().opening_float == Decimal("50")

    page = till.get(url(organizer, "pos-event"))
    assert page.status_code == 200 and rate.product.name["en"] in page.content.decode()
    for _i in range(2):
        till.post(
            url(organizer, "pos-cart-places"), {"rate": rate.pk, "date": date.pk, "delta": "1"}
        )
    till.post(url(organizer, "pos-cart-gift"), {"rate": gift_rate.pk})
    assert till.get(url(organizer, "pos-vouchers")).status_code == 200
    cart = till.get(url(organizer, "pos-cart")).content.decode()
    assert "70.00 EUR" in cart

    done = till.post(url(organizer, "pos-sell"), {"cash_given": "100"}, follow=True)

    order = Order.objects.get()
    assert (order.status, order.total, order.channel) == ("paid", Decimal("70"), "box_office")
    assert "30.00 EUR" in done.content.decode()  # change due
    for name in ("pos-order-tickets", "pos-order-receipt", "pos-order-cards"):
        pdf = till.get(url(organizer, name, order.pk))
        assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert till.post(url(organizer, "pos-order-resend", order.pk)).status_code == 302
    found = till.get(url(organizer, "pos-orders"), {"q": order.code}).content.decode()
    assert order.code in found

    till.post(url(organizer, "pos-order-refund", order.pk), {"reason": "changed mind"})
    order.refresh_from_db()
    assert order.status == "refunded"
    assert Movement.objects.filter(kind="refund").count() == 1

    closed = till.post(
        url(organizer, "pos-shift-close"),
        {"counted_cash": "50", "recipients": "boss@example.org"},
        follow=True,
    )
    assert closed.status_code == 200
    assert CashSession.objects.get().difference == Decimal("0")
    assert OutboxMessage.objects.filter(to=["boss@example.org"]).count() == 1


def test_a_split_payment_through_the_screen(till, organizer, show, actor):
    date, rate = show
    voucher = giftcards.create_voucher(organizer, value=Decimal("25"), actor=actor)
    till.post(url(organizer, "pos-shift-open"), {"opening_float": "0"})
    till.post(url(organizer, "pos-cart-places"), {"rate": rate.pk, "date": date.pk, "delta": "1"})

    till.post(url(organizer, "pos-sell"), {"voucher_code": voucher.code, "cash_given": "0"})

    order = Order.objects.get()
    assert sorted(order.payments.values_list("provider", "amount")) == [
        ("gift_voucher", Decimal("20.00"))
    ]
    voucher.refresh_from_db()
    assert voucher.balance == Decimal("5")


def test_bad_input_is_answered_on_the_form_and_sells_nothing(till, organizer, show):
    date, rate = show
    till.post(url(organizer, "pos-shift-open"), {"opening_float": "0"})
    till.post(url(organizer, "pos-cart-places"), {"rate": rate.pk, "date": date.pk, "delta": "1"})

    bad = till.post(url(organizer, "pos-sell"), {"voucher_code": "NOPE-NOPE", "cash_given": "x"})

    assert bad.status_code == 422
    assert Order.objects.count() == 0
    unknown = till.post(url(organizer, "pos-sell"), {"voucher_code": "AAAA-BBBB-CCCC-DDDD"})
    assert unknown.status_code == 422 and "not valid" in unknown.content.decode()
    short = till.post(url(organizer, "pos-sell"), {"cash_given": "5"})
    assert short.status_code == 422 and Order.objects.count() == 0


def test_back_office_gift_voucher_pages(owner_client, organizer, actor):
    voucher = giftcards.create_voucher(organizer, value=Decimal("40"), actor=actor, name="=cmd|x")
    listing = owner_client.get(reverse("web:giftcards-admin", args=[organizer.slug]))
    assert listing.status_code == 200 and voucher.code_hint in listing.content.decode()
    page = owner_client.get(
        reverse("web:giftcards-admin-voucher", args=[organizer.slug, voucher.pk])
    )
    assert voucher.code in page.content.decode() and "Balance history" in page.content.decode()
    export = owner_client.get(reverse("web:giftcards-admin-export", args=[organizer.slug]))
    assert "'=cmd|x" in export.content.decode()
    listing_url = reverse("web:giftcards-admin", args=[organizer.slug])
    created = owner_client.post(listing_url, {"form": "issue", "value": "15"})
    assert created.status_code == 302 and GiftVoucher.objects.count() == 2
    bad = owner_client.post(listing_url, {"form": "issue", "value": "-1"})
    assert bad.status_code == 422 and GiftVoucher.objects.count() == 2

    fixed = owner_client.post(
        listing_url, {"form": "product", "product-name": "Gift", "product-values": "25, 50"}
    )
    assert fixed.status_code == 302
    free = owner_client.post(
        listing_url,
        {
            "form": "product",
            "product-name": "Any",
            "product-min_amount": "10",
            "product-max_amount": "200",
        },
    )
    assert free.status_code == 302
    products = Product.objects.filter(organizer=organizer, kind="gift_voucher").order_by("pk")
    assert [sorted(r.price for r in p.rates.all()) for p in products] == [
        [Decimal("25"), Decimal("50")],
        [Decimal("0")],
    ]
    assert products[1].free_amount.max_amount == Decimal("200")
    neither = owner_client.post(listing_url, {"form": "product", "product-name": "X"})
    assert neither.status_code == 422 and products.count() == 2
    owner_client.post(listing_url, {"form": "validity", "validity-validity_days": "30"})
    assert giftcards.validity_days(organizer) == 30


def test_refunding_tickets_already_scanned_warns_and_a_free_order_is_cancelled_not_refunded(
    till, owner_client, organizer, cashier_actor, show, shift
):
    from django.urls import reverse

    from rideau.boxoffice import services
    from rideau.boxoffice.services import Tender
    from rideau.checkin import services as checkin
    from tests.factories import CheckinListFactory, RateFactory

    date, rate = show
    services.add_places(organizer, token="w", rate=rate, date=date, quantity=2, actor=cashier_actor)
    sale = services.sell(
        shift, token="w", tenders=[Tender(method="cash", amount=Decimal("40"))], actor=cashier_actor
    )
    ticket = sale.order.positions.first()
    door = CheckinListFactory(event=date.event)
    assert checkin.scan(checkin_list=door, secret=ticket.secret, actor=None, now=date.start).ok

    warning = "1 ticket of this order was already scanned at the entrance."
    page = till.get(url(organizer, "pos-order", sale.order.pk)).content.decode()
    assert warning in page and "Refund 40.00 EUR by the methods used" in page
    back = owner_client.get(reverse("web:backoffice-order", args=[organizer.slug, sale.order.pk]))
    assert back.content.decode().count(warning) == 2  # above Refund and Cancel

    free = RateFactory(product=rate.product, price=Decimal("0"))
    services.add_places(organizer, token="f", rate=free, date=date, quantity=1, actor=cashier_actor)
    invitation = services.sell(shift, token="f", tenders=[], actor=cashier_actor).order
    page = till.get(url(organizer, "pos-order", invitation.pk)).content.decode()
    assert "Cancel the order (nothing was paid)" in page and "Refund 0" not in page
    assert "already scanned" not in page


def test_the_cashier_chooses_the_buyers_language(till, organizer, show):
    """The order's e-mails and tickets follow it (it was always the organiser's first)."""
    organizer.languages = ["en", "fr"]
    organizer.save()
    date, rate = show
    till.post(url(organizer, "pos-shift-open"), {"opening_float": "0"})
    till.post(url(organizer, "pos-cart-places"), {"rate": rate.pk, "date": date.pk, "delta": "1"})
    cart = till.get(url(organizer, "pos-cart")).content.decode()
    assert 'name="language"' in cart and '<option value="en" selected>' in cart

    till.post(
        url(organizer, "pos-sell"),
        {"cash_given": "20", "email": "jeanne@example.net", "language": "fr"},
    )

    order = Order.objects.get()
    assert (order.email, order.locale) == ("jeanne@example.net", "fr")
    refused = till.post(url(organizer, "pos-sell"), {"cash_given": "20", "language": "de"})
    assert refused.status_code == 422 and Order.objects.count() == 1


def test_the_cart_writes_every_amount_with_its_cents_and_the_code_the_french_way(
    till, organizer, actor, show
):
    """A gift voucher of a free amount is 50.00 EUR in the cart like the tickets beside it (it
    was "50 EUR"); in French the discount code's colon has its space."""
    from tests.factories import VoucherFactory

    product = giftcards.create_product(
        organizer,
        actor=actor,
        name={"en": "Any amount", "fr": "Montant libre"},
        min_amount=Decimal("10"),
        max_amount=Decimal("200"),
    )
    VoucherFactory(organizer=organizer, code="FRIENDS", value=Decimal("10"))
    date, rate = show
    till.post(url(organizer, "pos-cart-places"), {"rate": rate.pk, "date": date.pk, "delta": "1"})
    till.post(url(organizer, "pos-cart-gift"), {"rate": product.rates.get().pk, "amount": "50"})
    till.post(url(organizer, "pos-cart-discount"), {"code": "FRIENDS"})

    page = till.get(url(organizer, "pos-cart")).content.decode()

    assert "50.00 EUR" in page and "20.00 EUR" in page and "50 EUR" not in page
    assert "Discount code FRIENDS: <strong>" in page
    french = till.get(url(organizer, "pos-cart"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Code promo FRIENDS : <strong>" in french


def test_a_refund_at_the_till_says_what_to_hand_back_and_what_to_refund_on_the_terminal(
    till, organizer, show
):
    """Seen walking the till: a refund only said "refunded by the methods it was paid
    with", leaving the cashier to work out the cash to hand back and the card terminal's
    refund (the terminal is not connected to Rideau)."""
    date, rate = show
    till.post(url(organizer, "pos-shift-open"), {"opening_float": "50"})
    for _i in range(2):
        till.post(
            url(organizer, "pos-cart-places"), {"rate": rate.pk, "date": date.pk, "delta": "1"}
        )
    till.post(url(organizer, "pos-sell"), {"card_amount": "15", "cash_given": "30"})
    order = Order.objects.get()

    page = till.post(
        url(organizer, "pos-order-refund", order.pk), {"reason": ""}, follow=True
    ).content.decode()

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert "Hand back 25.00 EUR in cash." in page
    assert "Refund 15.00 EUR on the card terminal." in page
