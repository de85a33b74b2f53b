"""The write path of reservations (SPEC C1, C3, C4, C6): reserve, pay (through the normal
payment flow), cancel, extend, release, remind. See ADR 0013.

A reservation is an order of `orders` waiting for payment, its places held by the capacity
engine (holds of kind `reservation`, expiring at `release_at`), plus a `Reservation` row.
Every change that ends it locks the reservation row first, then the order row: a payment
and a release of the same reservation serialise on the order, and whichever comes second
sees the other's outcome (exactly one wins).
"""

import datetime
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rideau.catalog.models import AudienceType, Product
from rideau.core import audit, domain_events
from rideau.core import services as core_services
from rideau.core.access import Actor, require
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.timezones import organizer_time
from rideau.events.models import Event, EventDate
from rideau.inventory import services as inventory
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold
from rideau.messaging.services import queue_email
from rideau.orders import carts
from rideau.orders import services as orders
from rideau.orders.models import Order, Position

from . import domain_events as events
from . import rules
from .errors import ReservationError
from .models import (
    PointOfSale,
    ProductProfile,
    ProfileProduct,
    ReleasePolicy,
    Reservation,
    ReservationItem,
    ReservationRule,
)

S = TypeVar("S", PointOfSale, ProductProfile)

MAX_REASON = 500


def _line_deadlines(
    *,
    point_of_sale: PointOfSale | None,
    audience_type: AudienceType | None,
    lines: Sequence[tuple],  # (product, date)
    now: datetime.datetime,
) -> list[datetime.datetime]:
    """Each line's deadline, or ReservationError naming the first line that cannot be
    reserved (C2: all three switches)."""
    if not rules.point_of_sale_allows(point_of_sale, audience_type):
        raise ReservationError("closed")
    deadlines = []
    for product, date in lines:
        verdict = rules.verdict(
            point_of_sale=point_of_sale,
            audience_type=audience_type,
            product=product,
            date=date,
            now=now,
        )
        if not verdict.reservable or verdict.deadline is None:
            raise ReservationError("not_reservable", product=str(product))
        deadlines.append(verdict.deadline)
    return deadlines


def reserve(
    organizer: Organizer,
    *,
    event: Event | None,
    lines: Sequence[orders.OrderLine],
    buyer: orders.Buyer,
    point_of_sale: PointOfSale,
    audience_type: AudienceType | None = None,
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
    idempotency_key: str | None = None,
) -> Reservation:
    """Reserve `lines` for `buyer` at a point of sale (box office, phone, partner, API):
    an order waiting for payment, its places held until the release time. Staff calls
    (`actor`) need the right to sell."""
    now = now or timezone.now()
    if actor is not None:
        require(actor, organizer, Perm.CHANGE_ORDERS)
    if point_of_sale.organizer_id != organizer.pk:
        raise ReservationError("no_point_of_sale", field="point_of_sale")
    if not lines:
        raise ReservationError("empty", field="lines")
    deadlines = _line_deadlines(
        point_of_sale=point_of_sale,
        audience_type=audience_type,
        lines=[(line.rate.product, line.date) for line in lines],
        now=now,
    )
    per_ticket = [
        d for line, d in zip(lines, deadlines, strict=True) for _i in range(line.quantity)
    ]
    deadline = min(deadlines)
    release_at = rules.release_time(
        rules.policy_for(organizer.pk, event.pk if event else None), deadline
    )
    with transaction.atomic():
        order = orders.place_order(
            organizer,
            event=event,
            lines=lines,
            buyer=buyer,
            channel=point_of_sale.channel,
            audience_type=audience_type,
            actor=actor,
            now=now,
            idempotency_key=idempotency_key,
            hold_kind=Hold.Kind.RESERVATION,
            hold_expires_at=release_at,
        )
        return _record(order, point_of_sale, deadline, release_at, per_ticket, actor=actor, now=now)


def reserve_cart(
    organizer: Organizer,
    event: Event,
    *,
    token: str,
    buyer: orders.Buyer,
    attendees: Sequence[orders.Attendee],
    now: datetime.datetime | None = None,
) -> Reservation:
    """The shop's "reserve now, pay later" (C1): the cart's places become a reservation's.
    Idempotent like the checkout: a second submit returns the same reservation."""
    now = now or timezone.now()
    placed = carts.order_of(organizer, token)
    if placed is not None:
        existing = Reservation.objects.filter(order=placed).first()
        if existing is not None:
            return existing
        raise ReservationError("not_active")  # this cart was bought, not reserved
    point_of_sale = rules.web_point_of_sale(organizer)
    cart = carts.get_cart(organizer, event, token, now=now)
    if not cart:
        raise ReservationError("empty")
    deadlines = _line_deadlines(
        point_of_sale=point_of_sale,
        audience_type=None,
        lines=[(line.rate.product, line.date) for line in cart.lines],
        now=now,
    )
    per_ticket = [
        d for line, d in zip(cart.lines, deadlines, strict=True) for _i in range(line.quantity)
    ]
    assert point_of_sale is not None
    deadline = min(deadlines)
    release_at = rules.release_time(rules.policy_for(organizer.pk, event.pk), deadline)
    with transaction.atomic():
        order = carts.check_out(
            organizer,
            event,
            token=token,
            buyer=buyer,
            attendees=attendees,
            provider="",
            now=now,
            hold_kind=Hold.Kind.RESERVATION,
            hold_expires_at=release_at,
        )
        # a concurrent submit of the same cart placed it first (with its reservation)
        existing = Reservation.objects.filter(order=order).first()
        if existing is not None:
            return existing
        return _record(order, point_of_sale, deadline, release_at, per_ticket, actor=None, now=now)


def _record(
    order: Order,
    point_of_sale: PointOfSale,
    deadline: datetime.datetime,
    release_at: datetime.datetime,
    per_ticket: list[datetime.datetime],
    *,
    actor: Actor | None,
    now: datetime.datetime,
) -> Reservation:
    reservation = Reservation.objects.create(
        organizer=order.organizer,
        order=order,
        code=order.code,
        point_of_sale=point_of_sale,
        deadline=deadline,
        release_at=release_at,
        created=now,
    )
    positions = list(Position.objects.filter(order=order).order_by("id"))
    ReservationItem.objects.bulk_create(
        ReservationItem(reservation=reservation, position=position, deadline=item_deadline)
        for position, item_deadline in zip(positions, per_ticket, strict=False)
    )
    audit.record_state("reservation.made", reservation, actor=actor, organizer=order.organizer)
    _queue_email(reservation, "made")
    domain_events.publish(events.about(reservation, events.ReservationMade, channel=order.channel))
    return reservation


def account_url(reservation: Reservation) -> str:
    """The reservation's page in the buyer's personal space (the e-mails link to it)."""
    path = reverse(
        "web:account-reservation",
        kwargs={"organizer": reservation.organizer.slug, "code": reservation.order.code},
    )
    return settings.SITE_URL + path


def _queue_email(reservation: Reservation, kind: str) -> None:
    order = reservation.order
    with organizer_time(order.organizer, order.locale):
        subjects = {
            "made": _("Your reservation %(code)s: pay before the deadline"),
            "reminder": _("Reminder: your reservation %(code)s is due soon"),
            "expired": _("Your reservation %(code)s expired"),
            "cancelled": _("Your reservation %(code)s was cancelled"),
            "extended": _("Your reservation %(code)s: new deadline"),
        }
        items = list(
            reservation.items.select_related(
                "position__product", "position__rate", "position__date"
            )
        )
        context = {
            "reservation": reservation,
            "order": order,
            "items": items,
            "kind": kind,
            "url": account_url(reservation),
        }
        queue_email(
            organizer=order.organizer,
            reference=f"reservation:{reservation.pk}:{kind}",
            to=[order.email],
            subject=subjects[kind] % {"code": order.code},
            text=render_to_string("reservations/email.txt", context),
            reply_to=[order.organizer.contact_email] if order.organizer.contact_email else None,
        )


def _locked(reservation: Reservation) -> tuple[Reservation, Order]:
    """The reservation and its order, locked in that order (every path locks both so)."""
    locked = (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("organizer")
        .get(pk=reservation.pk)
    )
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("organizer")
        .get(pk=locked.order_id)
    )
    locked.order = order
    return locked, order


def _settled(locked: Reservation, order: Order, now: datetime.datetime) -> bool:
    """Bring the reservation in line with its order when the order moved on its own (paid,
    cancelled by staff); True when it is no longer active."""
    if locked.status != Reservation.Status.ACTIVE:
        return True
    if order.status == Order.Status.PENDING:
        return False
    locked.status = (
        Reservation.Status.PAID
        if order.status == Order.Status.PAID
        else Reservation.Status.CANCELLED
    )
    locked.ended = now
    locked.save(update_fields=["status", "ended"])
    return True


@contextmanager
def _changing(
    reservation: Reservation, now: datetime.datetime, *, due_ok: bool
) -> Iterator[tuple[Reservation, Order]]:
    """A staff or buyer change of an active reservation: it and its order locked, refused
    once it ended (and, unless `due_ok`, once past its release time); the caller's
    instance is reloaded after the change."""
    with transaction.atomic():
        locked, order = _locked(reservation)
        if _settled(locked, order, now):
            raise ReservationError("not_active")
        if not due_ok and locked.is_due(now):
            raise ReservationError("past_deadline")
        yield locked, order
    reservation.refresh_from_db()


def _save_told(
    locked: Reservation, before: dict, fields: list[str], actor: Actor | None, kind: str
) -> None:
    """Save the changed `fields`, log "reservation.<kind>" and send the buyer that e-mail."""
    locked.save(update_fields=fields)
    audit.record_state(
        f"reservation.{kind}", locked, actor=actor, organizer=locked.organizer, before=before
    )
    _queue_email(locked, kind)


def cancel(
    reservation: Reservation,
    *,
    reason: str = "",
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
) -> Reservation:
    """The buyer (no actor) or staff cancel a reservation, with an optional reason: its
    places go back at once (to the waitlist first, through the engine's hook)."""
    now = now or timezone.now()
    reason = reason.strip()[:MAX_REASON]
    if actor is not None:
        require(actor, reservation.organizer, Perm.CHANGE_ORDERS)
    with _changing(reservation, now, due_ok=True) as (locked, order):
        before = audit.snapshot(locked)
        orders.cancel_order(order, actor=actor, reason=reason, notify=False, now=now)
        locked.status = Reservation.Status.CANCELLED
        locked.cancel_reason = reason
        locked.ended = now
        _save_told(locked, before, ["status", "cancel_reason", "ended"], actor, "cancelled")
    return reservation


def pay(
    reservation: Reservation,
    *,
    provider: str,
    amount: Decimal,
    reference: str = "",
    actor: Actor,
    now: datetime.datetime | None = None,
) -> Reservation:
    """Staff record the payment of a reservation (cash at the counter, a transfer received,
    the API): refused once it is past its release time or ended; otherwise the order is paid
    through `orders.mark_paid` in the same transaction, under the same locks as a release."""
    now = now or timezone.now()
    require(actor, reservation.organizer, Perm.CHANGE_ORDERS)
    with _changing(reservation, now, due_ok=False) as (locked, order):
        orders.mark_paid(
            order, provider=provider, amount=amount, reference=reference, actor=actor, now=now
        )
        locked.status = Reservation.Status.PAID
        locked.ended = now
        locked.save(update_fields=["status", "ended"])
    return reservation


def check_payable(order: Order, now: datetime.datetime | None = None) -> None:
    """An order that is a reservation's is paid only while the reservation is open and
    before its release time, wherever it is paid (staff `pay`, the box office's till): past
    it, its places are no longer its own (DESIGN rule 2). ReservationError otherwise; an
    order without a reservation passes."""
    reservation = Reservation.objects.filter(order_id=order.pk).first()
    if reservation is None:
        return
    if reservation.status != Reservation.Status.ACTIVE:
        raise ReservationError("not_active")
    if reservation.is_due(now or timezone.now()):
        raise ReservationError("past_deadline")


def extend(
    reservation: Reservation,
    *,
    deadline: datetime.datetime,
    actor: Actor,
    now: datetime.datetime | None = None,
) -> Reservation:
    """Staff give a reservation a new deadline (C6, audited): its places stay held until
    then (plus the grace of a lenient policy). Refused once its places went back."""
    now = now or timezone.now()
    require(actor, reservation.organizer, Perm.CHANGE_ORDERS)
    if deadline <= now:
        raise ReservationError("invalid_deadline", field="deadline")
    with _changing(reservation, now, due_ok=False) as (locked, order):
        starts = [
            item.position.date.start
            for item in locked.items.select_related("position__date")
            if item.position.date is not None
        ]
        if starts and deadline > min(starts):
            raise ReservationError("after_the_show", field="deadline")
        before = audit.snapshot(locked)
        release_at = rules.release_time(
            rules.policy_for(order.organizer_id, order.event_id), deadline
        )
        holds = orders.holds_of(order)
        try:
            inventory.extend(
                holds,
                expires_at=release_at,
                owner_ref=f"order:{order.pk}",
                now=now,
                actor=actor,
                kind=Hold.Kind.RESERVATION,
            )
        except InventoryError:
            raise ReservationError("past_deadline") from None
        locked.deadline = deadline
        locked.release_at = release_at
        locked.reminded_at = None
        locked.extensions += 1
        locked.items.filter(deadline__lt=deadline).update(deadline=deadline)
        _save_told(
            locked,
            before,
            ["deadline", "release_at", "reminded_at", "extensions"],
            actor,
            "extended",
        )
    return reservation


def release(
    reservation: Reservation,
    *,
    now: datetime.datetime | None = None,
    actor: Actor | None = None,
) -> bool:
    """End a reservation past its release time: its order is cancelled and its places go
    back. True if this call released it; False if it was paid, ended or extended meanwhile
    (idempotent: the periodic job and staff may both try)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked, order = _locked(reservation)
        if _settled(locked, order, now) or not locked.is_due(now):
            return False
        before = audit.snapshot(locked)
        orders.cancel_order(
            order, actor=actor, reason=_("Reservation not paid in time"), notify=False, now=now
        )
        locked.status = Reservation.Status.EXPIRED
        locked.ended = now
        _save_told(locked, before, ["status", "ended"], actor, "expired")
        domain_events.publish(events.about(locked, events.ReservationExpired))
    return True


def release_due(now: datetime.datetime | None = None, *, batch_size: int = 200) -> int:
    """Periodic: release every active reservation past its release time (idempotent)."""
    now = now or timezone.now()
    due = Reservation.objects.filter(
        status=Reservation.Status.ACTIVE, release_at__lte=now
    ).order_by("release_at", "id")[:batch_size]
    return sum(1 for reservation in due if release(reservation, now=now))


def staff_release(
    reservation: Reservation,
    *,
    actor: Actor,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Reservation:
    """Staff cancel a reservation from the release screen (places released at once)."""
    return cancel(reservation, reason=reason, actor=actor, now=now)


def remind_due(now: datetime.datetime | None = None, *, batch_size: int = 200) -> int:
    """Periodic: remind buyers whose reservation is due within their policy's reminder
    time, once per deadline (an extension re-arms it). Idempotent."""
    now = now or timezone.now()
    candidates = (
        Reservation.objects.filter(
            status=Reservation.Status.ACTIVE, reminded_at__isnull=True, deadline__gt=now
        )
        .select_related("order")
        .order_by("deadline", "id")[:batch_size]
    )
    sent = 0
    for reservation in candidates:
        policy = rules.policy_for(reservation.organizer_id, reservation.order.event_id)
        hours = policy.remind_hours_before
        if not hours or reservation.deadline - datetime.timedelta(hours=hours) > now:
            continue
        with transaction.atomic():
            locked, order = _locked(reservation)
            if _settled(locked, order, now) or locked.reminded_at is not None:
                continue
            locked.reminded_at = now
            locked.save(update_fields=["reminded_at"])
            _queue_email(locked, "reminder")
            domain_events.publish(events.about(locked, events.ReservationNearDeadline))
            sent += 1
    return sent


def mark_settled(order_id: int, *, now: datetime.datetime | None = None) -> None:
    """An order of a reservation was paid or cancelled elsewhere (a payment, staff in the
    orders screen): the reservation follows (idempotent)."""
    now = now or timezone.now()
    reservation = Reservation.objects.filter(order_id=order_id).first()
    if reservation is None:
        return
    with transaction.atomic():
        locked, order = _locked(reservation)
        _settled(locked, order, now)


def valid_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


# --- the organiser's settings: points of sale, profiles, deadline rules (C2) ------------


def _save_setting(setting: S, *, actor: Actor, action: str, **options: Any) -> S:
    """Create or change one of the organiser's reservation settings, logged."""
    before = audit.snapshot(setting) if setting.pk else None
    return core_services.save_with_audit(
        setting, actor=actor, action=action, perm=Perm.CHANGE_ORGANIZER, before=before, **options
    )


def save_point_of_sale(
    point: PointOfSale, *, audiences: Sequence[AudienceType], actor: Actor
) -> PointOfSale:
    """Create or change a point of sale and the audiences who may reserve there."""
    if any(a.organizer_id != point.organizer_id for a in audiences):
        raise ReservationError("no_point_of_sale", field="reserving_audiences")
    with transaction.atomic():
        saved = _save_setting(
            point,
            actor=actor,
            action="reservations.point_of_sale_saved",
            unique_errors={"name": [_("A point of sale with this name exists already.")]},
        )
        saved.reserving_audiences.set(audiences)
    return saved


def save_profile(
    profile: ProductProfile,
    *,
    points_of_sale: Sequence[PointOfSale],
    dates: Sequence[EventDate],
    products: Sequence[Product],
    reservable: Sequence[Product],
    actor: Actor,
) -> ProductProfile:
    """Create or change a product profile: where and when it applies, its products and
    which of them are reservable (the others: sale only)."""
    organizer_id = profile.organizer_id
    if (
        any(p.organizer_id != organizer_id for p in points_of_sale)
        or any(d.event.organizer_id != organizer_id for d in dates)
        or any(p.organizer_id != organizer_id for p in products)
    ):
        raise ReservationError("no_point_of_sale", field="products")
    reservable_ids = {p.pk for p in reservable}
    with transaction.atomic():
        saved = _save_setting(profile, actor=actor, action="reservations.profile_saved")
        saved.points_of_sale.set(points_of_sale)
        saved.dates.set(dates)
        saved.items.exclude(product__in=products).delete()
        for product in products:
            ProfileProduct.objects.update_or_create(
                profile=saved,
                product=product,
                defaults={"reservable": product.pk in reservable_ids},
            )
    return saved


def save_rule(
    product: Product,
    *,
    days_after_booking: int | None,
    days_before_date: int | None,
    actor: Actor,
) -> ReservationRule | None:
    """A product's deadline rule; both empty removes it (the product cannot be reserved)."""
    require(actor, product.organizer, Perm.CHANGE_ORGANIZER)
    with transaction.atomic():
        rule = ReservationRule.objects.filter(product=product).first()
        before = audit.snapshot(rule) if rule else None
        if days_after_booking is None and days_before_date is None:
            if rule is not None:
                audit.record(
                    "reservations.rule_removed",
                    rule,
                    actor=actor,
                    organizer=product.organizer,
                    before=before,
                )
                rule.delete()
            return None
        rule = rule or ReservationRule(product=product)
        rule.days_after_booking = days_after_booking
        rule.days_before_date = days_before_date
        core_services.save_checked(
            rule, actor=actor, action="reservations.rule_saved", before=before
        )
    return rule


# --- staff options on the release screen (C6) -------------------------------------------


def _option(organizer: Organizer, hold_id: int) -> Hold:
    hold = Hold.objects.filter(
        organizer=organizer, pk=hold_id, kind=Hold.Kind.OPTION, state=Hold.State.HELD
    ).first()
    if hold is None:
        raise ReservationError("not_active")
    return hold


def extend_option(
    organizer: Organizer,
    hold_id: int,
    *,
    deadline: datetime.datetime,
    actor: Actor,
    now: datetime.datetime | None = None,
) -> Hold:
    """Staff give an option (places held by staff with a deadline) a new deadline; the
    engine refuses one already past its deadline (its places went back)."""
    now = now or timezone.now()
    require(actor, organizer, Perm.CHANGE_ORDERS)
    if deadline <= now:
        raise ReservationError("invalid_deadline", field="deadline")
    hold = _option(organizer, hold_id)
    try:
        (extended,) = inventory.extend(
            [hold], expires_at=deadline, owner_ref=hold.owner_ref, now=now, actor=actor
        )
    except InventoryError:
        raise ReservationError("past_deadline") from None
    return extended


def release_option(
    organizer: Organizer, hold_id: int, *, actor: Actor, now: datetime.datetime | None = None
) -> None:
    """Staff give an option's places back at once (to the waitlist first)."""
    require(actor, organizer, Perm.CHANGE_ORDERS)
    hold = _option(organizer, hold_id)
    inventory.release([hold], owner_ref=hold.owner_ref, now=now, actor=actor)


def save_policy(policy: ReleasePolicy, *, actor: Actor) -> ReleasePolicy:
    """The organiser's (no event) or an event's release policy (C6), audited."""
    event = policy.event if policy.event_id is not None else None
    if event is not None and event.organizer_id != policy.organizer_id:
        raise ReservationError("no_point_of_sale", field="event")
    before = None
    if policy.pk:
        stored = ReleasePolicy.objects.filter(pk=policy.pk).first()
        before = audit.snapshot(stored) if stored else None
    return core_services.save_with_audit(
        policy,
        actor=actor,
        action="reservations.policy_changed",
        perm=Perm.CHANGE_ORGANIZER,
        before=before,
    )
