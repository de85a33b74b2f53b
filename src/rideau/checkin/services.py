"""Ticket control writes: check-in lists (back office) and scans (scanner page and API).

A scan is judged against the list (event, products, dates, once or many entries) and
recorded as a `Checkin` with its result; unknown secrets are answered but not recorded (no
ticket to attach them to). A client `nonce` makes a re-sent scan count once: the same nonce
on the same list returns the first answer and records nothing new. "Entry once" holds under
concurrency: the first valid entry of a ticket carries `first_entry=True`, and the database
refuses a second such row for the same list and ticket.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol, Required, TypedDict, TypeVar, Unpack

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import Product
from rideau.core import audit, ratelimit
from rideau.core.access import Actor, require
from rideau.core.domain_events import publish
from rideau.core.errors import RideauError
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.services import full_clean, restored_on_error
from rideau.core.timezones import organizer_zone
from rideau.events.models import Event, EventDate
from rideau.orders.models import Order, Position

from . import hooks
from .domain_events import CheckedIn
from .models import Checkin, CheckinList, new_access_code

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

Result = Checkin.Result
MAX_SECRET_LENGTH = 200
MAX_NONCE_LENGTH = 64

MESSAGES = {
    Result.VALID: _("Valid ticket"),
    Result.ALREADY_USED: _("Already used"),
    Result.WRONG_EVENT: _("Not valid here"),
    Result.WRONG_DATE: _("Ticket for another date"),
    Result.CANCELLED: _("Cancelled ticket"),
    Result.UNPAID: _("Not paid"),
    Result.UNKNOWN: _("Unknown ticket"),
}
ENDED = {Order.Status.CANCELLED, Order.Status.EXPIRED, Order.Status.REFUNDED}


@dataclass(frozen=True)
class ScanResult:
    result: str
    position: Position | None = None
    checkin: Checkin | None = None
    # the first valid entry, for an "already used" answer
    first_entry_at: datetime.datetime | None = None
    # True when the nonce was seen before and this is the first answer, repeated
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return self.result == Result.VALID

    @property
    def message(self) -> str:
        return str(MESSAGES[Result(self.result)])

    @property
    def attendee_name(self) -> str:
        return self.position.holder_name if self.position is not None else ""

    @property
    def order_code(self) -> str:
        return self.position.order.code if self.position is not None else ""

    @property
    def date(self) -> EventDate | None:
        """The ticket's date (shown by the scanner with its seat)."""
        return self.position.date if self.position is not None else None

    @cached_property
    def seat(self) -> str:
        """The ticket's seat ("Row B, seat 13"); none for a cancelled ticket: its seat was
        given back (someone else may hold it now)."""
        position, date = self.position, self.date
        if position is None or date is None or date.location_id is None:
            return ""  # no room, no seating plan: no queries
        if position.cancelled or position.order.status in ENDED:
            return ""
        from rideau.documents.seats import seat_labels

        return seat_labels([position]).get(position.pk, "")


# --- check-in lists ------------------------------------------------------------------------


def _audit_view(checkin_list: CheckinList) -> dict:
    """The list as the audit log keeps it: never the access code (a credential)."""
    data = audit.snapshot(checkin_list)
    data.pop("access_code", None)
    data["products"] = sorted(p.pk for p in checkin_list.products.all())
    data["dates"] = sorted(d.pk for d in checkin_list.dates.all())
    return data


def _check_scope(
    organizer: Organizer,
    event: Event | None,
    products: Iterable[Product],
    dates: Iterable[EventDate],
    errors: dict[str, list[str]],
) -> None:
    if event is None or event.organizer_id != organizer.pk:
        errors.setdefault("event", []).append(str(_("Choose one of your events.")))
        return
    if any(p.event_id != event.pk or p.organizer_id != organizer.pk for p in products):
        errors.setdefault("products", []).append(
            str(_("Choose products of the list's event only."))
        )
    if any(d.event_id != event.pk for d in dates):
        errors.setdefault("dates", []).append(str(_("Choose dates of the list's event only.")))


class CheckinListSettings(TypedDict, total=False):
    """What a list's staff choose (its event aside): the products and dates it admits (none:
    all of its event's), whether a ticket may enter more than once and on any day."""

    name: Required[str]
    products: Iterable[Product]
    dates: Iterable[EventDate]
    allow_multiple_entries: bool
    any_day: bool


def _save(checkin_list: CheckinList, *, actor: Actor, settings: CheckinListSettings) -> CheckinList:
    """Apply `settings`, check and save the list, logged; a refused change leaves the list
    as it is stored. Raises ValidationFailed (nothing is written)."""
    organizer = checkin_list.organizer
    created = checkin_list.pk is None
    before = None if created else _audit_view(checkin_list)
    products = list(settings.get("products", ()))
    dates = list(settings.get("dates", ()))
    with restored_on_error(checkin_list):
        checkin_list.name = settings["name"]
        checkin_list.allow_multiple_entries = settings.get("allow_multiple_entries", False)
        checkin_list.any_day = settings.get("any_day", False)
        errors: dict[str, list[str]] = {}
        event = checkin_list.event if checkin_list.event_id is not None else None
        _check_scope(organizer, event, products, dates, errors)
        full_clean(checkin_list, exclude=["event"] if "event" in errors else None, errors=errors)
    with transaction.atomic():
        checkin_list.save()
        checkin_list.products.set(products)
        checkin_list.dates.set(dates)
        audit.record(
            "checkin_list.created" if created else "checkin_list.updated",
            checkin_list,
            actor=actor,
            organizer=organizer,
            before=before,
            after=_audit_view(checkin_list),
        )
    return checkin_list


def create_checkin_list(
    *,
    actor: Actor,
    organizer: Organizer,
    event: Event | None,
    **settings: Unpack[CheckinListSettings],
) -> CheckinList:
    """A new list with a fresh access code. Raises ValidationFailed (nothing is written)."""
    require(actor, organizer, Perm.CHANGE_EVENTS)
    # a foreign event is kept out of the object; _check_scope reports it
    checkin_list = CheckinList(
        organizer=organizer,
        event=event if event is not None and event.organizer_id == organizer.pk else None,
    )
    return _save(checkin_list, actor=actor, settings=settings)


def update_checkin_list(
    checkin_list: CheckinList, *, actor: Actor, **settings: Unpack[CheckinListSettings]
) -> CheckinList:
    """Change a list (its event stays). On an error the list is reloaded, nothing changes."""
    require(actor, checkin_list.organizer, Perm.CHANGE_EVENTS)
    return _save(checkin_list, actor=actor, settings=settings)


def regenerate_access_code(checkin_list: CheckinList, *, actor: Actor) -> CheckinList:
    """A new access code: scanners holding the old one stop working at once."""
    organizer = checkin_list.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    with transaction.atomic():
        checkin_list.access_code = new_access_code()
        checkin_list.save(update_fields=["access_code"])
        audit.record(
            "checkin_list.access_code_regenerated",
            checkin_list,
            actor=actor,
            organizer=organizer,
            after={"access_code": "regenerated"},
        )
    return checkin_list


# --- access codes --------------------------------------------------------------------------

# wrong access codes allowed per client (address) and window, before every code is refused
WRONG_CODE_LIMIT = 20
WRONG_CODE_WINDOW = 600  # seconds
MAX_ACCESS_CODE_LENGTH = 64


class TooManyWrongCodes(RideauError):
    status = 429
    messages = {"rate_limited": _("Too many wrong access codes from this device. Try again later.")}


def list_for_access_code(access_code: str, *, client: str) -> CheckinList | None:
    """The list whose access code this is, or None (the miss counts against `client`).

    A client that sent too many wrong codes lately is refused every code, right ones
    included, with TooManyWrongCodes: guessing cannot tell a hit from a miss.
    """
    key = f"checkin-code:{client}"
    if ratelimit.over(key, limit=WRONG_CODE_LIMIT, window=WRONG_CODE_WINDOW):
        raise TooManyWrongCodes("rate_limited")
    checkin_list = None
    if 0 < len(access_code) <= MAX_ACCESS_CODE_LENGTH:
        checkin_list = (
            CheckinList.objects.select_related("event", "organizer")
            .filter(access_code=access_code)
            .first()
        )
    if checkin_list is None:
        ratelimit.record(key, window=WRONG_CODE_WINDOW)
    return checkin_list


# --- scanning ------------------------------------------------------------------------------


# a ticket of a date is valid on the list of "every date" from the start of its day (or this
# long before the start, if earlier) until this long after the date's end
ENTRY_MARGIN = datetime.timedelta(hours=6)


def entry_window(date: EventDate, organizer) -> tuple[datetime.datetime, datetime.datetime]:
    """When a ticket of `date` may enter on a list that admits every date (not `any_day`):
    its day in the organiser's zone, extended by ENTRY_MARGIN around the performance."""
    zone = organizer_zone(organizer)
    local_start = date.start.astimezone(zone)
    midnight = datetime.datetime.combine(local_start.date(), datetime.time(0), tzinfo=zone)
    opens = min(midnight, date.start - ENTRY_MARGIN)
    closes = max(date.end or date.start, date.start) + ENTRY_MARGIN
    return opens, closes


class Dated(Protocol):
    """A ticket of one event date (a position, a pass's ticket…)."""

    @property
    def date_id(self) -> int | None: ...
    @property
    def date(self) -> EventDate | None: ...


DatedT = TypeVar("DatedT", bound=Dated)


def ticket_for_list(
    tickets: list[DatedT], checkin_list: CheckinList, now: datetime.datetime
) -> DatedT | None:
    """Of `tickets` (in date order), the one to enter with on `checkin_list`: among those of
    its dates when the list is bound to dates, the one whose entry window is open now, else
    the next to come, else the first. None when none is left."""
    date_ids = {d.pk for d in checkin_list.dates.all()}
    if date_ids:
        tickets = [t for t in tickets if t.date_id in date_ids]
    if not tickets:
        return None
    for ticket in tickets:
        if ticket.date is not None:
            opens, closes = entry_window(ticket.date, checkin_list.organizer)
            if opens <= now <= closes:
                return ticket
    upcoming = [t for t in tickets if t.date is not None and t.date.start >= now]
    return (upcoming or tickets)[0]


def _event_id(position: Position) -> int | None:
    event_id = position.order.event_id or position.product.event_id
    if event_id is None and position.date is not None:  # a pass's ticket (SPEC D1)
        event_id = position.date.event_id
    return event_id


def standing(position: Position, event_id: int) -> str:
    """A ticket's standing at an event whatever the list's narrower rules (products, dates):
    VALID, WRONG_EVENT, CANCELLED or UNPAID. Used at a session's door (`registration.door`),
    where being registered to the session is what admits."""
    if _event_id(position) != event_id:
        return Result.WRONG_EVENT
    if position.cancelled or position.order.status in ENDED:
        return Result.CANCELLED
    if position.order.status != Order.Status.PAID:
        return Result.UNPAID
    return Result.VALID


def _judge(checkin_list: CheckinList, position: Position, now: datetime.datetime) -> str:
    """The result of a scan before "entry once" is considered. A list bound to dates admits
    their tickets only; a list of every date admits a ticket on its own date's day only,
    unless the list allows any day (docs/user-guide.md, "Ticket control")."""
    order = position.order
    event_id = _event_id(position)
    if event_id != checkin_list.event_id:
        return Result.WRONG_EVENT
    product_ids = {p.pk for p in checkin_list.products.all()}
    if product_ids and position.product_id not in product_ids:
        return Result.WRONG_EVENT
    # before the date: "another date" would tell the door a cancelled ticket is good some day
    if position.cancelled or order.status in ENDED:
        return Result.CANCELLED
    date_ids = {d.pk for d in checkin_list.dates.all()}
    if date_ids and position.date_id not in date_ids:
        return Result.WRONG_DATE
    if not date_ids and not checkin_list.any_day and position.date is not None:
        opens, closes = entry_window(position.date, checkin_list.organizer)
        if not opens <= now <= closes:
            return Result.WRONG_DATE
    if order.status != Order.Status.PAID:
        return Result.UNPAID
    return Result.VALID


def _first_entry(checkin_list: CheckinList, position: Position) -> Checkin | None:
    return (
        Checkin.objects.filter(checkin_list=checkin_list, position=position, result=Result.VALID)
        .order_by("created", "id")
        .first()
    )


class NonceReused(RideauError):
    """A nonce names one scan of one ticket: sent again with another ticket, it is refused
    (the first scan's answer would name someone else, and the second ticket would not be
    checked in)."""

    status = 409
    messages = {
        "nonce_reused": _(
            "This scan id was already used for another ticket. Scan the ticket again."
        )
    }


def _replay(checkin: Checkin, secret: str) -> ScanResult:
    if checkin.position.secret != secret and (
        hooks.resolve(secret, checkin.checkin_list, checkin.created) != checkin.position
    ):
        raise NonceReused("nonce_reused")
    first = None
    if checkin.result == Result.ALREADY_USED:
        entry = _first_entry(checkin.checkin_list, checkin.position)
        first = entry.created if entry is not None else None
    return ScanResult(
        checkin.result,
        position=checkin.position,
        checkin=checkin,
        first_entry_at=first,
        replayed=True,
    )


def _by_nonce(checkin_list: CheckinList, nonce: str) -> Checkin | None:
    return (
        Checkin.objects.select_related("position__order", "position__product", "checkin_list")
        .filter(checkin_list=checkin_list, nonce=nonce)
        .first()
    )


def _announce(checkin: Checkin, position: Position) -> None:
    """Publish the entry in its transaction (a scenario may start on it, SPEC E6)."""
    publish(
        CheckedIn(
            organizer_id=checkin.checkin_list.organizer_id,
            checkin_id=checkin.pk,
            event_id=checkin.checkin_list.event_id,
            position_id=position.pk,
            contact_id=position.order.contact_id,
        )
    )


def ticket_for(secret: str, checkin_list: CheckinList, now: datetime.datetime) -> Position | None:
    """The ticket a scanned code stands for on this list (its order, product and date
    loaded): a ticket's own secret, or a secret another area stands behind (a pass's QR
    code, `hooks`); None for an unknown code. The one decoding every door uses."""
    secret = (secret or "").strip()[:MAX_SECRET_LENGTH]
    if not secret:
        return None
    position = (
        Position.objects.select_related("order", "product", "date")
        .filter(secret=secret, order__organizer_id=checkin_list.organizer_id)
        .first()
    )
    if position is None:
        position = hooks.resolve(secret, checkin_list, now)
    return position


def scan(
    *,
    checkin_list: CheckinList,
    secret: str,
    nonce: str | None = None,
    actor: Actor | None,
    now: datetime.datetime | None = None,
) -> ScanResult:
    """Judge and record one scan of `secret` on `checkin_list`.

    A `nonce` seen before on the list with the same ticket answers the first scan again
    (`replayed`); with another ticket it raises NonceReused (409).

    `actor` is the staff member or API token scanning (checked for the check-in permission),
    or None when the list's access code was the credential (the caller checked it).
    """
    if actor is not None:
        require(actor, checkin_list.organizer, Perm.CHECKIN)
    now = now or timezone.now()
    secret = (secret or "").strip()[:MAX_SECRET_LENGTH]
    nonce = (nonce or "").strip()[:MAX_NONCE_LENGTH] or None
    if nonce is not None and (seen := _by_nonce(checkin_list, nonce)) is not None:
        return _replay(seen, secret)
    position = ticket_for(secret, checkin_list, now)
    if position is None:
        return ScanResult(Result.UNKNOWN)
    result = _judge(checkin_list, position, now)
    once = result == Result.VALID and not checkin_list.allow_multiple_entries
    checkin = Checkin(
        checkin_list=checkin_list,
        position=position,
        created=now,
        nonce=nonce,
        result=result,
        first_entry=True if once else None,
    )
    try:
        with transaction.atomic():
            checkin.save()
            if result == Result.VALID:
                _announce(checkin, position)
    except IntegrityError:
        if nonce is not None and (seen := _by_nonce(checkin_list, nonce)) is not None:
            return _replay(seen, secret)  # the same scan, re-sent while the first was in flight
        if not once:
            raise
        # another scanner let this ticket in first
        checkin = Checkin(
            checkin_list=checkin_list,
            position=position,
            created=now,
            nonce=nonce,
            result=Result.ALREADY_USED,
        )
        try:
            with transaction.atomic():
                checkin.save()
        except IntegrityError:
            seen = _by_nonce(checkin_list, nonce) if nonce is not None else None
            if seen is None:
                raise
            return _replay(seen, secret)
    first = None
    if checkin.result == Result.ALREADY_USED:
        entry = _first_entry(checkin_list, position)
        first = entry.created if entry is not None else None
    return ScanResult(checkin.result, position=position, checkin=checkin, first_entry_at=first)


# --- counts --------------------------------------------------------------------------------


def admitting(checkin_list: CheckinList, now: datetime.datetime) -> list[EventDate]:
    """The list's dates whose door is open now (`entry_window`): tonight's performance of a
    list that covers a run of them."""
    # one query: the event's dates near now, of the list's own dates if it names some
    named = EventDate.objects.filter(checkin_lists=checkin_list)
    near = (
        EventDate.objects.filter(
            event_id=checkin_list.event_id,
            start__gte=now - datetime.timedelta(days=2),
            start__lte=now + datetime.timedelta(days=2),
        )
        .filter(Q(pk__in=named.values("pk")) | ~Exists(named))
        .order_by("start", "pk")
    )
    return [
        date
        for date in near
        if (window := entry_window(date, checkin_list.organizer))[0] <= now <= window[1]
    ]


def present_count(checkin_list: CheckinList, *, dates: list[EventDate] | None = None) -> int:
    """Attendees in: distinct tickets with a valid check-in on this list — of `dates` when
    given (the performance being admitted, not every night of a run)."""
    checkins = Checkin.objects.filter(checkin_list=checkin_list, result=Result.VALID)
    if dates:
        checkins = checkins.filter(position__date__in=dates)
    return checkins.values("position").distinct().count()


def entered_count(order: Order) -> int:
    """The order's live tickets let in at least once (staff refunding or cancelling the
    order are warned: those tickets were used)."""
    return (
        Checkin.objects.filter(
            position__order=order, position__cancelled=False, result=Result.VALID
        )
        .values("position")
        .distinct()
        .count()
    )


class Present(TypedDict):
    present: int


def with_counts(
    queryset: QuerySet[CheckinList],
) -> "QuerySet[WithAnnotations[CheckinList, Present]]":
    """Lists annotated with `present` (distinct tickets in) in the same query."""
    return queryset.annotate(
        present=Count("checkins__position", filter=Q(checkins__result=Result.VALID), distinct=True)
    )
