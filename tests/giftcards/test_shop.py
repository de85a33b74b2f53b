"""Gift vouchers in the shop: bought online (paid, then issued with its card by e-mail), and
spent by a buyer on a pending order, fully or in part."""

from decimal import Decimal

import pytest
from django.urls import reverse

from rideau.core.domain_events import process_events
from rideau.giftcards import services
from rideau.giftcards.models import GiftVoucher
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order
from rideau.orders.payments.services import confirm_demo_payment
from tests.giftcards.test_giftcards import ticket_order  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_buy_a_free_amount_gift_voucher_online(client, organizer, free_rate, settings):
    settings.RIDEAU_DEMO_PAYMENTS = True
    url = reverse("web:shop-gift-vouchers", args=[organizer.slug])
    assert client.get(url).status_code == 200

    refused = client.post(
        url,
        {"rate": free_rate.pk, "amount": "5", "email": "g@example.org", "provider": "demo_card"},
    )
    assert refused.status_code == 422 and Order.objects.count() == 0
    placed = client.post(
        url,
        {"rate": free_rate.pk, "amount": "75", "email": "g@example.org", "provider": "demo_card"},
    )

    order = Order.objects.get()
    assert placed.status_code == 302 and order.total == Decimal("75")
    confirm_demo_payment(order)
    process_events()
    voucher = GiftVoucher.objects.get()
    assert (voucher.value, voucher.buyer_email) == (Decimal("75"), "g@example.org")
    assert OutboxMessage.objects.filter(subject__startswith="Your gift voucher").count() == 1
    # the order's own e-mail is a receipt: no tickets PDF (it would have no page), no calendar
    receipt = (
        OutboxMessage.objects.filter(reference=f"order:{order.pk}")
        .exclude(subject__startswith="Your gift voucher")
        .get()
    )
    assert not receipt.attachments.exists()
    assert "Your tickets" not in receipt.text() and "/order/" in receipt.text()
    # the order page speaks of gift vouchers, not of tickets to download
    page = client.get(f"/{organizer.slug}/order/{order.code}/{order.secret}/").content.decode()
    assert "tickets.pdf" not in page and "Your tickets were sent" not in page
    assert f"Voucher ending in {voucher.code_hint}: 75.00 EUR" in page
    assert (
        client.get(f"/{organizer.slug}/order/{order.code}/{order.secret}/tickets.pdf").status_code
        == 404
    )


def test_the_free_amount_range_is_written_the_french_way(client, organizer, free_rate, settings):
    settings.RIDEAU_DEMO_PAYMENTS = True
    url = reverse("web:shop-gift-vouchers", args=[organizer.slug])

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    refused = client.post(
        url,
        {"rate": free_rate.pk, "amount": "5", "email": "g@example.org", "provider": "demo_card"},
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()

    assert "10,00 à 300,00 EUR" in page and "10.00" not in page
    assert "entre 10,00 et 300,00" in refused and "10.00" not in refused
    assert Order.objects.count() == 0


def test_a_buyer_spends_a_voucher_on_the_order_page(
    client,
    organizer,
    actor,
    ticket_order,  # noqa: F811
    settings,
):
    voucher = services.create_voucher(organizer, value=Decimal("30"), actor=actor)
    url = reverse(
        "web:shop-order-gift-voucher",
        args=[organizer.slug, ticket_order.code, ticket_order.secret],
    )

    wrong = client.post(url, {"code": "AAAA-AAAA-AAAA-AAAA"}, follow=True)
    assert "not valid" in wrong.content.decode()
    page = client.post(url, {"code": voucher.code}, follow=True)

    text = page.content.decode()
    assert "0.00 EUR remain on it" in text and "Left to pay: 50.00 EUR" in text
    ticket_order.refresh_from_db()
    assert ticket_order.status == "pending"
    voucher.refresh_from_db()
    assert voucher.balance == 0
    # the card page asks for what is left, not for the whole total again
    settings.RIDEAU_DEMO_PAYMENTS = True
    card = client.get(reverse("web:shop-pay-demo", args=[ticket_order.secret])).content.decode()
    assert "Pay 50.00 EUR (demo)" in card and "Left to pay: 50.00 EUR" in card
    assert "Have a gift voucher?" in card  # the way back to the order page
    # in French, the notice writes its decimals the French way
    second = services.create_voucher(organizer, value=Decimal("10"), actor=actor)
    french = client.post(url, {"code": second.code}, HTTP_ACCEPT_LANGUAGE="fr", follow=True)
    text = french.content.decode()
    assert "10,00 EUR payés" in text and "40,00 EUR" in text, text
