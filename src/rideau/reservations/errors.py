"""Reservations' error type, with stable codes the web and API layers translate."""

from django.utils.translation import gettext_lazy as _

from rideau.core.errors import RideauError


class ReservationError(RideauError):
    messages = {
        "not_reservable": _("“%(product)s” cannot be reserved here: pay now instead."),
        "too_late": _("The deadline to pay a reservation of “%(product)s” has passed already."),
        "closed": _("This point of sale does not take reservations."),
        "not_active": _("This reservation is no longer open."),
        "past_deadline": _("This reservation's deadline has passed."),
        "invalid_deadline": _("Choose a new deadline in the future."),
        "after_the_show": _("Choose a deadline before the performance starts."),
        "no_point_of_sale": _("Choose a point of sale of this organiser."),
        "invalid_email": _("Enter a valid e-mail address."),
        "empty": _("Choose at least one ticket."),
    }
    CONFLICT_CODES = frozenset({"not_active", "past_deadline"})

    @property
    def status(self) -> int:  # type: ignore[override]
        return 409 if self.code in self.CONFLICT_CODES else 422
