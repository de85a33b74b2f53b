"""The write path of payments and refunds (SPEC CORE-7).

Rule 6 shapes every function here: a provider is never called inside a transaction that
holds capacity or order locks. A payment is recorded after the provider confirmed it (via
`rideau.orders.services.mark_paid`); a refund is written first as an intent (`Refund`,
state pending), then the provider is called, then its answer is recorded — so a crash
between the steps leaves a visible pending refund, never money moved without a trace.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.i18n import money
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.messaging.services import queue_email

from .. import hooks
from .. import services as orders
from ..errors import OrderError
from ..models import Order, Payment, Refund, SalesChannel
from .base import PaymentProvider, PaymentStart, RefundResult, get_provider, refunding_provider
from .errors import PaymentError
from .money import CENT, parse_creditor_reference
from .providers import money_text, payment_reference

logger = logging.getLogger("rideau.payments")

__all__ = [
    "OnlinePaymentResult",
    "confirm_bank_transfer",
    "confirm_demo_payment",
    "find_order_by_reference",
    "record_online_payment",
    "refund_order",
    "refundable_amount",
    "settle_at_box_office",
    "start_payment",
]


@dataclass(frozen=True)
class OnlinePaymentResult:
    """What became of a payment a provider reported.

    `paid`: the order is paid; `duplicate`: this payment was already recorded (a re-sent
    webhook); `refunded`: the order could not take it (places gone, order cancelled, wrong
    amount) and it was refunded; `refund_failed`: same, but the provider refused the refund
    (a failed `Refund` row is left for staff); `ignored`: nothing for us in this
    notification; `pending`: the provider has not confirmed the payment yet.
    """

    action: str
    order: Order | None = None
    refund: Refund | None = None


# --- starting and taking payments ----------------------------------------------------


def start_payment(
    order: Order, *, provider: str, return_url: str = "", channel: str = "", **options
) -> PaymentStart:
    """Begin paying a pending order with `provider`: where to send the buyer, or what to tell
    them. The provider is called first (no lock held), then the choice is recorded.
    `channel`: where the payment happens, if not where the order was made (a box-office
    reservation paid online from the personal space, SPEC C4)."""
    chosen = get_provider(provider)
    if order.status != Order.Status.PENDING or order.total == 0:
        raise PaymentError("nothing_to_pay")
    if not chosen.available_for(
        channel or order.channel, amount=order.total, organizer=order.organizer
    ):
        raise PaymentError("provider_unavailable", field="provider")
    start = chosen.start(order, return_url=return_url, **options)
    if order.payment_provider != chosen.identifier:
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            before = audit.snapshot(locked)
            locked.payment_provider = chosen.identifier
            locked.save(update_fields=["payment_provider"])
            audit.record(
                "order.payment_started",
                locked,
                organizer=order.organizer,
                before=before,
                after=audit.snapshot(locked),
            )
        order.payment_provider = chosen.identifier
    return start


def settle_at_box_office(
    order: Order, *, provider: str, actor: Actor, now: datetime.datetime | None = None
) -> Order:
    """A pending order (a reservation, a phone order) paid in cash or by card at the counter."""
    require(actor, order.organizer, Perm.CHANGE_ORDERS)
    chosen = get_provider(provider)
    if not (
        chosen.settles_immediately
        and chosen.available_for(
            SalesChannel.BOX_OFFICE, amount=order.total, organizer=order.organizer
        )
    ):
        raise PaymentError("provider_unavailable", field="provider")
    return orders.mark_paid(
        order, provider=chosen.identifier, amount=order.total, actor=actor, now=now
    )


def confirm_bank_transfer(
    order: Order,
    *,
    amount: Decimal,
    actor: Actor,
    reference: str = "",
    now: datetime.datetime | None = None,
) -> Order:
    """Staff saw the transfer on the bank statement: mark the order paid."""
    require(actor, order.organizer, Perm.CHANGE_ORDERS)
    return orders.mark_paid(
        order,
        provider="bank_transfer",
        amount=amount,
        reference=reference or payment_reference(order),
        actor=actor,
        now=now,
    )


def find_order_by_reference(organizer: Organizer, reference: str) -> Order:
    """The order a bank transfer reference (as printed in the instructions) points to."""
    code = parse_creditor_reference(reference)
    order = Order.objects.filter(organizer=organizer, code=code).first() if code else None
    if order is None:
        raise PaymentError("invalid_reference", field="reference")
    return order


def confirm_demo_payment(
    order: Order, *, now: datetime.datetime | None = None
) -> OnlinePaymentResult:
    """The demo card page's "pay" button (only where demo payments are switched on)."""
    provider = get_provider("demo_card")
    if not provider.is_enabled(order.organizer):
        raise PaymentError("provider_unavailable", field="provider")
    return record_online_payment(
        order,
        provider=provider.identifier,
        amount=orders.amount_due(order),
        reference=f"demo:{order.code}",
        now=now,
    )


def record_online_payment(
    order: Order,
    *,
    provider: str,
    amount: Decimal,
    reference: str,
    currency: str | None = None,
    now: datetime.datetime | None = None,
) -> OnlinePaymentResult:
    """A provider confirmed a payment of `amount` for `order`: pay the order, once.

    Idempotent on (`provider`, `reference`). A payment the order cannot take — its places
    were sold after its deadline (`places_gone`), it is no longer pending, or the amount is
    wrong — is refunded in full and the buyer is told.
    """
    if not reference:
        raise ValueError("an online payment needs the provider's reference")
    if _recorded(order, provider, reference):
        return OnlinePaymentResult("duplicate", order)
    if currency is not None and currency.upper() != order.currency:
        problem = "wrong_amount"
    else:
        try:
            paid = orders.mark_paid(
                order, provider=provider, amount=amount, reference=reference, now=now
            )
        except OrderError as exc:
            problem = exc.code
        else:
            return OnlinePaymentResult("paid", paid)
    if _recorded(order, provider, reference):  # a concurrent delivery of it won the race
        return OnlinePaymentResult("duplicate", order)
    logger.warning("refunding payment %s of order %s: %s", reference, order.pk, problem)
    return _refund_unusable_payment(
        order, provider=provider, amount=amount, reference=reference, problem=problem, now=now
    )


def _recorded(order: Order, provider: str, reference: str) -> bool:
    return Payment.objects.filter(order=order, provider=provider, reference=reference).exists()


def _refund_unusable_payment(
    order: Order,
    *,
    provider: str,
    amount: Decimal,
    reference: str,
    problem: str,
    now: datetime.datetime | None,
) -> OnlinePaymentResult:
    now = now or timezone.now()
    chosen = get_provider(provider)
    with transaction.atomic():
        locked = _locked(order)
        if _recorded(locked, provider, reference):
            return OnlinePaymentResult("duplicate", order)
        payment = Payment.received(
            locked, provider=provider, amount=amount, reference=reference, now=now
        )
        payment.save(force_insert=True)
        reason = str(PaymentError(problem).message)
        refund = _create_refund(locked, payment, amount, reason=reason, actor=None, now=now)
        if problem == "places_gone" and locked.status == Order.Status.PENDING:
            # its deadline passed and its places are sold: end it now rather than later
            orders._end(locked, Order.Status.EXPIRED, actor=None, now=now, notify=False)
    result = _call_refund(chosen, refund)
    _settle(order, [(refund, result)], actor=None, reason=reason, now=now, late_problem=problem)
    refund.refresh_from_db()
    order.refresh_from_db()
    action = "refunded" if refund.state == Refund.State.DONE else "refund_failed"
    return OnlinePaymentResult(action, order, refund)


# --- refunds -------------------------------------------------------------------------


def refundable_amount(order: Order) -> Decimal:
    """Confirmed payments minus refunds done or under way, less the value of the gift
    vouchers the order sold that was spent since (never refundable: ADR 0034)."""
    paid = Payment.objects.filter(order=order, state=Payment.State.CONFIRMED).aggregate(
        s=Sum("amount")
    )["s"] or Decimal("0")
    taken = Refund.objects.filter(
        order=order,
        payment__state=Payment.State.CONFIRMED,
        state__in=(Refund.State.PENDING, Refund.State.DONE),
    ).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    return max(paid - taken - hooks.stored(order).spent, Decimal("0"))


def refund_order(
    order: Order,
    *,
    amount: Decimal | None = None,
    actor: Actor,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> list[Refund]:
    """Give back `amount` (None: everything left) of an order's payments.

    A refund that brings a paid order's refunds up to what can be refunded releases its
    places and makes it `refunded`; a partial one leaves the tickets valid. An order that
    sold gift vouchers (ADR 0034): what of them was spent is never refunded (the refund is
    capped, `voucher_spent`), and a refund larger than its other lines takes the rest off
    the vouchers' balances in the same transaction, their rows locked first, so a voucher
    cannot be spent and refunded both. Raises PaymentError (`invalid_amount`,
    `refund_too_large` or `voucher_spent` on the field `amount`, `not_refundable`), and
    `refund_failed` after recording the provider's refusal.
    """
    require(actor, order.organizer, Perm.CHANGE_ORDERS)
    now = now or timezone.now()
    if amount is not None:
        amount = _valid_amount(amount)
    reason = reason.strip()[:500]
    with transaction.atomic():
        locked = _locked(order)
        stored = hooks.stored(locked, lock=True)
        left = {
            payment: payment.amount - _taken(payment)
            for payment in locked.payments.filter(state=Payment.State.CONFIRMED).order_by("-id")
        }
        paid_left = sum(left.values(), Decimal("0"))
        total_left = paid_left - stored.spent
        if total_left <= 0:
            if paid_left > 0:
                raise PaymentError(
                    "voucher_spent",
                    field="amount",
                    max=money(Decimal("0.00")),
                    spent=money(stored.spent),
                    currency=locked.currency,
                )
            raise PaymentError("not_refundable")
        if amount is None:
            amount = total_left
        if amount > total_left:
            if stored.spent > 0:
                raise PaymentError(
                    "voucher_spent",
                    field="amount",
                    max=money(total_left),
                    spent=money(stored.spent),
                    currency=locked.currency,
                )
            raise PaymentError(
                "refund_too_large", field="amount", max=total_left, currency=locked.currency
            )
        # the other lines' money goes first; beyond it, the vouchers' unspent value
        free = max(total_left - stored.unspent, Decimal("0"))
        if amount > free:
            hooks.take_back(locked, amount - free, now=now, actor=actor)
        refunds = []
        rest = amount
        for payment, available in left.items():
            part = min(rest, available)
            if part <= 0:
                continue
            refunds.append(
                _create_refund(locked, payment, part, reason=reason, actor=actor, now=now)
            )
            rest -= part
            if rest == 0:
                break
    results = [
        (refund, _call_refund(refunding_provider(refund.payment.provider), refund))
        for refund in refunds
    ]
    _settle(order, results, actor=actor, reason=reason, now=now)
    order.refresh_from_db()
    for refund in refunds:
        refund.refresh_from_db()
    failed = [result for _refund, result in results if not result.succeeded]
    if failed:
        raise PaymentError("refund_failed", error=failed[0].error)
    return refunds


def _sum(queryset) -> Decimal:
    return queryset.aggregate(s=Sum("amount"))["s"] or Decimal("0")


def _valid_amount(amount) -> Decimal:
    try:
        value = Decimal(str(amount))
        valid = value.is_finite() and value > 0 and value == value.quantize(CENT)
    except (InvalidOperation, ValueError, TypeError):  # quantize refuses huge numbers
        valid = False
    if not valid:
        raise PaymentError("invalid_amount", field="amount")
    return value.quantize(CENT)


def _taken(payment: Payment) -> Decimal:
    return payment.refunds.filter(state__in=(Refund.State.PENDING, Refund.State.DONE)).aggregate(
        s=Sum("amount")
    )["s"] or Decimal("0")


def _locked(order: Order) -> Order:
    """The order, locked — its row only (as `orders.services._locked`): `FOR UPDATE` over
    the join would lock the organiser's row too, and a gift voucher redemption holding the
    voucher this refund locks next waits on that row for its audit entry: a deadlock."""
    return (
        Order.objects.select_for_update(of=("self",)).select_related("organizer").get(pk=order.pk)
    )


def _create_refund(
    order: Order, payment: Payment, amount: Decimal, *, reason: str, actor, now
) -> Refund:
    refund = Refund.objects.create(
        order=order, payment=payment, amount=amount, reason=reason, created=now
    )
    audit.record_state("refund.requested", refund, actor=actor, organizer=order.organizer)
    return refund


def _call_refund(provider: PaymentProvider, refund: Refund) -> RefundResult:
    """The provider call, with no transaction of ours open around it (rule 6)."""
    try:
        return provider.refund(
            refund.payment, refund.amount, idempotency_key=f"rideau-refund-{refund.pk}"
        )
    except Exception as exc:  # a provider bug must not lose the recorded intent
        logger.exception("refund %s through %s failed", refund.pk, provider.identifier)
        return RefundResult(succeeded=False, error=str(exc)[:500])


def _settle(
    order: Order,
    results: Sequence[tuple[Refund, RefundResult]],
    *,
    actor,
    reason: str,
    now: datetime.datetime,
    late_problem: str = "",
) -> None:
    """Record the providers' answers; a full refund of a paid order ends it."""
    with transaction.atomic():
        locked = _locked(order)
        refunded_now = Decimal("0")
        for refund, result in results:
            before = audit.snapshot(refund)
            refund.state = Refund.State.DONE if result.succeeded else Refund.State.FAILED
            refund.reference = result.reference[:200]
            refund.manual = result.manual
            refund.error = result.error[:500]
            refund.settled_at = now
            refund.save(update_fields=["state", "reference", "manual", "error", "settled_at"])
            audit.record_state(
                f"refund.{refund.state}",
                refund,
                actor=actor,
                organizer=locked.organizer,
                before=before,
            )
            if result.succeeded:
                refunded_now += refund.amount
                payment = refund.payment
                done = payment.refunds.filter(state=Refund.State.DONE).aggregate(s=Sum("amount"))[
                    "s"
                ]
                if done >= payment.amount:
                    payment.state = Payment.State.REFUNDED
                    payment.save(update_fields=["state"])
        if refunded_now == 0:
            return
        _record_order_refund(locked, refunded_now, actor=actor, reason=reason, now=now)
        _queue_refund_email(locked, refunded_now, results, problem=late_problem)


def _record_order_refund(order: Order, amount: Decimal, *, actor, reason: str, now) -> None:
    """One `order.refunded` audit entry; a paid order with nothing left to refund ends
    (places released through the orders service): its payments are all refunded, but for
    the value of the gift vouchers it sold that was spent (ADR 0034)."""
    confirmed = Payment.objects.filter(order=order, state=Payment.State.CONFIRMED)
    unrefunded = _sum(confirmed) - _sum(
        Refund.objects.filter(payment__in=confirmed, state=Refund.State.DONE)
    )
    left = unrefunded > 0 and unrefunded > hooks.stored(order).spent
    refunded = Refund.objects.filter(order=order, state=Refund.State.DONE).aggregate(
        s=Sum("amount")
    )["s"]
    if not left and order.status == Order.Status.PAID:
        orders._end(order, Order.Status.REFUNDED, actor=actor, now=now, reason=reason, notify=False)
        return
    before = audit.snapshot(order)
    before["refunded"] = str(refunded - amount)
    if not left and order.status == Order.Status.CANCELLED:
        order.status = Order.Status.REFUNDED
        order.save(update_fields=["status"])
    after = audit.snapshot(order)
    after.update(refunded=str(refunded), refund_amount=str(amount))
    if reason:
        after["reason"] = reason
    audit.record(
        "order.refunded", order, actor=actor, organizer=order.organizer, before=before, after=after
    )


def _queue_refund_email(
    order: Order,
    amount: Decimal,
    results: Sequence[tuple[Refund, RefundResult]],
    *,
    problem: str,
) -> None:
    with translation.override(order.locale):
        name = order.buyer_name or order.email
        params = {"code": order.code, "amount": money_text(amount, order.currency), "name": name}
        lines = [_("Hello %(name)s,") % params, ""]
        if problem:
            subject = _("Your payment for order %(code)s was refunded") % params
            why = {
                "places_gone": _(
                    "the places it was for were sold after its payment deadline had passed"
                ),
                "wrong_amount": _("it did not match the order total"),
            }.get(problem, _("the order was no longer waiting for payment"))
            lines.append(
                _("We received your payment of %(amount)s for order %(code)s, but %(why)s.")
                % {**params, "why": why}
            )
            lines.append(
                _("We have refunded it in full; your bank may take a few days to show it.")
            )
        else:
            subject = _("Refund for your order %(code)s") % params
            lines.append(_("We have refunded %(amount)s for your order %(code)s.") % params)
            if order.status == Order.Status.REFUNDED:
                lines.append(_("Your tickets of this order are no longer valid."))
            if any(result.manual for _refund, result in results):
                lines.append(_("The organiser will pay this amount back to you directly."))
        lines += ["", order.organizer.name]
        queue_email(
            organizer=order.organizer,
            reference=f"order:{order.pk}",
            to=[order.email],
            subject=subject,
            text="\n".join(lines) + "\n",
            reply_to=[order.organizer.contact_email] if order.organizer.contact_email else None,
        )
