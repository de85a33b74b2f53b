"""Renewal campaigns (SPEC D5): a previous season's pass renewed into a new season's pass,
keeping its numbered seats (same seating plan) and its QR code.

Opening a campaign holds each holder's seat on the new season's dates through the engine
(kind `prehold`, owner `renewal:<id>`, deadline = the window's end), so the public cannot buy
them. Nothing runs at the deadline: an expired hold is a free place to whoever reads it next
(DESIGN rule 2). Renewing hands the held places to the new pass's order with
`inventory.transfer` (never free in between), or takes the same seat if it is still free.
"""

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rideau.catalog.models import Rate
from rideau.core import audit, domain_events
from rideau.core.access import Actor, require
from rideau.core.errors import ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.services import save_checked
from rideau.events.models import EventDate
from rideau.inventory import services as inventory
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, SeatHold
from rideau.inventory.queries import seating_plan_for
from rideau.orders import bundles
from rideau.orders import services as orders
from rideau.orders.models import Order, SalesChannel
from rideau.venues.models import Seat

from . import services
from .domain_events import PassRenewed, about
from .errors import PassError
from .models import Pass, PassProduct, Renewal, RenewalCampaign
from .queries import usual_seat

HOLDER_COPY = (
    "civility",
    "last_name",
    "first_name",
    "company",
    "email",
    "street",
    "postcode",
    "city",
    "country",
    "mobile",
    "birth_date",
    "photo",
    "free_field",
)


def _target_dates(campaign: RenewalCampaign, now: datetime.datetime) -> list[EventDate]:
    """The new season's dates the renewed passes take (the automatic targets' events)."""
    events = {
        e.pk: e
        for product in campaign.to_products.all()
        if product.mode == PassProduct.Mode.AUTOMATIC
        for e in product.events.all()
    }
    return services.dates_on_sale(events.values(), now)


def _same_plan_seat(seat: Seat | None, date: EventDate) -> Seat | None:
    if seat is None:
        return None
    plan = seating_plan_for(date)
    return seat if plan is not None and plan.pk == seat.plan_id else None


def create_campaign(
    organizer: Organizer,
    *,
    actor: Actor,
    name: str,
    from_product: PassProduct,
    to_products: Sequence[PassProduct],
    opens: datetime.datetime | None = None,
    closes: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> RenewalCampaign:
    """A campaign offering every active pass of `from_product` a renewal into one of
    `to_products` (new season), holding each holder's seat until `closes`."""
    require(actor, organizer, Perm.CHANGE_EVENTS)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    to_products = list(to_products)
    if not name.strip():
        errors["name"] = [_("This field is required.")]
    if from_product.organizer_id != organizer.pk:
        errors["from_product"] = [_("Choose one of your passes.")]
    if not to_products or any(p.organizer_id != organizer.pk for p in to_products):
        errors["to_products"] = [_("Choose one or more of your passes.")]
    elif any(p.season_id == from_product.season_id for p in to_products):
        errors["to_products"] = [_("Choose passes of another season.")]
    _check_window(opens, closes, now, errors)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        campaign = RenewalCampaign.objects.create(
            organizer=organizer,
            name=name.strip()[:200],
            from_product=from_product,
            opens=opens,
            closes=closes,
            created=now,
        )
        campaign.to_products.set(to_products)
        audit.record("renewal_campaign.created", campaign, actor=actor, organizer=organizer)
        dates = _target_dates(campaign, now)
        active = Pass.objects.filter(pass_product=from_product, status=Pass.Status.ACTIVE)
        # a pass still to pay joins when paid (`offer_late_pass`), not before
        for old in active.filter(Q(order__isnull=True) | Q(order__status=Order.Status.PAID)):
            renewal = Renewal.objects.create(campaign=campaign, old_pass=old, created=now)
            if closes is not None:
                _hold_seats(renewal, dates, closes=closes, actor=actor, now=now)
    return campaign


def _check_window(
    opens: datetime.datetime | None,
    closes: datetime.datetime | None,
    now: datetime.datetime,
    errors: dict[str, list[str]],
) -> None:
    if opens and closes and closes <= opens:
        errors["closes"] = [_("The window closes before it opens.")]
    if closes is not None and closes <= now:
        errors["closes"] = [_("The window must close in the future.")]


def update_campaign(
    campaign: RenewalCampaign,
    *,
    actor: Actor,
    name: str,
    opens: datetime.datetime | None = None,
    closes: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> RenewalCampaign:
    """Rename a campaign or move its window. The seats held for the holders not renewed yet
    follow the window's end, as if the campaign had been made with it: held until the new
    end, held from now on when the window gets an end, given back when it loses its end.
    Which passes it renews, and into which, stay as made (the offers and held seats depend
    on them)."""
    organizer = campaign.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("This field is required.")]
    if closes != campaign.closes:  # an unchanged past end is left alone
        _check_window(opens, closes, now, errors)
    elif opens and closes and closes <= opens:
        errors["closes"] = [_("The window closes before it opens.")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = RenewalCampaign.objects.select_for_update().get(pk=campaign.pk)
        before = audit.snapshot(locked)
        moved = closes != locked.closes
        locked.name, locked.opens, locked.closes = name.strip()[:200], opens, closes
        save_checked(
            locked,
            actor=actor,
            organizer=organizer,
            action="renewal_campaign.updated",
            before=before,
        )
        if moved:
            dates = _target_dates(locked, now) if closes is not None else []
            # only passes still renewable: a cancelled or already renewed one holds no seat
            offered = locked.renewals.filter(
                new_pass__isnull=True, old_pass__status=Pass.Status.ACTIVE
            )
            for renewal in offered.select_related("campaign__organizer", "old_pass"):
                _move_holds(renewal, dates, closes=closes, actor=actor, now=now)
    return locked


def _move_holds(
    renewal: Renewal,
    dates: Sequence[EventDate],
    *,
    closes: datetime.datetime | None,
    actor: Actor | None,
    now: datetime.datetime,
) -> None:
    """An open renewal's held seats after its campaign's window moved to end at `closes`."""
    owner = f"renewal:{renewal.pk}"
    live = list(renewal.holds.filter(state=Hold.State.HELD, expires_at__gt=now, owner_ref=owner))
    if closes is None:
        inventory.release(live, now=now, actor=actor, owner_ref=owner)
    elif live:
        inventory.extend(live, expires_at=closes, owner_ref=owner, now=now, actor=actor)
    else:  # none held (the window had no end, or they expired): hold what is still free
        _hold_seats(renewal, dates, closes=closes, actor=actor, now=now)


def delete_campaign(campaign: RenewalCampaign, *, actor: Actor) -> None:
    """Delete a campaign nobody renewed through yet: its offers are withdrawn and the seats
    held for them go back on sale at once. Once a pass was renewed, the campaign is the
    record of it (the tracking of both seasons): refused, `campaign_used` (closing its
    window ends the offers instead)."""
    require(actor, campaign.organizer, Perm.CHANGE_EVENTS)
    with transaction.atomic():
        locked = RenewalCampaign.objects.select_for_update().get(pk=campaign.pk)
        renewals = list(locked.renewals.select_for_update().order_by("pk"))
        if any(r.new_pass_id is not None for r in renewals):
            raise PassError("campaign_used")
        for renewal in renewals:
            inventory.release(
                list(renewal.holds.all()), actor=actor, owner_ref=f"renewal:{renewal.pk}"
            )
        audit.record(
            "renewal_campaign.deleted",
            locked,
            actor=actor,
            organizer=locked.organizer,
            before={"name": locked.name, "offers": len(renewals)},
        )
        locked.delete()


def offer_late_pass(pass_id: int, *, now: datetime.datetime | None = None) -> list[Renewal]:
    """A pass paid after a campaign from its product was created, while that campaign is not
    closed, is offered the renewal too, its seats held like the others' (the campaign
    listed only the passes active when it was made). A pass whose order is not paid is
    not (an abandoned checkout would hold next season's seats). Idempotent (one renewal
    per pass and campaign)."""
    now = now or timezone.now()
    p = Pass.objects.filter(pk=pass_id, status=Pass.Status.ACTIVE).select_related("order").first()
    if p is None or (p.order is not None and p.order.status != Order.Status.PAID):
        return []
    made = []
    campaigns = RenewalCampaign.objects.filter(from_product_id=p.pass_product_id).filter(
        Q(closes__isnull=True) | Q(closes__gt=now)
    )
    for campaign in campaigns:
        with transaction.atomic():
            renewal, created = Renewal.objects.get_or_create(
                campaign=campaign, old_pass=p, defaults={"created": now}
            )
            if created and campaign.closes is not None:
                dates = _target_dates(campaign, now)
                _hold_seats(renewal, dates, closes=campaign.closes, actor=None, now=now)
        if created:
            made.append(renewal)
    return made


def carry_credit(pass_id: int) -> Decimal:
    """A renewed pass, once paid, takes over the previous season's pass's credit (resale
    proceeds): that pass opens nothing any more and its credit would be stranded.
    Idempotent: the old pass's credit is 0 afterwards."""
    p = Pass.objects.filter(pk=pass_id, status=Pass.Status.ACTIVE).select_related("order").first()
    if p is None or p.renewed_from_id is None:
        return Decimal("0")
    if p.order is not None and p.order.status != Order.Status.PAID:
        return Decimal("0")
    with transaction.atomic():
        old = Pass.objects.select_for_update().select_related("organizer").get(pk=p.renewed_from_id)
        amount = old.credit
        if amount <= 0:
            return Decimal("0")
        services.spend_credit(old, amount, reason=f"carried to pass {p.pk}")
        services.add_credit(p, amount, reason=f"carried from pass {old.pk}")
    return amount


def withdraw(p: Pass, *, now: datetime.datetime | None = None) -> int:
    """A pass cancelled (its order refunded, say) is no longer renewable: the seats its open
    renewals hold on the new season go back on sale at once. Idempotent."""
    released = 0
    for renewal in Renewal.objects.filter(old_pass=p, new_pass__isnull=True):
        released += inventory.release(
            list(renewal.holds.all()), now=now, owner_ref=f"renewal:{renewal.pk}"
        )
    return released


def _hold_seats(
    renewal: Renewal,
    dates: Sequence[EventDate],
    *,
    closes: datetime.datetime,
    actor: Actor | None,
    now: datetime.datetime,
) -> None:
    """Hold the holder's seat on each seated date of the same plan (a date where it is
    already gone is skipped: the renewal then takes the best seat left)."""
    seat = usual_seat(renewal.old_pass)
    for date in dates:
        same = _same_plan_seat(seat, date)
        if same is None:
            continue
        try:
            holds = inventory.take(
                organizer=renewal.campaign.organizer,
                items=[inventory.HoldRequest(date=date, seats=(same,))],
                expires_at=closes,
                owner_ref=f"renewal:{renewal.pk}",
                kind=Hold.Kind.PREHOLD,
                actor=actor,
                now=now,
            )
        except InventoryError:
            continue
        renewal.holds.add(*holds)


def _seat_busy(date: EventDate, seat: Seat, now: datetime.datetime) -> bool:
    return (
        SeatHold.objects.filter(date=date, seat=seat, active=True)
        .exclude(hold__state=Hold.State.HELD, hold__expires_at__lte=now)
        .exists()
    )


def renewal_for(organizer: Organizer, code: str) -> Renewal | None:
    """The open renewal offered to the pass of this code, if any."""
    p = services.find_pass(organizer, code)
    if p is None:
        return None
    return (
        Renewal.objects.filter(old_pass=p, new_pass__isnull=True)
        .select_related("campaign", "old_pass")
        .order_by("-campaign__created")
        .first()
    )


def renew(
    renewal: Renewal,
    *,
    rate: Rate,
    buyer: orders.Buyer,
    channel: str = SalesChannel.WEB,
    provider: str = "",
    paid: bool = False,
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
) -> Pass:
    """Renew the old pass into `rate`'s pass (one of the campaign's): a new pass of the new
    season with the holder's details, the same QR secret and the same seats, in one
    transaction. The old pass stops scanning (status `renewed`)."""
    now = now or timezone.now()
    campaign = renewal.campaign
    target = services.pass_product_of(campaign.organizer, rate)
    if not campaign.to_products.filter(pk=target.pk).exists():
        if not RenewalCampaign.objects.filter(pk=campaign.pk).exists():
            raise PassError("window_closed")  # the campaign was deleted meanwhile
        raise PassError("not_a_pass", field="rate")
    if not campaign.is_open(now):
        raise PassError("window_closed")
    with transaction.atomic():
        locked = Renewal.objects.select_for_update().filter(pk=renewal.pk).first()
        if locked is None:  # its campaign was deleted meanwhile (`delete_campaign`)
            raise PassError("window_closed")
        if locked.new_pass_id is not None:
            raise PassError("already_renewed")
        old = Pass.objects.select_for_update().get(pk=locked.old_pass_id)
        if old.status != Pass.Status.ACTIVE:
            raise PassError("pass_inactive")
        order = services.place_pass_order(
            campaign.organizer,
            rate=rate,
            buyer=buyer,
            channel=channel,
            provider=provider,
            paid=paid,
            actor=actor,
            now=now,
        )
        Pass.objects.filter(pk=old.pk).update(status=Pass.Status.RENEWED)
        new = Pass(
            organizer=campaign.organizer,
            pass_product=target,
            order=order,
            created=now,
            renewed_from=old,
            secret=old.secret,
            **{name: getattr(old, name) for name in HOLDER_COPY},
        )
        code = services.issue(new, None)
        places = _places(locked, target, now)
        tickets = services.grant(
            new, rate=rate, order=order, dates=[], places=places, actor=actor, now=now
        )
        locked.new_pass = new
        locked.renewed_at = now
        locked.save(update_fields=["new_pass", "renewed_at"])
        audit.record(
            "pass.renewed",
            new,
            actor=actor,
            organizer=campaign.organizer,
            after={"from": old.pk, "campaign": campaign.pk, "tickets": len(tickets)},
        )
        domain_events.publish(
            services.issued_event(new, len(tickets)),
            about(
                new, PassRenewed, old_pass_id=old.pk, new_pass_id=new.pk, campaign_id=campaign.pk
            ),
        )
        if order.status == Order.Status.PAID:  # else once paid (`services.mail_code`)
            services.queue_pass_email(new, code)
    new.plain_code = code  # type: ignore[attr-defined]
    return new


def _places(
    renewal: Renewal, target: PassProduct, now: datetime.datetime
) -> list[bundles.DatedPlace]:
    """The new pass's places: the held seat where the hold is still live, else the same seat
    of the same plan (taken if free), else the best seat left."""
    if target.mode != PassProduct.Mode.AUTOMATIC:
        return []
    held = {h.date_id: h for h in renewal.holds.filter(state=Hold.State.HELD, expires_at__gt=now)}
    seat = usual_seat(renewal.old_pass)
    places = []
    for date in services.dates_on_sale(target.events.all(), now):
        hold = held.get(date.pk)
        if hold is not None:
            places.append(bundles.DatedPlace(date=date, hold=hold))
        else:
            same = _same_plan_seat(seat, date)
            if same is not None and _seat_busy(date, same, now):
                same = None  # sold meanwhile (the window closed): the best seat left
            places.append(bundles.DatedPlace(date=date, seat=same))
    return places
