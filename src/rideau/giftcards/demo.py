"""Demo data of gift vouchers: the products sold online and at the box office (called by
`rideau demo`, which finds this module by name; safe to run again)."""

from decimal import Decimal

from rideau.catalog.models import Product, Rate
from rideau.core.models import Organizer

from .models import FreeAmount, GiftSettings


def load(organizer: Organizer, **_context) -> None:
    GiftSettings.objects.get_or_create(organizer=organizer, defaults={"validity_days": 365})
    fixed = _voucher_product(organizer, "Bon cadeau", "Gift voucher", position=90, max_per_order=10)
    for position, value in enumerate((Decimal("25.00"), Decimal("50.00"))):
        Rate.objects.get_or_create(
            product=fixed,
            price=value,
            defaults={
                "name": {"fr": f"{value:.0f} €", "en": f"€{value:.0f}"},
                "position": position,
            },
        )
    free = _voucher_product(
        organizer,
        "Bon cadeau, montant libre",
        "Gift voucher, your amount",
        position=91,
        max_per_order=5,
    )
    FreeAmount.objects.get_or_create(
        product=free, defaults={"min_amount": Decimal("10"), "max_amount": Decimal("300")}
    )
    Rate.objects.get_or_create(
        product=free,
        price=Decimal("0"),
        defaults={"name": {"fr": "Montant libre", "en": "Your amount"}},
    )


def _voucher_product(organizer: Organizer, fr: str, en: str, **defaults) -> Product:
    """The organiser's gift voucher product of this name (no event), created once."""
    product, _created = Product.objects.get_or_create(
        organizer=organizer,
        event=None,
        kind=Product.Kind.GIFT_VOUCHER,
        name={"fr": fr, "en": en},
        defaults=defaults,
    )
    return product
