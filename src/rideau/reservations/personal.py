"""Reservations in the buyer's personal space (SPEC C3–C5): a section of its own.

Registered from `ReservationsConfig.ready()`; the space never imports this module.
"""

from collections.abc import Iterable

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rideau.accounts.models import Account
from rideau.accounts.sections import ActionItem, Section, register
from rideau.core.i18n import localize

from . import queries


def reservations_awaiting_action(account: Account) -> Iterable[ActionItem]:
    """Each open reservation, due at its deadline: pay it or cancel it."""
    languages = account.organizer.languages
    for reservation in queries.open_reservations(account):
        order = reservation.order
        event = localize(order.event.name, fallbacks=languages) if order.event else ""
        yield ActionItem(
            title=_("Reservation %(code)s") % {"code": order.code}
            + (f" · {event}" if event else ""),
            url_name="web:account-reservation",
            url_kwargs={"code": order.code},
            deadline=reservation.deadline,
            detail=_("To pay: %(amount)s %(currency)s")
            % {"amount": number_format(order.total, decimal_pos=2), "currency": order.currency},
            action=_("Pay or cancel"),
        )


def register_section() -> None:
    register(
        Section(
            key="reservations",
            title=gettext_lazy("Reservations"),
            url_name="web:account-reservations",
            awaiting_action=reservations_awaiting_action,
            position=15,
        )
    )
