import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rideau.core.models import AuditLogEntry
from rideau.inventory import services as inventory
from rideau.inventory.models import Hold
from rideau.messaging.models import OutboxMessage
from rideau.orders import services as orders
from rideau.orders.models import Order, Payment, Refund
from rideau.orders.payments import services
from rideau.orders.payments.errors import PaymentError
from rideau.orders.payments.stripe_checkout import confirm_stripe_return, handle_stripe_webhook

from .conftest import WEBHOOK_SECRET
from .fake_stripe import event, sign

pytestmark = pytest.mark.django_db
RETURN = "https://shop.example.org/theatre/order/ABC/"


def pay_webhook(fake, session_id, kind="checkout.session.completed"):
    session = fake.complete(session_id) if fake.sessions[session_id]["status"] == "open" else None
    session = session or fake.sessions[session_id]
    payload = event(kind, session)
    return payload, sign(payload, WEBHOOK_SECRET)


def start(order):
    return services.start_payment(order, provider="stripe", return_url=RETURN)


def test_start_creates_a_checkout_session_for_the_order_total(fake_stripe, place):
    order = place()
    begun = start(order)
    session_id = next(iter(fake_stripe.sessions))
    assert (begun.provider, begun.reference) == ("stripe", session_id)
    assert begun.redirect_url == f"https://checkout.stripe.test/c/pay/{session_id}"
    [request] = fake_stripe.posts("/v1/checkout/sessions")
    form = request["form"]
    assert request["authorization"] == "Bearer sk_test_rideau"
    assert form["line_items[0][price_data][unit_amount]"] == "5000"
    assert form["line_items[0][price_data][currency]"] == "eur"
    assert form["line_items[0][quantity]"] == "1"
    assert form["metadata[order_id]"] == str(order.pk)
    assert form["payment_intent_data[metadata][order_id]"] == str(order.pk)
    assert form["metadata[organizer]"] == "theatre"
    assert form["customer_email"] == "ana@example.net"
    assert form["success_url"] == RETURN + "?session_id={CHECKOUT_SESSION_ID}"
    assert form["cancel_url"] == RETURN
    order.refresh_from_db()
    assert (order.status, order.payment_provider) == (Order.Status.PENDING, "stripe")


def test_signed_webhook_pays_the_order(fake_stripe, place, world):
    order = place()
    start(order)
    payload, signature = pay_webhook(fake_stripe, "cs_test_1")
    result = handle_stripe_webhook(payload, signature)
    assert (result.action, result.order.pk) == ("paid", order.pk)
    order.refresh_from_db()
    assert (order.status, order.payment_provider) == (Order.Status.PAID, "stripe")
    payment = Payment.objects.get(order=order)
    pi = fake_stripe.sessions["cs_test_1"]["payment_intent"]
    assert (payment.amount, payment.reference, payment.state) == (
        Decimal("50.00"),
        pi,
        Payment.State.CONFIRMED,
    )
    assert {h.state for h in orders.holds_of(order)} == {Hold.State.CONFIRMED}


@pytest.mark.parametrize("tamper", ["wrong_secret", "changed_payload", "old_timestamp", "none"])
def test_bad_signature_is_refused_and_changes_nothing(fake_stripe, place, tamper):
    order = place()
    start(order)
    payload, signature = pay_webhook(fake_stripe, "cs_test_1")
    if tamper == "wrong_secret":
        signature = sign(payload, "whsec_someone_else")
    elif tamper == "changed_payload":
        payload = payload.replace(b'"amount_total": 5000', b'"amount_total": 1')
    elif tamper == "old_timestamp":
        signature = sign(payload, WEBHOOK_SECRET, timestamp=int(timezone.now().timestamp()) - 3600)
    else:
        signature = ""
    audit_before = AuditLogEntry.objects.count()
    with pytest.raises(PaymentError) as exc:
        handle_stripe_webhook(payload, signature)
    assert exc.value.code == "bad_signature"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert Payment.objects.count() == 0
    assert AuditLogEntry.objects.count() == audit_before


def test_replayed_webhooks_pay_once(fake_stripe, place):
    order = place()
    start(order)
    payload, signature = pay_webhook(fake_stripe, "cs_test_1")
    assert handle_stripe_webhook(payload, signature).action == "paid"
    mails = OutboxMessage.objects.count()
    assert handle_stripe_webhook(payload, signature).action == "duplicate"
    # Stripe also sends payment_intent.succeeded for the same payment
    pi = fake_stripe.sessions["cs_test_1"]["payment_intent"]
    intent = {
        "id": pi,
        "object": "payment_intent",
        "amount_received": 5000,
        "currency": "eur",
        "metadata": {"order_id": str(order.pk), "organizer": "theatre"},
    }
    payload = event("payment_intent.succeeded", intent)
    assert handle_stripe_webhook(payload, sign(payload, WEBHOOK_SECRET)).action == "duplicate"
    assert Payment.objects.filter(order=order).count() == 1
    assert OutboxMessage.objects.count() == mails
    assert AuditLogEntry.objects.filter(action="order.paid").count() == 1
    assert fake_stripe.posts("/v1/refunds") == []


def test_other_events_and_unknown_orders_are_ignored(fake_stripe, place):
    order = place()
    start(order)
    session = fake_stripe.sessions["cs_test_1"]
    payload = event("checkout.session.expired", session)
    assert handle_stripe_webhook(payload, sign(payload, WEBHOOK_SECRET)).action == "ignored"
    paid = fake_stripe.complete("cs_test_1")
    paid["metadata"]["organizer"] = "rival"  # same order id, another installation's tenant
    payload = event("checkout.session.completed", paid)
    assert handle_stripe_webhook(payload, sign(payload, WEBHOOK_SECRET)).action == "ignored"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert Payment.objects.count() == 0


def test_late_payment_retakes_places_still_free(fake_stripe, place, world):
    order = place(now=timezone.now() - datetime.timedelta(hours=2))
    start(order)
    assert orders.expire_orders() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    world["quota"].refresh_from_db()
    assert world["quota"].taken == 0
    result = handle_stripe_webhook(*pay_webhook(fake_stripe, "cs_test_1"))
    assert result.action == "paid"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert list(order.positions.values_list("cancelled", flat=True)) == [False, False]
    assert {h.state for h in orders.holds_of(order)} == {Hold.State.CONFIRMED}
    world["quota"].refresh_from_db()
    assert world["quota"].taken == 2
    assert fake_stripe.posts("/v1/refunds") == []


def test_late_payment_with_places_gone_is_refunded_and_the_buyer_told(fake_stripe, place, world):
    order = place(now=timezone.now() - datetime.timedelta(hours=2))
    start(order)
    place(5, email="bob@example.net", paid=True, provider="cash")  # reclaims the expired hold
    mails = OutboxMessage.objects.count()
    result = handle_stripe_webhook(*pay_webhook(fake_stripe, "cs_test_1"))
    assert result.action == "refunded"
    pi = fake_stripe.sessions["cs_test_1"]["payment_intent"]
    [request] = fake_stripe.posts("/v1/refunds")
    assert (request["form"]["payment_intent"], request["form"]["amount"]) == (pi, "5000")
    refund = Refund.objects.get(order=order)
    assert request["idempotency_key"] == f"rideau-refund-{refund.pk}"
    assert (refund.amount, refund.state, refund.reference) == (
        Decimal("50.00"),
        Refund.State.DONE,
        fake_stripe.refunds[0]["id"],
    )
    payment = Payment.objects.get(order=order)
    assert (payment.reference, payment.state) == (pi, Payment.State.REFUNDED)
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    world["quota"].refresh_from_db()
    assert world["quota"].taken == 5
    assert OutboxMessage.objects.count() == mails + 1
    mail = OutboxMessage.objects.filter(to=["ana@example.net"]).latest("id")
    assert mail.subject == f"Your payment for order {order.code} was refunded"
    assert "50.00 EUR" in mail.body_text
    assert "sold after its payment deadline" in mail.body_text
    # the same webhook again refunds nothing more
    assert handle_stripe_webhook(*pay_webhook(fake_stripe, "cs_test_1")).action == "duplicate"
    assert len(fake_stripe.posts("/v1/refunds")) == 1


def test_payment_for_an_already_paid_order_is_refunded(fake_stripe, place):
    order = place()
    start(order)
    start(order)  # the buyer opened checkout twice and paid both
    assert handle_stripe_webhook(*pay_webhook(fake_stripe, "cs_test_1")).action == "paid"
    result = handle_stripe_webhook(*pay_webhook(fake_stripe, "cs_test_2"))
    assert result.action == "refunded"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert services.refundable_amount(order) == Decimal("50.00")
    assert [r["amount"] for r in fake_stripe.refunds] == [5000]


def test_refused_refund_of_a_late_payment_is_kept_for_staff(fake_stripe, place):
    order = place(now=timezone.now() - datetime.timedelta(hours=2))
    start(order)
    place(5, email="bob@example.net", paid=True, provider="cash")
    fake_stripe.refuse_refunds = "The charge was disputed."
    result = handle_stripe_webhook(*pay_webhook(fake_stripe, "cs_test_1"))
    assert result.action == "refund_failed"
    refund = Refund.objects.get(order=order)
    assert (refund.state, refund.error) == (Refund.State.FAILED, "The charge was disputed.")
    assert Payment.objects.get(order=order).state == Payment.State.CONFIRMED
    assert services.refundable_amount(order) == Decimal("50.00")
    assert OutboxMessage.objects.filter(subject__contains="refunded").count() == 0


def test_return_from_checkout_confirms_through_the_api(fake_stripe, place):
    order = place()
    start(order)
    assert confirm_stripe_return(order, "cs_test_1").action == "pending"
    fake_stripe.complete("cs_test_1")
    assert confirm_stripe_return(order, "cs_test_1").action == "paid"
    assert [r["path"] for r in fake_stripe.requests if r["method"] == "GET"] == [
        "/v1/checkout/sessions/cs_test_1",
        "/v1/checkout/sessions/cs_test_1",
    ]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    # the webhook that follows finds the payment recorded
    assert handle_stripe_webhook(*pay_webhook(fake_stripe, "cs_test_1")).action == "duplicate"


def test_unreachable_stripe_is_a_clear_error(settings, place):
    settings.STRIPE_SECRET_KEY = "sk_test_rideau"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    order = place()
    with pytest.raises(PaymentError) as exc:
        start(order)
    assert exc.value.code == "provider_failed"
    order.refresh_from_db()
    assert order.payment_provider == ""


def test_inventory_untouched_by_a_refused_webhook(fake_stripe, place, world):
    order = place()
    start(order)
    inventory.release_expired_holds()
    payload, _sig = pay_webhook(fake_stripe, "cs_test_1")
    with pytest.raises(PaymentError):
        handle_stripe_webhook(payload, "t=1,v1=deadbeef")
    world["quota"].refresh_from_db()
    assert world["quota"].taken == 2
