"""What a scanner needs to judge signed tickets without a network (ADR 0007).

`offline_data(checkin_list)` is one document: the organiser's public keys, the list's rules,
and the ticket ids (from signed secrets) to refuse — revoked (cancelled ticket or order),
unpaid, and on an entry-once list already used. Its size is bounded by the event's
refused/used tickets (16 characters each); it is read in a fixed number of queries.
"""

from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone

from rideau.core.models import TicketSigningKey
from rideau.documents import signing
from rideau.events.models import EventDate
from rideau.orders.models import Order, Position

from .models import Checkin, CheckinList
from .services import ENDED, Result, entry_window


def _signed_secrets(queryset) -> list[str]:
    """Only signed secrets are worth sending: the scanner refuses the others offline anyway."""
    return list(
        queryset.annotate(secret_length=Length("secret"))
        .filter(secret_length__gte=signing.MIN_SIGNED_LENGTH)
        .values_list("secret", flat=True)
    )


def _entry_windows(checkin_list: CheckinList) -> dict[str, list[int]]:
    """{date id: [opens, closes] in ms since the epoch}: when a ticket of each date may
    enter a list of every date (none when the list names its dates or allows any day)."""
    if checkin_list.any_day or checkin_list.dates.exists():
        return {}
    windows = {}
    for date in EventDate.objects.filter(event_id=checkin_list.event_id):
        opens, closes = entry_window(date, checkin_list.organizer)
        windows[str(date.pk)] = [int(opens.timestamp() * 1000), int(closes.timestamp() * 1000)]
    return windows


def offline_data(checkin_list: CheckinList) -> dict:
    organizer = checkin_list.organizer
    keys = TicketSigningKey.objects.filter(organizer=organizer).order_by("kid")
    tickets = Position.objects.filter(
        Q(order__event_id=checkin_list.event_id)
        | Q(order__event__isnull=True, product__event_id=checkin_list.event_id),
        order__organizer_id=organizer.pk,
    )
    revoked = _signed_secrets(tickets.filter(Q(cancelled=True) | Q(order__status__in=ENDED)))
    unpaid = _signed_secrets(
        tickets.filter(cancelled=False).exclude(order__status__in=[*ENDED, Order.Status.PAID])
    )
    used: list[str] = []
    if not checkin_list.allow_multiple_entries:
        used = list(
            Checkin.objects.filter(
                checkin_list=checkin_list, result=Result.VALID, first_entry=True
            ).values_list("position__secret", flat=True)
        )
    return {
        "list_id": checkin_list.pk,
        "event_id": checkin_list.event_id,
        "products": sorted(p.pk for p in checkin_list.products.all()),
        "dates": sorted(d.pk for d in checkin_list.dates.all()),
        "any_day": checkin_list.any_day,
        "entry_windows": _entry_windows(checkin_list),
        "allow_multiple_entries": checkin_list.allow_multiple_entries,
        "signed_ticket_secrets": organizer.signed_ticket_secrets,
        "keys": [{"kid": key.kid, "public_key": key.public_key} for key in keys],
        "revoked": sorted(signing.ticket_ids(revoked)),
        "unpaid": sorted(signing.ticket_ids(unpaid)),
        "used": sorted(signing.ticket_ids(used)),
        "generated_at": timezone.now(),
    }
