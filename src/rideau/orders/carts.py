"""The shop's cart: places held for a while (`RIDEAU_CART_MINUTES`) before checkout.

A cart is not a table: it is the set of capacity holds whose owner is `cart:<token>` (the
token lives in the buyer's session). Every hold of a cart shares one deadline; adding to the
cart moves the deadline of what it already holds (`inventory.extend`). A place its holder
put back on sale (a pass ticket on resale, D7) goes into a cart before fresh ones: the cart
holds a *claim* on it (`hooks.claim_first`, `inventory.claim`) with the cart's deadline,
which keeps it for the cart without counting it twice; emptied or expired, the cart claims
nothing and the place is on offer again (no cron: DESIGN rule 2). Checkout hands the
holds over to the order (`place_order(holds=…)`), or, when the cart expired meanwhile, takes
the places again. Placing is idempotent: the order is keyed by the cart token (Saleor's
checkout token), so a double submit returns the same order.
"""

import dataclasses
import datetime
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from rideau.catalog.models import Product, Rate
from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate
from rideau.inventory import services as inventory
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold
from rideau.inventory.queries import seating_plan_for
from rideau.venues.models import Seat

from . import hooks
from .models import Order, SalesChannel
from .payments.base import get_provider
from .sellable import check_lines
from .services import Attendee, Buyer, OrderLine, place_order

MAX_PER_ADD = 50


PAY_LATER_DEADLINE = datetime.timedelta(minutes=30)  # no provider chosen yet


def cart_minutes() -> int:
    return int(getattr(settings, "RIDEAU_CART_MINUTES", 15))


def new_token() -> str:
    return secrets.token_urlsafe(16)


def owner_ref(token: str) -> str:
    return f"cart:{token}"


def idempotency_key(token: str) -> str:
    return f"cart:{token}"


@dataclass(frozen=True, kw_only=True)
class CartItem:
    """`quantity` places of `rate` on `date` that the buyer asks for; with `seats`, exactly
    those seats of the date's seating plan (one place each)."""

    rate: Rate
    quantity: int
    date: EventDate | None = None
    seats: Sequence[Seat] = ()


@dataclass(kw_only=True)
class CartLine:
    date: EventDate | None
    rate: Rate
    holds: list[Hold] = field(default_factory=list)

    @property
    def product(self) -> Product:
        return self.rate.product

    @property
    def quantity(self) -> int:
        return sum(h.quantity for h in self.holds)

    @property
    def subtotal(self) -> Decimal:
        return self.rate.price * self.quantity

    @property
    def key(self) -> str:
        return f"{self.date.pk if self.date else 0}-{self.rate.pk}"

    @property
    def seats(self) -> list[str]:
        return [sh.seat.label for h in self.holds for sh in _seat_holds(h)]

    @property
    def resale(self) -> int:
        """Places of the line put back on sale by their holders (claims)."""
        return sum(h.quantity for h in self.holds if h.claims_id is not None)


def _seat_holds(hold: Hold) -> list:
    """A hold's seat rows; a claim's are those of the place it claims."""
    return list((hold.claims or hold).seat_holds.all())


@dataclass(kw_only=True)
class Cart:
    token: str
    lines: list[CartLine]
    expires_at: datetime.datetime | None
    expired: bool

    @property
    def holds(self) -> list[Hold]:
        return [h for line in self.lines for h in line.holds]

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def total(self) -> Decimal:
        return sum((line.subtotal for line in self.lines), Decimal("0"))

    def __bool__(self) -> bool:
        return bool(self.lines)


def _rate_of(hold: Hold) -> Rate:
    """A cart's holds are of one rate each (the cart reads them by their rates' event)."""
    if hold.rate is None:
        raise ValueError(f"hold {hold.pk} has no rate: not a cart's")
    return hold.rate


def get_cart(
    organizer: Organizer, event: Event, token: str, *, now: datetime.datetime | None = None
) -> Cart:
    """The cart's lines (held or expired holds; removed lines are released and gone)."""
    now = now or timezone.now()
    holds = (
        Hold.objects.filter(
            organizer=organizer,
            owner_ref=owner_ref(token),
            state__in=[Hold.State.HELD, Hold.State.EXPIRED],
            rate__product__event=event,
        )
        .select_related("date", "rate__product", "claims")
        .prefetch_related("seat_holds__seat", "claims__seat_holds__seat")
        .order_by("date__start", "rate__product__position", "rate__position", "rate_id", "pk")
        if token
        else Hold.objects.none()
    )
    lines: dict[tuple, CartLine] = {}
    for hold in holds:
        line = lines.setdefault(
            (hold.date_id, hold.rate_id), CartLine(date=hold.date, rate=_rate_of(hold))
        )
        line.holds.append(hold)
    all_holds = [h for line in lines.values() for h in line.holds]
    deadlines = [h.expires_at for h in all_holds if h.expires_at is not None]
    return Cart(
        token=token,
        lines=list(lines.values()),
        expires_at=min(deadlines) if deadlines else None,
        expired=any(h.is_expired(now) for h in all_holds),
    )


def add_to_cart(
    organizer: Organizer,
    event: Event,
    *,
    token: str,
    items: Sequence[CartItem],
    now: datetime.datetime | None = None,
) -> str:
    """Hold the places of `items` until a new deadline, all or nothing; returns the cart token.

    The cart's earlier places get the same new deadline. An expired cart is left behind and a
    new one (a new token) started. Raises OrderError / InventoryError (nothing taken).
    """
    now = now or timezone.now()
    cart = get_cart(organizer, event, token, now=now)
    if cart.expired or not token:
        token, cart = new_token(), Cart(token="", lines=[], expires_at=None, expired=False)
    items = [item for item in items if item.quantity]
    merged = [
        OrderLine(rate=line.rate, quantity=line.quantity, date=line.date) for line in cart.lines
    ] + [OrderLine(rate=item.rate, quantity=item.quantity, date=item.date) for item in items]
    check_lines(event, merged, now)
    places: list[tuple[CartItem, Seat | None]] = []  # one per place wanted
    for item in items:
        if item.quantity > MAX_PER_ADD:
            raise InventoryError("invalid_quantity", field="quantity", max=MAX_PER_ADD)
        if item.seats and item.quantity != len(item.seats):
            raise InventoryError("invalid_quantity", field="quantity", max=MAX_PER_ADD)
        if item.seats:
            places.extend((item, seat) for seat in item.seats)
        else:
            places.extend((item, None) for _i in range(item.quantity))
    deadline = now + datetime.timedelta(minutes=cart_minutes())
    with transaction.atomic():
        if cart.holds:
            inventory.extend(cart.holds, expires_at=deadline, owner_ref=owner_ref(token), now=now)
        # places put back on sale by their holders first (D7; no statement without any)
        claimed = hooks.claim_first(
            organizer,
            [
                (i, item.date, item.rate, item.rate.price, seat.pk if seat else None)
                for i, (item, seat) in enumerate(places)
            ],
            owner_ref=owner_ref(token),
            expires_at=deadline,
            kind=Hold.Kind.CART,
            now=now,
        )
        requests = _fresh_requests([p for i, p in enumerate(places) if i not in claimed])
        if requests:
            inventory.take(
                organizer=organizer,
                items=requests,
                expires_at=deadline,
                owner_ref=owner_ref(token),
                kind=Hold.Kind.CART,
                now=now,
            )
    return token


def _fresh_requests(places: Sequence[tuple[CartItem, Seat | None]]) -> list:
    """The engine's requests for places to take fresh: one hold per chosen seat, like one
    hold per unnumbered place (each ticket its own), one best-available hold per item of a
    seated date."""
    requests: list[inventory.HoldRequest] = []
    best: dict[int, int] = {}  # item → its best-available request
    for item, seat in places:
        if seat is not None:
            requests.append(
                inventory.HoldRequest(
                    date=item.date, rate=item.rate, product=item.rate.product, seats=[seat]
                )
            )
        elif item.date is not None and seating_plan_for(item.date) is not None:
            if id(item) in best:
                request = requests[best[id(item)]]
                requests[best[id(item)]] = dataclasses.replace(
                    request, quantity=request.quantity + 1
                )
                continue
            best[id(item)] = len(requests)
            requests.append(
                inventory.HoldRequest(
                    quantity=1,
                    date=item.date,
                    rate=item.rate,
                    product=item.rate.product,
                    best_available=True,
                )
            )
        else:
            requests.append(
                inventory.HoldRequest(
                    quantity=1, date=item.date, rate=item.rate, product=item.rate.product
                )
            )
    return requests


def remove_line(
    organizer: Organizer,
    event: Event,
    *,
    token: str,
    key: str,
    now: datetime.datetime | None = None,
) -> int:
    """Release the places of one cart line (`CartLine.key`); returns the holds released.

    The lines of an expired cart hold nothing any more: the shop starts a new cart instead.
    """
    cart = get_cart(organizer, event, token, now=now)
    line = next((line for line in cart.lines if line.key == key), None)
    if line is None:
        return 0
    return inventory.release(line.holds, now=now, owner_ref=owner_ref(token))


def order_of(organizer: Organizer, token: str) -> Order | None:
    """The order already placed from this cart, if any."""
    if not token:
        return None
    return Order.objects.filter(organizer=organizer, idempotency_key=idempotency_key(token)).first()


def check_out(
    organizer: Organizer,
    event: Event,
    *,
    token: str,
    buyer: Buyer,
    attendees: Sequence[Attendee],
    provider: str,
    voucher_code: str = "",
    now: datetime.datetime | None = None,
    **placing: Any,
) -> Order:
    """Place the cart's order (`attendees`: one per place, in the cart's order). Idempotent.
    `voucher_code`: a discount code, redeemed by `place_order`; `placing`: more of its
    arguments (a reservation's `hold_kind` and `hold_expires_at`).

    Live holds are handed over to the order; an expired cart takes its places again (and
    raises InventoryError("sold_out") if they are gone). Nothing is created on error.
    """
    now = now or timezone.now()
    existing = order_of(organizer, token)
    if existing is not None:
        return existing
    cart = get_cart(organizer, event, token, now=now)
    holds = cart.holds
    if not holds:  # a concurrent submit of the same checkout committed since the check above
        existing = order_of(organizer, token)
        if existing is not None:
            return existing
    lines = []
    index = 0
    for hold in holds:
        lines.append(
            OrderLine(
                rate=_rate_of(hold),
                date=hold.date,
                quantity=hold.quantity,
                attendees=list(attendees[index : index + hold.quantity]),
            )
        )
        index += hold.quantity
    kwargs: dict[str, Any] = {
        "event": event,
        "lines": lines,
        "buyer": buyer,
        "channel": SalesChannel.WEB,
        "provider": provider,
        "idempotency_key": idempotency_key(token),
        "now": now,
        "payment_deadline": (
            get_provider(provider).payment_deadline() if provider else PAY_LATER_DEADLINE
        ),
        "voucher_code": voucher_code,
        **placing,
    }
    try:
        if cart.expired:
            return _place_again(organizer, holds, kwargs, token=token, now=now)
        try:
            return place_order(organizer, holds=holds, **kwargs)
        except InventoryError as exc:
            if exc.code not in ("hold_expired", "hold_released"):
                raise
            return _place_again(organizer, holds, kwargs, token=token, now=now)
    except IntegrityError:
        # a concurrent submit of the same checkout won: return its order
        existing = order_of(organizer, token)
        if existing is None:
            raise
        return existing


def _place_again(
    organizer: Organizer, holds: list[Hold], kwargs: dict, *, token: str, now: datetime.datetime
) -> Order:
    """The places of an expired cart, taken again. On a seated date the very seats the buyer
    had — a listed seat it claimed is claimed again — (a seat gone meanwhile:
    InventoryError("seat_taken") naming it, nothing placed). Without seats, the order is
    placed afresh (listed places first, `place_order`)."""
    seats = [[sh.seat for sh in _seat_holds(hold)] for hold in holds]
    if not any(seats):
        return place_order(organizer, **kwargs)
    deadline = now + datetime.timedelta(minutes=cart_minutes())
    with transaction.atomic():
        claimed = hooks.claim_first(
            organizer,
            [
                (i, hold.date, _rate_of(hold), _rate_of(hold).price, chosen[0].pk)
                for i, (hold, chosen) in enumerate(zip(holds, seats, strict=True))
                if hold.claims_id is not None and chosen
            ],
            owner_ref=owner_ref(token),
            expires_at=deadline,
            kind=Hold.Kind.CART,
            now=now,
        )
        fresh = [i for i in range(len(holds)) if i not in claimed]
        taken = (
            inventory.take(
                organizer=organizer,
                items=[
                    inventory.HoldRequest(
                        quantity=0 if seats[i] else holds[i].quantity,
                        date=holds[i].date,
                        rate=holds[i].rate,
                        product=_rate_of(holds[i]).product,
                        seats=seats[i],
                    )
                    for i in fresh
                ],
                expires_at=deadline,
                owner_ref=owner_ref(token),
                kind=Hold.Kind.CART,
                now=now,
            )
            if fresh
            else []
        )
        again = {**claimed, **dict(zip(fresh, taken, strict=True))}
        return place_order(organizer, holds=[again[i] for i in range(len(holds))], **kwargs)
