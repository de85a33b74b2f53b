"""Card payments online through Stripe Checkout, with the official `stripe` library.

Settings: `STRIPE_SECRET_KEY` (enables the provider), `STRIPE_WEBHOOK_SECRET` (verifies
webhooks), `STRIPE_API_BASE` (another API address, e.g. a local test server).
Every call here happens outside our transactions (rule 6); what Stripe reports is recorded
through `services.record_online_payment`, which is idempotent on the PaymentIntent id.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

import stripe
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import services as orders_services
from ..models import Order, Payment, SalesChannel
from . import services
from .base import PaymentProvider, PaymentStart, RefundResult, register
from .errors import PaymentError
from .money import from_minor, to_minor

logger = logging.getLogger("rideau.payments.stripe")

PAYMENT_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "payment_intent.succeeded",
    }
)
# Checkout sessions live between 30 minutes and 24 hours (Stripe's limits).
SESSION_MIN = datetime.timedelta(minutes=31)
SESSION_MAX = datetime.timedelta(hours=23)
CHECKOUT_LOCALES = frozenset(
    "bg cs da de el en es et fi fr hr hu id it ja ko lt lv ms mt nb nl pl pt ro ru sk sl sv th "
    "tr vi zh".split()
)


def client() -> stripe.StripeClient:
    key = getattr(settings, "STRIPE_SECRET_KEY", "")
    if not key:
        raise PaymentError("provider_unavailable", field="provider")
    base = getattr(settings, "STRIPE_API_BASE", "")
    return stripe.StripeClient(
        key,
        base_addresses={"api": base} if base else None,
        max_network_retries=getattr(settings, "STRIPE_MAX_NETWORK_RETRIES", 2),
    )


def _metadata(order: Order) -> dict[str, str]:
    return {"order_id": str(order.pk), "order_code": order.code, "organizer": order.organizer.slug}


def _with_query(url: str, **params: str) -> str:
    # `{CHECKOUT_SESSION_ID}` must stay literal: Stripe fills it in on redirect
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}{'&' if '?' in url else '?'}{query}"


@register
class StripeProvider(PaymentProvider):
    identifier = "stripe"
    verbose_name = _("Card (online)")
    online = True
    channels = frozenset(
        {SalesChannel.WEB, SalesChannel.PHONE, SalesChannel.PARTNER, SalesChannel.API}
    )

    def is_enabled(self, organizer=None) -> bool:
        return bool(getattr(settings, "STRIPE_SECRET_KEY", ""))

    def start(self, order: Order, *, return_url: str) -> PaymentStart:
        """A Checkout Session for the order total; the buyer is sent to its `url`."""
        now = timezone.now()
        deadline = order.expires_at or now + SESSION_MIN
        expires = min(max(deadline, now + SESSION_MIN), now + SESSION_MAX)
        metadata = _metadata(order)
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": order.currency.lower(),
                        "unit_amount": to_minor(orders_services.amount_due(order), order.currency),
                        "product_data": {
                            "name": str(_("Order %(code)s") % {"code": order.code}),
                        },
                    },
                }
            ],
            "customer_email": order.email,
            "client_reference_id": str(order.pk),
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "success_url": _with_query(return_url, session_id="{CHECKOUT_SESSION_ID}"),
            "cancel_url": return_url,
            "expires_at": int(expires.timestamp()),
            "locale": order.locale if order.locale in CHECKOUT_LOCALES else "auto",
        }
        try:
            session = client().v1.checkout.sessions.create(params=params)  # type: ignore[arg-type]
        except stripe.StripeError as exc:
            logger.warning("stripe checkout for order %s failed: %s", order.pk, exc)
            raise PaymentError("provider_failed") from exc
        return PaymentStart(
            provider=self.identifier, redirect_url=session.url or "", reference=session.id
        )

    def refund(
        self, payment: Payment, amount: Decimal, *, idempotency_key: str = ""
    ) -> RefundResult:
        params = {
            "payment_intent": payment.reference,
            "amount": to_minor(amount, payment.order.currency),
            "metadata": {"order_id": str(payment.order_id), "payment_id": str(payment.pk)},
        }
        try:
            refund = client().v1.refunds.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key} if idempotency_key else None,
            )
        except stripe.StripeError as exc:
            return RefundResult(succeeded=False, error=str(exc.user_message or exc)[:500])
        if refund.status in ("failed", "canceled"):
            return RefundResult(succeeded=False, reference=refund.id, error=refund.status)
        return RefundResult(succeeded=True, reference=refund.id)


@dataclass(frozen=True)
class _Notice:
    order_id: int
    organizer: str
    reference: str
    amount_minor: int
    currency: str


def _notice(event: dict) -> _Notice | None:
    """The payment an event reports, or None if it reports none of ours."""
    if event.get("type") not in PAYMENT_EVENTS:
        return None
    obj = (event.get("data") or {}).get("object") or {}
    if obj.get("object") == "checkout.session":
        if obj.get("payment_status") != "paid":
            return None
        intent = obj.get("payment_intent")
        reference = intent.get("id") if isinstance(intent, dict) else intent
        amount = obj.get("amount_total")
    else:
        reference = obj.get("id")
        amount = obj.get("amount_received")
    metadata = obj.get("metadata") or {}
    try:
        order_id = int(metadata.get("order_id", ""))
    except ValueError:
        return None
    if not reference or not isinstance(amount, int) or not obj.get("currency"):
        return None
    return _Notice(
        order_id=order_id,
        organizer=str(metadata.get("organizer", "")),
        reference=str(reference),
        amount_minor=amount,
        currency=str(obj["currency"]).upper(),
    )


def _record(notice: _Notice) -> services.OnlinePaymentResult:
    order = Order.objects.select_related("organizer").filter(pk=notice.order_id).first()
    if order is None or order.organizer.slug != notice.organizer:
        logger.warning("stripe payment %s for unknown order %s", notice.reference, notice.order_id)
        return services.OnlinePaymentResult("ignored")
    return services.record_online_payment(
        order,
        provider=StripeProvider.identifier,
        amount=from_minor(notice.amount_minor, notice.currency),
        currency=notice.currency,
        reference=notice.reference,
    )


def handle_stripe_webhook(payload: bytes, signature_header: str) -> services.OnlinePaymentResult:
    """Verify a webhook's `Stripe-Signature` and record the payment it reports.

    Raises PaymentError("bad_signature") (the view answers 400) and changes nothing when the
    signature, its timestamp or the secret do not match.
    """
    secret = getattr(settings, "STRIPE_WEBHOOK_SECRET", "")
    if not secret:
        raise PaymentError("provider_unavailable")
    try:
        event = stripe.Webhook.construct_event(payload, signature_header, secret)
    except (stripe.SignatureVerificationError, ValueError):
        raise PaymentError("bad_signature") from None
    notice = _notice(event.to_dict())
    if notice is None:
        return services.OnlinePaymentResult("ignored")
    return _record(notice)


def confirm_stripe_return(order: Order, session_id: str) -> services.OnlinePaymentResult:
    """The buyer came back from Checkout: ask Stripe about the session (the webhook may not
    have arrived yet) and record the payment if it is complete."""
    try:
        session = client().v1.checkout.sessions.retrieve(session_id)
    except stripe.StripeError as exc:
        logger.warning("stripe session %s: %s", session_id, exc)
        raise PaymentError("provider_failed") from exc
    notice = _notice({"type": "checkout.session.completed", "data": {"object": session.to_dict()}})
    if notice is None or notice.order_id != order.pk:
        return services.OnlinePaymentResult("pending", order)
    return _record(notice)


__all__ = ["StripeProvider", "confirm_stripe_return", "handle_stripe_webhook"]
