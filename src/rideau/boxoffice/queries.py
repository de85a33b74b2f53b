"""Reads for the box office, scoped to one organiser."""

import datetime

from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from rideau.catalog.models import Product, Rate
from rideau.core.models import Organizer
from rideau.events.models import Event
from rideau.orders.models import Order

from .models import CashSession


def open_session(organizer: Organizer, device: str) -> CashSession | None:
    """The shift open on this device, if any."""
    return (
        CashSession.objects.filter(organizer=organizer, device=device, closed_at__isnull=True)
        .select_related("organizer")
        .first()
    )


def sessions(organizer: Organizer) -> QuerySet[CashSession]:
    return CashSession.objects.filter(organizer=organizer).order_by("-opened_at", "-id")


def events_today_first(organizer: Organizer, now: datetime.datetime | None = None) -> list[Event]:
    """The organiser's events with dates still to come, the soonest (today's) first."""
    now = now or timezone.now()
    return list(
        Event.objects.filter(organizer=organizer, dates__start__gt=now, dates__is_cancelled=False)
        .annotate(next_start=Min("dates__start"))
        .order_by("next_start", "pk")
    )


def gift_rates(organizer: Organizer) -> list[Rate]:
    """The organiser's gift voucher products' rates on sale (free-amount ones included)."""
    return list(
        Rate.objects.filter(
            product__organizer=organizer,
            product__kind=Product.Kind.GIFT_VOUCHER,
            product__active=True,
            active=True,
        )
        .select_related("product__free_amount")
        .order_by("product__position", "product_id", "position", "pk")
    )


def find_orders(organizer: Organizer, q: str = "", *, limit: int = 50) -> QuerySet[Order]:
    """Orders by buyer name, e-mail, order code, a ticket's QR (its secret) or a pass card's
    QR (the order that sold the pass); without a search, today's box office first then the
    latest."""
    from rideau.passes.models import Pass

    queryset = Order.objects.filter(organizer=organizer).select_related("event")
    q = q.strip()
    if q:
        pass_orders = Pass.objects.filter(organizer=organizer, secret=q).values("order_id")
        queryset = queryset.filter(
            Q(code__iexact=q)
            | Q(email__icontains=q)
            | Q(buyer_name__icontains=q)
            | Q(positions__secret=q)
            | Q(pk__in=pass_orders)
        ).distinct()
    return queryset.order_by("-created", "-id")[:limit]


def pass_offers(organizer: Organizer, now: datetime.datetime | None = None) -> list[tuple]:
    """The passes the box office sells now: (pass product, its rates on sale on the box office
    channel, the passes' own sales window and the rates' applied (the write gate,
    `orders.sellable.check_lines`, says the same at the sale)."""
    from rideau.orders.models import SalesChannel
    from rideau.passes import queries as passes
    from rideau.passes.models import PassProduct
    from rideau.passes.services import dates_on_sale

    now = now or timezone.now()
    offers = []
    for pass_product in passes.on_sale(organizer):
        automatic = pass_product.mode == PassProduct.Mode.AUTOMATIC
        if automatic and not dates_on_sale(pass_product.events.all(), now):
            continue  # it would grant nothing (its sale is refused: `no_events`)
        rates = [
            r
            for r in pass_product.product.rates.all()
            if r.active and r.sales_open_at(now) and r.sold_on(SalesChannel.BOX_OFFICE)
        ]
        if rates:
            offers.append((pass_product, sorted(rates, key=lambda r: (r.position, r.pk))))
    return offers
