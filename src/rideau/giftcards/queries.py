"""Reads of gift vouchers, scoped to one organiser."""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rideau.catalog.models import Product, Rate
from rideau.core.models import Organizer
from rideau.core.text import cell_text
from rideau.core.timezones import local_datetime

from . import codes
from .errors import GiftVoucherError
from .models import Entry, GiftVoucher


def vouchers(organizer: Organizer, search: str = "") -> QuerySet[GiftVoucher]:
    """The organiser's vouchers, newest first; `search`: a full code, the code's last four
    characters, the buyer's name or e-mail, or the order code."""
    queryset = GiftVoucher.objects.filter(organizer=organizer).select_related("order")
    search = search.strip()
    if search:
        normalized = codes.normalize(search)
        match = (
            Q(buyer_email__icontains=search)
            | Q(buyer_name__icontains=search)
            | Q(order__code__iexact=search)
            | Q(note__icontains=search)
        )
        if len(normalized) == codes.LENGTH:
            match |= Q(code_hash=codes.code_hash(normalized))
        elif len(normalized) == 4:
            match |= Q(code_hint=normalized)
        queryset = queryset.filter(match)
    return queryset.order_by("-created", "-id")


def products(organizer: Organizer) -> list[Product]:
    """The organiser's gift voucher products with their rates and free-amount range."""
    return list(
        Product.objects.filter(organizer=organizer, kind=Product.Kind.GIFT_VOUCHER)
        .select_related("free_amount")
        .prefetch_related("rates")
        .order_by("position", "pk")
    )


@dataclass(frozen=True)
class Balance:
    """What anyone holding a voucher's code may read of it (the public balance check):
    nothing of its buyer, its order or its history."""

    hint: str  # the code's last four characters, to tell cards apart
    balance: Decimal
    currency: str
    expires_at: datetime.datetime
    state: str  # "valid", "spent", "expired" or "cancelled"

    @property
    def spendable(self) -> bool:
        return self.state == "valid"


def find(organizer: Organizer, code: str) -> GiftVoucher:
    """The organiser's voucher with this code (typed or scanned), or unknown_code."""
    normalized = codes.normalize(code or "")
    voucher = None
    if len(normalized) == codes.LENGTH:
        voucher = GiftVoucher.objects.filter(
            organizer=organizer, code_hash=codes.code_hash(normalized)
        ).first()
    if voucher is None:
        raise GiftVoucherError("unknown_code", field="code")
    return voucher


def balance_of(organizer: Organizer, code: str, *, now: datetime.datetime | None = None) -> Balance:
    """The balance of the organiser's voucher with this code (typed or scanned; another
    organiser's code is unknown here), or GiftVoucherError("unknown_code")."""
    voucher = find(organizer, code)
    if voucher.is_voided:
        state = "cancelled"
    elif voucher.is_expired(now or timezone.now()):
        state = "expired"
    elif voucher.balance <= 0:
        state = "spent"
    else:
        state = "valid"
    return Balance(
        hint=voucher.code_hint,
        balance=voucher.balance,
        currency=voucher.currency,
        expires_at=voucher.expires_at,
        state=state,
    )


@dataclass(frozen=True)
class ShopOffer:
    """Whether the shop links to its gift voucher pages: `on_sale`, the page that sells them;
    `sold`, the balance check (once the organiser has had gift vouchers)."""

    on_sale: bool
    sold: bool


def shop_offer(organizer: Organizer) -> ShopOffer:
    """One query (it runs in the shell of every public page of the organiser)."""
    products = Product.objects.filter(organizer=OuterRef("pk"), kind=Product.Kind.GIFT_VOUCHER)
    row = (
        Organizer.objects.filter(pk=organizer.pk)
        .annotate(
            on_sale=Exists(  # what the gift voucher page offers (a rate on sale to all)
                Rate.objects.filter(
                    product__organizer=OuterRef("pk"),
                    product__kind=Product.Kind.GIFT_VOUCHER,
                    product__event__isnull=True,
                    product__active=True,
                    active=True,
                    audience_restricted=False,
                )
            ),
            any_product=Exists(products),
            any_voucher=Exists(GiftVoucher.objects.filter(organizer=OuterRef("pk"))),
        )
        .values_list("on_sale", "any_product", "any_voucher")
        .first()
    )
    if row is None:
        return ShopOffer(on_sale=False, sold=False)
    on_sale, any_product, any_voucher = row
    return ShopOffer(on_sale=on_sale, sold=on_sale or any_product or any_voucher)


def history(voucher: GiftVoucher) -> QuerySet[Entry]:
    return voucher.entries.select_related("order").order_by("created", "id")


def export_csv(organizer: Organizer, search: str = "") -> str:
    """The vouchers as CSV (cells safe against formula injection; codes never exported)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Code ends with"),
            _("Value"),
            _("Balance"),
            _("Currency"),
            _("Valid until"),
            _("Buyer"),
            _("E-mail"),
            _("Order"),
            _("Note"),
            _("Created"),
        ]
    )
    for v in vouchers(organizer, search):
        writer.writerow(
            [
                cell_text(v.code_hint),
                str(v.value),
                str(v.balance),
                v.currency,
                local_datetime(v.expires_at, organizer, "Y-m-d"),
                cell_text(v.buyer_name),
                cell_text(v.buyer_email),
                v.order.code if v.order else "",
                cell_text(v.note),
                local_datetime(v.created, organizer, "Y-m-d H:i"),
            ]
        )
    return out.getvalue()
