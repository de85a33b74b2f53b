from django.utils.translation import gettext_lazy as _

from rideau.core.errors import RideauError


class OrderError(RideauError):
    messages = {
        "no_lines": _("Choose at least one ticket."),
        "too_many": _("An order may hold at most %(max)s tickets."),
        "max_per_order": _("At most %(max)s tickets of “%(product)s” per order."),
        "invalid_rate": _("This rate is not on sale for this event."),
        "not_on_channel": _("“%(name)s” is not sold on this sales channel (%(channel)s)."),
        "not_for_audience": _("“%(name)s” is reserved to other audiences."),
        "invalid_audience_type": _("This audience type is not available."),
        "invalid_date": _("This date does not belong to this event."),
        "date_required": _("Choose a date."),
        "not_on_sale": _("“%(name)s” is not on sale at the moment."),
        "date_cancelled": _("This date was cancelled."),
        "date_started": _("“%(name)s” has already begun: its tickets are no longer sold."),
        "not_a_ticket": _("“%(name)s” is not an admission ticket and is not sold here."),
        "invalid_email": _("Enter a valid e-mail address."),
        "not_pending": _("Only an order waiting for payment can be marked paid."),
        "wrong_amount": _("The amount paid does not match the order total."),
        "cannot_cancel": _("This order can no longer be cancelled."),
        "places_gone": _("The places of this order were released and are sold out now."),
        "not_paid": _("Only a paid order has tickets to send."),
        "invalid_voucher": _("This discount code is not valid."),
        "voucher_used_up": _("This discount code has already been used up."),
        "voucher_not_applicable": _("This discount code does not apply to these tickets."),
        "fixed_price": _("“%(name)s” is sold at its set price only."),
    }
