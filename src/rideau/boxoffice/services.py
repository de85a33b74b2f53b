"""The write path of the box office (SPEC D10): shifts, the till's cart, sales paid in one
or several ways (cash, card on the venue's terminal, gift vouchers), refunds, closing.

Places are held through the engine while the cart is open (`take`, kind cart, owner
`pos:<token>`, a short deadline: `RIDEAU_BOX_OFFICE_HOLD_MINUTES`, 10 by default). A sale is
one transaction: the cart's holds are released and the order placed through
`orders.services.place_order` on channel `box_office` (which takes the places again through
the engine, best available on seated dates), the gift vouchers given in payment are redeemed
(`giftcards.services.redeem`, one conditional UPDATE each), the vouchers bought are issued
at once, the passes bought are issued in the same order with their places
(`passes.services.issue_in_order`, ADR 0021), the order is recorded as the shift's
(`ShiftSale`, free sales included) and the till's movements are written — all or nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rideau.catalog.models import AudienceType, Rate
from rideau.core import audit, domain_events
from rideau.core.access import Actor, require
from rideau.core.i18n import Amount
from rideau.core.i18n import money as money_text
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.services import save_checked
from rideau.events.models import EventDate
from rideau.giftcards import services as giftcards
from rideau.giftcards.errors import GiftVoucherError
from rideau.giftcards.models import GiftVoucher
from rideau.inventory import services as inventory
from rideau.inventory.models import Hold
from rideau.inventory.queries import seating_plan_for
from rideau.messaging.services import queue_email
from rideau.orders import hooks, sellable, vouchers
from rideau.orders import services as orders
from rideau.orders.carts import CartLine  # the till's cart lines are the shop's
from rideau.orders.models import Order, Refund, SalesChannel
from rideau.orders.payments import services as payments
from rideau.orders.payments.errors import PaymentError
from rideau.passes import services as passes
from rideau.passes.models import Pass
from rideau.reservations import services as reservations

from .domain_events import CashSessionClosed
from .errors import BoxOfficeError
from .models import CashSession, Movement, ShiftSale

CENT = Decimal("0.01")
METHODS = ("cash", "card_present", "gift_voucher")


def hold_minutes() -> int:
    return int(getattr(settings, "RIDEAU_BOX_OFFICE_HOLD_MINUTES", 10))


def owner_ref(token: str) -> str:
    return f"pos:{token}"


def money(value, *, field: str = "amount") -> Decimal:
    """An amount of zero or more with at most two decimals, or BoxOfficeError."""
    try:
        amount = Decimal(str(value))
        ok = amount.is_finite() and 0 <= amount <= Decimal("1000000")
        ok = ok and amount == amount.quantize(CENT)
    except (InvalidOperation, ValueError, TypeError):
        ok = False
    if not ok:
        raise BoxOfficeError("invalid_amount", field=field)
    return amount.quantize(CENT)


# --- shifts ----------------------------------------------------------------------------------


def open_session(
    organizer: Organizer,
    *,
    actor: Actor,
    device: str,
    opening_float,
    now: datetime.datetime | None = None,
) -> CashSession:
    """Open a shift on `device` for the acting cashier (one open shift per device)."""
    require(actor, organizer, Perm.CHANGE_ORDERS)
    amount = money(opening_float, field="opening_float")
    user = actor.user
    name = (user.full_name or user.email) if user else (actor.token.name if actor.token else "")
    try:
        with transaction.atomic():
            session = CashSession.objects.create(
                organizer=organizer,
                cashier=user,
                cashier_name=name[:200],
                device=device[:64],
                opened_at=now or timezone.now(),
                opening_float=amount,
            )
            audit.record_state(
                "boxoffice.session_opened", session, actor=actor, organizer=organizer
            )
    except IntegrityError:
        raise BoxOfficeError("session_open") from None
    return session


def _open(session: CashSession, actor: Actor) -> CashSession:
    require(actor, session.organizer, Perm.CHANGE_ORDERS)
    if not session.is_open:
        raise BoxOfficeError("session_closed")
    return session


# --- the cart --------------------------------------------------------------------------------


def cart_lines(
    organizer: Organizer, token: str, *, now: datetime.datetime | None = None
) -> list[CartLine]:
    """The places the till's cart holds now (an expired hold is no longer the cart's)."""
    now = now or timezone.now()
    if not token:
        return []
    holds = (
        Hold.objects.filter(
            organizer=organizer,
            owner_ref=owner_ref(token),
            state=Hold.State.HELD,
            expires_at__gt=now,
        )
        .select_related("date__event", "rate__product__event", "claims")
        .prefetch_related("seat_holds__seat", "claims__seat_holds__seat")  # `CartLine.seats`
        .order_by("date__start", "rate__product__position", "rate__position", "rate_id", "pk")
    )
    lines: dict[tuple, CartLine] = {}
    for hold in holds:
        assert hold.rate is not None
        lines.setdefault((hold.date_id, hold.rate_id), CartLine(date=hold.date, rate=hold.rate))
        lines[(hold.date_id, hold.rate_id)].holds.append(hold)
    return list(lines.values())


def cart_expired_at(
    organizer: Organizer, token: str, *, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """When the till's cart lost places because their hold ran out (the latest such
    deadline), or None. Such a cart cannot be sold: the buyer would pay for places that
    are no longer theirs (`sell` refuses it with `cart_expired`); a new cart starts."""
    if not token:
        return None
    now = now or timezone.now()
    return (
        Hold.objects.filter(organizer=organizer, owner_ref=owner_ref(token))
        .filter(Q(state=Hold.State.EXPIRED) | Q(state=Hold.State.HELD, expires_at__lte=now))
        .aggregate(at=Max("expires_at"))["at"]
    )


def add_places(
    organizer: Organizer,
    *,
    token: str,
    rate: Rate,
    date: EventDate | None,
    quantity: int = 1,
    actor: Actor,
    now: datetime.datetime | None = None,
) -> list[Hold]:
    """Hold `quantity` more places of `rate` on `date` for the till's cart (one hold each;
    on a seated date the engine picks the best available seats). All the cart's places get
    the new deadline. Raises OrderError / InventoryError (nothing taken)."""
    require(actor, organizer, Perm.CHANGE_ORDERS)
    now = now or timezone.now()
    if not 1 <= quantity <= 50:
        raise BoxOfficeError("invalid_amount", field="quantity")
    sellable.check_lines(
        None,
        [orders.OrderLine(rate=rate, quantity=quantity, date=date)],
        now,
        channel=SalesChannel.BOX_OFFICE,
        organizer=organizer,
    )
    seated = date is not None and seating_plan_for(date) is not None
    deadline = now + datetime.timedelta(minutes=hold_minutes())
    live = [h for line in cart_lines(organizer, token, now=now) for h in line.holds]
    with transaction.atomic():
        if live:
            inventory.extend(live, expires_at=deadline, owner_ref=owner_ref(token), now=now)
        return inventory.take(
            organizer=organizer,
            items=[
                inventory.HoldRequest(
                    quantity=1,
                    date=date,
                    rate=rate,
                    product=rate.product,
                    best_available=seated,
                )
                for _i in range(quantity)
            ],
            expires_at=deadline,
            owner_ref=owner_ref(token),
            kind=Hold.Kind.CART,
            now=now,
            actor=actor,
        )


def remove_places(
    organizer: Organizer,
    *,
    token: str,
    rate: Rate,
    date: EventDate | None,
    quantity: int = 1,
    now: datetime.datetime | None = None,
) -> int:
    """Give back `quantity` of the cart's places of `rate` on `date` (the latest first)."""
    for line in cart_lines(organizer, token, now=now):
        if line.rate.pk == rate.pk and (line.date.pk if line.date else None) == (
            date.pk if date else None
        ):
            return inventory.release(line.holds[-quantity:], now=now, owner_ref=owner_ref(token))
    return 0


def clear_cart(organizer: Organizer, token: str, *, now=None) -> int:
    holds = [h for line in cart_lines(organizer, token, now=now) for h in line.holds]
    return inventory.release(holds, now=now, owner_ref=owner_ref(token)) if holds else 0


def leave_cart(organizer: Organizer, token: str, *, now=None) -> int:
    """Give back every place the cart still holds, those past their deadline too (their
    places come back now, not at the worker's next run): the till starts a new cart."""
    holds = list(
        Hold.objects.filter(organizer=organizer, owner_ref=owner_ref(token), state=Hold.State.HELD)
    )
    return inventory.release(holds, now=now, owner_ref=owner_ref(token)) if holds else 0


# --- selling ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GiftLine:
    """Gift vouchers in the cart: `quantity` of a fixed-value rate, or one of a free
    amount (`amount`)."""

    rate: Rate
    quantity: int = 1
    amount: Decimal | None = None

    @property
    def subtotal(self) -> Decimal:
        return (self.amount if self.amount is not None else self.rate.price) * self.quantity


@dataclass(frozen=True, kw_only=True)
class PassLine:
    """A pass in the cart: its rate, its holder and, for a choice pass, the dates chosen
    (one per event, within its choices). Its places are taken at the sale (ADR 0021)."""

    rate: Rate
    holder: passes.HolderInput
    dates: Sequence[EventDate] = ()

    @property
    def subtotal(self) -> Decimal:
        return self.rate.price

    @property
    def holder_label(self) -> str:
        h = self.holder
        return " ".join(x for x in (h.first_name, h.last_name) if x) or h.company or h.email


def check_pass(
    organizer: Organizer,
    line: PassLine,
    *,
    others: Sequence[PassLine] = (),
    actor: Actor,
    now: datetime.datetime | None = None,
) -> passes.PreparedPass:
    """Whether `line` can go in the till's cart beside the passes already there (`others`):
    the rate is sold on the box office channel, now, within the product's limit per order,
    and the pass's own checks (holder fields, choices) pass. Writes nothing; raises
    OrderError, PassError or ValidationFailed with field messages."""
    require(actor, organizer, Perm.CHANGE_ORDERS)
    now = now or timezone.now()
    sellable.check_lines(
        None,
        [orders.OrderLine(rate=p.rate, quantity=1) for p in (*others, line)],
        now,
        channel=SalesChannel.BOX_OFFICE,
        organizer=organizer,
    )
    return passes.prepare_pass(
        organizer,
        rate=line.rate,
        holder=line.holder,
        fallback_email=_box_office_email(organizer, actor),
        chosen=line.dates,
        now=now,
    )


def _box_office_email(organizer: Organizer, actor: Actor) -> str:
    """Where an anonymous sale's e-mails go: the organiser's, else the cashier's."""
    return organizer.contact_email or (actor.user.email if actor.user else "")


def add_pass_tickets(
    p: Pass,
    *,
    dates: Sequence[EventDate],
    actor: Actor,
    now: datetime.datetime | None = None,
) -> Order:
    """Tickets of a choice pass for chosen dates, added at the counter: the pass's own
    write path (`passes.services.add_choices`, a free order of the holder) on the box
    office channel."""
    require(actor, p.organizer, Perm.CHANGE_ORDERS)
    return passes.add_choices(p, dates=dates, actor=actor, now=now, channel=SalesChannel.BOX_OFFICE)


@dataclass(frozen=True, kw_only=True)
class Tender:
    """One way the buyer pays: `method` in METHODS; `given` the cash handed over (cash);
    `code` the gift voucher's code (gift_voucher)."""

    method: str
    amount: Decimal
    given: Decimal | None = None
    code: str = ""


@dataclass(frozen=True, kw_only=True)
class Sale:
    order: Order
    change: Decimal
    vouchers: list[GiftVoucher]
    passes: list[Pass] = field(default_factory=list)


def cart_total(
    lines: Sequence[CartLine], gifts: Sequence[GiftLine], pass_lines: Sequence[PassLine] = ()
) -> Decimal:
    return (
        sum((line.subtotal for line in lines), Decimal("0"))
        + sum((g.subtotal for g in gifts), Decimal("0"))
        + sum((p.subtotal for p in pass_lines), Decimal("0"))
    )


def order_lines(
    held: Sequence[CartLine], gifts: Sequence[GiftLine], pass_lines: Sequence[PassLine] = ()
) -> list[orders.OrderLine]:
    """The order the cart makes: its places, gift vouchers and passes."""
    return (
        [orders.OrderLine(rate=line.rate, date=line.date, quantity=line.quantity) for line in held]
        + [orders.OrderLine(rate=g.rate, quantity=g.quantity, amount=g.amount) for g in gifts]
        + [orders.OrderLine(rate=p.rate, quantity=1) for p in pass_lines]
    )


def discount(
    organizer: Organizer,
    lines: Sequence[orders.OrderLine],
    code: str,
    now: datetime.datetime | None = None,
) -> Decimal:
    """What the discount `code` takes off an order of `lines` (nothing without a code);
    OrderError (field `voucher`) when it is unknown, used up or for none of them."""
    if not code.strip() or not lines:
        return Decimal("0")
    return vouchers.discount_for(organizer, lines, code.strip(), now=now).discount


def _check_tenders(
    tenders: Sequence[Tender], total: Decimal, currency: str, *, mismatch: str = "payments_mismatch"
) -> Decimal:
    """Validate the payments against the total (`mismatch`: the error's code when they do
    not add up to it); returns the change due (cash)."""
    change = Decimal("0")
    paid = Decimal("0")
    for tender in tenders:
        if tender.method not in METHODS:
            raise BoxOfficeError("unknown_method", field="method")
        amount = money(tender.amount, field=f"{tender.method}_amount")
        paid += amount
        if tender.method == "cash" and tender.given is not None:
            given = money(tender.given, field="cash_given")
            if given < amount:
                raise BoxOfficeError(
                    "cash_short",
                    field="cash_given",
                    given=Amount(given, currency),
                    cash=Amount(amount, currency),
                )
            change += given - amount
        if tender.method == "gift_voucher" and amount > 0 and not tender.code.strip():
            raise BoxOfficeError("voucher_code_required", field="voucher_code")
    if paid != total:
        raise BoxOfficeError(
            mismatch,
            field="amount",
            paid=Amount(paid, currency),
            total=Amount(total, currency),
        )
    return change


def sell(
    session: CashSession,
    *,
    token: str,
    gifts: Sequence[GiftLine] = (),
    pass_lines: Sequence[PassLine] = (),
    tenders: Sequence[Tender],
    buyer: orders.Buyer | None = None,
    audience_type: AudienceType | None = None,
    actor: Actor,
    now: datetime.datetime | None = None,
    idempotency_key: str | None = None,
    discount_code: str = "",
) -> Sale:
    """Sell the till's cart (held places), `gifts` and `pass_lines`, paid by `tenders`
    (their sum is the total, less what `discount_code` takes off: `discount`), all in one
    transaction (see the module). Raises BoxOfficeError, GiftVoucherError, OrderError,
    InventoryError, PassError or ValidationFailed, and then nothing changed."""
    _open(session, actor)
    organizer = session.organizer
    now = now or timezone.now()
    if cart_expired_at(organizer, token, now=now) is not None:
        raise BoxOfficeError("cart_expired")
    held = cart_lines(organizer, token, now=now)
    if not held and not gifts and not pass_lines:
        raise BoxOfficeError("empty_cart")
    lines = order_lines(held, gifts, pass_lines)
    total = cart_total(held, gifts, pass_lines) - discount(organizer, lines, discount_code, now)
    change = _check_tenders(tenders, total, organizer.currency)
    if gifts and any(t.method == "gift_voucher" and money(t.amount) > 0 for t in tenders):
        raise GiftVoucherError("buys_gift_voucher", field="voucher_code")
    buyer = buyer or orders.Buyer(email="")
    holder = next((p.holder for p in pass_lines if p.holder.email), None)
    if not buyer.email and holder is not None:  # the pass holder gets the order's e-mails
        name = buyer.name or f"{holder.first_name} {holder.last_name}".strip()
        buyer = orders.Buyer(email=holder.email, name=name, locale=buyer.locale)
    if not buyer.email:  # an anonymous sale: its e-mails reach the box office, no stranger
        fallback = _box_office_email(organizer, actor)
        buyer = orders.Buyer(email=fallback, name=buyer.name, locale=buyer.locale)
    else:
        try:
            validate_email(buyer.email)
        except ValidationError:
            raise BoxOfficeError(
                "invalid_recipient", field="email", message=_("Enter a valid e-mail address.")
            ) from None
    prepared = [  # checked before anything is written (holder fields, choices)
        passes.prepare_pass(
            organizer,
            rate=p.rate,
            holder=p.holder,
            fallback_email=buyer.email,
            chosen=p.dates,
            now=now,
        )
        for p in pass_lines
    ]
    with transaction.atomic():
        holds = [h for line in held for h in line.holds]
        if holds:  # taken again by place_order, in this transaction: never free in between
            inventory.release(holds, now=now, owner_ref=owner_ref(token), actor=actor)
        parts = []
        entries = []
        for tender in tenders:
            amount = money(tender.amount)
            if amount == 0:
                continue
            reference = ""
            if tender.method == "gift_voucher":
                voucher = giftcards.find(organizer, tender.code)
                entry = giftcards.redeem(
                    voucher, amount=amount, channel=SalesChannel.BOX_OFFICE, actor=actor, now=now
                )
                entries.append(entry)
                reference = giftcards.payment_reference(entry)
            parts.append(
                orders.PaymentPart(provider=tender.method, amount=amount, reference=reference)
            )
        order = orders.place_order(
            organizer,
            lines=lines,
            buyer=buyer,
            channel=SalesChannel.BOX_OFFICE,
            audience_type=audience_type,
            paid=True,
            provider=parts[-1].provider if parts else "free",
            payments=parts,
            actor=actor,
            now=now,
            idempotency_key=idempotency_key,
            voucher_code=discount_code.strip() or None,
        )
        giftcards.link_entries(entries, order)
        vouchers = giftcards.issue_for_order(order, now=now)
        issued = [passes.issue_in_order(p, order, actor=actor, now=now) for p in prepared]
        # the shift sold it, free or not (a free sale moves no money: no movement)
        _record_sale(session, order, [(p.provider, p.amount) for p in parts], tenders, now)
    return Sale(order=order, change=change, vouchers=vouchers, passes=issued)


def _cash_given(tenders: Sequence[Tender]) -> Decimal | None:
    return next(
        (money(t.given) for t in tenders if t.method == "cash" and t.given is not None), None
    )


def _record_sale(
    session: CashSession,
    order: Order,
    paid: Sequence[tuple[str, Decimal]],
    tenders: Sequence[Tender],
    now: datetime.datetime,
) -> None:
    """The order is the shift's; each (method, amount) paid is a movement of its till."""
    ShiftSale.objects.create(session=session, order=order, created=now)
    Movement.objects.bulk_create(
        Movement(
            session=session,
            order=order,
            kind=Movement.Kind.SALE,
            provider=method,
            amount=amount,
            given=_cash_given(tenders) if method == "cash" else None,
            created=now,
        )
        for method, amount in paid
    )


def collect(
    session: CashSession,
    order: Order,
    *,
    tenders: Sequence[Tender],
    actor: Actor,
    now: datetime.datetime | None = None,
) -> Sale:
    """Take at the till what an order still owes (a reservation made by phone or online, a
    web order waiting for a transfer), paid by `tenders` (their sum is `amount_due`): gift
    vouchers through `giftcards.pay_order`, card and cash as part payments, the last of which
    pays the order (`orders.mark_paid`: its places confirmed, or taken again if their hold
    lapsed; the buyer's e-mail; `OrderPaid`, which the reservation follows). The order
    becomes the shift's (`ShiftSale`) with its movements. All in one transaction: if its
    places are gone (OrderError `places_gone`) nothing is taken, the voucher's included."""
    _open(session, actor)
    if order.organizer_id != session.organizer_id:
        raise BoxOfficeError("not_payable")
    organizer = session.organizer
    now = now or timezone.now()
    # a reservation past its release time is not paid here either (its places are gone);
    # a release racing this payment finds the order paid, or this one finds it cancelled
    reservations.check_payable(order, now)
    with transaction.atomic():
        locked = (
            Order.objects.select_for_update(of=("self",))
            .select_related("organizer")
            .get(pk=order.pk)
        )
        if locked.status != Order.Status.PENDING:
            raise BoxOfficeError("not_payable")
        due = orders.amount_due(locked)
        change = _check_tenders(tenders, due, organizer.currency, mismatch="payments_not_due")
        parts = sorted(  # vouchers first, cash last: the last part pays the order
            (t for t in tenders if money(t.amount) > 0),
            key=lambda t: -METHODS.index(t.method),
        )
        if not parts:  # nothing left to pay (earlier part payments): the order is paid
            orders.mark_paid(locked, provider="cash", amount=due, actor=actor, now=now)
        for tender in parts:
            amount = money(tender.amount)
            if tender.method == "gift_voucher":
                giftcards.pay_order(
                    locked,
                    code=tender.code,
                    amount=amount,
                    actor=actor,
                    now=now,
                    channel=SalesChannel.BOX_OFFICE,
                )
            else:
                orders.record_part_payment(
                    locked, provider=tender.method, amount=amount, actor=actor, now=now
                )
        _record_sale(session, locked, [(t.method, money(t.amount)) for t in parts], tenders, now)
    order.refresh_from_db()
    return Sale(order=order, change=change, vouchers=[])


def sale_of(organizer: Organizer, idempotency_key: str) -> Sale | None:
    """The sale already made with this key (a retried API request), if any."""
    order = Order.objects.filter(organizer=organizer, idempotency_key=idempotency_key).first()
    if order is None:
        return None
    cash = Movement.objects.filter(order=order, kind=Movement.Kind.SALE, provider="cash").first()
    change = (cash.given - cash.amount) if cash and cash.given is not None else Decimal("0")
    vouchers = list(GiftVoucher.objects.filter(order=order).order_by("pk"))
    issued = list(Pass.objects.filter(order=order).order_by("pk"))
    return Sale(order=order, change=change, vouchers=vouchers, passes=issued)


def refund(
    session: CashSession,
    order: Order,
    *,
    actor: Actor,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> list[Refund]:
    """Refund an order in full, each payment by the method it was paid with (cash back
    from this till, the terminal's card, the gift voucher's balance); its places are freed.
    A free order is cancelled. Through `refund_order`, like the back office and the API: the
    value of gift vouchers the order sold that was spent is kept (PaymentError
    `voucher_spent` when nothing else is left), the rest of them is cancelled, and a
    payment by a cancelled voucher is paid back by hand, not to the voucher (ADR 0034)."""
    _open(session, actor)
    if order.organizer_id != session.organizer_id:
        raise BoxOfficeError("not_refundable")
    now = now or timezone.now()
    if payments.refundable_amount(order) <= 0:
        if order.status == Order.Status.PAID and order.total == 0:
            orders.cancel_order(order, actor=actor, reason=reason, now=now)
            return []
        if not hooks.stored(order).spent:  # else refund_order says why (voucher_spent)
            raise BoxOfficeError("not_refundable")
    try:
        done = payments.refund_order(order, actor=actor, reason=reason, now=now)
    except PaymentError as exc:
        if exc.code != "refund_failed":
            raise
        # another method's refund failed after these were made: the till's own still count
        exc.done = list(  # type: ignore[attr-defined]
            Refund.objects.filter(order=order, created=now, state=Refund.State.DONE)
            .select_related("payment")
            .order_by("pk")
        )
        _record_refunds(session, order, exc.done, now)  # type: ignore[attr-defined]
        raise
    _record_refunds(session, order, done, now)
    return done


def _record_refunds(
    session: CashSession, order: Order, done: Sequence[Refund], now: datetime.datetime
) -> None:
    Movement.objects.bulk_create(
        Movement(
            session=session,
            order=order,
            kind=Movement.Kind.REFUND,
            # nothing went back to a cancelled voucher: the till pays that part in cash
            provider="cash" if in_cash(r) else r.payment.provider,
            amount=r.amount,
            created=now,
        )
        for r in done
        if r.state == Refund.State.DONE
    )


def in_cash(refund: Refund) -> bool:
    """A refund the till pays in cash though the payment was by gift voucher: the voucher was
    cancelled with the order that sold it, nothing can go back to it (ADR 0034)."""
    return refund.manual and refund.payment.provider == "gift_voucher"


# --- closing ---------------------------------------------------------------------------------


def close_session(
    session: CashSession,
    *,
    counted_cash,
    recipients: Sequence[str] = (),
    note: str = "",
    actor: Actor,
    now: datetime.datetime | None = None,
) -> CashSession:
    """Close the shift: the counted cash and its difference with what the till should hold
    are recorded, `CashSessionClosed` is published and the report (PDF and XLSX) is
    e-mailed to `recipients` through the outbox."""
    from .reports import report_for

    require(actor, session.organizer, Perm.CHANGE_ORDERS)
    counted = money(counted_cash, field="counted_cash")
    addresses = [a.strip() for a in recipients if a.strip()]
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise BoxOfficeError("invalid_recipient", field="recipients") from None
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            CashSession.objects.select_for_update().select_related("organizer").get(pk=session.pk)
        )
        if not locked.is_open:
            raise BoxOfficeError("session_closed")
        before = audit.snapshot(locked)
        expected = report_for(locked).expected_cash
        locked.closed_at = now
        locked.counted_cash = counted
        locked.expected_cash = expected
        locked.difference = counted - expected
        locked.recipients = addresses[:20]
        locked.note = note.strip()[:500]
        save_checked(locked, actor=actor, action="boxoffice.session_closed", before=before)
        domain_events.publish(
            CashSessionClosed(
                organizer_id=locked.organizer_id,
                session_id=locked.pk,
                cashier_id=locked.cashier_id,
                expected_cash=str(expected),
                counted_cash=str(counted),
                difference=str(locked.difference),
            )
        )
        if addresses:
            _queue_report_email(locked, addresses)
    return locked


def _queue_report_email(session: CashSession, addresses: list[str]) -> None:
    """The report to `addresses`, in the organiser's language like its PDF and spreadsheet
    (not in the closing cashier's)."""
    from .reports import report_language

    with translation.override(report_language(session)):
        _queue_report_text(session, addresses)


def _queue_report_text(session: CashSession, addresses: list[str]) -> None:
    from rideau.core.timezones import local_datetime

    organizer = session.organizer
    params = {"session_id": session.pk}
    stamp = f"{session.pk}"
    lines = [
        _("Cash register report of %(cashier)s, %(start)s – %(end)s.")
        % {
            "cashier": session.cashier_name,
            "start": local_datetime(session.opened_at, organizer),
            "end": local_datetime(session.closed_at, organizer),
        },
        _("Expected cash: %(expected)s · counted: %(counted)s · difference: %(diff)s")
        % {
            "expected": money_text(session.expected_cash, organizer.currency),
            "counted": money_text(session.counted_cash, organizer.currency),
            "diff": money_text(session.difference, organizer.currency),
        },
    ]
    if session.note:
        lines += ["", _("Cashier's note: %(note)s") % {"note": session.note}]
    lines += ["", _("The report is attached (PDF and spreadsheet).")]
    queue_email(
        organizer=organizer,
        reference=f"cash_session:{session.pk}",
        to=addresses,
        subject=_("Cash register report – %(cashier)s") % {"cashier": session.cashier_name},
        text="\n".join(lines) + "\n",
        deferred_attachments=[
            (
                f"cash-report-{stamp}.pdf",
                "application/pdf",
                "rideau.boxoffice.reports.report_pdf_attachment",
                params,
            ),
            (
                f"cash-report-{stamp}.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "rideau.boxoffice.reports.report_xlsx_attachment",
                params,
            ),
        ],
    )
