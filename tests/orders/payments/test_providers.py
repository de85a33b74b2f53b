import datetime
from decimal import Decimal

import pytest

from rideau.core.access import Actor
from rideau.core.errors import PermissionDenied
from rideau.core.roles import Role
from rideau.orders.models import Order, Payment
from rideau.orders.payments import get_provider, providers_for
from rideau.orders.payments import services as payments
from rideau.orders.payments.errors import PaymentError
from rideau.orders.payments.money import (
    creditor_reference,
    from_minor,
    parse_creditor_reference,
    to_minor,
)
from rideau.orders.payments.providers import payment_reference
from tests.factories import RateFactory, member

pytestmark = pytest.mark.django_db


def ids(providers):
    return [p.identifier for p in providers]


def test_registry_offers_providers_per_channel_and_amount(payment_settings, fake_stripe):
    assert ids(providers_for("web", amount=Decimal("50"))) == [
        "bank_transfer",
        "demo_card",
        "stripe",
    ]
    assert ids(providers_for("box_office", amount=Decimal("50"))) == ["cash", "card_present"]
    assert ids(providers_for("web", amount=Decimal("0"))) == ["free"]
    assert get_provider("stripe").online is True
    assert get_provider("cash").settles_immediately is True
    assert str(get_provider("bank_transfer").verbose_name) == "Bank transfer"
    with pytest.raises(PaymentError) as exc:
        get_provider("bitcoin")
    assert (exc.value.code, exc.value.field) == ("unknown_provider", "provider")


def test_unconfigured_providers_are_not_offered(settings):
    settings.RIDEAU_BANK_IBAN = ""
    settings.STRIPE_SECRET_KEY = ""
    settings.RIDEAU_DEMO_PAYMENTS = False
    assert ids(providers_for("web", amount=Decimal("50"))) == []


def test_money_in_minor_units_and_creditor_references():
    assert to_minor(Decimal("12.50"), "EUR") == 1250
    assert to_minor(Decimal("1200"), "JPY") == 1200
    assert from_minor(1250, "eur") == Decimal("12.50")
    with pytest.raises(ValueError):
        to_minor(Decimal("1.005"), "EUR")
    assert creditor_reference("539007547034") == "RF18539007547034"  # ISO 11649's example
    assert parse_creditor_reference("rf18 5390 0754 7034") == "539007547034"
    assert parse_creditor_reference("RF19539007547034") is None


def test_free_order_is_paid_without_a_provider(place, world):
    free = RateFactory(product=world["full"].product, price=Decimal("0"))
    order = place(1, rate=free)
    assert (order.status, order.payment_provider) == (Order.Status.PAID, "free")
    assert get_provider("free").start(order, return_url="").settled is True
    with pytest.raises(PaymentError) as exc:
        payments.start_payment(order, provider="free")
    assert exc.value.code == "nothing_to_pay"
    assert Payment.objects.count() == 0


def test_bank_transfer_instructions_reference_and_mark_paid(payment_settings, place, actor):
    order = place(payment_deadline=datetime.timedelta(days=7))
    begun = payments.start_payment(order, provider="bank_transfer")
    reference = payment_reference(order)
    assert begun.reference == reference == creditor_reference(order.code)
    assert begun.instructions.startswith(
        "Please transfer 50.00 EUR to Théâtre du Rideau, IBAN DE89 3704 0044 0532 0130 00, "
        f"with the reference {reference}. Your places are held until "
    )
    order.refresh_from_db()
    assert (order.status, order.payment_provider) == (Order.Status.PENDING, "bank_transfer")
    spaced = " ".join(reference[i : i + 4] for i in range(0, len(reference), 4)).lower()
    assert payments.find_order_by_reference(order.organizer, spaced) == order
    with pytest.raises(PaymentError) as exc:
        payments.find_order_by_reference(order.organizer, reference[:-1] + "Z")
    assert (exc.value.code, exc.value.field) == ("invalid_reference", "reference")

    paid = payments.confirm_bank_transfer(order, amount=Decimal("50.00"), actor=actor)
    assert paid.status == Order.Status.PAID
    payment = Payment.objects.get(order=order)
    assert (payment.provider, payment.amount, payment.reference) == (
        "bank_transfer",
        Decimal("50.00"),
        reference,
    )


def test_bank_transfer_refuses_a_bad_iban(payment_settings, place):
    order = place()
    with pytest.raises(PaymentError) as exc:
        payments.start_payment(order, provider="bank_transfer", iban="DE89370400440532013001")
    assert (exc.value.code, exc.value.field) == ("invalid_iban", "iban")
    order.refresh_from_db()
    assert order.payment_provider == ""


def test_cash_at_the_box_office_settles_at_once(payment_settings, place, actor):
    sold = place(channel="box_office", paid=True, provider="cash")
    assert sold.status == Order.Status.PAID
    assert Payment.objects.get(order=sold).provider == "cash"
    reserved = place(1, email="bob@example.net", channel="phone")
    with pytest.raises(PaymentError) as exc:
        payments.start_payment(reserved, provider="cash")  # not a counter channel
    assert (exc.value.code, exc.value.field) == ("provider_unavailable", "provider")
    paid = payments.settle_at_box_office(reserved, provider="card_present", actor=actor)
    assert paid.status == Order.Status.PAID
    payment = Payment.objects.get(order=reserved)
    assert (payment.provider, payment.amount, payment.state) == (
        "card_present",
        Decimal("25.00"),
        Payment.State.CONFIRMED,
    )


def test_box_office_settlement_needs_a_counter_provider_and_the_permission(
    payment_settings, organizer, place, actor
):
    order = place()
    with pytest.raises(PaymentError) as exc:
        payments.settle_at_box_office(order, provider="bank_transfer", actor=actor)
    assert exc.value.code == "provider_unavailable"
    scanner = Actor(user=member(organizer, Role.CHECKIN))
    with pytest.raises(PermissionDenied):
        payments.settle_at_box_office(order, provider="cash", actor=scanner)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert Payment.objects.count() == 0


def test_demo_card_pays_once_and_only_where_switched_on(settings, place):
    settings.RIDEAU_DEMO_PAYMENTS = False
    order = place()
    with pytest.raises(PaymentError) as exc:
        payments.confirm_demo_payment(order)
    assert exc.value.code == "provider_unavailable"
    settings.RIDEAU_DEMO_PAYMENTS = True
    begun = payments.start_payment(order, provider="demo_card", return_url="/")
    assert begun.redirect_url == f"/shop/pay/demo/{order.secret}/"
    assert payments.confirm_demo_payment(order).action == "paid"
    assert payments.confirm_demo_payment(order).action == "duplicate"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Payment.objects.filter(order=order).count() == 1
