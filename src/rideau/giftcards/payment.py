"""The gift voucher as a payment method of `orders.payments` (registered on import by
`GiftcardsConfig.ready`). It is never offered in the generic provider lists (no channel):
it is paid through `services.pay_order` (a pending order) or as a part of a box-office sale;
refunding such a payment gives the amount back to the voucher's balance."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from rideau.orders.payments.base import PaymentProvider, RefundResult, register

if TYPE_CHECKING:
    from rideau.orders.models import Payment


@register
class GiftVoucherProvider(PaymentProvider):
    identifier = "gift_voucher"
    verbose_name = _("Gift voucher")
    settles_immediately = True
    channels = frozenset()

    def refund(
        self, payment: Payment, amount: Decimal, *, idempotency_key: str = ""
    ) -> RefundResult:
        from . import services

        voucher_id = services.voucher_id_of(payment.reference)
        if voucher_id is None:
            return RefundResult(succeeded=False, error="no gift voucher on this payment")
        entry = services.give_back(
            voucher_id,
            amount=amount,
            key=idempotency_key or f"refund:{payment.pk}:{amount}",
            order=payment.order,
        )
        return RefundResult(succeeded=True, reference=f"giftvoucher-entry:{entry.pk}")
