from django.utils.translation import gettext_lazy as _

from ..errors import OrderError


class PaymentError(OrderError):
    """Payment and refund errors; an OrderError, so callers that catch that catch this too."""

    messages = {
        **OrderError.messages,
        "unknown_provider": _("This payment method does not exist."),
        "provider_unavailable": _("This payment method is not available here."),
        "nothing_to_pay": _("This order has nothing left to pay."),
        "not_refundable": _("This order has no payment left to refund."),
        "invalid_amount": _("Enter an amount greater than zero, with at most two decimals."),
        "refund_too_large": _("At most %(max)s %(currency)s can be refunded on this order."),
        "voucher_spent": _(
            "At most %(max)s %(currency)s can be refunded on this order: %(spent)s "
            "%(currency)s of the gift vouchers it sold has already been spent, and spent value "
            "is not refundable."
        ),
        "refund_failed": _("The refund was refused by the payment provider: %(error)s"),
        "provider_failed": _("The payment provider could not be reached, please try again."),
        "invalid_iban": _("Enter a valid IBAN."),
        "bad_signature": _("The webhook signature is invalid."),
        "invalid_reference": _("This is not a payment reference of ours."),
    }
