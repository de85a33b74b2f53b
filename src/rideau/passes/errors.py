"""The passes area's error type, with stable codes the web and API layers translate."""

from django.utils.translation import gettext_lazy as _

from rideau.core.errors import RideauError


class PassError(RideauError):
    messages = {
        "not_a_pass": _("This product is not a pass."),
        "no_events": _("This pass grants no event date on sale."),
        "unknown_pass": _("No pass has this code."),
        "pass_inactive": _("This pass is no longer valid."),
        "no_choices_left": _("This pass has no choice left."),
        "too_many_choices": _("This pass allows %(n)s more event(s) only."),
        "not_granted": _("This pass does not grant “%(event)s”."),
        "already_chosen": _("This pass already has a ticket for “%(event)s”."),
        "one_date_per_event": _(
            "Choose one date of “%(event)s”: a pass admits once to each event."
        ),
        "not_resellable": _("This ticket cannot be put up for resale."),
        "method_not_allowed": _("The organiser does not offer this way of handling proceeds."),
        "not_on_resale": _("This ticket is not on resale any more."),
        "being_bought": _(
            "A buyer is paying for this ticket right now. If the payment does not arrive, "
            "you can withdraw it in a few minutes."
        ),
        "credit_too_low": _("The credit on this pass is too low."),
        "order_not_pending": _("This order is not waiting for a payment any more."),
        "window_closed": _("This renewal is not open."),
        "already_renewed": _("This pass was already renewed."),
        "campaign_used": _(
            "Passes were already renewed through this campaign: it stays as the record of "
            "their renewal. To end the offers, close its window instead."
        ),
    }
    CONFLICT_CODES = frozenset(
        {"not_on_resale", "being_bought", "credit_too_low", "already_renewed", "order_not_pending"}
    )

    @property
    def status(self) -> int:  # type: ignore[override]
        return 409 if self.code in self.CONFLICT_CODES else 422
