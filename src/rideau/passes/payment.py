"""The pass's credit as a payment method of `orders.payments` (registered on import by
`PassesConfig.ready`): a subscriber's resale proceeds pay an order (`resale.pay_with_credit`).
Never offered in the generic provider lists (no channel); refunding such a payment gives the
amount back to the pass's credit."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rideau.orders.payments.base import PaymentProvider, RefundResult, register

if TYPE_CHECKING:
    from rideau.orders.models import Payment

PREFIX = "pass:"


def reference(pass_id: int) -> str:
    """The payment's reference naming the pass whose credit paid it."""
    return f"{PREFIX}{pass_id}"


@register
class PassCreditProvider(PaymentProvider):
    identifier = "pass_credit"
    verbose_name = _("Pass credit")
    settles_immediately = True
    channels = frozenset()

    def refund(
        self, payment: Payment, amount: Decimal, *, idempotency_key: str = ""
    ) -> RefundResult:
        from .models import Pass
        from .services import add_credit

        ref = payment.reference
        p = (
            Pass.objects.filter(
                pk=int(ref[len(PREFIX) :]), organizer_id=payment.order.organizer_id
            ).first()
            if ref.startswith(PREFIX) and ref[len(PREFIX) :].isdigit()
            else None
        )
        if p is None:
            # a payment from before passes were named on it: staff give the credit back
            # by hand (a refund must not stay failed for ever)
            return RefundResult(succeeded=True, manual=True)
        with transaction.atomic():
            add_credit(p, amount, reason=f"refund of order {payment.order.code}")
        return RefundResult(succeeded=True, reference=reference(p.pk))
