"""The demo's people are fictitious: the e-mails its data queued are dropped from the outbox
(`rideau demo` and the areas' `demo.py`). Not for anything but demonstration data."""

from rideau.core.models import Organizer

from .models import OutboxMessage


def outbox_mark() -> int:
    """The id of the outbox's last message (0 for none), for `drop_mail_since`."""
    return OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0


def drop_mail_since(mark: int, organizer: Organizer, *, to_contains: str = "") -> None:
    """Delete the messages of `organizer` queued after `mark` (`outbox_mark()`), only those
    to an address containing `to_contains` if given."""
    new_mail = OutboxMessage.objects.filter(organizer=organizer, id__gt=mark)
    if to_contains:
        new_mail = new_mail.filter(to__icontains=to_contains)
    new_mail.delete()
