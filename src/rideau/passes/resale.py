"""Resale of pass tickets (SPEC D7).

A subscriber lists tickets of their pass; the place stays theirs (its hold untouched) until a
buyer takes it. **Listed places are sold before fresh ones**: every ordinary checkout of the
event (web shop, shop API, box office: `orders.services.place_order`) is handed the listed
places of its tickets' dates first — the oldest listing first, of the same category (the
category rule of `orders.hooks`) — through `ListedPlaces`, registered from
`PassesConfig.ready()`; the passes page's resale list (`buy`) sells one chosen listing. Both
hand the very hold — the same seat — to the buyer's order (`inventory.transfer`). A cart,
or an order waiting for payment, only *claims* the place (`inventory.claim`, with its
deadline): the listing stays listed, and is sold — the holder told and paid — when the order
is paid (`ListedPlaces.settle`, from `orders.mark_paid`); an emptied or expired cart, or an
order cancelled or expired unpaid, ends the claim and the place is on offer again. The old
ticket is retired at the sale, so its secret (and the pass's QR code for that date) stops
scanning.
`EventDate.offered_back` counts each date's listings, so checkouts of dates without any ask
nothing. A listing ends exactly once: `sold`, `withdrawn` or `unsold`
are each written by one conditional UPDATE from `listed`, so a withdrawal racing a sale ends
in exactly one outcome. Unsold at the date's start, a listing is withdrawn (the periodic job
only sends the e-mail promptly: `buy` refuses a started date anyway, DESIGN rule 2).
"""

import datetime
from collections.abc import Collection, Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from rideau.catalog.models import Rate
from rideau.core import audit, domain_events
from rideau.core.access import Actor
from rideau.core.errors import ValidationFailed
from rideau.core.i18n import money
from rideau.core.text import text_problem
from rideau.core.timezones import organizer_time
from rideau.events.models import EventDate
from rideau.inventory import services as inventory
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, HoldQuota, SeatHold
from rideau.messaging.services import queue_email
from rideau.orders import bundles, hooks
from rideau.orders import services as orders
from rideau.orders.errors import OrderError
from rideau.orders.models import Order, Position, SalesChannel

from . import queries, services
from .domain_events import SeatResold, about
from .errors import PassError
from .models import Pass, PassProduct, PassTicket, Resale
from .payment import PassCreditProvider
from .payment import reference as payment_reference

Proceeds = PassProduct.Proceeds


def clean_iban(value: str) -> str:
    """An IBAN in its compact form, or raises ValueError (checksum, country, length)."""
    try:
        return IBAN(value).compact
    except (SchwiftyException, ValueError):
        raise ValueError from None


def list_tickets(
    p: Pass,
    *,
    tickets: Sequence[PassTicket],
    method: str,
    iban: str = "",
    account_holder: str = "",
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
) -> list[Resale]:
    """Put tickets of the pass up for resale with the chosen way of handling proceeds.
    Raises ValidationFailed / PassError and lists nothing."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if method not in p.pass_product.resale_methods:
        errors["method"] = [str(PassError("method_not_allowed").message)]
    if method == Proceeds.TRANSFER:
        try:
            iban = clean_iban(iban)
        except ValueError:
            errors["iban"] = [_("Enter a valid IBAN.")]
        account_holder = account_holder.strip()
        if not account_holder:
            errors["account_holder"] = [_("This field is required.")]
        elif text_problem(account_holder):
            errors["account_holder"] = [_("This text holds characters that are not allowed.")]
    else:
        iban, account_holder = "", ""
    if not tickets:
        errors["tickets"] = [_("Choose at least one ticket.")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = list(
            PassTicket.objects.select_for_update(of=("self",))
            .filter(pk__in=[t.pk for t in tickets])
            .select_related("date", "position")
            .order_by("pk")
        )
        for ticket in locked:
            if (
                ticket.pass_obj_id != p.pk
                or ticket.state != PassTicket.State.VALID
                or ticket.position.cancelled
                or ticket.date.start <= now
                or p.status != Pass.Status.ACTIVE
            ):
                raise PassError("not_resellable", field="tickets")
        PassTicket.objects.filter(pk__in=[t.pk for t in locked]).update(
            state=PassTicket.State.ON_RESALE
        )
        for ticket in locked:
            _count(ticket.date_id, +1)
        resales = Resale.objects.bulk_create(
            [
                Resale(
                    organizer_id=p.organizer_id,
                    ticket=ticket,
                    method=method,
                    iban=iban,
                    account_holder=account_holder[:200],
                    created=now,
                )
                for ticket in locked
            ]
        )
        audit.record(
            "pass.resale_listed",
            p,
            actor=actor,
            organizer=p.organizer,
            after={"tickets": [t.pk for t in locked], "method": method},
        )
    return resales


def _count(date_id: int, change: int) -> None:
    """Keep `EventDate.offered_back` (the date's listings) with the listing's state."""
    dates = EventDate.objects.filter(pk=date_id)
    if change < 0:
        dates = dates.filter(offered_back__gte=-change)
    dates.update(offered_back=F("offered_back") + change)


def _end(resale: Resale, state: str, now: datetime.datetime) -> bool:
    """listed → `state`, by one conditional UPDATE: True for the one caller that did it."""
    done = bool(
        Resale.objects.filter(pk=resale.pk, state=Resale.State.LISTED).update(
            state=state, ended=now
        )
    )
    if done:
        date_id = PassTicket.objects.filter(pk=resale.ticket_id).values_list("date_id", flat=True)
        _count(date_id[0], -1)
    return done


def withdraw(
    resale: Resale,
    *,
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
    unsold: bool = False,
) -> Resale:
    """Take a listed ticket off resale (the subscriber, any time until sold; or unsold at
    the date's start). Raises PassError("not_on_resale") when it was sold or withdrawn,
    "being_bought" while a cart or an unpaid order claims it (their claim ends by itself)."""
    now = now or timezone.now()
    with transaction.atomic():
        # locked first: a claim committed meanwhile is seen, one being made waits for us
        Resale.objects.select_for_update(of=("self",)).filter(pk=resale.pk).first()
        if queries.is_claimed(resale, now):
            raise PassError("being_bought")
        if not _end(resale, Resale.State.UNSOLD if unsold else Resale.State.WITHDRAWN, now):
            raise PassError("not_on_resale")
        PassTicket.objects.filter(pk=resale.ticket_id).update(state=PassTicket.State.VALID)
        ticket = PassTicket.objects.select_related("pass_obj__organizer", "date__event").get(
            pk=resale.ticket_id
        )
        audit.record(
            "pass.resale_unsold" if unsold else "pass.resale_withdrawn",
            ticket.pass_obj,
            actor=actor,
            organizer=ticket.pass_obj.organizer,
            after={"resale": resale.pk},
        )
        if unsold:
            _mail(ticket.pass_obj, "unsold", ticket=ticket, resale=resale)
    resale.refresh_from_db()
    return resale


def buy(
    resale: Resale,
    *,
    rate: Rate,
    buyer: orders.Buyer,
    channel: str = SalesChannel.WEB,
    provider: str = "",
    paid: bool = False,
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
) -> Order:
    """Sell a listed ticket to a buyer at `rate` (a ticket rate of its event): the buyer's
    order gets the same place (seat), the old ticket stops scanning, the subscriber is told
    by e-mail and the proceeds are recorded as chosen. An order to pay later only claims
    the place until its deadline: all that happens when it is paid (`settle`). Raises
    PassError("not_on_resale") if it was sold, withdrawn or claimed meanwhile."""
    now = now or timezone.now()
    ticket = PassTicket.objects.select_related(
        "position__hold", "position__order__organizer", "date__event", "pass_obj"
    ).get(pk=resale.ticket_id)
    if rate.product.event_id != ticket.event_id:
        raise PassError("not_resellable", field="rate")
    hold = ticket.position.hold
    if hold is None:
        raise PassError("not_resellable")
    deadline = datetime.timedelta(minutes=30)
    settled = paid or rate.price == 0
    with transaction.atomic():
        if settled:
            if not _end(resale, Resale.State.SOLD, now):  # the one outcome (vs a withdrawal)
                raise PassError("not_on_resale")
        else:  # pay later: the listing locked first (as a withdrawal does), then claimed
            listed = Resale.objects.select_for_update(of=("self",)).filter(
                pk=resale.pk, state=Resale.State.LISTED
            )
            if listed.first() is None:
                raise PassError("not_on_resale")
            try:
                hold = inventory.claim(
                    hold,
                    owner_ref=f"resale:{resale.pk}",
                    expires_at=now + deadline,
                    rate=rate,
                    kind=Hold.Kind.ORDER,
                    now=now,
                    actor=actor,
                )
            except InventoryError:  # another buyer claims it
                raise PassError("not_on_resale") from None
        order = bundles.sell_held_place(
            ticket.pass_obj.organizer,
            rate=rate,
            date=ticket.date,
            hold=hold,
            buyer=buyer,
            channel=channel,
            provider=provider,
            paid=paid,
            actor=actor,
            now=now,
            payment_deadline=deadline,
        )
        if settled:
            _sold(resale, ticket, order, amount=order.total, actor=actor)
    return order


def _sold(
    resale: Resale, ticket: PassTicket, order: Order, *, amount: Decimal, actor: Actor | None
) -> None:
    """A listing just ended `sold` to `order` (its hold handed over): the old ticket stops
    scanning, the proceeds are recorded as chosen (credit once paid), the subscriber told."""
    bundles.retire_ticket(ticket.position, actor=actor, reason="resold")
    PassTicket.objects.filter(pk=ticket.pk).update(state=PassTicket.State.RESOLD)
    Resale.objects.filter(pk=resale.pk).update(buyer_order=order, amount=amount)
    resale.refresh_from_db()
    if order.status == Order.Status.PAID:
        record_proceeds(resale, actor=actor)
    p = ticket.pass_obj
    domain_events.publish(
        about(
            p,
            SeatResold,
            resale_id=resale.pk,
            pass_id=p.pk,
            date_id=ticket.date_id,
            buyer_order_id=order.pk,
            method=resale.method,
            amount=str(amount),
        )
    )
    _mail(p, "sold", ticket=ticket, resale=resale, paid=order.status == Order.Status.PAID)


class ListedPlaces:
    """The checkout's supplier of listed places (`orders.hooks`): sold before fresh ones."""

    def offered(
        self, organizer_id: int, date_ids: Collection[int], now: datetime.datetime
    ) -> list[hooks.Offered]:
        rows = list(
            _listed(organizer_id, date_ids, now).values_list(
                "ticket__date_id", "ticket__position__hold_id"
            )
        )
        hold_ids = [hold_id for _date, hold_id in rows]
        links = _quotas_of(hold_ids)
        seats = dict(
            SeatHold.objects.filter(hold_id__in=hold_ids, active=True).values_list(
                "hold_id", "seat_id"
            )
        )
        return [
            hooks.Offered(date_id, links.get(hold_id, frozenset()), seats.get(hold_id))
            for date_id, hold_id in rows
        ]

    def hand_over(
        self,
        order: Order,
        wanted: Sequence[hooks.Wanted],
        *,
        now: datetime.datetime,
        actor: Actor | None,
    ) -> dict[int, Hold]:
        """A paid order: claim, oldest listing first, one listed place per wanted ticket
        whose quotas cover the ticket's; listings another checkout is claiming are skipped
        (SKIP LOCKED), each ends `sold` by the one conditional UPDATE (`_end`)."""
        given: dict[int, Hold] = {}
        for want, listing in _pick(order.organizer_id, wanted, now):
            hold = listing.ticket.position.hold
            if hold is None or hold.is_expired(now):
                continue
            if not _end(listing, Resale.State.SOLD, now):  # withdrawn meanwhile
                continue
            inventory.transfer(
                [hold],
                owner_ref=f"order:{order.pk}",
                from_owner=hold.owner_ref,
                actor=actor,
                kind=Hold.Kind.ORDER,
                now=now,
                reason="resale",
            )
            _sold(listing, listing.ticket, order, amount=want.price, actor=actor)
            given[want.index] = hold
        return given

    def claim(
        self,
        organizer_id: int,
        wanted: Sequence[hooks.Wanted],
        *,
        owner_ref: str,
        expires_at: datetime.datetime,
        kind: str,
        now: datetime.datetime,
        actor: Actor | None,
    ) -> dict[int, Hold]:
        """A cart or an unpaid order: the same choice of listings (locked, SKIP LOCKED),
        each place kept for `owner_ref` by the engine's claim until `expires_at`; the
        listing stays listed until the order is paid (`settle`)."""
        given: dict[int, Hold] = {}
        for want, listing in _pick(organizer_id, wanted, now):
            hold = listing.ticket.position.hold
            if hold is None or want.rate is None:
                continue
            try:
                given[want.index] = inventory.claim(
                    hold,
                    owner_ref=owner_ref,
                    expires_at=expires_at,
                    rate=want.rate,
                    kind=kind,
                    now=now,
                    actor=actor,
                )
            except InventoryError:  # claimed meanwhile, or its place ended
                continue
        return given

    def settle(
        self,
        order: Order,
        claims: Sequence[Hold],
        *,
        now: datetime.datetime,
        actor: Actor | None,
    ) -> dict[int, Hold]:
        """The order is paid: each claim's listing is sold to it (the place handed over by
        `inventory.settle`, the old ticket retired, the holder told and paid). Raises
        OrderError("places_gone") if a listing is no longer listed (nothing changes)."""
        prices = dict(
            Position.objects.filter(order=order, hold__in=claims).values_list("hold_id", "price")
        )
        places: dict[int, Hold] = {}
        for claim in sorted(claims, key=lambda h: h.pk):
            if claim.claims_id is None:
                continue
            listing = (
                Resale.objects.select_for_update(of=("self",))
                .filter(state=Resale.State.LISTED, ticket__position__hold_id=claim.claims_id)
                .select_related(
                    "ticket__position__order", "ticket__date__event", "ticket__pass_obj"
                )
                .first()
            )
            if listing is None:
                continue  # not a listing's place: another supplier's
            try:
                place = inventory.settle(claim, now=now, actor=actor, reason="resale")
            except InventoryError:
                raise OrderError("places_gone") from None
            if not _end(listing, Resale.State.SOLD, now):
                raise OrderError("places_gone")
            amount = prices.get(claim.pk, claim.rate.price if claim.rate else Decimal("0"))
            _sold(listing, listing.ticket, order, amount=amount, actor=actor)
            places[claim.pk] = place
        return places


LISTED_PLACES = ListedPlaces()


def _listed(organizer_id: int, date_ids: Collection[int], now: datetime.datetime):
    """Listings of these dates on sale now: their date not started, their place still held
    and claimed by no cart or unpaid order."""
    return queries.unclaimed(
        Resale.objects.filter(
            organizer_id=organizer_id,
            state=Resale.State.LISTED,
            ticket__date_id__in=list(date_ids),
            ticket__date__start__gt=now,
            ticket__position__hold__state__in=Hold.ACTIVE_STATES,
        ),
        now,
    )


def _pick(
    organizer_id: int, wanted: Sequence[hooks.Wanted], now: datetime.datetime
) -> list[tuple[hooks.Wanted, Resale]]:
    """Wanted tickets paired with listings, locked (`_candidates`): per date, category and
    seat, the oldest listings first."""
    groups: dict[tuple[int, frozenset[int], int | None], list[hooks.Wanted]] = {}
    for want in wanted:
        if want.quota_ids:
            groups.setdefault((want.date_id, want.quota_ids, want.seat_id), []).append(want)
    pairs: list[tuple[hooks.Wanted, Resale]] = []
    for (date_id, quota_ids, seat_id), wants in groups.items():
        claimed = _candidates(organizer_id, date_id, quota_ids, len(wants), now, seat_id=seat_id)
        pairs.extend(zip(wants, claimed, strict=False))
    return pairs


def _candidates(
    organizer_id: int,
    date_id: int,
    quota_ids: frozenset[int],
    count: int,
    now: datetime.datetime,
    *,
    seat_id: int | None = None,
) -> list[Resale]:
    """Up to `count` listings of the date whose places count against every quota of
    `quota_ids` (the category rule), of the seat `seat_id` if given, oldest first, locked —
    those another checkout has locked are skipped, not waited for (PostgreSQL's SKIP
    LOCKED)."""
    listings = _listed(organizer_id, [date_id], now)
    for quota_id in sorted(quota_ids):  # one join each: a place counting on all of them
        listings = listings.filter(ticket__position__hold__quota_links__quota_id=quota_id)
    if seat_id is not None:
        listings = listings.filter(
            ticket__position__hold__seat_holds__seat_id=seat_id,
            ticket__position__hold__seat_holds__active=True,
        )
    return list(
        listings.select_for_update(skip_locked=True, of=("self",))
        .select_related("ticket__position__hold", "ticket__date__event", "ticket__pass_obj")
        .order_by("created", "pk")[:count]
    )


def _quotas_of(hold_ids: Sequence[int | None]) -> dict[int, frozenset[int]]:
    links: dict[int, set[int]] = {}
    for hold_id, quota_id in HoldQuota.objects.filter(
        hold_id__in=[h for h in hold_ids if h is not None]
    ).values_list("hold_id", "quota_id"):
        links.setdefault(hold_id, set()).add(quota_id)
    return {hold_id: frozenset(ids) for hold_id, ids in links.items()}


def record_proceeds(resale: Resale, *, actor: Actor | None = None) -> None:
    """Once the buyer paid: credit on the pass (method `credit`); a transfer waits in the
    payout list; a donation is the organiser's. Idempotent (`payout_done` for credit)."""
    if resale.method != Proceeds.CREDIT or resale.amount is None:
        return
    done = Resale.objects.filter(pk=resale.pk, payout_done=False).update(payout_done=True)
    if done and resale.amount > 0:
        services.add_credit(
            resale.ticket.pass_obj, resale.amount, reason=f"resale {resale.pk}", actor=actor
        )


def mark_paid_out(resale: Resale, *, actor: Actor) -> None:
    """The organiser made the bank transfer of a sold ticket's proceeds."""
    from rideau.core.access import require
    from rideau.core.roles import Perm

    require(actor, resale.organizer, Perm.CHANGE_ORDERS)
    with transaction.atomic():
        Resale.objects.filter(
            pk=resale.pk, state=Resale.State.SOLD, method=Proceeds.TRANSFER
        ).update(payout_done=True)
        audit.record("resale.paid_out", resale, actor=actor, organizer=resale.organizer)


def withdraw_started(now: datetime.datetime | None = None) -> int:
    """Periodic (idempotent): listings whose date has started are withdrawn unsold, with an
    e-mail to the subscriber."""
    now = now or timezone.now()
    count = 0
    for resale in Resale.objects.filter(
        state=Resale.State.LISTED, ticket__date__start__lte=now
    ).order_by("pk")[:200]:
        try:
            withdraw(resale, now=now, unsold=True)
        except PassError:
            continue
        count += 1
    return count


def pay_with_credit(order: Order, p: Pass, *, actor: Actor | None = None) -> Order:
    """Pay what is left to pay on a pending order of the pass holder (`amount_due`: its
    total less a gift voucher's part payment, say) with the pass's credit, all of it or
    nothing (the credit never goes below zero, whatever runs at the same time)."""
    with transaction.atomic():
        locked = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        if locked.status != Order.Status.PENDING:
            raise PassError("order_not_pending")
        current = Pass.objects.only("status", "organizer_id").get(pk=p.pk)
        if current.status != Pass.Status.ACTIVE or current.organizer_id != locked.organizer_id:
            raise PassError("pass_inactive")  # as `credit_pays` says: the buttons' rule
        due = orders.amount_due(locked)
        services.spend_credit(p, due, reason=f"order {locked.code}", actor=actor)
        return orders.mark_paid(
            locked,
            provider=PassCreditProvider.identifier,
            amount=due,
            reference=payment_reference(p.pk),
            actor=actor,
        )


def credit_pays(p: Pass, order: Order) -> bool:
    """Whether the pass's credit can pay what is left to pay on `order` (a pending order
    of the same organiser) with `pay_with_credit`."""
    if p.status != Pass.Status.ACTIVE or order.status != Order.Status.PENDING:
        return False
    if p.organizer_id != order.organizer_id:
        return False
    return 0 < orders.amount_due(order) <= p.credit


def _mail(p: Pass, kind: str, *, ticket: PassTicket, resale: Resale, paid: bool = False) -> None:
    """`paid`: the buyer has paid already (the credit is on the pass, not to come)."""
    organizer = p.organizer
    language = p.order.locale if p.order is not None else organizer.default_language
    with organizer_time(organizer, language):
        context = {
            "pass": p,
            "ticket": ticket,
            "resale": resale,
            "organizer": organizer,
            "amount": money(resale.amount, organizer.currency) if resale.amount else "",
            "paid": paid,
        }
        if kind == "sold":
            subject = _("Your ticket for %(event)s was resold") % {"event": ticket.date.event}
        else:
            subject = _("Your ticket for %(event)s was not resold") % {"event": ticket.date.event}
        text = render_to_string(f"passes/email/resale_{kind}.txt", context)
    queue_email(
        to=[p.email],
        subject=subject,
        text=text,
        organizer=organizer,
        reference=f"resale:{resale.pk}:{kind}",
    )


def payouts(organizer) -> list[Resale]:
    """The bank transfers the organiser owes subscribers for resold tickets."""
    return list(
        Resale.objects.filter(
            organizer=organizer, state=Resale.State.SOLD, method=Proceeds.TRANSFER
        ).select_related("ticket__pass_obj", "ticket__date__event", "buyer_order")
    )
