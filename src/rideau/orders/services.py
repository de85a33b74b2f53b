"""The write path of orders: place, pay, cancel, expire. Every caller — shop, API, box office,
back office, tasks — goes through these functions (STYLE §1).

Capacity is taken through `rideau.inventory.services.take` as the last statements of the
transaction (DESIGN rule 1); messages are written to the outbox in the same transaction
(rule 3); no provider or SMTP call happens here (rule 6).
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Model, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from rideau.catalog.models import AudienceType, Product, Rate
from rideau.contacts.models import Contact
from rideau.contacts.services import ensure_contact, ensure_contacts
from rideau.core import audit, domain_events, rows
from rideau.core.access import Actor, require
from rideau.core.errors import ValidationFailed
from rideau.core.instances import new
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.timezones import organizer_time
from rideau.documents import signing
from rideau.events.models import Event, EventDate, Session
from rideau.inventory import services as inventory
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold
from rideau.inventory.queries import seating_plan_for
from rideau.messaging.services import queue_email

from . import domain_events as events
from . import hooks, sellable
from .emails import order_subject
from .errors import OrderError
from .models import ENTRIES, Order, Payment, Position, SalesChannel, Voucher


@dataclass(frozen=True, kw_only=True)
class Attendee:
    name: str = ""
    email: str = ""
    answers: dict = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class OrderLine:
    """`quantity` tickets of one rate, for one date (multi-date events) or session."""

    rate: Rate
    quantity: int = 1
    date: EventDate | None = None
    session: Session | None = None
    attendees: Sequence[Attendee] = ()
    # the price the buyer chose, for a product whose kind accepts one (a gift voucher of a
    # free amount: `sellable.register_amount_rule`); None: the rate's price
    amount: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class PaymentPart:
    """One payment of an order paid in several ways at once (cash + gift voucher...)."""

    provider: str
    amount: Decimal
    reference: str = ""


@dataclass(frozen=True, kw_only=True)
class Buyer:
    email: str
    name: str = ""
    locale: str = "en"


def new_ticket(
    line: OrderLine,
    date: EventDate | None,
    attendee: Attendee,
    *,
    seated: bool,
    answers: dict | None = None,
) -> tuple[Position, inventory.HoldRequest | None]:
    """One ticket of `line` (unsaved) and the place it needs: one each, so every ticket has
    its own hold; on a seated date the engine picks a numbered seat for it. A line of a
    product that takes no place (a gift voucher) needs none: None."""
    position = new(
        Position,
        product=line.rate.product,
        rate=line.rate,
        date=date,
        session=line.session,
        price=line.rate.price if line.amount is None else line.amount,
        attendee_name=attendee.name.strip()[:200],
        attendee_email=attendee.email.strip(),
        answers=attendee.answers if answers is None else answers,
    )
    if not line.rate.product.takes_place:
        return position, None
    item = inventory.HoldRequest(
        quantity=1,
        date=date,
        product=line.rate.product,
        rate=line.rate,
        session=line.session,
        best_available=seated,
    )
    return position, item


def seats_numbered(date: EventDate | None, known: dict[int, bool]) -> bool:
    """Whether `date` sells numbered seats (a query per date at a layout, none otherwise)."""
    if date is None or date.location_id is None:
        return False
    if date.pk not in known:
        known[date.pk] = seating_plan_for(date) is not None
    return known[date.pk]


def buyer_order(
    organizer: Organizer,
    buyer: Buyer,
    *,
    event: Event | None,
    channel: str,
    total: Decimal,
    settled: bool,
    provider: str,
    expires_at: datetime.datetime | None,
    now: datetime.datetime,
    **more: Any,
) -> Order:
    """A new order of `buyer` (unsaved): paid now when `settled`, else pending until
    `expires_at`; paid through `provider`, "free" for a free one. `more`: other fields."""
    return new(
        Order,
        organizer=organizer,
        event=event,
        status=Order.Status.PAID if settled else Order.Status.PENDING,
        channel=channel,
        email=buyer.email,
        buyer_name=buyer.name[:200],
        locale=buyer.locale,
        total=total,
        currency=organizer.currency,
        payment_provider=provider or ("free" if total == 0 else ""),
        expires_at=expires_at,
        created=now,
        paid_at=now if settled else None,
        **more,
    )


def upsert_contact(
    organizer: Organizer, buyer: Buyer, *, batch: inventory.Batch | None = None
) -> Contact:
    """The buyer's contact record (CORE-2; in the engine's statement with a deferred
    `batch`)."""
    first, _sep, last = buyer.name.strip().partition(" ")
    return ensure_contact(
        organizer,
        email=buyer.email,
        first_name=first,
        last_name=last,
        language=buyer.locale,
        batch=batch,
    )


def place_order(
    organizer: Organizer,
    *,
    event: Event | None = None,
    lines: Sequence[OrderLine],
    buyer: Buyer,
    channel: str = SalesChannel.WEB,
    audience_type: AudienceType | None = None,
    provider: str = "",
    paid: bool = False,
    payment_deadline: datetime.timedelta = datetime.timedelta(minutes=30),
    idempotency_key: str | None = None,
    holds: Sequence[Hold] | None = None,
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
    voucher_code: str | None = None,
    hold_kind: str = Hold.Kind.ORDER,
    hold_expires_at: datetime.datetime | None = None,
    payments: Sequence[PaymentPart] = (),
    unique_first: Sequence[Model] = (),
) -> Order:
    """Create an order and take its places, all or nothing.

    A free order, or one already paid (`paid=True`: cash at the box office), is paid at once
    and its places are confirmed; otherwise it waits for payment until `payment_deadline` and
    its places are held until then. Raises OrderError / InventoryError (and takes nothing).

    `holds`: places a cart already holds, one hold per line (in the order of `lines`) of the
    line's quantity and rate/date. They are handed over to the order (`inventory.extend`)
    instead of taking new places; an expired or released one raises InventoryError
    (`hold_expired` / `hold_released`) and nothing changes — the caller may try again
    without them.

    `voucher_code`: a discount code of the organiser, checked before any write and redeemed
    (one use) by a conditional UPDATE just before the places are taken; an unknown, inactive
    or expired code raises OrderError("invalid_voucher"), a used-up one "voucher_used_up".

    `channel` and `audience_type` (CORE-8): a rate not sold on the channel raises
    OrderError("not_on_channel"), one reserved to other audiences "not_for_audience"; the
    audience type, if any, is the organiser's and active, and is kept on the order.

    `event=None`: the lines may be of several events, passes and gift vouchers of the
    organiser (the order's event is the lines' one event, if they have exactly one). Lines
    that take no place (gift vouchers) get a ticket without a hold and skip the engine.

    `hold_kind`, `hold_expires_at`: places held for another area's deadline (a reservation,
    ADR 0013): the holds are of that kind and expire then, and the pending order itself has
    no deadline (`expire_orders` leaves it alone: the owning area releases it).

    `payments` (with `paid=True`): the parts of a split payment at the box office, one
    `Payment` each; their sum must be the total (OrderError "wrong_amount"). The order's
    `payment_provider` is then the last part's.

    `unique_first`: the caller's unsaved rows written first, in the order's transaction (on
    PostgreSQL in the engine's statement; the API's Idempotency-Key record, ADR 0020). A
    unique constraint already holding one of them refuses the order: IntegrityError,
    nothing written (a concurrent request holding it is waited for first).
    """
    now = now or timezone.now()
    if event is not None and event.organizer_id != organizer.pk:
        raise OrderError("invalid_rate", field="event")
    try:
        validate_email(buyer.email)
    except ValidationError:
        raise OrderError("invalid_email", field="email") from None
    checked = sellable.check_lines(
        event, lines, now, channel=channel, audience_type=audience_type, organizer=organizer
    )
    if event is None:  # the order's event: the lines' one event, if they have exactly one
        event_ids = {line.rate.product.event_id for line, _date in checked}
        if len(event_ids) == 1 and None not in event_ids:
            event = checked[0][0].rate.product.event
    if holds is not None:
        _match_holds(checked, holds)
    voucher = _find_voucher(organizer, event, voucher_code, now) if voucher_code else None

    positions: list[Position] = []
    placed: list[Position] = []  # the tickets that take a place, in the order of `items`
    items: list[inventory.HoldRequest] = []
    seated: dict[int, bool] = {}
    for line, date in checked:
        for i in range(line.quantity):
            attendee = line.attendees[i] if i < len(line.attendees) else Attendee()
            # the shop's cart holds chosen seats and comes with `holds`
            position, item = new_ticket(
                line, date, attendee, seated=holds is None and seats_numbered(date, seated)
            )
            positions.append(position)
            if item is not None:
                placed.append(position)
                items.append(item)
    # to the cent as the column stores it: the answer built now equals one rebuilt later
    discount = (_apply_voucher(voucher, positions) if voucher else Decimal("0")).quantize(CENT)
    signing.assign_secrets(organizer, positions, event=event)  # ADR 0007; no-op when off
    total = sum((p.price for p in positions), Decimal("0"))
    settled = paid or total == 0
    if payments and (not paid or sum((p.amount for p in payments), Decimal("0")) != total):
        raise OrderError("wrong_amount", field="amount")
    if payments:
        provider = payments[-1].provider
    order = buyer_order(
        organizer,
        buyer,
        event=event,
        channel=channel,
        total=total,
        settled=settled,
        provider=provider,
        expires_at=None if settled or hold_expires_at else now + payment_deadline,
        now=now,
        audience_type=audience_type,
        idempotency_key=idempotency_key,
        voucher=voucher,
        discount=discount,
    )
    # the rows before the places (contact, order, e-mail, domain events) ride in the
    # engine's single statement on PostgreSQL (ADR 0020); written at once otherwise
    # listed places to sell first (D7) need the order's id before the engine's statement:
    # such an order is written at once; on every other order the check costs no statement
    resale = holds is None and hooks.may_sell_first(placed)
    first = inventory.batch(lean_take=holds is None and bool(items) and not resale)
    with transaction.atomic():
        first.add(*unique_first, mode="unique")  # before anything else: a replay stops here
        order.contact = upsert_contact(organizer, buyer, batch=first)
        # ticket attendees become contacts too (CORE-2): one statement, none without any
        ensure_contacts(
            organizer,
            [
                (p.attendee_email, p.attendee_name)
                for p in positions
                if p.attendee_email and p.attendee_email.lower() != buyer.email.lower()
            ],
            batch=first,
        )
        first.add(order, mode="unique", orm=_save_orders)
        if resale:  # places put back on sale by their holders go first (D7, `hooks`)
            placed, items = _sell_first(
                order,
                placed,
                items,
                now=now,
                actor=actor,
                expires_at=hold_expires_at or order.expires_at,
                kind=hold_kind,
            )
        if settled and total > 0:
            parts = payments or [PaymentPart(provider=order.payment_provider, amount=total)]
            first.add(
                *(
                    Payment.received(
                        order,
                        provider=part.provider,
                        amount=part.amount,
                        reference=part.reference,
                        now=now,
                    )
                    for part in parts
                    if part.amount > 0
                )
            )
        placed_entry = audit.entry(
            "order.placed", order, actor=actor, organizer=organizer, after=audit.snapshot(order)
        )
        if settled:
            queue_order_email(order, positions, "paid", batch=first)
        elif hold_expires_at is None and not _pays_online(order.payment_provider):
            # (a reservation's own area writes its confirmation instead)
            # "waiting for payment" only where the payment stays pending (bank transfer);
            # a card buyer pays within minutes and gets the tickets' e-mail instead
            queue_order_email(order, positions, "placed", batch=first)
        happened = [events.about(order, events.OrderPlaced)]
        if settled:
            happened.append(events.about(order, events.OrderPaid, provider=order.payment_provider))
        domain_events.publish(*happened, batch=first)  # one INSERT
        owner_ref = f"order:{order.pk}"

        def write_tickets(per_position: Sequence[Hold]) -> None:
            for position in positions:
                position.order = order
            for position, hold in zip(placed, per_position, strict=True):
                position.hold = hold
            Position.objects.bulk_create(positions)

        if voucher is not None:
            _redeem_voucher(voucher)  # late, with the counters (DESIGN rule 1)
        if holds is not None:
            inventory.extend(
                holds,
                expires_at=hold_expires_at or order.expires_at or now + payment_deadline,
                owner_ref=owner_ref,
                now=now,
                actor=actor,
                kind=hold_kind,
            )
            if settled:
                inventory.confirm(holds, now=now, actor=actor)
            write_tickets([hold for hold in holds for _i in range(hold.quantity)])
            placed_entry.save(force_insert=True)
            if settled:  # a cart's claims on listed places become the places (D7)
                hooks.settle(order, positions, now=now, actor=actor)
        elif not items:  # nothing takes a place (gift vouchers): no engine call
            write_tickets([])
            placed_entry.save(force_insert=True)
        else:
            # the hot counters last, committed right after (DESIGN rule 1): the tickets
            # are written by the engine just before the counters change (on PostgreSQL in
            # the same single statement, ADR 0020)
            for position in positions:
                position.order = order
            hold_of = {id(position): i for i, position in enumerate(placed)}
            inventory.take(
                organizer=organizer,
                items=items,
                expires_at=None if settled else (hold_expires_at or order.expires_at),
                owner_ref=owner_ref,
                now=now,
                actor=actor,
                kind=hold_kind,
                before_counters=inventory.Rows(
                    positions, hold_field="hold", holds=[hold_of.get(id(p)) for p in positions]
                ),
                also_audit=[placed_entry],  # one INSERT for the order's and the holds' entries
                first=first,
            )
        # places the tickets come with (an event pass's sessions, ADR 0023), or the whole
        # order rolls back; no statement unless a product is marked `grants_sessions`
        hooks.accompany(order, positions, now=now, actor=actor)
    _remember_positions(order, positions)
    order.paid_amount = total if settled else NOTHING  # type: ignore[attr-defined]  # its payments
    return order


def _sell_first(
    order: Order,
    placed: list[Position],
    items: list[inventory.HoldRequest],
    *,
    now: datetime.datetime,
    actor: Actor | None,
    expires_at: datetime.datetime | None,
    kind: str,
) -> tuple[list[Position], list[inventory.HoldRequest]]:
    """The tickets that still need a fresh place, and their requests: those a listed place
    was handed to (`hooks.sell_first`: the place, or a claim on it until the order's
    deadline) keep that hold instead."""
    given = hooks.sell_first(order, placed, now=now, actor=actor, expires_at=expires_at, kind=kind)
    if not given:
        return placed, items
    for i, hold in given.items():
        placed[i].hold = hold
    keep = [i for i in range(len(placed)) if i not in given]
    return [placed[i] for i in keep], [items[i] for i in keep]


def _remember_positions(order: Order, positions: list[Position]) -> None:
    """Let `order.positions.all()` answer from the rows just written, as a prefetch would,
    instead of reading them back (the API's answer lists them). The filter is deferred, as
    the related manager defers its own: built only if someone filters further."""
    queryset = Position.objects.all()
    queryset._defer_next_filter = True  # type: ignore[attr-defined]  # Django internals
    queryset = queryset.filter(order=order)
    queryset._result_cache = positions
    queryset._prefetch_done = True  # type: ignore[attr-defined]  # Django internals
    order._prefetched_objects_cache = {"positions": queryset}  # type: ignore[attr-defined]


def _find_voucher(
    organizer: Organizer, event: Event | None, code: str, now: datetime.datetime
) -> Voucher:
    """The organiser's active, currently valid voucher for this event (None: an order of
    several events takes only codes valid for every event), or invalid_voucher."""
    voucher = (
        Voucher.objects.filter(organizer=organizer, code__iexact=code.strip(), active=True)
        .filter(Q(event__isnull=True) | Q(event=event))
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=now))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .first()
    )
    if voucher is None:
        raise OrderError("invalid_voucher", field="voucher")
    return voucher


CENT = Decimal("0.01")


def _apply_voucher(voucher: Voucher, positions: Sequence[Position]) -> Decimal:
    """Lower the matching positions' prices; returns the discount. No writes. Raises
    OrderError("voucher_not_applicable") when no position is of the code's products.

    A code without products applies to every ticket and pass, never to a gift voucher (a
    card sold at a discount would be worth less, or nothing at 100 %); one naming a gift
    voucher product applies to it.

    Percent: each matching position loses price × value / 100, rounded to the cent. Amount:
    taken off the matching positions in turn, never below 0 (the rest is lost).
    """
    product_ids = set(voucher.products.values_list("pk", flat=True))
    matching = [
        p
        for p in positions
        if (
            p.product.pk in product_ids
            if product_ids
            else p.product.kind != Product.Kind.GIFT_VOUCHER
        )
    ]
    if not matching:  # an order would use the code up for nothing
        raise OrderError("voucher_not_applicable", field="voucher")
    discount = Decimal("0")
    if voucher.kind == Voucher.Kind.PERCENT:
        for position in matching:
            off = (position.price * voucher.value / 100).quantize(CENT, rounding=ROUND_HALF_UP)
            off = min(off, position.price)
            position.price -= off
            discount += off
    else:
        left = voucher.value
        for position in matching:
            off = min(left, position.price)
            position.price -= off
            left -= off
            discount += off
    return discount


def _redeem_voucher(voucher: Voucher) -> None:
    """One use, by one conditional UPDATE: concurrent orders can never exceed max_usages."""
    changed = (
        Voucher.objects.filter(pk=voucher.pk, active=True)
        .filter(Q(max_usages__isnull=True) | Q(used__lt=F("max_usages")))
        .update(used=F("used") + 1)
    )
    if not changed:
        raise OrderError("voucher_used_up", field="voucher")


def _match_holds(checked: list, holds: Sequence[Hold]) -> None:
    """The handed-over holds are exactly the lines' places (a programming error otherwise)."""
    if len(holds) != len(checked):
        raise ValueError("one hold per order line is expected")
    for (line, date), hold in zip(checked, holds, strict=True):
        if (
            hold.rate_id != line.rate.pk
            or hold.quantity != line.quantity
            or hold.date_id != (date.pk if date else None)
            or hold.session_id != (line.session.pk if line.session else None)
        ):
            raise ValueError(f"hold {hold.pk} does not match its order line")


def _save_orders(orders: list[Order]) -> None:
    for order in orders:
        save_new_order(order)


def save_new_order(order: Order, attempts: int = 5) -> None:
    """INSERT a new order under a fresh unique code (another code on a collision; a taken
    idempotency key raises IntegrityError). On PostgreSQL one statement, no savepoint (ADR
    0020). Every writer of a new order uses it: place_order and the bundles' orders."""
    if connection.vendor == "postgresql":  # one statement, no savepoint (ADR 0020)
        for _attempt in range(attempts):
            if rows.insert_unless_taken(order):
                return
            if _key_taken(order):
                raise IntegrityError("order_idempotency_unique")
            order.code = Order._meta.get_field("code").default()
        raise IntegrityError("could not find a free order code")
    for _attempt in range(attempts):
        try:
            with transaction.atomic():
                order.save(force_insert=True)
            return
        except IntegrityError:
            if _key_taken(order):
                raise
            order.pk = None
            order.code = Order._meta.get_field("code").default()
    raise IntegrityError("could not find a free order code")


def _key_taken(order: Order) -> bool:
    """Whether another order holds this order's idempotency key."""
    return bool(
        order.idempotency_key
        and Order.objects.filter(
            organizer=order.organizer, idempotency_key=order.idempotency_key
        ).exists()
    )


def _pays_online(provider: str) -> bool:
    from .payments.base import get_provider
    from .payments.errors import PaymentError

    if not provider:
        return False
    try:
        return get_provider(provider).online
    except PaymentError:
        return False


def queue_order_email(
    order: Order,
    positions: Sequence[Position],
    kind: str,
    *,
    batch: inventory.Batch | None = None,
) -> None:
    """Write the buyer's e-mail about `order` to the outbox, in the caller's transaction:
    `kind` is "placed" (waiting for payment), "paid" (the tickets PDF and calendar
    attached), "cancelled" or "expired"; it lists `positions`. Its text and attachments are
    rendered by the worker when it is sent (`orders.emails`, ADR 0031); with `batch`, the
    row is written in the engine's statement (ADR 0020)."""
    # new positions (written by the engine's statement) have no id yet: the order is new
    # and the e-mail lists all of its tickets
    ids = [p.pk for p in positions] if all(p.pk for p in positions) else None
    with organizer_time(order.organizer, order.locale):
        subject = order_subject(order, kind, positions)  # rendered again when sent: it may change
    attachments = []
    if kind == "paid" and _has_entries(positions):
        params = {"order_id": order.pk}
        attachments.append(
            (
                f"tickets-{order.code}.pdf",
                "application/pdf",
                "rideau.orders.attachments.tickets_attachment",
                params,
            )
        )
        if any(p.date_id is not None for p in positions):  # a pass alone has no date yet
            attachments.append(
                (
                    f"{order.code}.ics",
                    "text/calendar",
                    "rideau.orders.attachments.ical_attachment",
                    params,
                )
            )
    queue_email(
        deferred_attachments=attachments,
        deferred_text=(
            "rideau.orders.emails.order_email",
            {"order_id": order.pk, "kind": kind, "positions": ids},
        ),
        organizer=order.organizer,
        reference=f"order:{order.pk}",
        to=[order.email],
        subject=subject,
        reply_to=[order.organizer.contact_email] if order.organizer.contact_email else None,
        batch=batch,
    )


def _has_entries(positions: Sequence[Position]) -> bool:
    """Whether the tickets PDF would have a page: an order of gift vouchers alone has none
    (their cards come in an e-mail of their own), nor has a season pass without its places
    (its card does). Positions whose product is not loaded are asked in one query; new ones
    (no id yet) always carry their product."""
    unknown = [p.pk for p in positions if not Position.product.is_cached(p)]
    if any(p.is_entry for p in positions if Position.product.is_cached(p)):
        return True
    if not unknown:
        return False
    if None in unknown:
        return True
    return Position.objects.filter(ENTRIES, pk__in=unknown).exists()


def _locked(order: Order) -> Order:
    """The order, locked — the order row only: `FOR UPDATE` over the join would lock the
    organiser's row too, and every audit entry of another transaction (which refers to it)
    would then wait for this one — a deadlock with an engine call holding a hold's lock."""
    return (
        Order.objects.select_for_update(of=("self",)).select_related("organizer").get(pk=order.pk)
    )


def mark_paid(
    order: Order,
    *,
    provider: str,
    amount: Decimal,
    reference: str = "",
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
) -> Order:
    """Record a payment of the amount due (the total, less what earlier part payments
    paid: `amount_due`) and confirm the places.

    A payment arriving after the places' deadline re-takes them if still free; if they are
    gone, raises OrderError("places_gone") and the caller refunds the buyer (rule 6: the
    refund call happens outside this transaction).
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(order)
        if locked.status not in (Order.Status.PENDING, Order.Status.EXPIRED):
            raise OrderError("not_pending")
        if amount != amount_due(locked):
            raise OrderError("wrong_amount", field="amount")
        positions = list(
            locked.positions.filter(removed_at__isnull=True).select_related(
                "hold", "rate__product", "date"
            )
        )
        holds = [p.hold for p in positions if p.hold is not None]
        try:
            inventory.confirm(holds, now=now, actor=actor, owner_ref=f"order:{locked.pk}")
        except InventoryError:
            _retake(locked, positions, now=now, actor=actor)
        before = audit.snapshot(locked)
        locked.status = Order.Status.PAID
        locked.paid_at = now
        locked.expires_at = None
        locked.payment_provider = provider
        locked.save(update_fields=["status", "paid_at", "expires_at", "payment_provider"])
        hooks.settle(locked, positions, now=now, actor=actor)  # claimed listed places (D7)
        Payment.received(
            locked, provider=provider, amount=amount, reference=reference, now=now
        ).save(force_insert=True)
        audit.record_state(
            "order.paid", locked, actor=actor, organizer=locked.organizer, before=before
        )
        queue_order_email(locked, positions, "paid")
        domain_events.publish(events.about(locked, events.OrderPaid, provider=provider))
    order.refresh_from_db()
    return order


NOTHING = Decimal("0.00")


def _confirmed_payments(order: Order) -> Decimal:
    paid = order.payments.filter(state=Payment.State.CONFIRMED).aggregate(s=Sum("amount"))["s"]
    return paid or NOTHING


def amount_due(order: Order) -> Decimal:
    """What is left to pay on an order: its total less its confirmed payments (a pending
    order paid in part by a gift voucher). Always read from the database (the write paths
    call it on a locked order)."""
    return order.total - _confirmed_payments(order)


def amount_paid(order: Order) -> Decimal:
    """The sum of an order's confirmed payments (what `amount_due` takes off the total),
    refunds not deducted. An order read with `queries.with_amount_paid`, or just placed,
    carries it (`paid_amount`): no query then."""
    known = getattr(order, "paid_amount", None)
    paid = known if known is not None else _confirmed_payments(order)
    return paid.quantize(CENT)  # as the total is written (SQLite's sums lose the places)


def still_due(order: Order, *, paid: Decimal | None = None) -> Decimal:
    """What the buyer still has to pay on an order as it stands: `amount_due` while it is
    pending or paid (tickets added to a paid order may be left due), never below nothing (a
    buyer who paid more is owed a refund, which is not a due); nothing once the order is
    cancelled, expired or refunded. `paid`: its `amount_paid`, when the caller has it."""
    if order.status not in (Order.Status.PENDING, Order.Status.PAID):
        return NOTHING
    return max(order.total - (amount_paid(order) if paid is None else paid), NOTHING)


def record_part_payment(
    order: Order,
    *,
    provider: str,
    amount: Decimal,
    reference: str = "",
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
) -> Order:
    """Record a payment of part of what a pending order still owes (a gift voucher that
    does not cover it); a payment of all of it pays the order (`mark_paid`). Call it inside
    the transaction that took the money (the voucher's balance) so both commit together."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(order)
        if locked.status != Order.Status.PENDING:
            raise OrderError("not_pending")
        due = amount_due(locked)
        if amount <= 0 or amount > due:
            raise OrderError("wrong_amount", field="amount")
        if amount == due:
            return mark_paid(
                locked, provider=provider, amount=amount, reference=reference, actor=actor, now=now
            )
        payment = Payment.received(
            locked, provider=provider, amount=amount, reference=reference, now=now
        )
        payment.save(force_insert=True)
        audit.record_state("order.part_paid", payment, actor=actor, organizer=locked.organizer)
    order.refresh_from_db()
    return order


def _retake(order: Order, positions: list[Position], *, now, actor) -> None:
    """The old holds expired: take the places again, confirmed, or fail with places_gone."""
    inventory.release(
        [p.hold for p in positions if p.hold is not None],
        now=now,
        actor=actor,
        owner_ref=f"order:{order.pk}",
    )
    items = [
        inventory.HoldRequest(
            quantity=1, date=p.date, product=p.product, rate=p.rate, session=p.session
        )
        for p in positions
    ]
    try:
        holds = inventory.take(
            organizer=order.organizer,
            items=items,
            expires_at=None,
            owner_ref=f"order:{order.pk}",
            now=now,
            actor=actor,
        )
    except InventoryError:
        raise OrderError("places_gone") from None
    for position, hold in zip(positions, holds, strict=True):
        position.hold = hold
        position.cancelled = False  # an expired order's tickets were cancelled by _end
    Position.objects.bulk_update(positions, ["hold", "cancelled"])


def cancel_order(
    order: Order,
    *,
    actor: Actor | None = None,
    reason: str = "",
    notify: bool = True,
    now: datetime.datetime | None = None,
) -> Order:
    """Cancel a pending or paid order and give its places back. Refunds are separate."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(order)
        if locked.status not in (Order.Status.PENDING, Order.Status.PAID):
            raise OrderError("cannot_cancel")
        _end(locked, Order.Status.CANCELLED, actor=actor, now=now, reason=reason, notify=notify)
    order.refresh_from_db()
    return order


def _end(order: Order, status: str, *, actor, now, reason: str = "", notify: bool = True) -> None:
    before = audit.snapshot(order)
    positions = list(order.positions.select_related("hold"))
    # by owner: a ticket transferred since (resale, renewal) keeps its place
    inventory.release(
        [p.hold for p in positions if p.hold is not None],
        now=now,
        actor=actor,
        owner_ref=f"order:{order.pk}",
    )
    was_paid = order.status == Order.Status.PAID
    order.status = status
    order.cancelled_at = now
    order.save(update_fields=["status", "cancelled_at"])
    order.positions.update(cancelled=True)
    if was_paid:  # the gift vouchers it sold can no longer be spent (ADR 0034)
        hooks.void_stored(order, now=now, actor=actor)
    if order.voucher_id is not None:  # the use goes back
        Voucher.objects.filter(pk=order.voucher_id, used__gt=0).update(used=F("used") - 1)
    after = audit.snapshot(order)
    if reason:
        after["reason"] = reason[:500]
    audit.record(
        f"order.{status}", order, actor=actor, organizer=order.organizer, before=before, after=after
    )
    domain_events.publish(
        events.about(order, events.OrderCanceled, status=status, reason=reason[:500])
    )
    if notify:  # the tickets it still had: one removed earlier by staff is not listed again
        queue_order_email(order, [p for p in positions if not p.cancelled], status)


def expire_orders(now: datetime.datetime | None = None, *, batch_size: int = 200) -> int:
    """Periodic: pending orders past their deadline become expired (idempotent)."""
    now = now or timezone.now()
    count = 0
    ids = list(
        Order.objects.filter(status=Order.Status.PENDING, expires_at__lte=now).values_list(
            "pk", flat=True
        )[:batch_size]
    )
    for pk in ids:
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(of=("self",)).select_related("organizer").get(pk=pk)
            )
            deadline = order.expires_at
            if order.status != Order.Status.PENDING or deadline is None or deadline > now:
                continue
            _end(order, Order.Status.EXPIRED, actor=None, now=now)
            count += 1
    return count


def holds_of(order: Order) -> list[Hold]:
    return [p.hold for p in order.positions.select_related("hold") if p.hold is not None]


def change_attendee(
    position: Position,
    *,
    actor: Actor,
    name: str | None = None,
    email: str | None = None,
    answers: dict | None = None,
) -> Position:
    """Staff correct a ticket's attendee name, e-mail or answers (audited)."""
    require(actor, position.order.organizer, Perm.CHANGE_ORDERS)
    errors: dict[str, list[str]] = {}
    if name is not None:
        name = name.strip()
        if len(name) > 200:
            errors["attendee_name"] = [_("At most 200 characters.")]
    if email:
        email = email.strip()
        try:
            validate_email(email)
        except ValidationError:
            errors["attendee_email"] = [str(OrderError.messages["invalid_email"])]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = (
            Position.objects.select_for_update(of=("self",))
            .select_related("order")
            .get(pk=position.pk)
        )
        before = audit.snapshot(locked)
        if name is not None:
            locked.attendee_name = name
        if email is not None:
            locked.attendee_email = email
        if answers is not None:
            locked.answers = answers
        locked.save(update_fields=["attendee_name", "attendee_email", "answers"])
        audit.record_state(
            "order.attendee_changed",
            locked,
            actor=actor,
            organizer=position.order.organizer,
            before=before,
        )
    position.refresh_from_db()
    return position


def resend_tickets(order: Order, *, actor: Actor) -> None:
    """Queue the tickets e-mail of a paid order again (through the outbox)."""
    require(actor, order.organizer, Perm.CHANGE_ORDERS)
    if order.status != Order.Status.PAID:
        raise OrderError("not_paid")
    with transaction.atomic():
        positions = list(
            order.positions.filter(cancelled=False).select_related("rate__product", "date")
        )
        audit.record("order.tickets_resent", order, actor=actor, organizer=order.organizer)
        queue_order_email(order, positions, "paid")
