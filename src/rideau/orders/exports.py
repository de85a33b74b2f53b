"""Exports of an event's buyers, their tickets and form answers, as CSV or XLSX.

Cells are made safe by `rideau.documents.tables`, which writes the file.
"""

import zoneinfo
from collections.abc import Callable, Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rideau.core.i18n import localize
from rideau.documents import tables
from rideau.documents.tables import wall_clock
from rideau.events.models import Event

from .answers import answer_labels, answer_text
from .models import Order, Position

EXPORTED_STATUSES = (Order.Status.PAID, Order.Status.PENDING)
CHUNK = 500


def buyer_positions(event: Event) -> QuerySet:
    """The tickets of the event's paid and pending orders, in order then ticket order."""
    return (
        Position.objects.filter(
            order__event=event,
            order__organizer=event.organizer_id,
            order__status__in=EXPORTED_STATUSES,
            cancelled=False,
        )
        .select_related("order__audience_type", "rate", "product", "date")
        .order_by("order__created", "order_id", "id")
    )


def answer_keys(positions: QuerySet) -> list[str]:
    """Every answer key used by these tickets, sorted (one column each)."""
    keys: set[str] = set()
    for answers in positions.values_list("answers", flat=True).iterator(chunk_size=CHUNK):
        if isinstance(answers, dict):
            keys.update(str(k) for k in answers)
    return sorted(keys)


def header(keys: list[str], labels: dict[str, str]) -> list[str]:
    """The first row: the ticket columns, then one column per question (its label)."""
    return [
        _("Order code"),
        _("Order status"),
        _("Ordered at"),
        _("Buyer name"),
        _("Buyer e-mail"),
        _("Date"),
        _("Ticket"),
        _("Price"),
        _("Currency"),
        _("Attendee name"),
        _("Attendee e-mail"),
        _("Sales channel"),
        _("Audience type"),
        *(labels.get(key, key) for key in keys),
    ]


def rows(event: Event, keys: list[str]) -> Iterator[list]:
    languages = event.organizer.languages
    tz = zoneinfo.ZoneInfo(event.organizer.timezone)
    for position in buyer_positions(event).iterator(chunk_size=CHUNK):
        order = position.order
        ticket = " – ".join(
            part
            for part in (
                localize(position.product.name, fallbacks=languages),
                localize(position.rate.name, fallbacks=languages),
            )
            if part
        )
        answers = position.answers if isinstance(position.answers, dict) else {}
        yield [
            order.code,
            order.get_status_display(),
            wall_clock(order.created, tz),
            order.buyer_name,
            order.email,
            wall_clock(position.date.start, tz) if position.date else "",
            ticket,
            position.price,
            order.currency,
            position.attendee_name,
            position.attendee_email,
            order.get_channel_display(),
            localize(order.audience_type.name, fallbacks=languages) if order.audience_type else "",
            *(answer_text(answers.get(key)) for key in keys),
        ]


def write_export(
    event: Event, fmt: str, *, progress: Callable[[int, int], None] | None = None
) -> bytes:
    """The export file's bytes (`fmt` is "csv" or "xlsx"); `progress(done, total)` is called
    every CHUNK rows and at the end."""
    positions = buyer_positions(event)
    total = positions.count()
    keys = answer_keys(positions)
    labels = answer_labels(keys, organizer=event.organizer)
    if progress:
        progress(0, total)
    done = 0

    def lines() -> Iterator[list]:
        """The header and the buyers' rows, progress reported as they go."""
        nonlocal done
        yield header(keys, labels)
        for row in rows(event, keys):
            yield row
            done += 1
            if progress and done % CHUNK == 0:
                progress(done, total)

    content = tables.write(fmt, _("Buyers"), lines())
    if progress:
        progress(done, total)
    return content
