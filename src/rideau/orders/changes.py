"""Staff changes to an existing order: add tickets, remove one, change answers, settle the
balance. The back office and the API call these; they reuse the sales rules
(`sellable.check_lines`) and the order e-mails, and take or give back places only through
the inventory engine (DESIGN rule 1), and never call a payment provider inside a
transaction (rule 6).

Money. An order's `total` is the sum of its live tickets. Adding tickets to a *pending*
order raises the amount to pay (same deadline); to a *paid* order, the order stays paid and
its new tickets are valid at once: the difference is either recorded as received
(`provider`, e.g. cash at the counter) or left as a balance due (`balance_due`), shown in the
back office and settled later with `pay_balance`. Removing a ticket lowers the total; for a
paid order its price may be refunded (`refund=True`, through the refund service) — without a
refund the buyer has a credit (a negative balance) that the refund form can pay back.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.errors import RideauError
from rideau.core.roles import Perm
from rideau.documents import signing
from rideau.inventory import services as inventory
from rideau.inventory.models import Hold

from . import hooks, sellable, services
from .answers import clean_answers, questions_by_product
from .errors import OrderError
from .models import Order, Payment, Position, Refund
from .payments import services as payments
from .payments.base import get_provider
from .payments.errors import PaymentError
from .services import Attendee, OrderLine

CHANGEABLE = (Order.Status.PENDING, Order.Status.PAID)
BALANCE_PROVIDERS = ("bank_transfer", "cash", "card_present")


class OrderChangeError(OrderError):
    messages = {
        **OrderError.messages,
        "not_changeable": _("Only a pending or paid order can be changed."),
        "deadline_passed": _(
            "The payment deadline of this order has passed: its places are no longer held."
        ),
        "no_event": _("This order has no event to add tickets of."),
        "not_in_order": _("This ticket is not part of the order."),
        "already_removed": _("This ticket was already removed."),
        "last_position": _(
            "This is the last ticket of the order: cancel the order instead of removing it."
        ),
        "invalid_provider": _("Choose how the difference was paid."),
        "nothing_due": _("Nothing is due on this order."),
        "too_much": _("At most %(max)s %(currency)s is due on this order."),
    }


# --- reads -----------------------------------------------------------------------------


def _sum(queryset, field: str = "amount") -> Decimal:
    return queryset.aggregate(s=Sum(field))["s"] or Decimal("0")


def balance_due(order: Order) -> Decimal:
    """For a paid order: what the buyer still owes (> 0) or is owed (< 0); else 0.

    The total (live tickets) against what was paid, less the refunds that paid back removed
    tickets: refunds count against removed tickets first (up to their prices), so a goodwill
    refund on an unchanged order never turns into a debt; the value a removed gift voucher
    line had spent counts as paid back (it is not refundable).
    """
    if order.status != Order.Status.PAID:
        return Decimal("0")
    paid = _sum(
        Payment.objects.filter(
            order=order, state__in=(Payment.State.CONFIRMED, Payment.State.REFUNDED)
        )
    )
    refunded = _sum(
        Refund.objects.filter(order=order, state__in=(Refund.State.PENDING, Refund.State.DONE))
    )
    gone = list(order.positions.filter(removed_at__isnull=False))
    removed = sum((p.price for p in gone), Decimal("0"))
    if gone:  # what a removed gift voucher line had spent is kept, not owed (ADR 0034)
        refunded += hooks.stored(order, positions=gone).spent
    return order.total - (paid - min(refunded, removed))


# --- adding tickets ----------------------------------------------------------------------


def _check_room(order: Order, lines: Sequence[OrderLine]) -> None:
    """The order's live tickets plus the new ones stay within the per-order limits."""
    live = list(
        order.positions.filter(cancelled=False).values_list("product_id", flat=True).order_by()
    )
    new = sum(max(line.quantity, 0) for line in lines)
    if len(live) + new > sellable.MAX_POSITIONS:
        raise OrderError("too_many", field="quantity", max=sellable.MAX_POSITIONS)
    per_product: dict[int, int] = defaultdict(int)
    for product_id in live:
        per_product[product_id] += 1
    for line in lines:
        product = line.rate.product
        per_product[product.pk] += line.quantity
        if per_product[product.pk] > product.max_per_order:
            raise OrderError(
                "max_per_order", field="quantity", max=product.max_per_order, product=str(product)
            )


def add_positions(
    order: Order,
    *,
    lines: Sequence[OrderLine],
    actor: Actor,
    provider: str = "",
    notify: bool = True,
    answers_required: bool = True,
    now: datetime.datetime | None = None,
) -> list[Position]:
    """Add tickets to a pending or paid order, all or nothing; returns the new tickets.

    The lines are checked as in the shop (`sellable.check_lines`: on sale, date, per-order limits,
    counting the tickets the order has) and their attendees' answers with `clean_answers`
    (`answers_required=False`: staff may leave required questions for later). A pending
    order's new places are held until its deadline; a paid order's are confirmed, and the
    difference is recorded as paid with `provider` (one of BALANCE_PROVIDERS) or, without
    one, left due. New tickets are priced at their rate (an order's voucher is not applied
    again). With `notify`, the buyer gets an e-mail with the new tickets (a paid order) or
    the new amount to pay (a pending one).
    """
    require(actor, order.organizer, Perm.CHANGE_ORDERS)
    now = now or timezone.now()
    event = order.event
    if event is None:
        raise OrderChangeError("no_event")
    if provider and provider not in BALANCE_PROVIDERS:
        raise OrderChangeError("invalid_provider", field="provider")
    checked = sellable.check_lines(
        event, lines, now, channel=order.channel, audience_type=order.audience_type
    )
    questions = questions_by_product(line.rate.product_id for line, _date in checked)
    languages = order.organizer.languages

    positions: list[Position] = []
    items: list[inventory.HoldRequest] = []
    placed: list[Position] = []  # the new tickets that take a place, in the order of `items`
    seated: dict[int, bool] = {}
    for line, date in checked:
        if len(line.attendees) > line.quantity:
            raise OrderError("invalid_rate", field="attendees")
        for i in range(line.quantity):
            attendee = line.attendees[i] if i < len(line.attendees) else Attendee()
            if attendee.email:
                try:
                    validate_email(attendee.email.strip())
                except ValidationError:
                    raise OrderError("invalid_email", field="attendee_email") from None
            answers = clean_answers(
                questions.get(line.rate.product_id, []),
                attendee.answers,
                languages=languages,
                required=answers_required,
            )
            position, item = services.new_ticket(
                line, date, attendee, seated=services.seats_numbered(date, seated), answers=answers
            )
            positions.append(position)
            if item is not None:  # a gift voucher takes no place
                placed.append(position)
                items.append(item)
    added = sum((p.price for p in positions), Decimal("0"))
    signing.assign_secrets(order.organizer, positions, event=event)  # as place_order does

    with transaction.atomic():
        locked = services._locked(order)
        if locked.status not in CHANGEABLE:
            raise OrderChangeError("not_changeable")
        paid = locked.status == Order.Status.PAID
        if not paid and locked.expires_at is not None and locked.expires_at <= now:
            raise OrderChangeError("deadline_passed")
        _check_room(locked, [line for line, _date in checked])
        before = audit.snapshot(locked)
        locked.total += added
        locked.save(update_fields=["total"])
        if paid and provider and added > 0:
            Payment.received(locked, provider=provider, amount=added, now=now).save(
                force_insert=True
            )
        after = audit.snapshot(locked)
        after.update(added=str(added), tickets=len(positions), paid_with=provider or None)
        audit.record(
            "order.positions_added",
            locked,
            actor=actor,
            organizer=locked.organizer,
            before=before,
            after=after,
        )

        def write_tickets(holds) -> None:
            for position in positions:
                position.order = locked
            for position, hold in zip(placed, holds, strict=True):
                position.hold = hold
            Position.objects.bulk_create(positions)
            if notify:
                services.queue_order_email(locked, positions, "paid" if paid else "placed")

        if not items:
            write_tickets([])
        else:  # the hot counters last, committed right after (DESIGN rule 1)
            inventory.take(
                organizer=locked.organizer,
                items=items,
                expires_at=None if paid else locked.expires_at,
                owner_ref=f"order:{locked.pk}",
                now=now,
                actor=actor,
                before_counters=write_tickets,
            )
    order.refresh_from_db()
    return positions


# --- removing a ticket -------------------------------------------------------------------


@dataclass
class Removal:
    """A removed ticket, and the refund of its price if one was asked for."""

    position: Position
    refunded: Decimal = Decimal("0")
    refund_error: str = ""
    refunds: list = field(default_factory=list)


def _own_hold(ticket: Position, *, actor: Actor) -> Hold:
    """The hold of this ticket's place alone. Tickets bought together in the shop share
    their cart's hold; it is split first (one place each, the seats in the order the tickets
    show them), so releasing this ticket's place leaves the others' taken."""
    hold = ticket.hold
    if hold is None:  # callers check first; a ticket without a place has none to give
        raise OrderChangeError("not_in_order", field="position")
    if hold.quantity <= 1:
        return hold
    sharing = list(Position.objects.filter(hold=hold, cancelled=False).order_by("pk"))
    singles = inventory.split(hold, actor=actor)
    own = None
    for position, single in zip(sharing, singles, strict=False):
        if position.hold_id != single.pk:
            Position.objects.filter(pk=position.pk).update(hold=single)
        if position.pk == ticket.pk:
            own = single
    if own is None:  # not among the live tickets
        raise OrderChangeError("not_in_order", field="position")
    return own


def remove_position(
    position: Position,
    *,
    actor: Actor,
    refund: bool = False,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Removal:
    """Cancel one ticket of a pending or paid order and give its place back.

    The ticket is kept, marked cancelled (its history stays); the order's total drops by its
    price. The last live ticket cannot be removed (`last_position`: cancel the order). With
    `refund`, a paid order's price of the ticket (at most what is left to refund) is given back
    through the refund service after the change is committed; a provider's refusal is
    reported in `Removal.refund_error` and leaves the ticket removed.
    """
    order = position.order
    require(actor, order.organizer, Perm.CHANGE_ORDERS)
    now = now or timezone.now()
    reason = reason.strip()[:500]
    with transaction.atomic():
        locked = services._locked(order)
        if locked.status not in CHANGEABLE:
            raise OrderChangeError("not_changeable")
        ticket = (
            Position.objects.select_for_update(of=("self",))
            .select_related("hold", "product", "rate")
            .filter(pk=position.pk, order=locked)
            .first()
        )
        if ticket is None:
            raise OrderChangeError("not_in_order", field="position")
        if ticket.cancelled:
            raise OrderChangeError("already_removed", field="position")
        if not locked.positions.filter(cancelled=False).exclude(pk=ticket.pk).exists():
            raise OrderChangeError("last_position", field="position")
        before = audit.snapshot(locked)
        ticket_before = audit.snapshot(ticket)
        if ticket.hold is not None:
            inventory.release(
                [_own_hold(ticket, actor=actor)],
                now=now,
                actor=actor,
                owner_ref=f"order:{locked.pk}",  # a ticket transferred since keeps its place
            )
        ticket.cancelled = True
        ticket.removed_at = now
        ticket.save(update_fields=["cancelled", "removed_at"])
        if locked.status == Order.Status.PAID:  # a gift voucher it was: no longer spendable
            hooks.void_stored(locked, positions=[ticket], now=now, actor=actor)
        locked.total = max(locked.total - ticket.price, Decimal("0"))
        locked.save(update_fields=["total"])
        audit.record_state(
            "position.cancelled",
            ticket,
            actor=actor,
            organizer=locked.organizer,
            before=ticket_before,
        )
        after = audit.snapshot(locked)
        after.update(removed=ticket.pk, price=str(ticket.price))
        if reason:
            after["reason"] = reason
        audit.record(
            "order.position_removed",
            locked,
            actor=actor,
            organizer=locked.organizer,
            before=before,
            after=after,
        )
    order.refresh_from_db()
    position.refresh_from_db()
    result = Removal(position=position)
    if refund and order.status == Order.Status.PAID and position.price > 0:
        # what of a gift voucher line was spent is not refundable (ADR 0034)
        kept = hooks.stored(order, positions=[position]).spent
        amount = min(position.price - kept, payments.refundable_amount(order))
        if amount > 0:
            try:
                result.refunds = payments.refund_order(
                    order,
                    amount=amount,
                    actor=actor,
                    reason=reason or str(_("Ticket #%(id)s removed") % {"id": position.pk}),
                    now=now,
                )
            except RideauError as exc:
                result.refund_error = exc.message
            else:
                result.refunded = amount
    order.refresh_from_db()
    return result


# --- answers -------------------------------------------------------------------------------


def change_answers(
    position: Position,
    *,
    actor: Actor,
    answers: dict,
    name: str | None = None,
    email: str | None = None,
) -> Position:
    """Staff change a ticket's answers (and name, e-mail) with the shop's validation.

    `answers` maps question id → value (see `rideau.orders.answers`); required questions must
    be answered, as at checkout. Raises ValidationFailed keyed `q<id>`; nothing changes then.
    """
    order = position.order
    require(actor, order.organizer, Perm.CHANGE_ORDERS)
    questions = questions_by_product([position.product_id]).get(position.product_id, [])
    cleaned = clean_answers(questions, answers, languages=order.organizer.languages)
    return services.change_attendee(position, actor=actor, name=name, email=email, answers=cleaned)


# --- the balance -----------------------------------------------------------------------------


def pay_balance(
    order: Order,
    *,
    provider: str,
    amount: Decimal | None = None,
    reference: str = "",
    actor: Actor,
    now: datetime.datetime | None = None,
) -> Payment:
    """Record a payment of what is due on a paid order (tickets added and not yet paid)."""
    require(actor, order.organizer, Perm.CHANGE_ORDERS)
    if provider not in BALANCE_PROVIDERS:
        raise OrderChangeError("invalid_provider", field="provider")
    get_provider(provider)
    now = now or timezone.now()
    with transaction.atomic():
        locked = services._locked(order)
        due = balance_due(locked)
        if locked.status != Order.Status.PAID or due <= 0:
            raise OrderChangeError("nothing_due")
        if amount is None:
            amount = due
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            raise PaymentError("invalid_amount", field="amount")
        if amount > due:
            raise OrderChangeError("too_much", field="amount", max=due, currency=locked.currency)
        payment = Payment.received(
            locked, provider=provider, amount=amount, reference=reference.strip(), now=now
        )
        payment.save(force_insert=True)
        audit.record(
            "order.balance_paid",
            locked,
            actor=actor,
            organizer=locked.organizer,
            after={"amount": str(amount), "provider": provider, "due_before": str(due)},
        )
    return payment
