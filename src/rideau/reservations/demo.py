"""The reservations part of `rideau demo` (found by the demo command by name): points of
sale, a profile of reservable products, deadline rules, a lenient policy, and a school's
buyer with several reservations due at different deadlines (SPEC C1–C7)."""

import datetime

from django.db import transaction
from django.utils import timezone

from rideau.catalog.models import Product, Rate
from rideau.core.models import Organizer
from rideau.inventory import services as inventory
from rideau.inventory.models import Hold
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order, SalesChannel
from rideau.orders.services import Buyer, OrderLine

from . import services
from .models import (
    PointOfSale,
    ProductProfile,
    ProfileProduct,
    ReleasePolicy,
    ReservationRule,
)

POINTS_OF_SALE = [
    ("Boutique en ligne", SalesChannel.WEB, True),
    ("Guichet 1", SalesChannel.BOX_OFFICE, True),
    ("Guichet 2", SalesChannel.BOX_OFFICE, False),
    ("Téléphone", SalesChannel.PHONE, True),
    ("Partenaires", SalesChannel.PARTNER, True),
]


def load(organizer: Organizer, *, buyer: tuple[str, str, str], **_context) -> None:
    """Idempotent: a second run adds nothing."""
    if organizer.slug != "rideau-demo":
        return
    points = {}
    for name, channel, may_reserve in POINTS_OF_SALE:
        points[name], _created = PointOfSale.objects.get_or_create(
            organizer=organizer,
            name=name,
            defaults={"channel": channel, "may_reserve": may_reserve},
        )
    cyrano = Product.objects.filter(event__organizer=organizer, event__slug="cyrano").first()
    jazz = Product.objects.filter(event__organizer=organizer, event__slug="festival-jazz").first()
    if cyrano is None or jazz is None:
        return
    profile, _created = ProductProfile.objects.get_or_create(
        organizer=organizer, name="Scolaires et groupes"
    )
    for product in (cyrano, jazz):
        ProfileProduct.objects.get_or_create(
            profile=profile, product=product, defaults={"reservable": True}
        )
    ReservationRule.objects.get_or_create(
        product=cyrano, defaults={"days_after_booking": 10, "days_before_date": 7}
    )
    ReservationRule.objects.get_or_create(product=jazz, defaults={"days_after_booking": 3})
    ReleasePolicy.objects.get_or_create(
        organizer=organizer,
        event=None,
        defaults={
            "mode": ReleasePolicy.Mode.LENIENT,
            "grace_hours": 48,
            "remind_hours_before": 48,
        },
    )
    email, name, locale = buyer
    now = timezone.now()
    # (key, product, date index, rate position, quantity, point of sale, booked days ago)
    wanted = [
        ("demo-resa-1", jazz, 0, 0, 6, "Téléphone", 1),
        ("demo-resa-2", cyrano, 3, 1, 10, "Guichet 1", 4),
        ("demo-resa-3", cyrano, 1, 1, 8, "Boutique en ligne", 0),
    ]
    for key, product, date_index, rate_position, quantity, point, ago in wanted:
        if Order.objects.filter(organizer=organizer, idempotency_key=key).exists():
            continue
        event = product.event
        assert event is not None
        dates = list(event.dates.order_by("start"))
        rate = Rate.objects.filter(product=product).order_by("position", "id")[rate_position]
        when = now - datetime.timedelta(days=ago)
        if event.sales_start and when <= event.sales_start:
            when = event.sales_start + datetime.timedelta(hours=1)
        services.reserve(
            organizer,
            event=event,
            lines=[OrderLine(rate=rate, quantity=quantity, date=dates[date_index])],
            buyer=Buyer(email=email, name=name, locale=locale),
            point_of_sale=points[point],
            now=when,
            idempotency_key=key,
        )
    OutboxMessage.objects.filter(organizer=organizer, to__icontains=email).delete()
    _staff_option(organizer, cyrano, now)


def _staff_option(organizer: Organizer, product: Product, now) -> None:
    """Twelve places the box office holds for a seniors' club until the day after
    tomorrow: a staff option on the release screen."""
    owner = "option:club-des-aines"
    if Hold.objects.filter(organizer=organizer, owner_ref=owner).exists():
        return
    event = product.event
    assert event is not None
    date = event.dates.order_by("start").last()
    rate = Rate.objects.filter(product=product).order_by("position", "id").first()
    with transaction.atomic():
        inventory.take(
            organizer=organizer,
            items=[inventory.HoldRequest(quantity=12, date=date, product=product, rate=rate)],
            expires_at=now + datetime.timedelta(days=2),
            owner_ref=owner,
            kind=Hold.Kind.OPTION,
            now=now,
        )
