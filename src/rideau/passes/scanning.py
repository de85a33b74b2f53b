"""The pass's QR code at the entrance (SPEC D1): the check-in hook that finds, for a pass
secret scanned on a list, the pass's ticket for that list's event date. Once per date holds
because each date is its own ticket ("entry once" is the ticket's, in `checkin`)."""

import datetime

from rideau.checkin.models import CheckinList
from rideau.checkin.services import ticket_for_list
from rideau.orders.models import Position

from .models import Pass, PassTicket


def position_for_pass(
    secret: str, checkin_list: CheckinList, now: datetime.datetime
) -> Position | None:
    """The ticket the active pass of `secret` holds for `checkin_list`: on its dates when the
    list is bound to dates, else the one whose day it is (else the next one). None when the
    secret is no active pass's or the pass grants nothing at this event."""
    if not secret.startswith("P"):
        return None
    p = Pass.objects.filter(
        secret=secret, organizer_id=checkin_list.organizer_id, status=Pass.Status.ACTIVE
    ).first()
    if p is None:
        return None
    tickets = list(
        PassTicket.objects.filter(pass_obj=p, event_id=checkin_list.event_id)
        .exclude(state=PassTicket.State.RESOLD)
        .select_related("position__order", "position__product", "position__date", "date")
        .order_by("date__start", "pk")
    )
    ticket = ticket_for_list(tickets, checkin_list, now)
    return ticket.position if ticket is not None else None
