"""Places sold before fresh ones: places their holders put back on sale (a pass holder's
ticket on resale, SPEC D7), handed over by the checkout before the engine takes new places.

`orders` imports no area: the area that lists such places registers a *supplier* from its
AppConfig.ready() —

    from rideau.orders import hooks
    hooks.supply_with(my_supplier)

— and keeps `EventDate.offered_back` (the places listed on each date): a checkout, and the
read side, ask the suppliers only about dates where it is not 0, so the rush path costs
nothing more.

**The category rule.** A listed place serves a ticket when every quota a fresh place of that
ticket would count against (its date's and event's, its product's and rate's: the engine's
`find_quotas`) is also one the listed place counts against. A pass ticket counts on the
date's and event's quotas: it serves every rate of the date unless the rate's category has
a quota of its own (a balcony of 50 is not served by a seat of the stalls).

**Claimed, then sold once paid.** A cart, or an order waiting for payment, does not get the
listed place itself: it gets a *claim* (`inventory.claim`), a hold with its deadline that
keeps the place for it without counting it twice. The listing stays the holder's: when the
cart is emptied or expires, or the order is cancelled or expires unpaid, the claim ends (by
the engine, no cron: DESIGN rule 2) and the place is on offer again. When the order is
paid (`settle`, from `mark_paid`, or at once for an order placed paid), the claim hands
the place over and the listing is sold: only then is the holder told and paid.

A supplier has four methods:

- `offered(organizer_id, date_ids, now) -> list[Offered]`: the places on offer, claimed
  ones left out (read side);
- `hand_over(order, wanted, now, actor) -> dict[int, Hold]`: inside a *paid* order's
  transaction, claim at most one listed place per `Wanted` whose quotas cover
  `wanted.quota_ids` (and of its seat, if it names one), hand its hold to the order
  (`inventory.transfer` to `order:<pk>`) and do its own bookkeeping; returns
  `Wanted.index` → the hold;
- `claim(organizer_id, wanted, owner_ref, expires_at, kind, now, actor) -> dict[int, Hold]`:
  the same choice of places, each kept for `owner_ref` (a cart, an unpaid order) by a
  claim until `expires_at`; returns `Wanted.index` → the claim;
- `settle(order, claims, now, actor) -> dict[int, Hold]`: the order (paid now) gets the
  places its claims keep (`inventory.settle`) and the listings are sold; returns claim id
  → the place's hold.

A place another checkout is claiming is skipped, never waited for (`SKIP LOCKED`); a place
is claimed once (the engine's one live claim per hold) and sold once (a conditional
UPDATE), so two checkouts never get the same one and a withdrawal racing a checkout ends
one way.
"""

import datetime
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rideau.catalog.models import Product, Rate
    from rideau.core.access import Actor
    from rideau.events.models import EventDate
    from rideau.inventory.models import Hold

    from .models import Order, Position

__all__ = [
    "Companion",
    "Offered",
    "Store",
    "Stored",
    "Supplier",
    "Wanted",
    "accompany",
    "accompany_with",
    "claim_first",
    "companion_limits",
    "extra_places",
    "listed_seats",
    "sell_first",
    "settle",
    "store_with",
    "stored",
    "supply_with",
    "take_back",
    "void_stored",
]


@dataclass(frozen=True)
class Offered:
    """One place on offer: its date, the quotas it counts against and its seat, if any."""

    date_id: int
    quota_ids: frozenset[int]
    seat_id: int | None = None


@dataclass(frozen=True)
class Wanted:
    """One ticket that may take a listed place: its index among the order's (or cart's)
    tickets, its date, the quotas a fresh place would count against, its price and rate;
    `seat_id`: only the listed place of that seat will do (a seat chosen on the map)."""

    index: int
    date_id: int
    quota_ids: frozenset[int]
    price: Decimal
    rate: "Rate | None" = None
    seat_id: int | None = None


class Supplier(Protocol):
    def offered(
        self, organizer_id: int, date_ids: Collection[int], now: datetime.datetime
    ) -> list[Offered]: ...

    def hand_over(
        self,
        order: "Order",
        wanted: Sequence[Wanted],
        *,
        now: datetime.datetime,
        actor: "Actor | None",
    ) -> dict[int, "Hold"]: ...

    def claim(
        self,
        organizer_id: int,
        wanted: Sequence[Wanted],
        *,
        owner_ref: str,
        expires_at: datetime.datetime,
        kind: str,
        now: datetime.datetime,
        actor: "Actor | None",
    ) -> dict[int, "Hold"]: ...

    def settle(
        self,
        order: "Order",
        claims: Sequence["Hold"],
        *,
        now: datetime.datetime,
        actor: "Actor | None",
    ) -> dict[int, "Hold"]: ...


_suppliers: list[Supplier] = []


def supply_with(supplier: Supplier) -> None:
    """Register a supplier (idempotent)."""
    if supplier not in _suppliers:
        _suppliers.append(supplier)


def _listed(dates: "Collection[EventDate | None]") -> list[int]:
    return sorted({d.pk for d in dates if d is not None and d.offered_back})


def _fits(offered: frozenset[int], wanted: frozenset[int]) -> bool:
    return bool(wanted) and wanted <= offered


def _quota_ids(organizer, date: "EventDate", rate: "Rate", known: dict) -> frozenset[int]:
    from rideau.inventory.queries import find_quotas

    key = (date.pk, rate.pk)
    if key not in known:
        known[key] = frozenset(
            find_quotas(organizer=organizer, date=date, rate=rate).values_list("pk", flat=True)
        )
    return known[key]


def may_sell_first(placed: "Sequence[Position]") -> bool:
    """Whether `sell_first` could hand a listed place to one of these tickets: a supplier is
    registered and a ticket's date has places offered back. No statement (the dates are
    loaded with the tickets); the write path writes such an order at once, since the
    handed-over holds need its id."""
    return bool(_suppliers) and any(p.date is not None and p.date.offered_back for p in placed)


def sell_first(
    order: "Order",
    placed: "Sequence[Position]",
    *,
    now: datetime.datetime,
    actor: "Actor | None" = None,
    expires_at: datetime.datetime | None = None,
    kind: str = "order",
) -> dict[int, "Hold"]:
    """Listed places of the tickets' dates for `order` (inside its transaction, the order
    saved); returns index in `placed` → the hold, which the caller sets on the ticket
    instead of taking a fresh place: the place itself for a paid order, a claim on it until
    `expires_at` (the order's deadline; `kind`: its places' kind) for an unpaid one, sold
    when it is paid (`settle`). No statement unless a ticket's date has places offered
    back; tickets of sessions, without a date or of a non-ticket product are never served."""
    from rideau.catalog.models import Product

    from .models import Order

    if not _suppliers:
        return {}
    paid = order.status == Order.Status.PAID
    deadline = None if paid else (expires_at or order.expires_at)
    if not paid and (deadline is None or deadline <= now):
        return {}
    wanted = _wanted(
        order.organizer,
        [
            (i, p.date, p.rate, p.price, None)
            for i, p in enumerate(placed)
            if p.session_id is None and p.product.kind == Product.Kind.TICKET
        ],
    )
    if not wanted:
        return {}
    given: dict[int, Hold] = {}
    for supplier in list(_suppliers):
        left = [w for w in wanted if w.index not in given]
        if not left:
            break
        if paid:
            given.update(supplier.hand_over(order, left, now=now, actor=actor))
        else:
            assert deadline is not None
            given.update(
                supplier.claim(
                    order.organizer_id,
                    left,
                    owner_ref=f"order:{order.pk}",
                    expires_at=deadline,
                    kind=kind,
                    now=now,
                    actor=actor,
                )
            )
    return given


Entry = tuple  # (index, date, rate, price, seat id or None)


def _wanted(organizer, entries: "Sequence[Entry]") -> list[Wanted]:
    """The entries a listed place may serve: of a date where places are offered back."""
    known: dict = {}
    return [
        Wanted(
            index=i,
            date_id=date.pk,
            quota_ids=_quota_ids(organizer, date, rate, known),
            price=price,
            rate=rate,
            seat_id=seat_id,
        )
        for i, date, rate, price, seat_id in entries
        if date is not None and date.offered_back
    ]


def claim_first(
    organizer,
    entries: "Sequence[Entry]",
    *,
    owner_ref: str,
    expires_at: datetime.datetime,
    kind: str,
    now: datetime.datetime,
    actor: "Actor | None" = None,
) -> dict[int, "Hold"]:
    """Claims on listed places for a cart (`owner_ref`) until its deadline, inside the
    caller's transaction, before it takes fresh places: `entries` are (index, date, rate,
    price, seat id or None), one per place wanted; returns index → the claim. No statement
    unless an entry's date has places offered back."""
    wanted = _wanted(organizer, entries) if _suppliers else []
    given: dict[int, Hold] = {}
    for supplier in list(_suppliers):
        left = [w for w in wanted if w.index not in given]
        if not left:
            break
        given.update(
            supplier.claim(
                organizer.pk,
                left,
                owner_ref=owner_ref,
                expires_at=expires_at,
                kind=kind,
                now=now,
                actor=actor,
            )
        )
    return given


def settle(
    order: "Order",
    positions: "Sequence[Position]",
    *,
    now: datetime.datetime,
    actor: "Actor | None" = None,
) -> None:
    """The order is paid (its places confirmed): the tickets holding a claim get the place
    it keeps (the listing sold, its holder told and paid) and point to it. No statement
    when no ticket holds a claim (their holds are loaded with them)."""
    from .models import Position

    claimed = [p for p in positions if p.hold is not None and p.hold.claims_id is not None]
    if not claimed or not _suppliers:
        return
    places: dict[int, Hold] = {}
    for supplier in list(_suppliers):
        left = [p.hold for p in claimed if p.hold_id not in places and p.hold is not None]
        if left:
            places.update(supplier.settle(order, left, now=now, actor=actor))
    moved = [p for p in claimed if p.hold_id in places]
    for position in moved:
        position.hold = places[position.hold_id]  # type: ignore[index]
    Position.objects.bulk_update(moved, ["hold"])


def listed_seats(organizer, date: "EventDate", now: datetime.datetime) -> dict[int, frozenset[int]]:
    """The seats of `date` whose places are on offer (the seat map shows them free): seat
    id → the quotas the place counts against. No statement unless the date has some."""
    if not _suppliers or not date.offered_back:
        return {}
    return {
        o.seat_id: o.quota_ids
        for s in list(_suppliers)
        for o in s.offered(organizer.pk, [date.pk], now)
        if o.seat_id is not None
    }


def extra_places(
    organizer,
    *,
    dates: "Collection[EventDate | None]",
    rates: "Sequence[Rate]",
    now: datetime.datetime,
) -> dict[tuple[int, int], int]:
    """The read side: (date id, rate id) → listed places a ticket of that rate may take on
    that date (the category rule, as the checkout applies it). No statement unless a date
    has places offered back; then one per supplier and one per date × rate."""
    date_ids = _listed(dates)
    if not _suppliers or not date_ids or not rates:
        return {}
    offered = [o for s in list(_suppliers) for o in s.offered(organizer.pk, date_ids, now)]
    by_date = {d.pk: d for d in dates if d is not None}
    known: dict = {}
    extra: dict[tuple[int, int], int] = {}
    for date_id in sorted({o.date_id for o in offered}):
        here = [o for o in offered if o.date_id == date_id]
        for rate in rates:
            wanted = _quota_ids(organizer, by_date[date_id], rate, known)
            n = sum(1 for o in here if _fits(o.quota_ids, wanted))
            if n:
                extra[(date_id, rate.pk)] = n
    return extra


# --- tickets that come with more places -------------------------------------------------
#
# A ticket of a product marked `grants_sessions` (an event pass's sessions, ADR 0023) also
# needs places another area keeps. That area registers a *companion* from its
# AppConfig.ready() (`hooks.accompany_with(companion)`), with two methods:
#
# - `left(products) -> dict[product id, places]`: the read side — at most that many tickets
#   of each product can be sold now (0: one of the places it needs is gone: sold out);
# - `placed(order, positions, now, actor)`: inside the order's transaction, after its own
#   places were taken: take the extra places through the engine (`inventory.take`) and do
#   its own bookkeeping, or raise `InventoryError("sold_out")`, which rolls the whole order
#   back (all or nothing).
#
# Orders without such a product cost nothing more: the flag is read from the products
# already loaded with the lines, no statement.


class Companion(Protocol):
    def left(self, products: "Sequence[Product]") -> dict[int, int]: ...

    def placed(
        self,
        order: "Order",
        positions: "Sequence[Position]",
        *,
        now: datetime.datetime,
        actor: "Actor | None",
    ) -> None: ...


_companions: list[Companion] = []


def accompany_with(companion: Companion) -> None:
    """Register a companion (idempotent)."""
    if companion not in _companions:
        _companions.append(companion)


def companion_limits(rates: "Sequence[Rate]") -> dict[int, int]:
    """The read side: rate id → tickets of it that can be sold at most, for rates whose
    product takes more places (no statement otherwise)."""
    products = {r.product.pk: r.product for r in rates if r.product.grants_sessions}
    if not products or not _companions:
        return {}
    left: dict[int, int] = {}
    for companion in list(_companions):
        for product_id, n in companion.left(list(products.values())).items():
            left[product_id] = min(n, left.get(product_id, n))
    return {r.pk: left[r.product.pk] for r in rates if r.product.pk in left}


def accompany(
    order: "Order",
    positions: "Sequence[Position]",
    *,
    now: datetime.datetime,
    actor: "Actor | None" = None,
) -> None:
    """Inside the order's transaction, after its places: the companions take the places its
    tickets come with, or raise (the order rolls back). No statement unless a ticket's
    product is marked."""
    if not _companions or not any(p.product.grants_sessions for p in positions):
        return
    for companion in list(_companions):
        companion.placed(order, positions, now=now, actor=actor)


# --- value an order sold that lives on after it (gift vouchers, ADR 0034) ---------------
#
# An order may sell stored value — a gift voucher — that is spent on other orders. The area
# that keeps it registers a *store* from its AppConfig.ready() (`hooks.store_with(store)`),
# with three methods, all called inside the refund's or the cancellation's transaction with
# the order's row locked:
#
# - `stored(order, positions, lock) -> Stored`: what of the value the order (or only those
#   of its `positions`) sold was spent already — never refundable — and what is still
#   unspent; with `lock`, its rows are locked first (so a spend cannot slip in between);
# - `take_back(order, amount, now, actor)`: take `amount` of the unspent value out of
#   circulation (a refund gives back more than the order's other lines cost);
# - `void(order, positions, now, actor)`: the order (or those lines) is cancelled or
#   refunded: what is left can never be spent, or given back to, again. Idempotent.


@dataclass(frozen=True)
class Stored:
    spent: Decimal = Decimal("0")
    unspent: Decimal = Decimal("0")


class Store(Protocol):
    def stored(
        self, order: "Order", *, positions: "Sequence[Position] | None", lock: bool
    ) -> Stored: ...

    def take_back(
        self, order: "Order", amount: Decimal, *, now: datetime.datetime, actor: "Actor | None"
    ) -> None: ...

    def void(
        self,
        order: "Order",
        *,
        positions: "Sequence[Position] | None",
        now: datetime.datetime,
        actor: "Actor | None",
    ) -> None: ...


_stores: list[Store] = []


def store_with(store: Store) -> None:
    """Register a store (idempotent)."""
    if store not in _stores:
        _stores.append(store)


def stored(
    order: "Order", *, positions: "Sequence[Position] | None" = None, lock: bool = False
) -> Stored:
    """The stored value `order` (or those of its `positions`) sold: spent and unspent."""
    spent = unspent = Decimal("0")
    for store in list(_stores):
        found = store.stored(order, positions=positions, lock=lock)
        spent += found.spent
        unspent += found.unspent
    return Stored(spent=spent, unspent=unspent)


def take_back(
    order: "Order", amount: Decimal, *, now: datetime.datetime, actor: "Actor | None" = None
) -> None:
    """Take `amount` of the unspent stored value `order` sold out of circulation (the
    caller measured it with `stored(order, lock=True)` in the same transaction)."""
    rest = amount
    for store in list(_stores):
        if rest <= 0:
            break
        part = min(rest, store.stored(order, positions=None, lock=True).unspent)
        if part > 0:
            store.take_back(order, part, now=now, actor=actor)
            rest -= part


def void_stored(
    order: "Order",
    *,
    positions: "Sequence[Position] | None" = None,
    now: datetime.datetime,
    actor: "Actor | None" = None,
) -> None:
    """`order` (or those of its `positions`) is cancelled or refunded: the stored value it
    sold can no longer be spent."""
    for store in list(_stores):
        store.void(order, positions=positions, now=now, actor=actor)
