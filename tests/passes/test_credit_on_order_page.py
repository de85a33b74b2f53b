"""Pass credit on a pending order's page (SPEC D7: "credit on the pass for later
purchases"): a holder logged in to the personal space pays what is left to pay from it."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from rideau.orders import services as orders
from rideau.orders.models import Order
from rideau.orders.services import Buyer
from rideau.passes import services
from rideau.passes.models import Pass
from tests.accounts.conftest import log_in_account
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

EMAIL = "ana@example.net"


@pytest.fixture
def holder(world):
    """A pass with 100.00 of credit, and a pending order (another pass, 40.00) of the same
    person."""
    p = services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=Buyer(email=EMAIL),
        paid=True,
        provider="cash",
    )
    with transaction.atomic():
        services.add_credit(p, Decimal("100.00"), reason="resale 1")
    pending = services.sell_pass(
        world.organizer,
        rate=world.choice_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=Buyer(email=EMAIL),
        provider="bank_transfer",
    ).order
    return p, pending


def _order_url(world, order) -> str:
    return reverse("web:shop-order", args=[world.organizer.slug, order.code, order.secret])


def _logged_in(contact) -> Client:
    client = Client()
    log_in_account(client, AccountFactory(contact=contact))
    return client


def test_the_holder_pays_the_pending_order_with_the_credit_from_its_page(world, holder):
    p, order = holder
    client = _logged_in(order.contact)
    pay = reverse("web:account-pass-pay", args=[world.organizer.slug, p.pk, order.code])

    page = client.get(_order_url(world, order)).content.decode()
    assert "Pay with the credit on your pass" in page
    assert f'action="{pay}"' in page
    response = client.post(pay, {"next": _order_url(world, order)})

    assert response.status_code == 302
    assert response["Location"] == _order_url(world, order)
    order.refresh_from_db()
    p.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert p.credit == Decimal("60.00")
    assert [(x.provider, x.amount) for x in order.payments.all()] == [
        ("pass_credit", Decimal("40.00"))
    ]


def test_the_credit_pays_what_is_left_after_a_part_payment(world, holder):
    p, order = holder
    orders.record_part_payment(order, provider="gift_voucher", amount=Decimal("15.00"))
    client = _logged_in(order.contact)

    client.post(
        reverse("web:account-pass-pay", args=[world.organizer.slug, p.pk, order.code]),
        {"next": _order_url(world, order)},
    )

    order.refresh_from_db()
    p.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert p.credit == Decimal("75.00")


def test_no_credit_is_offered_to_a_visitor_or_to_someone_else(world, holder):
    p, order = holder
    other = _logged_in(ContactFactory(organizer=world.organizer, email="zoe@example.net"))
    pay = reverse("web:account-pass-pay", args=[world.organizer.slug, p.pk, order.code])

    anonymous = Client().get(_order_url(world, order)).content.decode()
    stranger = other.get(_order_url(world, order)).content.decode()
    refused = other.post(pay, {"next": _order_url(world, order)})

    assert "Pay with the credit on your pass" not in anonymous
    assert "Pay with the credit on your pass" not in stranger
    assert refused.status_code == 404
    order.refresh_from_db()
    p.refresh_from_db()
    assert (order.status, p.credit) == (Order.Status.PENDING, Decimal("100.00"))


def test_a_credit_too_low_is_not_offered(world, holder):
    p, order = holder
    with transaction.atomic():
        services.spend_credit(p, Decimal("70.00"), reason="order X")

    page = _logged_in(order.contact).get(_order_url(world, order)).content.decode()

    assert "Pay with the credit on your pass" not in page


def test_an_outside_next_address_is_not_followed(world, holder):
    p, order = holder
    client = _logged_in(order.contact)

    response = client.post(
        reverse("web:account-pass-pay", args=[world.organizer.slug, p.pk, order.code]),
        {"next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("web:account-pass", args=[world.organizer.slug, p.pk])


def test_a_cancelled_pass_pays_nothing_even_when_posted_to(world, holder):
    """The button is not shown for a cancelled pass; a hand-made request is refused too."""
    p, order = holder
    Pass.objects.filter(pk=p.pk).update(status=Pass.Status.CANCELLED)
    client = _logged_in(order.contact)

    client.post(reverse("web:account-pass-pay", args=[world.organizer.slug, p.pk, order.code]))

    order.refresh_from_db()
    p.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert p.credit == Decimal("100.00")
    assert not order.payments.exists()
