"""What a buyer sees of gift vouchers: the order page and e-mails of an order that holds them
(alone, or with tickets), the "Pay with a gift voucher" box's refusals, and the public
balance check."""

import datetime
import re
from decimal import Decimal

import pypdfium2
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rideau.core.domain_events import process_events
from rideau.core.models import RateLimitHit
from rideau.giftcards import services
from rideau.giftcards.models import GiftVoucher
from rideau.messaging.models import OutboxMessage
from rideau.orders import services as orders
from rideau.orders.models import Order
from rideau.orders.payments.services import confirm_demo_payment, refund_order
from rideau.orders.services import Buyer, OrderLine
from tests.factories import EventDateFactory, EventFactory, QuotaFactory, RateFactory
from tests.giftcards.test_giftcards import ticket_order  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def order_url(order: Order) -> str:
    return f"/{order.organizer.slug}/order/{order.code}/{order.secret}/"


def heading(page: str) -> str:
    return re.search(r'<h2 id="tickets-title">(.*?)</h2>', page).group(1)


def column_heads(page: str) -> list[str]:
    return re.findall(r'<th scope="col">(.*?)</th>', page)


def buy_voucher(organizer, rate, *, locale="en", amount=None, paid=True) -> Order:
    order = orders.place_order(
        organizer,
        lines=[OrderLine(rate=rate, amount=amount)],
        buyer=Buyer(email="gift@example.org", name="Gina", locale=locale),
        provider="demo_card" if paid else "bank_transfer",
    )
    if paid:
        confirm_demo_payment(order)
        process_events()  # issues the voucher and queues its cards
    return order


def mixed_order(organizer, gift_rate, *, locale="en") -> Order:
    """A ticket at 28 and a gift voucher of 50, paid by card."""
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event)
    QuotaFactory(date=date, size=10)
    ticket = RateFactory(product__event=event, product__organizer=organizer, price=Decimal("28"))
    order = orders.place_order(
        organizer,
        lines=[OrderLine(rate=gift_rate), OrderLine(rate=ticket, date=date)],
        buyer=Buyer(email="mix@example.org", name="Max", locale=locale),
        provider="demo_card",
    )
    confirm_demo_payment(order)
    process_events()
    return order


def receipt(order: Order) -> OutboxMessage:
    """The order's own e-mail once paid (not its gift voucher cards)."""
    return (
        OutboxMessage.objects.filter(reference=f"order:{order.pk}")
        .exclude(attachments__filename__startswith="gift-vouchers-")
        .order_by("-pk")[0]
    )


def cards_mail(order: Order) -> OutboxMessage:
    return OutboxMessage.objects.get(
        reference=f"order:{order.pk}", attachments__filename__startswith="gift-vouchers-"
    )


# --- an order of gift vouchers speaks of them -------------------------------------------------


def test_an_order_of_one_gift_voucher_speaks_of_the_voucher(client, organizer, gift_rate, settings):
    settings.RIDEAU_DEMO_PAYMENTS = True
    order = buy_voucher(organizer, gift_rate)

    mail = receipt(order)
    cards = cards_mail(order)
    page = client.get(order_url(order)).content.decode()

    assert mail.subject == f"Receipt for your gift voucher, order {order.code}"
    subject, text = mail.rendered()
    assert subject == mail.subject
    assert f"Thank you for your order {order.code}. Your gift voucher:" in text
    assert "comes with its code in a separate e-mail" in text
    assert "ticket" not in text.lower()
    assert list(mail.attachments.values_list("filename", flat=True)) == []
    assert cards.subject == f"Your gift voucher, order {order.code}"
    assert "Your gift voucher is attached; it can be spent until its date:" in cards.text()
    assert f"{settings.SITE_URL}{balance_url(organizer)}" in cards.text()  # the balance check
    pdf = pypdfium2.PdfDocument(cards.attachments.get().render())
    assert len(pdf) == 1
    assert heading(page) == "Gift voucher"
    assert column_heads(page) == ["Gift voucher", "Price"]
    assert "Attendee" not in page and "Tickets" not in page
    assert "Thank you! Your gift voucher, with its code, was sent to gift@example.org." in page


def test_an_order_of_gift_vouchers_speaks_french_to_a_french_buyer(
    client, organizer, gift_rate, settings
):
    settings.RIDEAU_DEMO_PAYMENTS = True
    order = buy_voucher(organizer, gift_rate, locale="fr")

    mail = receipt(order)
    cards = cards_mail(order)
    page = client.get(order_url(order), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert mail.subject == f"Reçu de votre bon cadeau, commande {order.code}"
    text = mail.text()
    assert f"Merci pour votre commande {order.code}. Votre bon cadeau :" in text
    assert "Votre bon cadeau et son code vous parviennent dans un e-mail séparé" in text
    assert "billet" not in text.lower()
    assert cards.subject == f"Votre bon cadeau, commande {order.code}"
    assert "- 50,00 EUR, valable jusqu'au" in cards.text()  # written the French way
    assert heading(page) == "Bon cadeau"
    assert column_heads(page) == ["Bon cadeau", "Prix"]
    assert "Participant" not in page and "Billets" not in page


def test_a_pending_gift_voucher_order_holds_no_places(client, organizer, gift_rate):
    order = buy_voucher(organizer, gift_rate, paid=False)
    order.expires_at = timezone.now() + datetime.timedelta(minutes=30)
    order.save(update_fields=["expires_at"])

    page = client.get(order_url(order)).content.decode()
    placed = OutboxMessage.objects.get(reference=f"order:{order.pk}").text()

    assert "places" not in page
    assert "your gift voucher is sent to you by e-mail once the order is paid" in page
    assert "places" not in placed
    assert "your gift voucher is sent to you by e-mail once the order is paid" in placed


def test_a_pending_gift_voucher_order_offers_no_voucher_box(client, organizer, gift_rate):
    order = buy_voucher(organizer, gift_rate, paid=False)
    order.expires_at = timezone.now() + datetime.timedelta(minutes=30)
    order.save(update_fields=["expires_at"])

    page = client.get(order_url(order)).content.decode()

    assert "Pay with a gift voucher" not in page


def test_an_order_of_tickets_and_a_gift_voucher_names_both(client, organizer, gift_rate, settings):
    settings.RIDEAU_DEMO_PAYMENTS = True
    order = mixed_order(organizer, gift_rate)

    mail = receipt(order)
    page = client.get(order_url(order)).content.decode()

    assert mail.subject == f"Your tickets and gift voucher, order {order.code}"
    text = mail.text()
    assert f"Thank you for your order {order.code}. Your tickets and gift voucher:" in text
    assert "Your gift voucher comes with its code in a separate e-mail" in text
    # the tickets PDF holds the ticket alone: the voucher's card is in its own e-mail
    tickets = mail.attachments.get(filename=f"tickets-{order.code}.pdf")
    assert len(pypdfium2.PdfDocument(tickets.render())) == 1
    assert cards_mail(order).subject == f"Your gift voucher, order {order.code}"
    assert heading(page) == "Tickets and gift voucher"
    assert column_heads(page) == ["Item", "Attendee", "Price"]
    assert "and your gift voucher with its code in a separate e-mail" in page
    voucher = GiftVoucher.objects.get(order=order)
    assert f"Voucher ending in {voucher.code_hint}: 50.00 EUR" in page
    assert "tickets.pdf" in page


def test_a_mixed_order_in_french(client, organizer, gift_rate, settings):
    settings.RIDEAU_DEMO_PAYMENTS = True
    order = mixed_order(organizer, gift_rate, locale="fr")

    page = client.get(order_url(order), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert receipt(order).subject == f"Vos billets et votre bon cadeau, commande {order.code}"
    assert heading(page) == "Billets et bon cadeau"
    assert column_heads(page) == ["Article", "Participant", "Prix"]


def test_an_order_of_tickets_alone_still_speaks_of_tickets(
    client,
    organizer,
    ticket_order,  # noqa: F811
    settings,
):
    settings.RIDEAU_DEMO_PAYMENTS = True
    confirm_demo_payment(ticket_order)

    page = client.get(order_url(ticket_order)).content.decode()

    assert receipt(ticket_order).subject == f"Your tickets, order {ticket_order.code}"
    assert heading(page) == "Tickets"
    assert column_heads(page) == ["Ticket", "Attendee", "Price"]
    assert "gift voucher" not in receipt(ticket_order).text()


# --- the "Pay with a gift voucher" box ----------------------------------------------------------


def pay_url(order: Order) -> str:
    return reverse(
        "web:shop-order-gift-voucher", args=[order.organizer.slug, order.code, order.secret]
    )


def field_error(page: str) -> str:
    found = re.search(
        r'<small class="field-error" id="gift-voucher-code_error"[^>]*>(.*?)</small>', page
    )
    return found.group(1) if found else ""


@pytest.mark.parametrize(
    ("code", "language", "message"),
    [
        ("", "en", "Enter the code printed on your gift voucher."),
        ("   ", "en", "Enter the code printed on your gift voucher."),
        ("", "fr", "Saisissez le code imprimé sur votre bon cadeau."),
        (
            "SUMMER24",
            "en",
            "A gift voucher code has 16 letters and digits, like ABCD-EFGH-JKMN-PQRT.",
        ),
        (
            "SUMMER24",
            "fr",
            "Un code de bon cadeau compte 16 lettres et chiffres, par exemple ABCD-EFGH-JKMN-PQRT.",
        ),
        ("AAAA-AAAA-AAAA-AAAA", "en", "This gift voucher code is not valid."),
    ],
)
def test_the_voucher_box_says_what_is_wrong_under_the_field(
    client,
    ticket_order,  # noqa: F811
    code,
    language,
    message,
):
    response = client.post(pay_url(ticket_order), {"code": code}, HTTP_ACCEPT_LANGUAGE=language)

    page = response.content.decode()
    assert response.status_code == 422
    assert field_error(page) == message
    assert 'aria-invalid="true" aria-describedby="gift-voucher-code_error"' in page
    ticket_order.refresh_from_db()
    assert ticket_order.status == "pending"


def test_an_empty_or_malformed_code_counts_no_attempt(client, ticket_order):  # noqa: F811
    client.post(pay_url(ticket_order), {"code": ""})
    client.post(pay_url(ticket_order), {"code": "nope"})

    assert RateLimitHit.objects.count() == 0


def test_expired_spent_and_cancelled_vouchers_are_each_named(
    client,
    organizer,
    actor,
    gift_rate,
    ticket_order,  # noqa: F811
    settings,
):
    settings.RIDEAU_DEMO_PAYMENTS = True
    expired = services.create_voucher(organizer, value=Decimal("20"), actor=actor)
    GiftVoucher.objects.filter(pk=expired.pk).update(
        expires_at=datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)
    )
    spent = services.create_voucher(organizer, value=Decimal("20"), actor=actor)
    services.redeem(spent, amount=Decimal("20"))
    bought = buy_voucher(organizer, gift_rate)
    cancelled = GiftVoucher.objects.get(order=bought)
    refund_order(bought, actor=actor)

    said = {
        name: field_error(
            client.post(pay_url(ticket_order), {"code": voucher.code}).content.decode()
        )
        for name, voucher in [("expired", expired), ("spent", spent), ("cancelled", cancelled)]
    }
    typed = client.post(pay_url(ticket_order), {"code": spent.code}).content.decode()

    assert said == {
        "expired": "This gift voucher expired on 1 March 2026.",
        "spent": "This gift voucher has been spent in full.",
        "cancelled": "This gift voucher was cancelled: the order that bought it was cancelled "
        "or refunded.",
    }
    assert f'value="{spent.code}"' in typed  # the code typed stays in the box


def test_a_voucher_that_pays_goes_back_to_the_order_page(client, organizer, actor, ticket_order):  # noqa: F811
    voucher = services.create_voucher(organizer, value=Decimal("30"), actor=actor)

    response = client.post(pay_url(ticket_order), {"code": voucher.code.lower()})

    assert response.status_code == 302 and response["Location"] == order_url(ticket_order)
    page = client.get(order_url(ticket_order)).content.decode()
    assert "30.00 EUR paid by your gift voucher" in page
    assert "Left to pay: 50.00 EUR" in page


def test_the_voucher_box_is_rate_limited(client, organizer, ticket_order):  # noqa: F811
    for _i in range(10):
        client.post(pay_url(ticket_order), {"code": "AAAA-AAAA-AAAA-AAAA"})

    page = client.post(pay_url(ticket_order), {"code": "AAAA-AAAA-AAAA-AAAA"}).content.decode()

    assert field_error(page) == "Too many attempts. Please try again later."


# --- checking a balance --------------------------------------------------------------------


def balance_url(organizer) -> str:
    return reverse("web:shop-gift-voucher-balance", args=[organizer.slug])


def test_anyone_with_the_code_reads_its_balance_currency_and_expiry(client, organizer, actor):
    # late on 31 December in Paris is already 1 January there: the organiser's date is shown
    voucher = services.create_voucher(
        organizer,
        value=Decimal("40"),
        actor=actor,
        expires_at=datetime.datetime(2030, 12, 31, 23, 30, tzinfo=datetime.UTC),
    )
    services.redeem(voucher, amount=Decimal("12.50"))

    assert client.get(balance_url(organizer)).status_code == 200
    english = client.post(balance_url(organizer), {"code": voucher.code.lower().replace("-", " ")})
    french = client.post(balance_url(organizer), {"code": voucher.code}, HTTP_ACCEPT_LANGUAGE="fr")

    text = english.content.decode()
    assert english.status_code == 200
    assert f"Gift voucher ending in {voucher.code_hint}" in text
    assert "27.50 EUR" in text and "1 January 2031" in text
    assert "It can be spent on our website" in text
    assert "gift@example.org" not in text and "Gina" not in text
    page = french.content.decode()
    assert "27,50 EUR" in page and "1 janvier 2031" in page and "Valable jusqu'au" in page


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Enter the code printed on your gift voucher."),
        ("12", "A gift voucher code has 16 letters and digits, like ABCD-EFGH-JKMN-PQRT."),
        ("AAAA-AAAA-AAAA-AAAA", "This gift voucher code is not valid."),
    ],
)
def test_a_balance_check_says_what_is_wrong_with_the_code(client, organizer, code, message):
    response = client.post(balance_url(organizer), {"code": code})

    page = response.content.decode()
    assert response.status_code == 422
    assert (
        re.search(r'<small class="field-error" id="id_code_error">(.*?)</small>', page).group(1)
        == message
    )
    assert "gift-balance-facts" not in page


def test_a_balance_check_tells_spent_expired_and_cancelled_vouchers(
    client, organizer, actor, gift_rate, settings
):
    settings.RIDEAU_DEMO_PAYMENTS = True
    spent = services.create_voucher(organizer, value=Decimal("20"), actor=actor)
    services.redeem(spent, amount=Decimal("20"))
    expired = services.create_voucher(organizer, value=Decimal("15"), actor=actor)
    GiftVoucher.objects.filter(pk=expired.pk).update(
        expires_at=datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)
    )
    bought = buy_voucher(organizer, gift_rate)
    refund_order(bought, actor=actor)
    cancelled = GiftVoucher.objects.get(order=bought)

    pages = {
        name: client.post(balance_url(organizer), {"code": v.code}).content.decode()
        for name, v in [("spent", spent), ("expired", expired), ("cancelled", cancelled)]
    }

    assert (
        "0.00 EUR" in pages["spent"]
        and "This gift voucher has been spent in full." in pages["spent"]
    )
    assert "Expired on" in pages["expired"] and "1 March 2026" in pages["expired"]
    assert "This gift voucher can no longer be spent." in pages["expired"]
    assert "This gift voucher was cancelled" in pages["cancelled"]


def test_another_organisers_code_is_unknown_here(client, organizer, other_organizer, actor):
    voucher = services.create_voucher(organizer, value=Decimal("40"), actor=actor)

    response = client.post(balance_url(other_organizer), {"code": voucher.code})

    page = response.content.decode()
    assert response.status_code == 422
    assert "This gift voucher code is not valid." in page and "40.00" not in page


def test_balance_checks_are_rate_limited_per_address(client, organizer, actor):
    voucher = services.create_voucher(organizer, value=Decimal("40"), actor=actor)
    for _i in range(10):
        client.post(balance_url(organizer), {"code": "AAAA-AAAA-AAAA-AAAA"})

    refused = client.post(balance_url(organizer), {"code": voucher.code})
    elsewhere = client.post(balance_url(organizer), {"code": voucher.code}, REMOTE_ADDR="10.9.9.9")

    assert refused.status_code == 429
    assert "Too many attempts. Please try again later." in refused.content.decode()
    assert "40.00 EUR" not in refused.content.decode()
    assert elsewhere.status_code == 200 and "40.00 EUR" in elsewhere.content.decode()


def test_a_balance_check_needs_the_pages_csrf_token(organizer, actor):
    voucher = services.create_voucher(organizer, value=Decimal("40"), actor=actor)
    browser = Client(enforce_csrf_checks=True)

    forged = browser.post(balance_url(organizer), {"code": voucher.code})
    form = browser.get(balance_url(organizer)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    sent = browser.post(
        balance_url(organizer), {"code": voucher.code, "csrfmiddlewaretoken": token}
    )

    assert forged.status_code == 403
    assert sent.status_code == 200 and "40.00 EUR" in sent.content.decode()


def test_the_shop_links_to_the_balance_check_where_vouchers_are_sold(
    client, organizer, other_organizer, gift_rate
):
    shop = client.get(reverse("web:shop-gift-vouchers", args=[organizer.slug])).content.decode()
    home = client.get(reverse("web:organizer", args=[organizer.slug])).content.decode()
    elsewhere = client.get(reverse("web:organizer", args=[other_organizer.slug])).content.decode()

    link = f'href="{balance_url(organizer)}"'
    assert "Already have a gift voucher? Check its balance" in shop and link in shop
    assert link in home and "Check a gift voucher balance" in home
    assert f'href="{reverse("web:shop-gift-vouchers", args=[organizer.slug])}"' in home
    assert "gift voucher" not in elsewhere.lower()  # it sells none


def test_no_footer_link_to_the_voucher_shop_when_its_rates_are_off_sale(
    client, organizer, gift_rate
):
    from django.core.cache import cache

    gift_rate.active = False
    gift_rate.save(update_fields=["active"])
    cache.clear()

    home = client.get(reverse("web:organizer", args=[organizer.slug])).content.decode()

    assert f'href="{reverse("web:shop-gift-vouchers", args=[organizer.slug])}"' not in home
    assert client.get(reverse("web:shop-gift-vouchers", args=[organizer.slug])).status_code == 404
    assert f'href="{balance_url(organizer)}"' in home  # a voucher bought before still counts


def test_the_personal_space_shows_a_gift_voucher_order_as_one(
    client, organizer, gift_rate, settings
):
    from rideau.contacts.models import Contact
    from tests.accounts.conftest import log_in_account
    from tests.factories import AccountFactory, ContactFactory

    settings.RIDEAU_DEMO_PAYMENTS = True
    only = buy_voucher(organizer, gift_rate)
    mixed = mixed_order(organizer, gift_rate)
    Order.objects.filter(pk=mixed.pk).update(email="gift@example.org")
    contact = Contact.objects.filter(organizer=organizer, email="gift@example.org").first()
    account = AccountFactory(
        contact=contact or ContactFactory(organizer=organizer, email="gift@example.org")
    )
    log_in_account(client, account)

    alone = client.get(f"/{organizer.slug}/account/orders/{only.code}/").content.decode()
    both = client.get(f"/{organizer.slug}/account/orders/{mixed.code}/").content.decode()

    assert heading(alone) == "Gift voucher"
    assert column_heads(alone) == ["Gift voucher", "Price"]
    assert f'href="{balance_url(organizer)}"' in alone
    assert heading(both) == "Tickets and gift voucher"
    assert column_heads(both) == ["Item", "Date", "Attendee", "Price"]
    voucher = GiftVoucher.objects.get(order=mixed)
    assert f"Voucher ending in {voucher.code_hint}" in both and "tickets (PDF)" in both
