"""Gift vouchers' error type, with stable codes the web and API layers translate."""

from django.utils.translation import gettext_lazy as _

from rideau.core.errors import RideauError


class GiftVoucherError(RideauError):
    messages = {
        "unknown_code": _("This gift voucher code is not valid."),
        "expired": _("This gift voucher expired on %(date)s."),
        "insufficient_balance": _(
            "This gift voucher has %(balance)s left, less than the %(amount)s asked."
        ),
        "empty": _("This gift voucher has been spent in full."),
        "voided": _(
            "This gift voucher was cancelled: the order that bought it was cancelled or refunded."
        ),
        "invalid_amount": _("Enter an amount greater than zero, with at most two decimals."),
        "amount_out_of_range": _("Choose an amount between %(min)s and %(max)s."),
        "expiry_in_past": _("Give a date in the future."),
        "invalid_validity": _("Between 1 and 3650 days."),
        "not_free_amount": _("“%(name)s” is sold at its set values only."),
        "wrong_currency": _("This gift voucher is in another currency."),
        "not_pending": _("This order is not waiting for payment."),
        "not_a_gift_voucher": _("This product is not a gift voucher."),
        "buys_gift_voucher": _(
            "A gift voucher cannot pay for another gift voucher: choose another way to pay."
        ),
    }
    CONFLICT_CODES = frozenset(
        {"insufficient_balance", "empty", "expired", "not_pending", "voided"}
    )

    @property
    def status(self) -> int:  # type: ignore[override]
        return 409 if self.code in self.CONFLICT_CODES else 422
