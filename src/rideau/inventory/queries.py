"""Reads on capacity: which quotas apply, what is left, which seats are free, recounts.

Every read treats a passed deadline as passed (DESIGN rule 2): the places of a held hold
whose `expires_at` is over count as free even before anyone reclaims them.
"""

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncHour
from django.utils import timezone

from rideau.catalog.models import Product, Rate
from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate, Session
from rideau.venues.models import Seat, SeatingPlan

from .models import Hold, HoldQuota, Quota, SeatHold

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _Free(TypedDict):
    free: int


class _Recounted(TypedDict):
    recounted: int
    recounted_overbooked: int


def event_id_of(
    *,
    date: EventDate | None = None,
    product: Product | None = None,
    rate: Rate | None = None,
    session: Session | None = None,
    event: Event | None = None,
) -> int | None:
    """The event a request is about, from whichever of its parts knows it."""
    if event is not None:
        return event.pk
    if date is not None:
        return date.event_id
    if session is not None:
        return session.event_id
    if product is None and rate is not None:
        product = rate.product
    if product is not None:
        return product.event_id
    return None


def _scope(field: str, value_id: int | None) -> Q:
    unset = Q(**{f"{field}__isnull": True})
    return unset if value_id is None else unset | Q(**{f"{field}_id": value_id})


def _session_scope(session_id: int | None) -> Q:
    """Sessions never leak into ticket quotas, nor tickets into session quotas.

    A ticket (no session) counts only against quotas without a session; a registration to
    session S only against quotas of S, and against session-less quotas the organiser tied
    to sessions (`covers_sessions`: "people on site", whatever they came for)."""
    if session_id is None:
        return Q(session__isnull=True)
    return Q(session_id=session_id) | Q(session__isnull=True, covers_sessions=True)


def quota_applies(quota: Mapping[str, object], request: Mapping[str, object]) -> bool:
    """`find_quotas`'s rule in memory: `quota` and `request` map event_id, date_id,
    product_id, rate_id and session_id (request values may be None) — quota also
    covers_sessions."""
    session_id = request.get("session_id")
    if session_id is None:
        if quota.get("session_id") is not None:
            return False
    elif quota.get("session_id") != session_id and not (
        quota.get("session_id") is None and quota.get("covers_sessions")
    ):
        return False
    return all(
        quota.get(key) is None or quota.get(key) == request.get(key)
        for key in ("event_id", "date_id", "product_id", "rate_id")
    )


def find_quotas(
    *,
    organizer: Organizer,
    date: EventDate | None = None,
    product: Product | None = None,
    rate: Rate | None = None,
    session: Session | None = None,
    event: Event | None = None,
) -> QuerySet[Quota]:
    """Every quota a place of (date, product, rate, session) counts against, in id order.
    `event` alone is an event-level registration (SPEC A1): the event-wide quotas.

    The scope rule (ADR 0004): a quota applies when each of its non-null event, date,
    product and rate scopes equals the request's (the request's event comes from its date,
    session or product), and its session matches by `_session_scope`: a ticket never counts
    against a session's quota, a session registration only against its session's quotas and
    the quotas explicitly tied to sessions (`covers_sessions`).
    """
    if product is None and rate is not None:
        product = rate.product
    return (
        Quota.objects.filter(organizer=organizer)
        .filter(
            _scope("event", event_id_of(date=date, product=product, session=session, event=event)),
            _scope("date", date.pk if date else None),
            _scope("product", product.pk if product else None),
            _scope("rate", rate.pk if rate else None),
            _session_scope(session.pk if session else None),
        )
        .order_by("pk")
    )


def with_availability(
    quotas: QuerySet[Quota], *, now: datetime.datetime | None = None
) -> "QuerySet[WithAnnotations[Quota, _Free]]":
    """Annotate `free`: size − taken + places of expired holds not reclaimed yet."""
    now = now or timezone.now()
    expired = (
        HoldQuota.objects.filter(
            quota=OuterRef("pk"), hold__state=Hold.State.HELD, hold__expires_at__lte=now
        )
        .values("quota")
        .annotate(n=Sum("hold__quantity"))
        .values("n")
    )
    return quotas.annotate(
        free=F("size") - F("taken") + Coalesce(Subquery(expired, output_field=IntegerField()), 0)
    )


def availability(
    *,
    organizer: Organizer,
    date: EventDate | None = None,
    product: Product | None = None,
    rate: Rate | None = None,
    session: Session | None = None,
    now: datetime.datetime | None = None,
) -> int | None:
    """Places still on sale for this request: the smallest `free` of its quotas (one query).

    None when no quota applies (the engine then refuses to sell: `no_quota`).
    """
    quotas = find_quotas(
        organizer=organizer, date=date, product=product, rate=rate, session=session
    )
    frees = list(with_availability(quotas, now=now).values_list("free", flat=True))
    return max(0, min(frees)) if frees else None


def _blocking_seat_holds(date: EventDate, now: datetime.datetime) -> QuerySet[SeatHold]:
    """Active seat holds of `date` that still count: confirmed, or held before the deadline."""
    return SeatHold.objects.filter(date=date, active=True).filter(
        Q(hold__state=Hold.State.CONFIRMED)
        | Q(hold__state=Hold.State.HELD, hold__expires_at__isnull=True)
        | Q(hold__state=Hold.State.HELD, hold__expires_at__gt=now)
    )


def seating_plan_for(date: EventDate) -> SeatingPlan | None:
    if date.location_id is None:
        return None
    return SeatingPlan.objects.filter(location_id=date.location_id).first()


def free_seats(
    *, plan: SeatingPlan, date: EventDate, now: datetime.datetime | None = None
) -> QuerySet[Seat]:
    """Seats of `plan` nobody holds for `date` (one query)."""
    now = now or timezone.now()
    taken = _blocking_seat_holds(date, now).filter(seat=OuterRef("pk"))
    return (
        Seat.objects.filter(plan=plan)
        .exclude(Exists(taken))
        .order_by("rank", "row_order", "section", "row", "number")
    )


def best_available(
    *, plan: SeatingPlan, date: EventDate, n: int, now: datetime.datetime | None = None
) -> list[Seat]:
    """The best `n` free seats: `n` adjacent seats in one row if any block exists, best first.

    A block is scored by its seats' total rank, then the row's distance from the stage, then
    position in the row; without any adjacent block, the `n` best single seats. Returns
    fewer than `n` seats only when fewer are free.
    """
    if n <= 0:
        return []
    seats = list(free_seats(plan=plan, date=date, now=now))
    if len(seats) < n:
        return seats
    rows: dict[tuple[str, str], list[Seat]] = defaultdict(list)
    for seat in seats:
        rows[(seat.section, seat.row)].append(seat)
    best_block: list[Seat] | None = None
    best_key: tuple | None = None
    for row_seats in rows.values():
        row_seats.sort(key=lambda s: s.number)
        for start in range(len(row_seats) - n + 1):
            block = row_seats[start : start + n]
            if block[-1].number - block[0].number != n - 1:
                continue
            key = (
                sum(s.rank for s in block),
                block[0].row_order,
                block[0].section,
                block[0].row,
                block[0].number,
            )
            if best_key is None or key < best_key:
                best_key, best_block = key, block
    if best_block is not None:
        return best_block
    return seats[:n]


@dataclass(frozen=True)
class Drift:
    """A counter that does not agree with its recount (or a seat row that should be free)."""

    kind: str  # "quota" (taken), "overbooked" or "seat_hold"
    object_id: int
    name: str
    stored: int
    recounted: int


def recount(
    quotas: QuerySet[Quota] | None = None,
) -> "QuerySet[WithAnnotations[Quota, _Recounted]]":
    """Quotas annotated with `recounted`: the places of their held and confirmed holds, and
    `recounted_overbooked`: those of them taken beyond the size by a staff override."""
    live = HoldQuota.objects.filter(quota=OuterRef("pk"), hold__state__in=Hold.ACTIVE_STATES)
    placed = live.values("quota").annotate(n=Sum("hold__quantity")).values("n")
    beyond = live.filter(overbooked__gt=0).values("quota").annotate(n=Sum("overbooked")).values("n")
    quotas = Quota.objects.all() if quotas is None else quotas
    return quotas.annotate(
        recounted=Coalesce(Subquery(placed, output_field=IntegerField()), 0),
        recounted_overbooked=Coalesce(Subquery(beyond, output_field=IntegerField()), 0),
    ).order_by("pk")


def check_integrity(quotas: QuerySet[Quota] | None = None) -> tuple[int, list[Drift]]:
    """Recount every counter from its holds: (number of quotas checked, drifts found)."""
    checked = 0
    drifts: list[Drift] = []
    rows = recount(quotas).values_list(
        "pk", "name", "taken", "recounted", "overbooked", "recounted_overbooked"
    )
    for pk, name, taken, recounted, overbooked, recounted_overbooked in rows:
        checked += 1
        if taken != recounted:
            drifts.append(Drift("quota", pk, name, taken, recounted))
        if overbooked != recounted_overbooked:
            drifts.append(Drift("overbooked", pk, name, overbooked, recounted_overbooked))
    if quotas is None:
        stale = SeatHold.objects.filter(active=True).exclude(hold__state__in=Hold.ACTIVE_STATES)
        for pk, seat_id in stale.order_by("pk").values_list("pk", "seat_id"):
            drifts.append(Drift("seat_hold", pk, f"seat {seat_id}", 1, 0))
    return checked, drifts


def availability_grid(
    *,
    organizer: Organizer,
    event_id: int,
    date_ids: list[int | None],
    rates: list[Rate],
    now: datetime.datetime | None = None,
) -> dict[tuple[int | None, int], int | None]:
    """`availability()` for every (date, rate) pair of one event, in one query.

    Loads the quotas that can apply to any pair (with `free` annotated) and matches them in
    memory with `quota_applies`, the rule of `find_quotas` (tickets: no session here).
    None for a pair no quota applies to.
    """
    product_ids = {rate.product_id for rate in rates}
    candidates = Quota.objects.filter(organizer=organizer, session__isnull=True).filter(
        Q(event_id=event_id)
        | Q(date_id__in=[d for d in date_ids if d is not None])
        | Q(product_id__in=product_ids)
        | Q(rate_id__in=[rate.pk for rate in rates])
    )
    quotas: list[Mapping[str, object]] = list(
        with_availability(candidates, now=now).values(
            "event_id", "date_id", "product_id", "rate_id", "free"
        )
    )
    grid: dict[tuple[int | None, int], int | None] = {}
    for date_id in date_ids:
        for rate in rates:
            request = {
                "event_id": event_id,
                "date_id": date_id,
                "product_id": rate.product_id,
                "rate_id": rate.pk,
            }
            frees: list[int] = [cast(int, q["free"]) for q in quotas if quota_applies(q, request)]
            grid[(date_id, rate.pk)] = max(0, min(frees)) if frees else None
    return grid


@dataclass(frozen=True)
class ComingBack:
    """Places held until `at` (the hour their deadline falls in) that come back to
    `quota` unless confirmed first."""

    at: datetime.datetime
    quota_id: int
    quota: str
    kind: str
    places: int


def coming_back(
    *,
    organizer: Organizer,
    event: Event | None = None,
    now: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> list[ComingBack]:
    """The organiser's forecast of places coming back: live held holds (carts,
    reservations, offers, pre-holds, options) by deadline hour, quota and kind, soonest
    first (one query). Places of holds already past their deadline are free now and are
    not listed."""
    now = now or timezone.now()
    links = HoldQuota.objects.filter(
        quota__organizer=organizer, hold__state=Hold.State.HELD, hold__expires_at__gt=now
    )
    if until is not None:
        links = links.filter(hold__expires_at__lte=until)
    if event is not None:
        links = links.filter(
            Q(quota__event=event)
            | Q(quota__date__event=event)
            | Q(quota__product__event=event)
            | Q(quota__rate__product__event=event)
            | Q(quota__session__event=event)
        )
    rows = (
        links.annotate(at=TruncHour("hold__expires_at"))
        .values("at", "quota_id", "quota__name", "hold__kind")
        .annotate(places=Sum("hold__quantity"))
        .order_by("at", "quota_id", "hold__kind")
    )
    return [
        ComingBack(r["at"], r["quota_id"], r["quota__name"], r["hold__kind"], r["places"])
        for r in rows
    ]


def live_holds(organizer: Organizer, *, kind: str | None = None) -> QuerySet[Hold]:
    """The organiser's held and confirmed holds (of one kind), deadlines soonest first."""
    holds = Hold.objects.filter(organizer=organizer, state__in=Hold.ACTIVE_STATES)
    if kind is not None:
        holds = holds.filter(kind=kind)
    return holds.order_by(F("expires_at").asc(nulls_last=True), "pk")


def live_claims(now: datetime.datetime) -> QuerySet[Hold]:
    """Claims that still keep their places (`services.claim`): confirmed (an order paid),
    or held with their deadline ahead; a passed deadline is passed, reclaimed or not."""
    return Hold.objects.filter(claims__isnull=False).filter(
        Q(state=Hold.State.CONFIRMED) | Q(state=Hold.State.HELD, expires_at__gt=now)
    )


def seats_in_use(seats: QuerySet[Seat], now: datetime.datetime) -> int:
    """How many of `seats` are held (not past their deadline at `now`) or sold, for any date:
    venues refuses to delete them meanwhile (registered with `venues.hooks`)."""
    return (
        SeatHold.objects.filter(seat__in=seats, active=True)
        .filter(
            Q(hold__state=Hold.State.CONFIRMED)
            | Q(hold__state=Hold.State.HELD, hold__expires_at__isnull=True)
            | Q(hold__state=Hold.State.HELD, hold__expires_at__gt=now)
        )
        .count()
    )
