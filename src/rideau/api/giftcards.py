"""Gift vouchers (SPEC D11): create, list, look up the balance, redeem, history.

Reading needs `orders.view`, writing `orders.change`. A voucher's code is shown once, in the
answer that creates it; it is sent in request bodies (never in a URL, so it stays out of
access logs) and never appears in lists or histories.
"""

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from rideau.core.errors import ValidationFailed
from rideau.core.roles import Perm
from rideau.giftcards import queries, services
from rideau.giftcards.errors import GiftVoucherError
from rideau.giftcards.models import GiftVoucher
from rideau.orders.models import Order
from rideau.orders.services import amount_due

from .auth import actor_of
from .common import organizer_for, reference, slug_path
from .pagination import PageParams, page_of, paginate
from .paths import GiftVoucherPath
from .schemas.giftcards import (
    GiftVoucherCodeIn,
    GiftVoucherCreatedOut,
    GiftVoucherEntryOut,
    GiftVoucherIn,
    GiftVoucherOut,
    GiftVoucherRedeemIn,
    GiftVoucherRedeemOut,
    GiftVoucherSearch,
)

router = Router(tags=["gift vouchers"])

VOUCHERS = "/organizers/{organizer}/gift-vouchers"
VOUCHER = VOUCHERS + "/{giftvoucher_id}"


GiftVoucherPage = page_of(GiftVoucherOut, "GiftVoucherPage")


@router.get(VOUCHERS, response=GiftVoucherPage)
def list_gift_vouchers(
    request: HttpRequest,
    page: Query[PageParams],
    filters: Query[GiftVoucherSearch],
    organizer: str = slug_path(),
):
    org = organizer_for(request, organizer, Perm.VIEW_ORDERS)
    return paginate(queries.vouchers(org, filters.search), page)


@router.post(VOUCHERS, response={201: GiftVoucherCreatedOut})
def create_gift_voucher(request: HttpRequest, payload: GiftVoucherIn, organizer: str = slug_path()):
    org = organizer_for(request, organizer, Perm.CHANGE_ORDERS)
    voucher = services.create_voucher(org, actor=actor_of(request), **payload.dict())
    return Status(201, {**GiftVoucherOut.from_orm(voucher).dict(), "code": voucher.code})


@router.post(VOUCHERS + "/lookup", response=GiftVoucherOut)
def look_up_gift_voucher(
    request: HttpRequest, payload: GiftVoucherCodeIn, organizer: str = slug_path()
):
    """The voucher of a code (typed or scanned) with its balance."""
    org = organizer_for(request, organizer, Perm.VIEW_ORDERS)
    return services.find(org, payload.code)


@router.post(VOUCHERS + "/redeem", response=GiftVoucherRedeemOut)
def redeem_gift_voucher(
    request: HttpRequest, payload: GiftVoucherRedeemIn, organizer: str = slug_path()
):
    """Spend a voucher: on a pending order (pays it, or part of it), or on its own."""
    org = organizer_for(request, organizer, Perm.CHANGE_ORDERS)
    actor = actor_of(request)
    if payload.order:
        order = reference(Order.objects.all(), org, field="order", code=payload.order.upper())
        paid, entry = services.pay_order(
            order, code=payload.code, amount=payload.amount, actor=actor
        )
        return {
            "entry": entry,
            "balance": entry.balance_after,
            "order_status": paid.status,
            "order_due": amount_due(paid),
        }
    if payload.amount is None:
        raise ValidationFailed({"amount": [GiftVoucherError("invalid_amount").message]})
    voucher = services.find(org, payload.code)
    entry = services.redeem(voucher, amount=payload.amount, channel="api", actor=actor)
    return {"entry": entry, "balance": entry.balance_after}


@router.get(VOUCHER + "/history", response=list[GiftVoucherEntryOut])
def gift_voucher_history(request: HttpRequest, path: Path[GiftVoucherPath]):
    voucher = path.get_or_404(
        request, GiftVoucher.objects.all(), Perm.VIEW_ORDERS, pk=path.giftvoucher_id
    )
    return list(queries.history(voucher))


@router.get(VOUCHER, response=GiftVoucherOut)
def get_gift_voucher(request: HttpRequest, path: Path[GiftVoucherPath]):
    vouchers = GiftVoucher.objects.select_related("order")
    return path.get_or_404(request, vouchers, Perm.VIEW_ORDERS, pk=path.giftvoucher_id)
