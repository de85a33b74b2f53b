"""The inventory's one error type, with stable codes the web and API layers translate."""

from django.utils.translation import gettext_lazy as _

from rideau.core.errors import RideauError


class InventoryError(RideauError):
    """`code` is stable; `params` carry what the message names (a quota, a seat)."""

    messages = {
        "sold_out": _("Not enough places left for “%(quota)s”."),
        "seats_sold_out": _("There are not enough free seats left."),
        "seat_taken": _("Seat “%(seat)s” is no longer available."),
        "invalid_seat": _("Seat “%(seat)s” is not in this date's seating plan."),
        "no_seating_plan": _("This date has no seating plan."),
        "invalid_quantity": _("Choose between 1 and %(max)s places."),
        "no_items": _("Choose at least one item."),
        "invalid_item": _("This item does not belong to this organiser or event."),
        "no_quota": _("This is not on sale."),
        "invalid_expiry": _("The hold deadline must be in the future."),
        "hold_expired": _("This reservation has expired."),
        "hold_released": _("This reservation was cancelled."),
        "hold_claimed": _("Someone else is buying this place right now."),
        "invalid_size": _("The size must be a whole number of places, zero or more."),
        "below_taken": _("The size cannot be less than the %(taken)s places already taken."),
        "quota_in_use": _("“%(quota)s” still counts places: release them first."),
        "invalid_owner": _("An owner reference of 1 to 100 characters is required."),
    }
    CONFLICT_CODES = frozenset(
        {
            "sold_out",
            "seats_sold_out",
            "seat_taken",
            "below_taken",
            "quota_in_use",
            "hold_claimed",
        }
    )

    @property
    def status(self) -> int:  # type: ignore[override]
        """409 when the request was fine but the places are gone, 422 otherwise."""
        return 409 if self.code in self.CONFLICT_CODES else 422
