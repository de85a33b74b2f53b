"""The gift voucher as a payment method of `orders.payments` (registered on import by
`GiftcardsConfig.ready`). It is never offered in the generic provider lists (no channel):
it is paid through `services.pay_order` (a pending order) or as a part of a box-office sale;
refunding such a payment gives the amount back to the voucher's balance — unless the voucher
was cancelled with the order that bought it: then the refund is recorded as one staff make
by hand (ADR 0034)."""

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
        from .errors import GiftVoucherError

        voucher_id = services.voucher_id_of(payment.reference)
        # the voucher must be the organiser's and must have paid this order
        if voucher_id is None or not services.paid_order(voucher_id, payment.order):
            return RefundResult(succeeded=False, error="no gift voucher on this payment")
        try:
            entry = services.give_back(
                voucher_id,
                amount=amount,
                key=idempotency_key or f"refund:{payment.pk}:{amount}",
                order=payment.order,
            )
        except GiftVoucherError:  # voided: its value is out of circulation for good
            return RefundResult(
                succeeded=True, manual=True, reference=f"giftvoucher-voided:{voucher_id}"
            )
        return RefundResult(succeeded=True, reference=f"giftvoucher-entry:{entry.pk}")
