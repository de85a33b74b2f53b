"""Tickets a bundle product grants (a pass, SPEC D1): one place per event date, written as
tickets of the bundle's order, taken through the engine in the caller's transaction.

The places count against the dates' and events' quotas only (the request names the date,
not the pass product, whose own quota counts the passes sold); on a seated date the engine
picks the best available seat unless a seat is given (a renewal keeps its seat). The
tickets follow their order: confirmed when it is paid, given back when it is cancelled or
expires (`services._end` releases by owner).
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from rideau.catalog.models import Rate
from rideau.contacts.services import ensure_contact
from rideau.core import audit, domain_events
from rideau.core.access import Actor
from rideau.core.models import Organizer
from rideau.events.models import EventDate
from rideau.inventory import services as inventory
from rideau.inventory.models import Hold
from rideau.venues.models import Seat

from . import domain_events as events
from . import sellable
from .errors import OrderError
from .models import Order, Payment, Position, SalesChannel
from .services import (
    Buyer,
    OrderLine,
    buyer_order,
    queue_order_email,
    save_new_order,
    seats_numbered,
    upsert_contact,
)


@dataclass(frozen=True, kw_only=True)
class DatedPlace:
    """One date the bundle grants; `seat` to keep a given seat, `hold` to hand over a place
    already held for the order's buyer (a renewal's pre-hold)."""

    date: EventDate
    seat: Seat | None = None
    hold: Hold | None = None


def add_dated_tickets(
    order: Order,
    *,
    rate: Rate,
    places: Sequence[DatedPlace],
    attendee_name: str = "",
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
) -> list[Position]:
    """Write one ticket of `rate`'s product at price 0 per place, all or nothing.

    Must run inside the caller's transaction (the order's): an InventoryError (sold out, a
    seat taken) leaves no ticket and no hold of this call behind. Places with a `hold` are
    handed over to the order (`inventory.transfer`); the others are taken (`inventory.take`,
    confirmed when the order is paid, held until its deadline otherwise).
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("add_dated_tickets needs a transaction")
    now = now or timezone.now()
    owner_ref = f"order:{order.pk}"
    paid = order.status == Order.Status.PAID
    expires_at = None if paid else order.expires_at
    given = [p for p in places if p.hold is not None]
    fresh = [p for p in places if p.hold is None]
    seated: dict[int, bool] = {}
    positions = {
        id(place): Position(
            order=order,
            product=rate.product,
            rate=rate,
            date=place.date,
            price=0,
            attendee_name=attendee_name[:200],
        )
        for place in places
    }
    with transaction.atomic():
        if given:
            holds = [p.hold for p in given if p.hold is not None]
            inventory.transfer(
                holds,
                owner_ref=owner_ref,
                actor=actor,
                kind=Hold.Kind.ORDER,
                expires_at=expires_at if expires_at and expires_at > now else None,
                now=now,
                reason="bundle",
            )
            if paid:
                inventory.confirm(holds, now=now, actor=actor, owner_ref=owner_ref)
            for place in given:
                positions[id(place)].hold = place.hold
            Position.objects.bulk_create([positions[id(p)] for p in given])
        if fresh:
            items = [
                inventory.HoldRequest(
                    quantity=1 if place.seat is None else 0,
                    date=place.date,
                    seats=(place.seat,) if place.seat is not None else (),
                    best_available=place.seat is None and seats_numbered(place.date, seated),
                )
                for place in fresh
            ]

            def write(holds: Sequence[Hold]) -> None:
                for place, hold in zip(fresh, holds, strict=True):
                    positions[id(place)].hold = hold
                Position.objects.bulk_create([positions[id(p)] for p in fresh])

            inventory.take(
                organizer=order.organizer,
                items=items,
                expires_at=expires_at,
                owner_ref=owner_ref,
                now=now,
                actor=actor,
                before_counters=write,
                kind=Hold.Kind.ORDER,
            )
    return [positions[id(p)] for p in places]


def open_order(
    organizer: Organizer,
    *,
    email: str,
    name: str = "",
    channel: str = SalesChannel.WEB,
    locale: str = "",
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
    reason: str = "",
) -> Order:
    """A free order, paid at once, to carry tickets a bundle already paid for grants (a
    choice pass's chosen events, D3). The caller adds the tickets in the same transaction."""
    now = now or timezone.now()
    order = buyer_order(
        organizer,
        Buyer(email=email, name=name, locale=locale or organizer.default_language),
        event=None,
        channel=channel,
        total=Decimal("0"),
        settled=True,
        provider="free",
        expires_at=None,
        now=now,
    )
    with transaction.atomic():
        order.contact = ensure_contact(organizer, email=email, language=order.locale)
        save_new_order(order)
        audit.record(
            "order.placed",
            order,
            actor=actor,
            organizer=organizer,
            after={**audit.snapshot(order), "reason": reason[:200]},
        )
        domain_events.publish(
            events.about(order, events.OrderPlaced),
            events.about(order, events.OrderPaid, provider="free"),
        )
    return order


def sell_held_place(
    organizer: Organizer,
    *,
    rate: Rate,
    date: EventDate,
    hold: Hold,
    buyer: Buyer,
    channel: str = SalesChannel.WEB,
    provider: str = "",
    paid: bool = False,
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
    payment_deadline: datetime.timedelta = datetime.timedelta(minutes=30),
) -> Order:
    """An order of one ticket of `rate` for `date` whose place is `hold`, handed over with
    `inventory.transfer` (a resold place: the same seat, never free in between). The sales
    rules are the ticket path's (`sellable.check_lines`). Runs in the caller's transaction
    or its own; raises OrderError / InventoryError and writes nothing."""
    now = now or timezone.now()
    try:
        validate_email(buyer.email)
    except ValidationError:
        raise OrderError("invalid_email", field="email") from None
    sellable.check_lines(
        date.event, [OrderLine(rate=rate, date=date)], now, channel=channel, organizer=organizer
    )
    total = rate.price
    settled = paid or total == 0
    order = buyer_order(
        organizer,
        buyer,
        event=date.event,
        channel=channel,
        total=total,
        settled=settled,
        provider=provider,
        expires_at=None if settled else now + payment_deadline,
        now=now,
    )
    position = Position(product=rate.product, rate=rate, date=date, price=total, hold=hold)
    with transaction.atomic():
        order.contact = upsert_contact(organizer, buyer)
        save_new_order(order)
        inventory.transfer(
            [hold],
            owner_ref=f"order:{order.pk}",
            actor=actor,
            kind=Hold.Kind.ORDER,
            now=now,
            reason="resale",
        )
        position.order = order
        position.save()
        if settled and total > 0:
            Payment.received(order, provider=order.payment_provider, amount=total, now=now).save(
                force_insert=True
            )
        audit.record(
            "order.placed",
            order,
            actor=actor,
            organizer=organizer,
            after={**audit.snapshot(order), "resale": True},
        )
        happened = [events.about(order, events.OrderPlaced)]
        if settled:
            happened.append(events.about(order, events.OrderPaid, provider=order.payment_provider))
        domain_events.publish(*happened)
        queue_order_email(order, [position], "paid" if settled else "placed")
    return order


def retire_ticket(position: Position, *, actor: Actor | None = None, reason: str = "") -> None:
    """Cancel one ticket whose place went to someone else (a resold pass ticket): its secret
    stops scanning; its hold is not released (it belongs to the new owner now)."""
    Position.objects.filter(pk=position.pk).update(cancelled=True)
    position.cancelled = True
    audit.record(
        "ticket.retired",
        position,
        actor=actor,
        organizer=position.order.organizer,
        after={"reason": reason[:200]},
    )
