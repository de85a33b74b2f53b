"""The capacity engine: the one write path that takes, confirms and releases places.

Protocol (DESIGN rule 1, STYLE §4, ADR 0004): `take()` runs inside the caller's
transaction; it writes the hold rows and seat rows first, then changes each quota counter
with one conditional UPDATE, in quota id order, inside a savepoint — the last writes before
the caller commits. A full quota makes the savepoint roll back (dropping its row locks),
the expired holds of that quota are reclaimed, and the counters are tried again (each quota
reclaimed at most once per call).
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence, Set
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F, ForeignKey, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import Product, Rate
from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.errors import ValidationFailed
from rideau.core.instances import new
from rideau.core.models import AuditLogEntry, Organizer
from rideau.core.roles import Perm
from rideau.core.rows import Batch, resolve_object
from rideau.core.services import save_with_audit
from rideau.events.models import Event, EventDate, Session
from rideau.venues.models import Seat

from . import hooks, lean, queries
from .errors import InventoryError
from .lean import Rows
from .models import Hold, HoldQuota, Quota, SeatHold, kind_of_owner
from .queries import Drift, availability, best_available, check_integrity, find_quotas

__all__ = [
    "MAX_PLACES",
    "Batch",
    "Drift",
    "HoldRequest",
    "Rows",
    "availability",
    "batch",
    "best_available",
    "check_integrity",
    "claim",
    "confirm",
    "create_quota",
    "delete_quota",
    "extend",
    "find_quotas",
    "overbook",
    "release",
    "release_expired_holds",
    "rename_quota",
    "repair_drifts",
    "resize_quota",
    "settle",
    "take",
    "transfer",
]

MAX_PLACES = 500  # per take(): a sane cap on one order (STYLE §6)
BEST_AVAILABLE_ATTEMPTS = 3
EXPIRY_BATCH = 500
_NO_SCOPE = _("A quota counts places of an event, a date, a product, a rate or a session.")


@dataclass(frozen=True, kw_only=True)
class HoldRequest:
    """What one line of a cart or order wants.

    `quantity` places of (date, product, rate, session); with `seats`, exactly those seats
    of the date's seating plan (quantity defaults to their number); with
    `best_available=True`, the engine picks `quantity` seats itself.
    """

    quantity: int = 0
    date: EventDate | None = None
    product: Product | None = None
    rate: Rate | None = None
    session: Session | None = None
    seats: Sequence[Seat] = field(default_factory=tuple)
    # an event-level registration (SPEC A1): the event-wide quotas, like a ticket of no date
    event: Event | None = None
    best_available: bool = False

    @property
    def places(self) -> int:
        return self.quantity or len(self.seats)


class _Full(Exception):
    def __init__(self, quota_id: int):
        super().__init__(quota_id)
        self.quota_id = quota_id


# --- taking places -------------------------------------------------------------------


def take(
    *,
    organizer: Organizer,
    items: Sequence[HoldRequest],
    expires_at: datetime.datetime | None,
    owner_ref: str,
    now: datetime.datetime | None = None,
    actor: Actor | None = None,
    before_counters: "Callable[[list[Hold]], None] | Rows | None" = None,
    also_audit: Sequence[AuditLogEntry] = (),
    kind: str | None = None,
    first: Batch | None = None,
) -> list[Hold]:
    """Take every item's places at once, or raise `InventoryError` and take nothing.

    Must run inside the caller's `transaction.atomic()`, as late as possible in it: the
    quota rows stay locked until the caller commits. A refusal leaves nothing of this call
    behind. `expires_at` makes temporary holds (a cart, a reservation); None makes
    confirmed ones (a sale). Returns one hold per item, in order.

    `before_counters(holds)` lets the caller write rows that refer to the new holds (an
    order's tickets) before the counters change, so the counter UPDATEs stay the very last
    statements before the commit; a refusal rolls those rows back with the holds. Given as
    `Rows` (the rows themselves rather than a function that writes them), they ride in the
    engine's single statement on PostgreSQL (`lean`, ADR 0020).
    `also_audit`: the caller's own audit entries (unsaved), written in the same statement as
    the holds' entries. `kind` (`Hold.Kind`): what the places are held for; by default the
    one the `owner_ref` prefix names (`cart:…`, `offer:…`, …; otherwise an order).
    `first` (`batch()`): the caller's rows that come before the holds (an order, its
    contact, e-mail and domain event), written first — on PostgreSQL in the same single
    statement; `owner_ref`, `also_audit` and `before_counters` may refer to them.
    """
    _require_transaction("take")
    now = now or timezone.now()
    _validate_request(organizer=organizer, items=items, expires_at=expires_at, now=now)
    _check_owner(owner_ref)
    kind = kind or kind_of_owner(owner_ref)
    if kind not in Hold.Kind.values or kind == Hold.Kind.OVERBOOKED:  # that is `overbook`'s
        raise InventoryError("invalid_item", field="kind")
    if lean.enabled() and _lean_fits(items, before_counters):
        holds = _take_lean(
            organizer=organizer,
            items=items,
            expires_at=expires_at,
            owner_ref=owner_ref,
            now=now,
            actor=actor,
            rows=before_counters if isinstance(before_counters, Rows) else None,
            also_audit=also_audit,
            kind=kind,
            first=first,
        )
        if holds is not None:
            return holds
    if first is not None and first.pending:  # the ORM writes them, as `batch()` would have
        first.replay()
        owner_ref = first.resolve(owner_ref)
        _resolve(first, also_audit, before_counters)
    # a savepoint of its own: a refusal leaves no hold row behind, even when the caller
    # catches the error and goes on with its transaction
    with transaction.atomic():
        return _take(
            organizer=organizer,
            items=items,
            expires_at=expires_at,
            owner_ref=owner_ref,
            now=now,
            actor=actor,
            before_counters=before_counters,
            also_audit=also_audit,
            kind=kind,
        )


def overbook(
    *,
    organizer: Organizer,
    items: Sequence[HoldRequest],
    actor: Actor,
    reason: str,
    owner_ref: str,
    now: datetime.datetime | None = None,
    before_counters: Callable[[list[Hold]], None] | None = None,
) -> list[Hold]:
    """Staff take places even beyond full quotas (SPEC A4: an explicit, logged override).

    Like `take()` (same transaction rules, confirmed holds), but a quota still full after
    its expired holds are reclaimed counts the places beyond its size: its `taken` and its
    `overbooked` grow together (`taken <= size + overbooked` in the database), and the
    link is marked `overbooked`, so `check-integrity` recounts both exactly. Quotas with
    room count the places as usual. Places given back while a quota is still at or above
    its size are not reported to waitlists (`hooks`): no offer for a place that does not
    exist. Needs `events.change`; `reason` is required and audited.
    """
    require(actor, organizer, Perm.CHANGE_EVENTS)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [str(_("Say why these places go beyond capacity."))]})
    _require_transaction("overbook")
    now = now or timezone.now()
    _validate_request(organizer=organizer, items=items, expires_at=None, now=now)
    _check_owner(owner_ref)
    kwargs = actor.audit_kwargs()
    note = AuditLogEntry(
        organizer_id=organizer.pk,
        action="hold.override",
        object_type=Organizer._meta.label_lower,
        object_id=str(organizer.pk),
        object_repr=owner_ref[:200],
        after={"reason": reason[:500], "owner_ref": owner_ref},
        **kwargs,
    )
    with transaction.atomic():
        holds = _take(
            organizer=organizer,
            items=items,
            expires_at=None,
            owner_ref=owner_ref,
            now=now,
            actor=actor,
            before_counters=before_counters,
            also_audit=[note],
            override=True,
            kind=Hold.Kind.OVERBOOKED,
        )
    return holds


def batch(*, lean_take: bool = True) -> Batch:
    """The rows a write path hands to `take(first=…)`: written in `take()`'s single
    statement on PostgreSQL (ADR 0020), at once through the ORM otherwise. `lean_take`
    False (the caller will not reach `take()`): always at once."""
    return Batch(defer=lean_take and lean.enabled())


def _resolve(first: Batch, also_audit: Sequence[AuditLogEntry], rows: object) -> None:
    """The sentinels of `first` replaced by its real ids in the rows `take()` writes."""
    for entry in also_audit:
        resolve_object(entry, first.ids)
    if isinstance(rows, Rows):
        for obj in rows.objects:
            resolve_object(obj, first.ids)


def _lean_fits(items: Sequence[HoldRequest], before_counters: object) -> bool:
    """The one-round-trip implementation does what `_take` does without seats, without a
    Python callback before the counters and for requests scoped by a date, product, rate or
    session (an event-level registration's request, scoped by its event alone, takes
    `_take`); anything else takes `_take`."""
    if before_counters is not None and not isinstance(before_counters, Rows):
        return False
    return not any(item.seats or item.best_available or item.event for item in items)


def _new_holds(
    *,
    organizer: Organizer,
    items: Sequence[HoldRequest],
    expires_at: datetime.datetime | None,
    owner_ref: str,
    now: datetime.datetime,
    kind: str,
) -> list[Hold]:
    state = Hold.State.HELD if expires_at is not None else Hold.State.CONFIRMED
    return [
        new(
            Hold,
            organizer=organizer,
            owner_ref=owner_ref,
            kind=kind,
            state=state,
            quantity=item.places,
            date=item.date,
            product=item.product,
            rate=item.rate,
            session=item.session,
            expires_at=expires_at,
            created=now,
        )
        for item in items
    ]


def _take_lean(
    *,
    organizer: Organizer,
    items: Sequence[HoldRequest],
    expires_at: datetime.datetime | None,
    owner_ref: str,
    now: datetime.datetime,
    actor: Actor | None,
    rows: Rows | None,
    also_audit: Sequence[AuditLogEntry],
    kind: str,
    first: Batch | None = None,
) -> list[Hold] | None:
    """`_take` in one round trip when every quota has room (`lean`); None when a quota is
    full, an item has no quota or a unique row of `first` is taken (nothing written:
    `_take` then reclaims, asks the gates and retries, or raises)."""
    holds = _new_holds(
        organizer=organizer,
        items=items,
        expires_at=expires_at,
        owner_ref=owner_ref,
        now=now,
        kind=kind,
    )
    entries = _hold_entries("hold.taken", holds, actor=actor)
    groups: list[tuple[Sequence, str, Sequence[int | None]]] = [
        ([*also_audit, *entries], "object_id", [None] * len(also_audit) + list(range(len(holds))))
    ]
    if rows is not None and rows.objects:
        hold_field = rows.objects[0]._meta.get_field(rows.hold_field)
        assert isinstance(hold_field, ForeignKey)
        column: str = hold_field.column
        groups.append((rows.objects, column, rows.holds))
    outcome = lean.take(
        organizer_id=organizer.pk, items=items, holds=holds, groups=groups, first=first
    )
    if outcome.refused == lean.NO_QUOTA and first is None:
        raise InventoryError("no_quota")
    if outcome.refused is not None:
        return None
    if first is not None and first.ids:
        for hold in holds:
            hold.owner_ref = first.resolve(hold.owner_ref)
        _resolve(first, also_audit, rows)
    for hold, entry in zip(holds, entries, strict=True):
        entry.object_id = str(hold.pk)
    if rows is not None:
        for obj, index in zip(rows.objects, rows.holds or [None] * len(rows.objects), strict=True):
            if index is not None:
                setattr(obj, rows.hold_field, holds[index])
    return holds


def _write_rows(rows: Rows, holds: Sequence[Hold]) -> None:
    if not rows.objects:
        return
    for obj, index in zip(rows.objects, rows.holds or [None] * len(rows.objects), strict=True):
        if index is not None:
            setattr(obj, rows.hold_field, holds[index])
    type(rows.objects[0])._default_manager.bulk_create(rows.objects)


def _take(
    *,
    organizer: Organizer,
    items: Sequence[HoldRequest],
    expires_at: datetime.datetime | None,
    owner_ref: str,
    now: datetime.datetime,
    actor: Actor | None,
    before_counters: "Callable[[list[Hold]], None] | Rows | None" = None,
    also_audit: Sequence[AuditLogEntry] = (),
    override: bool = False,
    kind: str = Hold.Kind.ORDER,
) -> list[Hold]:
    quotas_per_item: list[list[Quota]] = []
    for item in items:
        quotas = list(
            find_quotas(
                organizer=organizer,
                date=item.date,
                product=item.product,
                rate=item.rate,
                session=item.session,
                event=item.event,
            )
        )
        if not quotas:
            raise InventoryError("no_quota")
        quotas_per_item.append(quotas)

    holds = Hold.objects.bulk_create(
        _new_holds(
            organizer=organizer,
            items=items,
            expires_at=expires_at,
            owner_ref=owner_ref,
            now=now,
            kind=kind,
        )
    )
    HoldQuota.objects.bulk_create(
        [
            HoldQuota(hold=hold, quota=quota)
            for hold, quotas in zip(holds, quotas_per_item, strict=True)
            for quota in quotas
        ]
    )
    freed: set[int] = set()  # quotas the lazy reclaims of this call gave places back to
    for hold, item in zip(holds, items, strict=True):
        if item.seats or item.best_available:
            _take_seats(hold=hold, item=item, now=now, freed=freed)
    _audit_holds("hold.taken", holds, actor=actor, also=also_audit)
    if isinstance(before_counters, Rows):
        _write_rows(before_counters, holds)
    elif before_counters is not None:
        before_counters(holds)

    needs: dict[int, int] = defaultdict(int)
    names: dict[int, str] = {}
    for hold, quotas in zip(holds, quotas_per_item, strict=True):
        for quota in quotas:
            needs[quota.pk] += hold.quantity
            names[quota.pk] = quota.name
    beyond = _increment_counters(needs, names=names, now=now, freed=freed, override=override)
    if beyond:  # the override path only: the places that went beyond their quota's size
        _mark_beyond(holds, quotas_per_item, beyond)
    return holds


def _mark_beyond(
    holds: Sequence[Hold],
    quotas_per_item: Sequence[Sequence[Quota]],
    beyond: dict[int, tuple[int, int]],
) -> None:
    """Record on each hold's link how many of its places went beyond the quota's size:
    the places that fitted go to the holds first, in order, the rest are beyond."""
    fitting = {quota_id: needed - over for quota_id, (needed, over) in beyond.items()}
    for hold, quotas in zip(holds, quotas_per_item, strict=True):
        for quota in quotas:
            if quota.pk not in beyond:
                continue
            fits = min(hold.quantity, fitting[quota.pk])
            fitting[quota.pk] -= fits
            if hold.quantity > fits:
                HoldQuota.objects.filter(hold=hold, quota_id=quota.pk).update(
                    overbooked=hold.quantity - fits
                )


def _require_transaction(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            f"inventory.{name}() must run inside the caller's transaction.atomic()"
        )


def _check_owner(owner_ref: str) -> None:
    if not owner_ref or len(owner_ref) > 100:
        raise InventoryError("invalid_owner", field="owner_ref")


def _validate_request(
    *,
    organizer: Organizer,
    items: Sequence[HoldRequest],
    expires_at: datetime.datetime | None,
    now: datetime.datetime,
) -> None:
    if not items:
        raise InventoryError("no_items", field="items")
    if expires_at is not None and expires_at <= now:
        raise InventoryError("invalid_expiry", field="expires_at")
    total = 0
    for item in items:
        if not isinstance(item.quantity, int) or isinstance(item.quantity, bool):
            raise InventoryError("invalid_quantity", field="quantity", max=MAX_PLACES)
        if item.quantity < 0:
            raise InventoryError("invalid_quantity", field="quantity", max=MAX_PLACES)
        if item.seats and item.best_available:
            raise InventoryError("invalid_item", field="seats")
        if item.seats and item.quantity not in (0, len(item.seats)):
            raise InventoryError("invalid_quantity", field="quantity", max=MAX_PLACES)
        if len({seat.pk for seat in item.seats}) != len(item.seats):
            raise InventoryError("invalid_item", field="seats")
        if item.places < 1:
            raise InventoryError("invalid_quantity", field="quantity", max=MAX_PLACES)
        total += item.places
        _check_ownership(organizer, item)
    if total > MAX_PLACES:
        raise InventoryError("invalid_quantity", field="quantity", max=MAX_PLACES)


def _check_ownership(organizer: Organizer, item: HoldRequest) -> None:
    """Every part of the item belongs to `organizer`, and the parts agree with each other."""
    if not (item.date or item.product or item.rate or item.session or item.event):
        raise InventoryError("invalid_item")
    event_ids = set()
    if item.event is not None:
        if item.event.organizer_id != organizer.pk:
            raise InventoryError("invalid_item", field="event")
        event_ids.add(item.event.pk)
    if item.date is not None:
        if item.date.event.organizer_id != organizer.pk:
            raise InventoryError("invalid_item", field="date")
        event_ids.add(item.date.event_id)
    product = item.product
    if item.rate is not None:
        if product is not None and item.rate.product_id != product.pk:
            raise InventoryError("invalid_item", field="rate")
        product = product or item.rate.product
    if product is not None:
        if product.organizer_id != organizer.pk:
            raise InventoryError("invalid_item", field="product" if item.product else "rate")
        if product.event_id is not None:
            event_ids.add(product.event_id)
    if item.session is not None:
        if item.session.event.organizer_id != organizer.pk:
            raise InventoryError("invalid_item", field="session")
        if item.date is not None and item.session.date_id not in (None, item.date.pk):
            raise InventoryError("invalid_item", field="session")
        event_ids.add(item.session.event_id)
    if len(event_ids) > 1:
        raise InventoryError("invalid_item")
    if (item.seats or item.best_available) and item.date is None:
        raise InventoryError("no_seating_plan", field="date")


def _increment_counters(
    needs: dict[int, int],
    *,
    names: dict[int, str],
    now,
    freed: set[int],
    override: bool = False,
) -> dict[int, tuple[int, int]]:
    """One conditional UPDATE per quota, in id order, all in one savepoint.

    A full quota rolls the savepoint back (which also drops the row locks taken so far, so
    reclaiming never waits out of order), its expired holds are reclaimed, and the updates
    are tried again — at most once per quota; then `sold_out` naming that quota. Places a
    reclaim freed on a quota people wait for (`hooks.gated`) are not for this caller:
    `sold_out` too.

    `override` (staff, `overbook`): a quota still full after its reclaim takes the places
    that still fit and counts the others beyond its size — `taken` and `overbooked` grow by
    one UPDATE. Returns, for those quotas, (places needed, places beyond the size).
    """
    reclaimed: set[int] = set()
    beyond: set[int] = set()
    while True:
        if freed and not override:
            _check_gates(freed, needs, names)
        try:
            if len(needs) == 1:
                # a refused conditional UPDATE changes and locks nothing: no savepoint needed
                return _update_counters(needs, beyond)
            with transaction.atomic():
                return _update_counters(needs, beyond)
        except _Full as full:
            if full.quota_id not in reclaimed:
                reclaimed.add(full.quota_id)
                if _reclaim_expired(quota_id=full.quota_id, now=now, freed=freed):
                    continue
            if override:
                beyond.add(full.quota_id)
                continue
            raise InventoryError(
                "sold_out", field="quantity", quota=names[full.quota_id], quota_id=full.quota_id
            ) from None


def _check_gates(freed: set[int], needs: dict[int, int], names: dict[int, str]) -> None:
    """Refuse a newcomer the places freed under it for people waiting (hooks.gate)."""
    blocked = hooks.gated(freed & needs.keys())
    if blocked:
        quota_id = min(blocked)
        raise InventoryError("sold_out", field="quantity", quota=names[quota_id], quota_id=quota_id)


def _update_counters(
    needs: dict[int, int], beyond: Set[int] = frozenset()
) -> dict[int, tuple[int, int]]:
    over: dict[int, tuple[int, int]] = {}
    for quota_id in sorted(needs):
        n = needs[quota_id]
        if quota_id in beyond:  # a staff override: what does not fit is counted beyond
            size, taken = (
                Quota.objects.select_for_update().values_list("size", "taken").get(pk=quota_id)
            )
            extra = n - min(n, max(0, size - taken))
            Quota.objects.filter(pk=quota_id).update(
                taken=F("taken") + n, overbooked=F("overbooked") + extra
            )
            over[quota_id] = (n, extra)
            continue
        changed = Quota.objects.filter(pk=quota_id, taken__lte=F("size") - n).update(
            taken=F("taken") + n
        )
        if not changed:
            raise _Full(quota_id)
    return over


def _take_seats(*, hold: Hold, item: HoldRequest, now: datetime.datetime, freed: set[int]) -> None:
    date = item.date
    assert date is not None
    plan = queries.seating_plan_for(date)
    if plan is None:
        raise InventoryError("no_seating_plan", field="date")
    if item.seats:
        for seat in item.seats:
            if seat.plan_id != plan.pk:
                raise InventoryError("invalid_seat", field="seats", seat=str(seat))
        _place_seats(hold=hold, date=date, seats=list(item.seats), now=now, freed=freed)
        return
    for attempt in range(BEST_AVAILABLE_ATTEMPTS):
        seats = best_available(plan=plan, date=date, n=hold.quantity, now=now)
        if len(seats) < hold.quantity:
            raise InventoryError("seats_sold_out", field="quantity")
        try:
            _place_seats(hold=hold, date=date, seats=seats, now=now, freed=freed)
            return
        except InventoryError as exc:
            if exc.code != "seat_taken" or attempt == BEST_AVAILABLE_ATTEMPTS - 1:
                raise


def _place_seats(
    *, hold: Hold, date: EventDate, seats: list[Seat], now: datetime.datetime, freed: set[int]
) -> None:
    """Insert the seat rows; the partial unique index refuses a seat someone holds."""
    seats = sorted(seats, key=lambda s: s.pk)
    for attempt in range(2):
        try:
            with transaction.atomic():
                SeatHold.objects.bulk_create(
                    [SeatHold(hold=hold, date=date, seat=seat) for seat in seats]
                )
            return
        except IntegrityError:
            conflicts = list(
                SeatHold.objects.filter(date=date, seat__in=seats, active=True)
                .select_related("hold", "seat")
                .order_by("seat_id")
            )
            expired = {c.hold_id for c in conflicts if c.hold.is_expired(now)}
            if attempt == 0 and (
                not conflicts or _reclaim_expired(hold_ids=expired, now=now, freed=freed)
            ):
                continue
            seat = next((c.seat for c in conflicts if c.hold_id not in expired), seats[0])
            raise InventoryError("seat_taken", field="seats", seat=str(seat)) from None


# --- ending holds --------------------------------------------------------------------


def _end_holds(
    hold_ids: list[int],
    *,
    state: str,
    now: datetime.datetime,
    actor: Actor | None,
    freed: set[int] | None = None,
) -> int:
    """Mark locked, active holds ended and give their places back (quotas in id order),
    then tell the listeners which quotas gained room (`hooks.report`, same transaction).
    `freed` collects the quota ids given back to."""
    if not hold_ids:
        return 0
    Hold.objects.filter(pk__in=hold_ids).update(state=state, ended=now)
    SeatHold.objects.filter(hold_id__in=hold_ids, active=True).update(active=False)
    give_back = (
        HoldQuota.objects.filter(hold_id__in=hold_ids)
        .values("quota_id")
        .annotate(
            n=Sum("hold__quantity"),
            over=Sum("overbooked"),
        )
        .order_by("quota_id")
    )
    given_back: dict[int, int] = {}
    for row in give_back:
        counters = {"taken": F("taken") - row["n"]}
        if row["over"]:  # places taken beyond the size leave the overbooked count too
            counters["overbooked"] = F("overbooked") - row["over"]
        Quota.objects.filter(pk=row["quota_id"]).update(**counters)
        given_back[row["quota_id"]] = row["n"]
    _audit_holds(
        f"hold.{state}", list(Hold.objects.filter(pk__in=hold_ids).order_by("pk")), actor=actor
    )
    if freed is not None:
        freed.update(given_back)
    hooks.report(given_back, reason=state, now=now, holds=hold_ids)
    return len(hold_ids)


def _reclaim_expired(
    *,
    now: datetime.datetime,
    quota_id: int | None = None,
    hold_ids: Iterable[int] | None = None,
    limit: int | None = None,
    freed: set[int] | None = None,
) -> int:
    """Expire held holds whose deadline passed (of one quota, or these holds).

    Rows another transaction is already reclaiming are skipped, never waited for, so two
    reclaimers never give the same places back twice.
    """
    holds = Hold.objects.filter(state=Hold.State.HELD, expires_at__lte=now)
    if quota_id is not None:
        holds = holds.filter(pk__in=HoldQuota.objects.filter(quota_id=quota_id).values("hold_id"))
    if hold_ids is not None:
        holds = holds.filter(pk__in=list(hold_ids))
    locked = holds.order_by("pk").select_for_update(skip_locked=True)
    if limit is not None:
        locked = locked[:limit]
    ids = list(locked.values_list("pk", flat=True))
    return _end_holds(ids, state=Hold.State.EXPIRED, now=now, actor=None, freed=freed)


def release(
    holds: Iterable[Hold],
    *,
    now: datetime.datetime | None = None,
    actor: Actor | None = None,
    owner_ref: str | None = None,
) -> int:
    """Give the places of these holds back (cancel a cart line or a ticket). Idempotent.

    Returns how many holds this call released; released or expired ones are left as they are.
    `owner_ref`: only holds still owned by it are released — a hold `transfer`red to
    someone else since (a resale, a renewal) stays theirs. Owners always pass it.
    """
    holds = list(holds)
    ids = sorted({hold.pk for hold in holds})
    now = now or timezone.now()
    with transaction.atomic():
        mine = Hold.objects.filter(pk__in=ids, state__in=Hold.ACTIVE_STATES)
        if owner_ref is not None:
            # re-checked by PostgreSQL after waiting on a row lock: a transfer that commits
            # first takes the hold out of this set
            mine = mine.filter(owner_ref=owner_ref)
        live = list(mine.order_by("pk").select_for_update().values_list("pk", flat=True))
        released = _end_holds(live, state=Hold.State.RELEASED, now=now, actor=actor)
    for hold in holds:
        if hold.pk in live:
            hold.state, hold.ended = Hold.State.RELEASED, now
    return released


def confirm(
    holds: Iterable[Hold],
    *,
    now: datetime.datetime | None = None,
    actor: Actor | None = None,
    owner_ref: str | None = None,
) -> list[Hold]:
    """Turn temporary holds into confirmed ones (cart → order). Idempotent.

    A hold whose deadline has passed is expired even if not reclaimed yet (rule 2):
    `hold_expired`, and the caller's transaction rolls back. With `owner_ref`, a hold
    transferred to another owner is no longer the caller's: `hold_released`.
    """
    holds = list(holds)
    ids = sorted({hold.pk for hold in holds})
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(Hold.objects.filter(pk__in=ids).order_by("pk").select_for_update())
        to_confirm = []
        for hold in rows:
            if hold.state == Hold.State.CONFIRMED:
                continue
            if hold.state == Hold.State.RELEASED:
                raise InventoryError("hold_released")
            if hold.is_expired(now):
                raise InventoryError("hold_expired")
            if owner_ref is not None and hold.owner_ref != owner_ref:
                raise InventoryError("hold_released")
            to_confirm.append(hold)
        if to_confirm:
            Hold.objects.filter(pk__in=[h.pk for h in to_confirm]).update(
                state=Hold.State.CONFIRMED, expires_at=None
            )
            confirmed = {h.pk for h in to_confirm}
            for hold in [*to_confirm, *holds]:
                if hold.pk in confirmed:
                    hold.state, hold.expires_at = Hold.State.CONFIRMED, None
            _audit_holds("hold.confirmed", to_confirm, actor=actor)
    return rows


def release_expired_holds(
    now: datetime.datetime | None = None, *, batch_size: int = EXPIRY_BATCH
) -> int:
    """The periodic job: expire every held hold past its deadline. Idempotent, batched.

    Each batch is its own short transaction. Returns the number of holds expired.
    """
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            done = _reclaim_expired(now=now, limit=batch_size)
        total += done
        if done < batch_size:
            return total


# --- quotas --------------------------------------------------------------------------


def create_quota(
    *,
    actor: Actor,
    organizer: Organizer,
    name: str,
    size: int,
    event=None,
    date: EventDate | None = None,
    product: Product | None = None,
    rate: Rate | None = None,
    session: Session | None = None,
    covers_sessions: bool = False,
) -> Quota:
    """A new counter. Its scopes must belong to `organizer` and agree with each other.

    `covers_sessions`: a quota without a session also counts session registrations (by
    default it counts tickets only; see `queries.find_quotas`)."""
    require(actor, organizer, Perm.CHANGE_EVENTS)
    errors: dict[str, list[str]] = {}
    owners = {
        "event": event.organizer_id if event else None,
        "date": date.event.organizer_id if date else None,
        "product": product.organizer_id if product else None,
        "rate": rate.product.organizer_id if rate else None,
        "session": session.event.organizer_id if session else None,
    }
    for key, owner_id in owners.items():
        if owner_id is not None and owner_id != organizer.pk:
            errors[key] = [str(InventoryError("invalid_item").message)]
    if not errors and not any(owners.values()):
        errors["__all__"] = [str(_NO_SCOPE)]
    if not errors:
        event_ids = {
            e
            for e in (
                event.pk if event else None,
                date.event_id if date else None,
                product.event_id if product else None,
                rate.product.event_id if rate else None,
                session.event_id if session else None,
            )
            if e is not None
        }
        if len(event_ids) > 1 or (rate and product and rate.product_id != product.pk):
            errors["__all__"] = [str(InventoryError("invalid_item").message)]
    if errors:
        raise ValidationFailed(errors)
    quota = Quota(
        organizer=organizer,
        name=name,
        size=size,
        event=event,
        date=date,
        product=product,
        rate=rate,
        session=session,
        covers_sessions=bool(covers_sessions) and session is None,
    )
    return save_with_audit(
        quota,
        actor=actor,
        organizer=organizer,
        action="quota.created",
        perm=Perm.CHANGE_EVENTS,
        validate_exclude=["taken"],
    )


def resize_quota(
    quota: Quota, *, size: int, actor: Actor | None = None, now: datetime.datetime | None = None
) -> Quota:
    """Change a quota's size; never below the places taken (expired holds are reclaimed)."""
    if actor is not None:
        require(actor, quota.organizer, Perm.CHANGE_EVENTS)
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise InventoryError("invalid_size", field="size")
    now = now or timezone.now()
    with transaction.atomic():
        before = {"size": quota.size}
        for attempt in range(2):
            fits = Quota.objects.filter(pk=quota.pk, taken__lte=F("overbooked") + size)
            if fits.update(size=size):
                break
            if attempt == 0 and _reclaim_expired(quota_id=quota.pk, now=now):
                continue
            quota.refresh_from_db(fields=["size", "taken"])
            raise InventoryError("below_taken", field="size", taken=quota.taken)
        quota.refresh_from_db(fields=["size", "taken"])
        if quota.size > before["size"]:
            hooks.report(
                {quota.pk: quota.size - before["size"]}, reason="resized", now=now, holds=()
            )
        audit.record(
            "quota.resized",
            quota,
            actor=actor,
            organizer=quota.organizer,
            before=before,
            after={"size": quota.size},
        )
    return quota


def rename_quota(quota: Quota, *, name: str, actor: Actor) -> Quota:
    """Change a quota's name (what buyers read in "not enough places left for …")."""
    require(actor, quota.organizer, Perm.CHANGE_EVENTS)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed({"name": [str(_("Give a name of 1 to 200 characters."))]})
    with transaction.atomic():
        before = {"name": quota.name}
        Quota.objects.filter(pk=quota.pk).update(name=name)
        quota.name = name
        audit.record(
            "quota.renamed",
            quota,
            actor=actor,
            organizer=quota.organizer,
            before=before,
            after={"name": name},
        )
    return quota


def delete_quota(quota: Quota, *, actor: Actor, now: datetime.datetime | None = None) -> None:
    """Delete a counter no live place counts against (expired holds are reclaimed first).

    A quota with held or confirmed places is refused (`quota_in_use`): deleting it would let
    those places escape every limit it set.
    """
    require(actor, quota.organizer, Perm.CHANGE_EVENTS)
    now = now or timezone.now()
    with transaction.atomic():
        _reclaim_expired(quota_id=quota.pk, now=now)
        live = HoldQuota.objects.filter(quota=quota, hold__state__in=Hold.ACTIVE_STATES)
        if live.exists():
            raise InventoryError("quota_in_use", quota=quota.name)
        audit.record(
            "quota.deleted",
            quota,
            actor=actor,
            organizer=quota.organizer,
            before={"name": quota.name, "size": quota.size},
        )
        quota.delete()


def repair_drifts(*, actor: Actor | None = None) -> tuple[list[Drift], list[Drift]]:
    """Set every drifted counter to its recount: (repaired, left as they were).

    Locks the drifted quotas in id order and recounts under the lock, so sales may go on.
    A recount above the quota's size plus its overbooked places cannot be stored (the
    database refuses it); such drifts are left for a person to resolve.
    """
    _checked, drifts = check_integrity()
    repaired: list[Drift] = []
    left: list[Drift] = []
    quota_ids = sorted({d.object_id for d in drifts if d.kind in ("quota", "overbooked")})
    seat_hold_ids = [d.object_id for d in drifts if d.kind == "seat_hold"]
    with transaction.atomic():
        locked = Quota.objects.filter(pk__in=quota_ids).order_by("pk").select_for_update()
        list(locked.values_list("pk", flat=True))
        for quota in queries.recount(Quota.objects.filter(pk__in=quota_ids)):
            found = [
                Drift(kind, quota.pk, quota.name, stored, recounted)
                for kind, stored, recounted in (
                    ("quota", quota.taken, quota.recounted),
                    ("overbooked", quota.overbooked, quota.recounted_overbooked),
                )
                if stored != recounted
            ]
            if not found:
                continue
            if quota.recounted > quota.size + quota.recounted_overbooked:
                left.extend(found)
                continue
            Quota.objects.filter(pk=quota.pk).update(
                taken=quota.recounted, overbooked=quota.recounted_overbooked
            )
            audit.record(
                "quota.recounted",
                quota,
                actor=actor,
                organizer=quota.organizer,
                before={"taken": quota.taken, "overbooked": quota.overbooked},
                after={"taken": quota.recounted, "overbooked": quota.recounted_overbooked},
            )
            repaired.extend(found)
        if seat_hold_ids:
            SeatHold.objects.filter(pk__in=seat_hold_ids, active=True).exclude(
                hold__state__in=Hold.ACTIVE_STATES
            ).update(active=False)
            repaired.extend(d for d in drifts if d.kind == "seat_hold")
    return repaired, left


def _audit_holds(
    action: str,
    holds: Sequence[Hold],
    *,
    actor: Actor | None,
    also: Sequence[AuditLogEntry] = (),
) -> None:
    """One audit entry per hold (and the caller's `also`), written in one statement."""
    AuditLogEntry.objects.bulk_create([*also, *_hold_entries(action, holds, actor=actor)])


def _hold_entries(action: str, holds: Sequence[Hold], *, actor: Actor | None) -> list:
    """The audit entries of `holds` (unsaved; `object_id` is empty for unsaved holds)."""
    kwargs = actor.audit_kwargs() if actor is not None else {}
    return [
        new(
            AuditLogEntry,
            organizer_id=hold.organizer_id,
            action=action,
            object_type=Hold._meta.label_lower,
            object_id="" if hold.pk is None else str(hold.pk),
            object_repr=str(hold)[:200],
            after={
                "state": hold.state,
                "quantity": hold.quantity,
                "owner_ref": hold.owner_ref,
                "kind": hold.kind,
                "expires_at": hold.expires_at.isoformat() if hold.expires_at else None,
            },
            **kwargs,
        )
        for hold in holds
    ]


# --- one hold per place ------------------------------------------------------------------


def split(hold: Hold, *, actor: Actor | None = None) -> list[Hold]:
    """An active hold of n places as n holds of one place each, so each can be released on
    its own (a ticket removed from an order whose cart held its places together).

    Counters do not move: the same places stay taken on the same quotas. Seats go one per
    hold in seat order (rows from the stage, then section, row and number: the order in
    which `documents.seats.seat_labels` gives them to the tickets). Returns the holds in that
    order, `hold` itself first. Must run inside the caller's transaction; locks the hold.
    """
    _require_transaction("split")
    hold = Hold.objects.select_for_update().get(pk=hold.pk)
    if hold.quantity <= 1 or hold.state not in Hold.ACTIVE_STATES:
        return [hold]
    others = Hold.objects.bulk_create(
        [
            Hold(
                organizer_id=hold.organizer_id,
                owner_ref=hold.owner_ref,
                kind=hold.kind,
                state=hold.state,
                quantity=1,
                date_id=hold.date_id,
                product_id=hold.product_id,
                rate_id=hold.rate_id,
                session_id=hold.session_id,
                expires_at=hold.expires_at,
                created=hold.created,
            )
            for _i in range(hold.quantity - 1)
        ]
    )
    # places beyond a quota's size (a staff override) stay beyond: the last ones, as they
    # were counted when taken (the places that fitted went first)
    links = list(HoldQuota.objects.filter(hold=hold).values_list("quota_id", "overbooked"))
    HoldQuota.objects.bulk_create(
        [
            HoldQuota(hold=other, quota_id=quota_id, overbooked=int(i >= hold.quantity - over))
            for i, other in enumerate(others, start=1)
            for quota_id, over in links
        ]
    )
    for quota_id, over in links:
        if over:
            HoldQuota.objects.filter(hold=hold, quota_id=quota_id).update(
                overbooked=int(over == hold.quantity)
            )
    seat_holds = list(
        SeatHold.objects.filter(hold=hold, active=True)
        .select_related("seat")
        .order_by("seat__row_order", "seat__section", "seat__row", "seat__number")
    )
    for seat_hold, other in zip(seat_holds[1:], others, strict=False):
        seat_hold.hold = other
    SeatHold.objects.bulk_update(seat_holds[1:], ["hold"])
    Hold.objects.filter(pk=hold.pk).update(quantity=1)
    hold.quantity = 1
    holds = [hold, *others]
    _audit_holds("hold.split", holds, actor=actor)
    return holds


# --- handing temporary holds over ------------------------------------------------------


def _locked_live(
    ids: list[int], now: datetime.datetime, *, states: Iterable[str], owner: str | None = None
) -> list[Hold]:
    """The holds `ids` locked in id order, each still live: in one of `states`, not past its
    deadline and, with `owner`, still owned by it. Otherwise `hold_expired` (an expired
    one) or `hold_released` (one released, gone, in another state or owned by another)."""
    rows = list(Hold.objects.filter(pk__in=ids).order_by("pk").select_for_update())
    if len(rows) != len(ids):
        raise InventoryError("hold_released")
    for hold in rows:
        if hold.state not in states:
            code = "hold_expired" if hold.state == Hold.State.EXPIRED else "hold_released"
            raise InventoryError(code)
        if hold.is_expired(now):
            raise InventoryError("hold_expired")
        if owner is not None and hold.owner_ref != owner:
            raise InventoryError("hold_released")
    return rows


def extend(
    holds: Iterable[Hold],
    *,
    expires_at: datetime.datetime,
    owner_ref: str,
    now: datetime.datetime | None = None,
    actor: Actor | None = None,
    kind: str | None = None,
) -> list[Hold]:
    """Give live temporary holds a new deadline and owner (a cart's places → an order's);
    with `kind`, a new kind too.

    The holds are locked in id order; a released one raises `hold_released`, one past its
    deadline `hold_expired` (even if not reclaimed yet, rule 2), and nothing changes. No
    quota counter moves: the places stay taken. Confirmed holds are refused too
    (`hold_released`): they belong to a sale already.
    """
    holds = list(holds)
    ids = sorted({hold.pk for hold in holds})
    now = now or timezone.now()
    if not ids:
        raise InventoryError("no_items", field="items")
    if expires_at <= now:
        raise InventoryError("invalid_expiry", field="expires_at")
    _check_owner(owner_ref)
    with transaction.atomic():
        rows = _locked_live(ids, now, states=(Hold.State.HELD,))
        changes = {"expires_at": expires_at, "owner_ref": owner_ref}
        if kind is not None:
            changes["kind"] = kind
        Hold.objects.filter(pk__in=ids).update(**changes)
        for hold in [*rows, *holds]:
            for name, value in changes.items():
                setattr(hold, name, value)
        _audit_holds("hold.extended", rows, actor=actor)
    return rows


# --- moving places to another owner ----------------------------------------------------


def transfer(
    holds: Iterable[Hold],
    *,
    owner_ref: str,
    actor: Actor | None = None,
    from_owner: str | None = None,
    expires_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
    reason: str = "",
    kind: str | None = None,
) -> list[Hold]:
    """Give live holds — held or confirmed — to another owner (a resale buyer, a renewed or
    updated pass), with no instant at which their places are free.

    No counter moves and no seat row changes: only the owner (and, for held holds, the
    deadline when `expires_at` is given) does. The holds are locked in id order; a
    released one raises `hold_released`, a held one past its deadline `hold_expired`, one
    no longer owned by `from_owner` (when given) `hold_released`, and nothing changes.
    Afterwards the previous owner's cancel or refund cannot release them: the engine's
    callers release by owner (`release(owner_ref=…)`). Audited as `hold.transferred` with
    the previous owner. Runs in its own savepoint of the caller's transaction, if any.
    """
    holds = list(holds)
    ids = sorted({hold.pk for hold in holds})
    now = now or timezone.now()
    if not ids:
        raise InventoryError("no_items", field="items")
    _check_owner(owner_ref)
    if expires_at is not None and expires_at <= now:
        raise InventoryError("invalid_expiry", field="expires_at")
    with transaction.atomic():
        rows = _locked_live(ids, now, states=Hold.ACTIVE_STATES, owner=from_owner)
        previous = {hold.pk: hold.owner_ref for hold in rows}
        if kind is None:
            Hold.objects.filter(pk__in=ids).update(owner_ref=owner_ref)
        else:  # a resold ticket is an order's; an offer accepted becomes one too
            Hold.objects.filter(pk__in=ids).update(owner_ref=owner_ref, kind=kind)
        held = [h.pk for h in rows if h.state == Hold.State.HELD]
        if expires_at is not None and held:
            Hold.objects.filter(pk__in=held).update(expires_at=expires_at)
        for hold in [*rows, *holds]:
            hold.owner_ref = owner_ref
            hold.kind = kind or hold.kind
            if expires_at is not None and hold.pk in held:
                hold.expires_at = expires_at
        kwargs = actor.audit_kwargs() if actor is not None else {}
        AuditLogEntry.objects.bulk_create(
            [
                AuditLogEntry(
                    organizer_id=hold.organizer_id,
                    action="hold.transferred",
                    object_type=Hold._meta.label_lower,
                    object_id=str(hold.pk),
                    object_repr=str(hold)[:200],
                    before={"owner_ref": previous[hold.pk]},
                    after={"owner_ref": owner_ref, "reason": reason[:500]},
                    **kwargs,
                )
                for hold in rows
            ]
        )
    return rows


# --- claims: places kept for someone without taking any ----------------------------------


def claim(
    hold: Hold,
    *,
    owner_ref: str,
    expires_at: datetime.datetime,
    rate: Rate,
    kind: str = Hold.Kind.CART,
    now: datetime.datetime | None = None,
    actor: Actor | None = None,
) -> Hold:
    """Keep the places of a live hold (a listed resale place) for `owner_ref` until
    `expires_at`, without taking any: a *claim*, a hold of the same quantity and date, of
    `rate`, with no quota link and no seat row — the counters and the seat stay the claimed
    hold's, so nothing is counted twice.

    Its owner handles a claim like any hold: `extend` moves it (a cart's → an order's),
    `confirm` keeps it past its deadline (the order is paid), `settle` hands the places
    over; `release`, or its deadline passing, ends it with nothing to give back and the
    places are the claimed hold's owner's again (no cron: DESIGN rule 2).

    One live claim per hold: the claimed hold is locked and a claim past its deadline is
    expired first. A hold claimed already raises `hold_claimed`; a released or expired one
    `hold_released` / `hold_expired`. Runs in its own savepoint of the caller's transaction.
    """
    now = now or timezone.now()
    if expires_at <= now:
        raise InventoryError("invalid_expiry", field="expires_at")
    _check_owner(owner_ref)
    with transaction.atomic():
        locked = Hold.objects.select_for_update().filter(pk=hold.pk).first()
        if locked is None or locked.state not in Hold.ACTIVE_STATES or locked.claims_id:
            raise InventoryError("hold_released")
        if locked.is_expired(now):
            raise InventoryError("hold_expired")
        others = list(
            Hold.objects.filter(claims=locked, state__in=Hold.ACTIVE_STATES).values_list(
                "pk", "state", "expires_at"
            )
        )
        stale = [
            pk for pk, state, ends in others if state == Hold.State.HELD and ends and ends <= now
        ]
        if len(stale) < len(others):
            raise InventoryError("hold_claimed")
        if stale:
            _reclaim_expired(now=now, hold_ids=stale)
        new = Hold.objects.create(
            organizer_id=locked.organizer_id,
            owner_ref=owner_ref,
            kind=kind,
            state=Hold.State.HELD,
            quantity=locked.quantity,
            date_id=locked.date_id,
            product=rate.product,
            rate=rate,
            expires_at=expires_at,
            claims=locked,
            created=now,
        )
        new.claims = locked
        _audit_holds("hold.claimed", [new], actor=actor)
    return new


def settle(
    claimed_by: Hold,
    *,
    now: datetime.datetime | None = None,
    actor: Actor | None = None,
    reason: str = "",
) -> Hold:
    """A claim's owner gets the claimed places: the claimed hold is `transfer`red to the
    claim's owner (of the claim's kind; the same seat, never free in between) and the claim
    ends, with nothing to give back. Returns the claimed hold. Raises like `transfer`, and
    `hold_expired` / `hold_released` when the claim is no longer live; nothing changes then.
    Runs in its own savepoint of the caller's transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        live = Hold.objects.select_for_update().filter(pk=claimed_by.pk).first()
        if live is None or live.claims_id is None or live.state not in Hold.ACTIVE_STATES:
            raise InventoryError("hold_released")
        if live.is_expired(now):
            raise InventoryError("hold_expired")
        place = Hold.objects.get(pk=live.claims_id)
        transfer(
            [place], owner_ref=live.owner_ref, actor=actor, kind=live.kind, now=now, reason=reason
        )
        _end_holds([live.pk], state=Hold.State.RELEASED, now=now, actor=actor)
    claimed_by.state, claimed_by.ended = Hold.State.RELEASED, now
    return place
