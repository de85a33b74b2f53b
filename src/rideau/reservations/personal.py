"""Reservations in the buyer's personal space (SPEC C3–C5): a section of its own.

Registered when `ReservationsConfig.ready()` imports it; the space never imports this module.
"""

from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rideau.accounts.models import Account
from rideau.accounts.sections import ActionItem, section
from rideau.orders.personal import payment_item

from . import queries


@section("reservations", gettext_lazy("Reservations"), "web:account-reservations", position=15)
def reservations_awaiting_action(account: Account) -> Iterable[ActionItem]:
    """Each open reservation, due at its deadline: pay it or cancel it."""
    languages = account.organizer.languages
    for reservation in queries.open_reservations(account):
        order = reservation.order
        yield payment_item(
            order,
            languages=languages,
            title=_("Reservation %(code)s") % {"code": order.code},
            url_name="web:account-reservation",
            deadline=reservation.deadline,
            amount_label=_("To pay: %(amount)s %(currency)s"),
            action=_("Pay or cancel"),
        )
