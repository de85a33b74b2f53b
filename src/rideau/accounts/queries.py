"""Reads of the personal space, always narrowed to one organiser."""

from rideau.core.access import scoped
from rideau.core.models import Organizer

from .models import Account


def get_account(organizer: Organizer, account_id: object) -> Account | None:
    """The organiser's account with this id (an account of another organiser is None)."""
    try:
        pk = int(account_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    return (
        scoped(Account.objects.select_related("contact", "organizer"), organizer)
        .filter(pk=pk)
        .first()
    )
