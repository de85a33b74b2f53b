"""Reads of gift vouchers, scoped to one organiser."""

import csv
import io

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from rideau.catalog.models import Product
from rideau.core.models import Organizer
from rideau.core.text import cell_text
from rideau.core.timezones import local_datetime

from . import codes
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
