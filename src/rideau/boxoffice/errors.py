"""Box office errors, with stable codes the web and API layers translate."""

from django.utils.translation import gettext_lazy as _

from rideau.core.errors import RideauError


class BoxOfficeError(RideauError):
    messages = {
        "no_open_session": _("Open a shift before selling."),
        "session_open": _("This device already has an open shift: close it first."),
        "session_closed": _("This shift is closed."),
        "invalid_amount": _("Enter an amount of zero or more, with at most two decimals."),
        "empty_cart": _("The cart is empty."),
        "cart_expired": _(
            "The cart's places were held too long and were released: nothing was sold. "
            "Do not keep the payment. Add the places again, then take the payment."
        ),
        "payments_mismatch": _("The payments add up to %(paid)s; the total is %(total)s."),
        "cash_short": _("The cash given (%(given)s) is less than the cash to pay (%(cash)s)."),
        "unknown_method": _("This payment method is not taken at the box office."),
        "voucher_code_required": _("Give the gift voucher's code."),
        "invalid_recipient": _("Enter valid e-mail addresses."),
        "not_refundable": _("This order has nothing left to refund."),
        "not_payable": _(
            "This order is not waiting for payment (paid, cancelled or expired): nothing was taken."
        ),
        "payments_not_due": _("The payments add up to %(paid)s; %(total)s is due."),
    }
    CONFLICT_CODES = frozenset({"session_open", "session_closed", "no_open_session", "not_payable"})

    @property
    def status(self) -> int:  # type: ignore[override]
        return 409 if self.code in self.CONFLICT_CODES else 422
