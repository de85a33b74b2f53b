"""Discount codes (vouchers) of an organiser: list, create, generate, retrieve, update.

Reading needs the orders view permission; writing needs the permission to change events
and their catalogue (`rideau.orders.vouchers.PERMISSION`). A code is matched without
regard to case and unique per organiser in any case.
"""

from typing import Annotated

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from rideau.catalog.models import Product
from rideau.core.access import scoped
from rideau.core.errors import ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.events.models import Event
from rideau.orders import vouchers as services
from rideau.orders.models import Voucher

from .auth import actor_of
from .common import organizer_for, reference, references, slug_path
from .pagination import PageParams, page_of, paginate
from .paths import VoucherPath
from .schemas.common import Text
from .schemas.vouchers import VoucherGenerateIn, VoucherIn, VoucherOut, VoucherPatch

router = Router(tags=["vouchers"])
VoucherPage = page_of(VoucherOut, "VoucherPage")

VOUCHERS = "/organizers/{organizer}/vouchers"
VOUCHER = VOUCHERS + "/{voucher_id}"


class VoucherFilter(Schema):
    search: Annotated[str, Text(100)] = Field(
        "", description="Part of the code or of the partner reference."
    )
    active: bool | None = None


def _voucher(request: HttpRequest, path: VoucherPath, perm: str) -> Voucher:
    vouchers = Voucher.objects.select_related("organizer", "event")
    return path.get_or_404(request, vouchers, perm, pk=path.voucher_id)


def _resolve_refs(organizer: Organizer, data: dict) -> dict:
    if data.get("event") is not None:
        data["event"] = reference(Event.objects.all(), organizer, field="event", slug=data["event"])
    if data.get("products") is not None:
        data["products"] = references(
            scoped(Product.objects.all(), organizer), data["products"], field="products"
        )
    return data


@router.get(VOUCHERS, response=VoucherPage)
def list_vouchers(
    request: HttpRequest,
    page: Query[PageParams],
    filters: Query[VoucherFilter],
    organizer: str = slug_path(),
):
    org = organizer_for(request, organizer, Perm.VIEW_ORDERS)
    qs = scoped(Voucher.objects.select_related("event").prefetch_related("products"), org)
    if filters.search.strip():
        term = filters.search.strip()
        qs = qs.filter(Q(code__icontains=term) | Q(partner_ref__icontains=term))
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    return paginate(qs.order_by("code", "id"), page)


@router.post(VOUCHERS, response={201: VoucherOut})
def create_voucher(request: HttpRequest, payload: VoucherIn, organizer: str = slug_path()):
    org = organizer_for(request, organizer, services.PERMISSION)
    data = _resolve_refs(org, payload.dict())
    voucher = services.create_voucher(org, actor=actor_of(request), **data)
    return Status(201, voucher)


@router.post(VOUCHERS + "/generate", response={201: VoucherPage})
def generate_vouchers(
    request: HttpRequest, payload: VoucherGenerateIn, organizer: str = slug_path()
):
    """`count` codes `<prefix><8 random characters>` sharing the same settings."""
    org = organizer_for(request, organizer, services.PERMISSION)
    data = _resolve_refs(org, payload.dict())
    created = services.generate_vouchers(org, actor=actor_of(request), **data)
    ids = [v.pk for v in created]
    results = list(
        Voucher.objects.filter(pk__in=ids)
        .select_related("event")
        .prefetch_related("products")
        .order_by("code", "id")
    )
    return Status(201, {"count": len(results), "results": results})


@router.get(VOUCHER, response=VoucherOut)
def get_voucher(request: HttpRequest, path: Path[VoucherPath]):
    return _voucher(request, path, Perm.VIEW_ORDERS)


@router.patch(VOUCHER, response=VoucherOut)
def patch_voucher(request: HttpRequest, payload: VoucherPatch, path: Path[VoucherPath]):
    voucher = _voucher(request, path, services.PERMISSION)
    data = _resolve_refs(voucher.organizer, payload.dict(exclude_unset=True))
    for name in ("code", "kind", "value", "active", "partner_ref"):
        if name in data and data[name] is None:
            raise ValidationFailed({name: [_("This field may not be null.")]})
    return services.update_voucher(voucher, actor=actor_of(request), **data)
