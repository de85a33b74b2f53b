"""Reads of the passes area, scoped to one organiser."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from rideau.catalog.models import Product, Rate
from rideau.core.access import scoped
from rideau.core.models import Organizer
from rideau.documents.seats import seat_labels
from rideau.events.models import Event, EventDate
from rideau.inventory.models import SeatHold
from rideau.inventory.queries import live_claims
from rideau.orders import sellable
from rideau.venues.models import Seat

from . import services
from .models import Pass, PassProduct, PassTicket, Renewal, RenewalCampaign, Resale, Season


def usual_seat(p: Pass) -> Seat | None:
    """The seat the pass holds (its first seated ticket's), if any: a renewal or an update
    keeps it."""
    seat_hold = (
        SeatHold.objects.filter(hold__tickets__pass_ticket__pass_obj=p)
        .select_related("seat")
        .order_by("date__start", "pk")
        .first()
    )
    return seat_hold.seat if seat_hold is not None else None


def on_sale(organizer: Organizer) -> QuerySet[PassProduct]:
    """The pass products the shop offers now (active, in their sales window)."""
    now = timezone.now()
    return (
        scoped(PassProduct.objects.all(), organizer)
        .filter(product__active=True)
        .filter(Q(product__sales_start__isnull=True) | Q(product__sales_start__lte=now))
        .filter(Q(product__sales_end__isnull=True) | Q(product__sales_end__gt=now))
        .select_related("product", "season")
        .prefetch_related("product__rates", "events")
        .order_by("product__position", "pk")
    )


def shop_rates(pass_product: PassProduct, now: datetime.datetime | None = None) -> list[Rate]:
    """The rates of a pass the web shop may sell now: active, in their sales window, on the
    web channel and open to everyone (`Rate.sold_in_shop`: what `place_order` would accept
    from the shop). Reads the prefetched rates of `on_sale`."""
    now = now or timezone.now()
    rates = sorted(pass_product.product.rates.all(), key=lambda r: (r.position, r.pk))
    return [r for r in rates if r.active and r.sales_open_at(now) and r.sold_in_shop()]


def in_shop(organizer: Organizer) -> list[PassProduct]:
    """The pass products the shop offers: on sale with at least one rate it may sell,
    each with its `shop_rates`."""
    now = timezone.now()
    products = []
    for product in on_sale(organizer):
        product.shop_rates = shop_rates(product, now)  # type: ignore[attr-defined]
        if product.shop_rates:  # type: ignore[attr-defined]
            products.append(product)
    return products


def active_pass(organizer: Organizer, pass_id: int) -> Pass | None:
    return (
        scoped(Pass.objects.all(), organizer)
        .filter(pk=pass_id, status=Pass.Status.ACTIVE)
        .select_related("pass_product__product")
        .first()
    )


def choosable_dates(p: Pass, now: datetime.datetime) -> list[EventDate]:
    """The dates a choice pass may still add: of its events not chosen yet (a resold ticket
    was chosen), on sale."""
    chosen = set(p.tickets.values_list("event_id", flat=True))
    events = [e for e in p.pass_product.events.all() if e.pk not in chosen]
    return services.dates_on_sale(events, now)


def open_renewal(organizer: Organizer, renewal_id: int) -> Renewal | None:
    renewal = (
        Renewal.objects.filter(pk=renewal_id, campaign__organizer=organizer, new_pass__isnull=True)
        .select_related("campaign", "old_pass")
        .first()
    )
    return renewal if renewal is not None and renewal.campaign.is_open() else None


def unclaimed(listings: QuerySet[Resale], now: datetime.datetime) -> QuerySet[Resale]:
    """The listings no cart or unpaid order claims now (`inventory.claim`): those on offer.
    A claim past its deadline claims nothing (DESIGN rule 2)."""
    return listings.exclude(
        Exists(live_claims(now).filter(claims_id=OuterRef("ticket__position__hold_id")))
    )


def is_claimed(listing: Resale, now: datetime.datetime) -> bool:
    """Whether a cart or an unpaid order keeps the listed place now."""
    hold_id = PassTicket.objects.filter(pk=listing.ticket_id).values("position__hold_id")
    return live_claims(now).filter(claims_id__in=hold_id).exists()


def resales_on_sale(organizer: Organizer) -> QuerySet[Resale]:
    """Listed pass tickets of dates not started yet, that no buyer is claiming, soonest
    first (sold before fresh places: the shop shows them first)."""
    now = timezone.now()
    return (
        unclaimed(scoped(Resale.objects.all(), organizer), now)
        .filter(state=Resale.State.LISTED, ticket__date__start__gt=now)
        .select_related("ticket__date__event", "ticket__event")
        .order_by("ticket__date__start", "pk")
    )


def resales_for_event(event: Event) -> QuerySet[Resale]:
    return resales_on_sale(event.organizer).filter(ticket__event=event)


def resale_rates(listing: Resale) -> list[Rate]:
    """The ticket rates a resold place may be bought at: the event's rates on sale on the web
    (the category's, the sales rules' `rate_on_sale`)."""
    now = timezone.now()
    rates = (
        Rate.objects.filter(
            product__event_id=listing.ticket.event_id, product__kind=Product.Kind.TICKET
        )
        .select_related("product")
        .order_by("product__position", "position", "pk")
    )
    return [r for r in rates if sellable.rate_on_sale(r, now) and r.sold_in_shop()]


def seat_label(ticket: PassTicket) -> str:
    return seat_labels([ticket.position]).get(ticket.position.pk, "")


# --- back office ---------------------------------------------------------------------------


def of_order(order_id: int) -> list[Pass]:
    """The passes an order sold (or renewed), with their product and season."""
    return list(
        Pass.objects.filter(order_id=order_id)
        .select_related("pass_product__product", "pass_product__season")
        .order_by("pk")
    )


def seasons(organizer: Organizer) -> QuerySet[Season]:
    return scoped(Season.objects.all(), organizer).annotate(
        products=Count("pass_products", distinct=True),
        event_count=Count("events", distinct=True),
    )


def current_season(organizer: Organizer) -> Season | None:
    today = timezone.localdate()
    qs = scoped(Season.objects.all(), organizer)
    return (
        qs.filter(starts__lte=today, ends__gte=today).first()
        or qs.filter(starts__gt=today).order_by("starts").first()
    )


def pass_products(organizer: Organizer, season: Season | None = None) -> QuerySet[PassProduct]:
    qs = scoped(PassProduct.objects.all(), organizer).select_related("product", "season")
    if season is not None:
        qs = qs.filter(season=season)
    return qs.annotate(sold=Count("passes", filter=Q(passes__status="active"), distinct=True))


def search_passes(organizer: Organizer, query: str = "") -> QuerySet[Pass]:
    """Passes by holder (name, e-mail, company), by pass code (its hash: exact code) or by
    the QR code of its card (the secret, scanned)."""
    qs = scoped(Pass.objects.all(), organizer).select_related(
        "pass_product__product", "pass_product__season"
    )
    query = (query or "").strip()[:100]
    if query:
        by_code = Q(code_hash=services.hash_code(organizer.pk, query)) | Q(secret=query)
        words = Q()
        for word in query.split()[:5]:
            words &= (
                Q(last_name__icontains=word)
                | Q(first_name__icontains=word)
                | Q(email__icontains=word)
                | Q(company__icontains=word)
            )
        qs = qs.filter(by_code | words)
    return qs.order_by("-created", "-id")


def campaigns(organizer: Organizer) -> QuerySet[RenewalCampaign]:
    return (
        scoped(RenewalCampaign.objects.all(), organizer)
        .select_related("from_product__product", "from_product__season")
        .annotate(
            offered=Count("renewals", distinct=True),
            renewed=Count("renewals", filter=Q(renewals__new_pass__isnull=False), distinct=True),
        )
    )


def campaign_renewals(
    campaign: RenewalCampaign, now: datetime.datetime | None = None
) -> QuerySet[Renewal]:
    """The passes a campaign offered to renew, each with its renewed pass (if any) and the
    number of seats still held for it (`held`)."""
    now = now or timezone.now()
    return (
        campaign.renewals.select_related("old_pass", "new_pass")
        .annotate(
            held=Count(
                "holds",
                filter=Q(holds__state="held", holds__expires_at__gt=now),
                distinct=True,
            )
        )
        .order_by("old_pass__last_name", "old_pass__first_name", "pk")
    )


def renewals_into(organizer: Organizer, season: Season) -> QuerySet[RenewalCampaign]:
    """Campaigns renewing passes of a previous season into this one."""
    return campaigns(organizer).filter(to_products__season=season).distinct()


def renewals_from(organizer: Organizer, season: Season) -> QuerySet[RenewalCampaign]:
    """Campaigns renewing this season's passes into a later one."""
    return campaigns(organizer).filter(from_product__season=season)
