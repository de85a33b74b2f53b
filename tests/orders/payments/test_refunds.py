from decimal import Decimal

import pytest

from rideau.core.access import Actor
from rideau.core.errors import PermissionDenied
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.inventory.models import Hold
from rideau.messaging.models import OutboxMessage
from rideau.orders import services as orders
from rideau.orders.models import Order, Payment, Refund
from rideau.orders.payments import services as payments
from rideau.orders.payments.errors import PaymentError
from rideau.orders.payments.stripe_checkout import handle_stripe_webhook
from tests.factories import member

from .test_stripe import pay_webhook, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_by_card(payment_settings, place):
    order = place()
    payments.confirm_demo_payment(order)
    order.refresh_from_db()
    return order


def refund_audits(order):
    return AuditLogEntry.objects.filter(action="order.refunded", object_id=str(order.pk))


def test_partial_then_full_refund(paid_by_card, actor, world):
    order = paid_by_card
    mails = OutboxMessage.objects.count()
    [first] = payments.refund_order(order, amount=Decimal("20.00"), actor=actor, reason="Late")
    assert (first.amount, first.state, first.reason) == (Decimal("20.00"), "done", "Late")
    assert first.reference == f"demo-refund:rideau-refund-{first.pk}"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert payments.refundable_amount(order) == Decimal("30.00")
    assert Payment.objects.get(order=order).state == Payment.State.CONFIRMED
    assert refund_audits(order).count() == 1
    assert refund_audits(order).get().after["refund_amount"] == "20.00"
    mail = OutboxMessage.objects.latest("id")
    assert mail.subject == f"Refund for your order {order.code}"
    assert "We have refunded 20.00 EUR for your order" in mail.body_text
    world["quota"].refresh_from_db()
    assert world["quota"].taken == 2

    [rest] = payments.refund_order(order, actor=actor)
    assert (rest.amount, rest.state) == (Decimal("30.00"), Refund.State.DONE)
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert payments.refundable_amount(order) == Decimal("0.00")
    assert Payment.objects.get(order=order).state == Payment.State.REFUNDED
    assert list(order.positions.values_list("cancelled", flat=True)) == [True, True]
    assert {h.state for h in orders.holds_of(order)} == {Hold.State.RELEASED}
    world["quota"].refresh_from_db()
    assert world["quota"].taken == 0
    assert refund_audits(order).count() == 2
    assert AuditLogEntry.objects.filter(action="refund.requested").count() == 2
    assert AuditLogEntry.objects.filter(action="refund.done").count() == 2
    assert OutboxMessage.objects.count() == mails + 2
    assert "no longer valid" in OutboxMessage.objects.latest("id").body_text


def test_refund_larger_than_paid_is_refused_on_the_amount_field(paid_by_card, actor):
    with pytest.raises(PaymentError) as exc:
        payments.refund_order(paid_by_card, amount=Decimal("50.01"), actor=actor)
    assert (exc.value.code, exc.value.field) == ("refund_too_large", "amount")
    assert exc.value.message == "At most 50.00 EUR can be refunded on this order."
    assert Refund.objects.count() == 0
    assert refund_audits(paid_by_card).count() == 0


@pytest.mark.parametrize("amount", ["0", "-5", "1.005", "NaN", "ten", "1E+40"])
def test_refund_amount_must_be_positive_cents(paid_by_card, actor, amount):
    with pytest.raises(PaymentError) as exc:
        payments.refund_order(paid_by_card, amount=amount, actor=actor)
    assert (exc.value.code, exc.value.field) == ("invalid_amount", "amount")
    assert Refund.objects.count() == 0


def test_nothing_to_refund_on_an_unpaid_order(payment_settings, place, actor):
    with pytest.raises(PaymentError) as exc:
        payments.refund_order(place(), actor=actor)
    assert exc.value.code == "not_refundable"


def test_refund_needs_the_orders_permission(paid_by_card, organizer):
    scanner = Actor(user=member(organizer, Role.CHECKIN))
    with pytest.raises(PermissionDenied):
        payments.refund_order(paid_by_card, actor=scanner)
    assert Refund.objects.count() == 0
    paid_by_card.refresh_from_db()
    assert paid_by_card.status == Order.Status.PAID


def test_cash_refund_is_paid_back_by_hand(payment_settings, place, actor):
    order = place(1, channel="box_office", paid=True, provider="cash")
    [refund] = payments.refund_order(order, actor=actor)
    assert (refund.amount, refund.manual, refund.state) == (Decimal("25.00"), True, "done")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert "pay this amount back to you directly" in OutboxMessage.objects.latest("id").body_text


def test_refund_of_a_cancelled_order(paid_by_card, actor, world):
    orders.cancel_order(paid_by_card, actor=actor)
    payments.refund_order(paid_by_card, actor=actor)
    paid_by_card.refresh_from_db()
    assert paid_by_card.status == Order.Status.REFUNDED
    world["quota"].refresh_from_db()
    assert world["quota"].taken == 0


def test_stripe_partial_and_full_refunds_through_the_api(fake_stripe, place, actor):
    order = place()
    start(order)
    handle_stripe_webhook(*pay_webhook(fake_stripe, "cs_test_1"))
    pi = fake_stripe.sessions["cs_test_1"]["payment_intent"]
    [part] = payments.refund_order(order, amount=Decimal("12.50"), actor=actor)
    [rest] = payments.refund_order(order, actor=actor)
    requests = fake_stripe.posts("/v1/refunds")
    assert [(r["form"]["payment_intent"], r["form"]["amount"]) for r in requests] == [
        (pi, "1250"),
        (pi, "3750"),
    ]
    assert [r["idempotency_key"] for r in requests] == [
        f"rideau-refund-{part.pk}",
        f"rideau-refund-{rest.pk}",
    ]
    assert [part.reference, rest.reference] == [r["id"] for r in fake_stripe.refunds]
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


def test_stripe_refusal_is_recorded_and_can_be_retried(fake_stripe, place, actor):
    order = place()
    start(order)
    handle_stripe_webhook(*pay_webhook(fake_stripe, "cs_test_1"))
    fake_stripe.refuse_refunds = "Insufficient balance."
    with pytest.raises(PaymentError) as exc:
        payments.refund_order(order, actor=actor)
    assert exc.value.code == "refund_failed"
    assert exc.value.message == (
        "The refund was refused by the payment provider: Insufficient balance."
    )
    failed = Refund.objects.get(order=order)
    assert (failed.state, failed.amount) == (Refund.State.FAILED, Decimal("50.00"))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert refund_audits(order).count() == 0
    fake_stripe.refuse_refunds = ""
    [done] = payments.refund_order(order, actor=actor)
    assert done.state == Refund.State.DONE
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


def test_a_till_refund_cut_short_by_the_card_provider_still_counts_the_cash_it_paid(
    fake_stripe, place, organizer, actor
):
    """Paid 20 by a gift voucher cancelled since (the till pays that back in cash) and 30 by
    card online; the card refund is refused: the cash part was recorded as done, so the
    till's movements count it — a retry refunds only the rest and would never count it."""
    from django.utils import timezone

    from rideau.boxoffice import reports
    from rideau.boxoffice import services as till
    from rideau.boxoffice.models import Movement
    from rideau.giftcards import services as giftcards
    from rideau.giftcards.models import GiftVoucher

    order = place()  # 2 × 25
    voucher = giftcards.create_voucher(organizer, value=Decimal("20"), actor=actor)
    giftcards.pay_order(order, code=voucher.code, amount=Decimal("20"))
    start(order)
    handle_stripe_webhook(*pay_webhook(fake_stripe, "cs_test_1"))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    GiftVoucher.objects.filter(pk=voucher.pk).update(voided_at=timezone.now())
    shift = till.open_session(organizer, actor=actor, device="till", opening_float=Decimal("50"))
    fake_stripe.refuse_refunds = "Insufficient balance."

    with pytest.raises(PaymentError) as exc:
        till.refund(shift, order, actor=actor)

    assert exc.value.code == "refund_failed"
    assert [(r.payment.provider, r.amount) for r in exc.value.done] == [  # type: ignore[attr-defined]
        ("gift_voucher", Decimal("20"))
    ]
    assert list(Movement.objects.values_list("kind", "provider", "amount")) == [
        ("refund", "cash", Decimal("20"))
    ]
    assert reports.report_for(shift).expected_cash == Decimal("30")
