"""The write path of gift vouchers (SPEC D11, ADR 0015): issue, redeem, give back.

The balance is a scarce thing (STYLE §4): it changes only by one conditional UPDATE
(`balance = balance - x WHERE balance >= x AND expires_at > now`), with its ledger `Entry`
written in the same transaction. Two redemptions racing on one voucher are serialised by
the row lock the UPDATE takes; the second one re-checks the condition against the first's
result, so the balance never goes below zero and the entries always add up.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rideau.catalog import services as catalog
from rideau.catalog.models import Product, Rate
from rideau.core import audit, domain_events
from rideau.core.access import Actor, require
from rideau.core.i18n import Amount, money
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.services import save_checked
from rideau.core.timezones import local_datetime, organizer_time
from rideau.messaging.services import queue_email
from rideau.orders import hooks as orders_hooks
from rideau.orders import services as orders
from rideau.orders.models import Order, Payment, Position, Refund

from . import codes
from .domain_events import GiftVoucherIssued, GiftVoucherRedeemed
from .errors import GiftVoucherError
from .models import Entry, FreeAmount, GiftSettings, GiftVoucher
from .queries import find as find  # a code typed or scanned: shared with the read side

CENT = Decimal("0.01")
PROVIDER = "gift_voucher"
MAX_VALUE = Decimal("100000")


def valid_amount(amount) -> Decimal:
    """A positive amount with at most two decimals, or GiftVoucherError("invalid_amount")."""
    try:
        value = Decimal(str(amount))
        ok = value.is_finite() and CENT <= value <= MAX_VALUE and value == value.quantize(CENT)
    except (InvalidOperation, ValueError, TypeError):
        ok = False
    if not ok:
        raise GiftVoucherError("invalid_amount", field="amount")
    return value.quantize(CENT)


def validity_days(organizer: Organizer) -> int:
    settings = GiftSettings.objects.filter(organizer=organizer).first()
    return settings.validity_days if settings else 365


def set_validity_days(organizer: Organizer, *, days: int, actor: Actor) -> GiftSettings:
    require(actor, organizer, Perm.CHANGE_ORGANIZER)
    if not 1 <= days <= 3650:
        raise GiftVoucherError("invalid_validity", field="validity_days")
    with transaction.atomic():
        settings, _created = GiftSettings.objects.get_or_create(organizer=organizer)
        before = audit.snapshot(settings)
        settings.validity_days = days
        save_checked(
            settings,
            actor=actor,
            organizer=organizer,
            action="giftcards.settings_changed",
            before=before,
        )
    return settings


def check_free_amount(product: Product, rate: Rate, amount: Decimal) -> None:
    """The amount rule of gift voucher products (registered with `orders.sellable`): a
    chosen amount only on a free-amount product, between its minimum and maximum."""
    free = FreeAmount.objects.filter(product=product).first()
    if free is None:
        raise GiftVoucherError("not_free_amount", field="amount", name=str(product))
    amount = valid_amount(amount)
    if not free.min_amount <= amount <= free.max_amount:
        raise GiftVoucherError(
            "amount_out_of_range",
            field="amount",
            min=Amount(free.min_amount),
            max=Amount(free.max_amount),
        )


def set_free_amount(
    product: Product, *, min_amount: Decimal | None, max_amount: Decimal | None, actor: Actor
) -> FreeAmount | None:
    """Make a gift voucher product free-amount (min, max) or fixed-value (None, None)."""
    require(actor, product.organizer, Perm.CHANGE_EVENTS)
    if product.kind != Product.Kind.GIFT_VOUCHER:
        raise GiftVoucherError("not_a_gift_voucher", field="product")
    with transaction.atomic():
        if min_amount is None or max_amount is None:
            FreeAmount.objects.filter(product=product).delete()
            return None
        low, high = valid_amount(min_amount), valid_amount(max_amount)
        if high < low:
            raise GiftVoucherError(
                "amount_out_of_range", field="max_amount", min=Amount(low), max=Amount(high)
            )
        free, _created = FreeAmount.objects.update_or_create(
            product=product, defaults={"min_amount": low, "max_amount": high}
        )
        audit.record_state(
            "giftcards.free_amount_set", free, actor=actor, organizer=product.organizer
        )
    return free


# --- issuing ---------------------------------------------------------------------------------


def _new_voucher(
    organizer: Organizer, *, value: Decimal, now: datetime.datetime, **fields
) -> GiftVoucher:
    voucher = GiftVoucher(
        organizer=organizer,
        value=value,
        balance=value,
        currency=organizer.currency,
        expires_at=fields.pop("expires_at", None)
        or now + datetime.timedelta(days=validity_days(organizer)),
        created=now,
        **fields,
    )
    code = voucher.code
    voucher.code_hash = codes.code_hash(code)
    voucher.code_hint = codes.hint(code)
    voucher.save(force_insert=True)
    Entry.objects.create(
        voucher=voucher,
        kind=Entry.Kind.ISSUED,
        amount=value,
        balance_after=value,
        order=voucher.order,
        key=f"issue:{voucher.position_id}" if voucher.position_id else None,
        created=now,
    )
    return voucher


def issue_for_order(
    order: Order, *, now: datetime.datetime | None = None, mail_after_commit: bool = False
) -> list[GiftVoucher]:
    """The vouchers of a paid order's gift voucher lines, one per line, issued once
    (idempotent: the `OrderPaid` handler and the box office both call it), and the buyer's
    e-mail with the gift cards (PDF) queued in the same transaction — or, with
    `mail_after_commit` (a refund issues them to measure them, and may cancel them), once
    it commits, with the cards still valid then."""
    now = now or timezone.now()
    unissued = Position.objects.filter(
        order=order,
        product__kind=Product.Kind.GIFT_VOUCHER,
        cancelled=False,
        gift_voucher__isnull=True,
    )
    if not unissued.exists():  # most paid orders, and those issued already: no lock taken
        return []
    with transaction.atomic():
        locked = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        if locked.status != Order.Status.PAID:
            return []
        positions = list(
            Position.objects.filter(
                order=locked,
                cancelled=False,
                product__kind=Product.Kind.GIFT_VOUCHER,
                gift_voucher__isnull=True,
            ).order_by("pk")
        )
        issued = [
            _new_voucher(
                order.organizer,
                value=p.price,
                now=now,
                position=p,
                order=locked,
                buyer_email=locked.email,
                buyer_name=locked.buyer_name,
                locale=locked.locale,
            )
            for p in positions
            if p.price > 0
        ]
        if issued:
            for voucher in issued:
                audit.record(
                    "giftcards.issued",
                    voucher,
                    organizer=order.organizer,
                    after={"value": str(voucher.value), "order": locked.code},
                )
            domain_events.publish(
                *(
                    GiftVoucherIssued(
                        organizer_id=locked.organizer_id,
                        voucher_id=v.pk,
                        order_id=locked.pk,
                        contact_id=locked.contact_id,
                        value=str(v.value),
                    )
                    for v in issued
                )
            )
            if mail_after_commit:
                ids = [v.pk for v in issued]
                transaction.on_commit(lambda: _mail_cards_still_valid(order.pk, ids))
            else:
                _queue_cards_email(locked, issued)
    return issued


def _mail_cards_still_valid(order_id: int, voucher_ids: list[int]) -> None:
    vouchers = list(
        GiftVoucher.objects.filter(pk__in=voucher_ids, voided_at__isnull=True, balance__gt=0)
        .select_related("organizer")
        .order_by("pk")
    )
    if vouchers:
        with transaction.atomic():
            _queue_cards_email(Order.objects.select_related("organizer").get(pk=order_id), vouchers)


def create_voucher(
    organizer: Organizer,
    *,
    value,
    actor: Actor,
    expires_at: datetime.datetime | None = None,
    email: str = "",
    name: str = "",
    note: str = "",
    now: datetime.datetime | None = None,
) -> GiftVoucher:
    """Staff issue a voucher outside a sale (a goodwill gesture, a prize)."""
    require(actor, organizer, Perm.CHANGE_ORDERS)
    now = now or timezone.now()
    value = valid_amount(value)
    if expires_at is not None and expires_at <= now:
        raise GiftVoucherError("expiry_in_past", field="expires_at")
    with transaction.atomic():
        voucher = _new_voucher(
            organizer,
            value=value,
            now=now,
            expires_at=expires_at,
            buyer_email=email,
            buyer_name=name[:200],
            note=note[:200],
        )
        audit.record(
            "giftcards.created",
            voucher,
            actor=actor,
            organizer=organizer,
            after={"value": str(value), "note": note[:200]},
        )
        domain_events.publish(
            GiftVoucherIssued(
                organizer_id=organizer.pk,
                voucher_id=voucher.pk,
                order_id=None,
                contact_id=None,
                value=str(value),
            )
        )
    return voucher


def _queue_cards_email(order: Order, vouchers: Sequence[GiftVoucher]) -> None:
    with organizer_time(order.organizer, order.locale):
        lines = [_("Hello %(name)s,") % {"name": order.buyer_name or order.email}, ""]
        lines.append(_("Thank you for your order %(code)s.") % {"code": order.code})
        lines.append(
            ngettext(
                "Your gift voucher is attached; it can be spent until its date:",
                "Your gift vouchers are attached; each can be spent until its date:",
                len(vouchers),
            )
        )
        for voucher in vouchers:
            lines.append(
                "- "
                + _("%(value)s %(currency)s, valid until %(date)s")
                % {
                    # its value, less a refund's share, written the reader's way
                    "value": money(voucher.balance),
                    "currency": voucher.currency,
                    "date": local_datetime(voucher.expires_at, order.organizer, "DATE_FORMAT"),
                }
            )
        lines += [
            "",
            _("What is left on a gift voucher, any time:"),
            settings.SITE_URL
            + reverse("web:shop-gift-voucher-balance", kwargs={"organizer": order.organizer.slug}),
            "",
            order.organizer.name,
        ]
        queue_email(
            organizer=order.organizer,
            reference=f"order:{order.pk}",
            to=[order.email],
            subject=ngettext(
                "Your gift voucher, order %(code)s",
                "Your gift vouchers, order %(code)s",
                len(vouchers),
            )
            % {"code": order.code},
            text="\n".join(lines) + "\n",
            deferred_attachments=[
                (
                    f"gift-vouchers-{order.code}.pdf",
                    "application/pdf",
                    "rideau.giftcards.pdf.cards_attachment",
                    {"voucher_ids": [v.pk for v in vouchers]},
                )
            ],
            reply_to=[order.organizer.contact_email] if order.organizer.contact_email else None,
        )


def _vouchers_sold(order: Order, positions: Sequence[Position] | None):
    vouchers = GiftVoucher.objects.filter(order=order)
    if positions is not None:
        vouchers = vouchers.filter(position__in=[p.pk for p in positions])
    return vouchers.order_by("pk")


def stored_in(
    order: Order, *, positions: Sequence[Position] | None = None, lock: bool = False
) -> orders_hooks.Stored:
    """What the vouchers `order` sold (or those of its `positions`) are worth now: `spent`,
    their value already spent — never refundable (ADR 0034) — and `unspent`, their balances
    (a cancelled voucher's is 0). With `lock`, their rows are locked first, in id order:
    a redemption racing the refund that asks waits for it, then finds the balance it left."""
    vouchers = _vouchers_sold(order, positions)
    if lock:
        ids = list(vouchers.select_for_update().values_list("pk", flat=True))
        if not ids:
            return orders_hooks.Stored()
        vouchers = GiftVoucher.objects.filter(pk__in=ids)
    totals = Entry.objects.filter(voucher__in=vouchers).aggregate(
        used=Sum("amount", filter=Q(kind__in=(Entry.Kind.REDEEMED, Entry.Kind.REFUNDED))),
    )
    unspent = vouchers.aggregate(s=Sum("balance"))["s"] or Decimal("0")
    return orders_hooks.Stored(
        spent=-(totals["used"] or Decimal("0")).quantize(CENT), unspent=unspent.quantize(CENT)
    )


def _take_off(
    voucher: GiftVoucher,
    amount: Decimal,
    *,
    order: Order,
    actor: Actor | None,
    now: datetime.datetime,
    label: str = "",
) -> Entry:
    """Take `amount` off a locked voucher's balance as a `voided` entry (its order was
    refunded); the caller holds the voucher's row lock."""
    changed = GiftVoucher.objects.filter(pk=voucher.pk, balance__gte=amount).update(
        balance=F("balance") - amount
    )
    if not changed:  # the caller measured under the lock: cannot happen
        raise GiftVoucherError("insufficient_balance", field="amount", balance=0, amount=amount)
    balance = GiftVoucher.objects.values_list("balance", flat=True).get(pk=voucher.pk)
    entry = Entry.objects.create(
        voucher=voucher,
        kind=Entry.Kind.VOIDED,
        amount=-amount,
        balance_after=balance,
        order=order,
        actor=_actor_label(actor) or label or _("order %(code)s refunded") % {"code": order.code},
        created=now,
    )
    audit.record(
        "giftcards.voided",
        voucher,
        actor=actor,
        organizer=voucher.organizer,
        after={"amount": str(amount), "balance": str(balance), "order": order.code},
    )
    return entry


def take_back(
    order: Order, amount: Decimal, *, now: datetime.datetime | None = None, actor=None
) -> None:
    """A refund of `order` gives back more than its other lines cost: take `amount` off the
    balances of the vouchers it sold (in id order), inside the refund's transaction."""
    now = now or timezone.now()
    rest = amount
    with transaction.atomic():
        for voucher in _vouchers_sold(order, None).select_for_update().filter(balance__gt=0):
            if rest <= 0:
                break
            part = min(rest, voucher.balance)
            _take_off(voucher, part, order=order, actor=actor, now=now)
            rest -= part


def void_for_order(
    order: Order,
    *,
    positions: Sequence[Position] | None = None,
    now: datetime.datetime | None = None,
    actor: Actor | None = None,
) -> int:
    """An order that bought vouchers was cancelled or refunded (or those lines removed):
    what is left on its vouchers is taken off (a `voided` entry each) and they are marked
    cancelled — nothing can be spent with them or given back to them any more (ADR 0034).
    Called in the order's transaction; idempotent."""
    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        for voucher in (
            _vouchers_sold(order, positions).select_for_update().filter(voided_at__isnull=True)
        ):
            if voucher.balance > 0:
                _take_off(
                    voucher,
                    voucher.balance,
                    order=order,
                    actor=actor,
                    now=now,
                    label=_("order %(code)s cancelled") % {"code": order.code},
                )
            GiftVoucher.objects.filter(pk=voucher.pk).update(voided_at=now)
            count += 1
    return count


class VoucherStore:
    """The gift vouchers an order sold, as `orders.hooks` sees them (registered by
    `GiftcardsConfig.ready`)."""

    def stored(self, order, *, positions, lock):
        if lock:  # a refund: the vouchers a paid order sold exist before it is measured —
            # the `OrderPaid` handler may not have issued them yet (no worker running), and
            # issued later they would be worth their full price whatever was refunded
            issue_for_order(order, mail_after_commit=True)
        return stored_in(order, positions=positions, lock=lock)

    def take_back(self, order, amount, *, now, actor):
        take_back(order, amount, now=now, actor=actor)

    def void(self, order, *, positions, now, actor):
        void_for_order(order, positions=positions, now=now, actor=actor)


STORE = VoucherStore()


# --- spending --------------------------------------------------------------------------------


def of_order(order: Order) -> list[GiftVoucher]:
    """The vouchers a paid order bought (their codes are shown only as hints: the code
    itself is never stored, it reaches the buyer in the cards' e-mail)."""
    return list(GiftVoucher.objects.filter(order=order).order_by("pk"))


def _refusal(voucher: GiftVoucher, amount: Decimal, now: datetime.datetime) -> GiftVoucherError:
    voucher.refresh_from_db()
    if voucher.is_voided:
        return GiftVoucherError("voided", field="code")
    if voucher.is_expired(now):
        return GiftVoucherError(
            "expired",
            field="code",
            date=local_datetime(voucher.expires_at, voucher.organizer, "DATE_FORMAT"),
        )
    if voucher.balance <= 0:
        return GiftVoucherError("empty", field="code")
    return GiftVoucherError(
        "insufficient_balance", field="amount", balance=voucher.balance, amount=amount
    )


def redeem(
    voucher: GiftVoucher,
    *,
    amount,
    order: Order | None = None,
    channel: str = "",
    actor: Actor | None = None,
    key: str | None = None,
    now: datetime.datetime | None = None,
) -> Entry:
    """Take `amount` off the voucher's balance: one conditional UPDATE (see the module),
    its entry written with it. Raises GiftVoucherError (expired, empty,
    insufficient_balance) and changes nothing. Call it inside the transaction that records
    what the money paid, so both commit or neither."""
    now = now or timezone.now()
    amount = valid_amount(amount)
    if order is not None and order.currency != voucher.currency:
        raise GiftVoucherError("wrong_currency", field="code")
    with transaction.atomic():
        changed = GiftVoucher.objects.filter(
            pk=voucher.pk, balance__gte=amount, expires_at__gt=now, voided_at__isnull=True
        ).update(balance=F("balance") - amount)
        if not changed:
            raise _refusal(voucher, amount, now)
        balance = GiftVoucher.objects.values_list("balance", flat=True).get(pk=voucher.pk)
        entry = Entry.objects.create(
            voucher=voucher,
            kind=Entry.Kind.REDEEMED,
            amount=-amount,
            balance_after=balance,
            order=order,
            channel=channel,
            key=key,
            actor=_actor_label(actor),
            created=now,
        )
        audit.record(
            "giftcards.redeemed",
            voucher,
            actor=actor,
            organizer=voucher.organizer,
            after={"amount": str(amount), "balance": str(balance)},
        )
        domain_events.publish(
            GiftVoucherRedeemed(
                organizer_id=voucher.organizer_id,
                voucher_id=voucher.pk,
                order_id=order.pk if order else None,
                amount=str(amount),
                balance=str(balance),
            )
        )
    voucher.balance = balance
    return entry


def give_back(
    voucher_id: int,
    *,
    amount: Decimal,
    key: str,
    order: Order | None = None,
    now: datetime.datetime | None = None,
) -> Entry:
    """Return `amount` to a voucher's balance (a refund of an order it paid). `key` makes
    a retried call count once (the refund's idempotency key). A voucher cancelled with the
    order that bought it takes nothing back: GiftVoucherError("voided"), nothing changed
    (ADR 0034; one conditional UPDATE, so a void racing this call is seen)."""
    now = now or timezone.now()
    with transaction.atomic():
        done = Entry.objects.filter(key=key).first()
        if done is not None:
            return done
        changed = GiftVoucher.objects.filter(pk=voucher_id, voided_at__isnull=True).update(
            balance=F("balance") + amount
        )
        if not changed:
            raise GiftVoucherError("voided", field="code")
        voucher = GiftVoucher.objects.get(pk=voucher_id)
        entry = Entry.objects.create(
            voucher=voucher,
            kind=Entry.Kind.REFUNDED,
            amount=amount,
            balance_after=voucher.balance,
            order=order,
            key=key,
            created=now,
        )
        audit.record(
            "giftcards.given_back",
            voucher,
            organizer=voucher.organizer,
            after={"amount": str(amount), "balance": str(voucher.balance)},
        )
    return entry


def payment_reference(entry: Entry) -> str:
    """What a voucher payment records as its reference: the voucher and its entry, never
    the code."""
    return f"giftvoucher:{entry.voucher_id}:{entry.pk}"


def paid_order(voucher_id: int, order: Order) -> bool:
    """Whether this voucher (of the order's organiser) paid part of `order`."""
    return Entry.objects.filter(
        voucher_id=voucher_id,
        voucher__organizer_id=order.organizer_id,
        kind=Entry.Kind.REDEEMED,
        order=order,
    ).exists()


def voucher_id_of(reference: str) -> int | None:
    parts = reference.split(":")
    if len(parts) == 3 and parts[0] == "giftvoucher" and parts[1].isdigit():
        return int(parts[1])
    return None


def buys_gift_voucher(order: Order) -> bool:
    """Whether the order buys a gift voucher: a voucher never pays for one (a balance about
    to expire must not roll over into a new voucher with a new expiry)."""
    return order.positions.filter(product__kind=Product.Kind.GIFT_VOUCHER).exists()


def pay_order(
    order: Order,
    *,
    code: str,
    amount=None,
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
    channel: str | None = None,
) -> tuple[Order, Entry]:
    """Pay a pending order (or part of it) with a voucher: `amount` (None: as much as the
    balance covers of what is due). The voucher's balance and the order's payment change in
    one transaction; a voucher that covers everything pays the order. `channel`: where it
    is spent (the box office's till), the order's own by default."""
    now = now or timezone.now()
    voucher = find(order.organizer, code)
    with transaction.atomic():
        locked = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        if locked.status != Order.Status.PENDING:
            raise GiftVoucherError("not_pending")
        if buys_gift_voucher(locked):
            raise GiftVoucherError("buys_gift_voucher", field="code")
        due = orders.amount_due(locked)
        if amount is None:
            voucher.refresh_from_db()
            if voucher.balance <= 0 or voucher.is_expired(now):
                raise _refusal(voucher, due, now)
            amount = min(voucher.balance, due)
        amount = valid_amount(amount)
        if amount > due:
            raise GiftVoucherError(
                "invalid_amount",
                field="amount",
                message=_("At most %(due)s is due.") % {"due": due},
            )
        entry = redeem(
            voucher, amount=amount, order=locked, channel=channel or locked.channel, now=now
        )
        paid = orders.record_part_payment(
            locked,
            provider=PROVIDER,
            amount=amount,
            reference=payment_reference(entry),
            actor=actor,
            now=now,
        )
    return paid, entry


def _actor_label(actor: Actor | None) -> str:
    if actor is None:
        return ""
    if actor.token is not None:
        return f"API: {actor.token.name}"[:200]
    return (actor.user.email if actor.user else "")[:200]


def return_part_payments(order: Order, *, now: datetime.datetime | None = None) -> int:
    """Give back to their vouchers the voucher payments of an order that expired unpaid, and
    record each as refunded (a `Refund`, the payment `refunded`), so a late payment of the
    order cannot count them again. Idempotent: a payment is returned once."""
    now = now or timezone.now()
    count = 0
    for payment in order.payments.filter(provider=PROVIDER, state=Payment.State.CONFIRMED):
        voucher_id = voucher_id_of(payment.reference)
        if voucher_id is None:
            continue
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            if locked.state != Payment.State.CONFIRMED:
                continue
            try:
                entry = give_back(
                    voucher_id,
                    amount=locked.amount,
                    key=f"expired:{locked.pk}",
                    order=order,
                    now=now,
                )
            except GiftVoucherError:  # cancelled meanwhile: staff pay it back by hand
                reason = _(
                    "The order expired unpaid; the gift voucher that paid part of it was "
                    "cancelled since: pay this amount back by hand."
                )
                reference, manual = f"giftvoucher-voided:{voucher_id}", True
            else:
                reason = _("The order expired unpaid: the gift voucher got its amount back.")
                reference, manual = f"giftvoucher-entry:{entry.pk}", False
            Refund.objects.create(
                order=order,
                payment=locked,
                amount=locked.amount,
                state=Refund.State.DONE,
                reason=reason,
                reference=reference,
                manual=manual,
                created=now,
                settled_at=now,
            )
            locked.state = Payment.State.REFUNDED
            locked.save(update_fields=["state"])
            count += 1
    return count


def link_entries(entries: Sequence[Entry], order: Order) -> None:
    """Name the order that redemptions made before it existed paid (the box office redeems,
    then places the order, in one transaction)."""
    if entries:
        Entry.objects.filter(pk__in=[e.pk for e in entries]).update(order=order)


def create_product(
    organizer: Organizer,
    *,
    actor: Actor,
    name: dict[str, str],
    values: Sequence[Decimal] = (),
    min_amount: Decimal | None = None,
    max_amount: Decimal | None = None,
) -> Product:
    """A gift voucher product sold at fixed `values` (one rate each) or, with `min_amount`
    and `max_amount`, for a free amount (one rate); through the catalogue's services."""
    require(actor, organizer, Perm.CHANGE_EVENTS)
    free = min_amount is not None or max_amount is not None
    if not free and not values:
        raise GiftVoucherError(
            "invalid_amount", field="values", message=_("Give at least one value.")
        )
    if free and (min_amount is None or max_amount is None):
        raise GiftVoucherError(
            "invalid_amount", field="max_amount", message=_("Give a minimum and a maximum.")
        )
    checked = sorted({valid_amount(v) for v in values})
    with transaction.atomic():
        product = catalog.create_product(
            organizer, actor=actor, name=name, kind=Product.Kind.GIFT_VOUCHER
        )
        if free:
            catalog.create_rate(
                product,
                actor=actor,
                name={"en": "Your amount", "fr": "Montant libre"},
                price=Decimal("0"),
            )
            set_free_amount(product, min_amount=min_amount, max_amount=max_amount, actor=actor)
        for position, value in enumerate(checked):
            catalog.create_rate(
                product,
                actor=actor,
                name={lang: f"{value} {organizer.currency}" for lang in organizer.languages},
                price=value,
                position=position,
            )
    return product
