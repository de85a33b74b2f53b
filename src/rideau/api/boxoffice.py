"""The box office through the API (SPEC D10): shifts (cash sessions), sales paid in one or
several ways (cash, card on the venue's terminal, gift vouchers), refunds by the methods
used, the shift's report, closing. Everything needs `orders.change`.

A sale holds its places through the engine (`boxoffice.services.add_places`) and sells them
at once (`boxoffice.services.sell`); if the sale fails the places are given back.
"""

import re
import secrets
from decimal import Decimal

from django.db import IntegrityError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from rideau.boxoffice import queries, reports, services
from rideau.boxoffice.models import CashSession
from rideau.catalog.models import AudienceType, Rate
from rideau.core.errors import ValidationFailed
from rideau.core.roles import Perm
from rideau.events.models import EventDate
from rideau.orders.models import Order
from rideau.orders.services import Buyer
from rideau.passes.services import HolderInput

from .auth import actor_of
from .common import organizer_for, reference, slug_path
from .errors import header_error
from .pagination import PageParams, page_of, paginate
from .paths import CashSessionPath
from .schemas.boxoffice import (
    CashReportOut,
    CashSessionCloseIn,
    CashSessionIn,
    CashSessionOut,
    TillBuyerIn,
    TillCollectIn,
    TillCollectOut,
    TillRefundIn,
    TillRefundOut,
    TillSaleIn,
    TillSaleOut,
)

router = Router(tags=["box office"])
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

SESSIONS = "/organizers/{organizer}/boxoffice/sessions"
SESSION = SESSIONS + "/{cashsession_id}"


SessionPage = page_of(CashSessionOut, "CashSessionPage")


def _session(request: HttpRequest, path: CashSessionPath) -> CashSession:
    shifts = CashSession.objects.select_related("organizer")
    return path.get_or_404(request, shifts, Perm.CHANGE_ORDERS, pk=path.cashsession_id)


@router.get(SESSIONS, response=SessionPage)
def list_shifts(request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()):
    org = organizer_for(request, organizer, Perm.CHANGE_ORDERS)
    return paginate(queries.sessions(org), page)


@router.post(SESSIONS, response={201: CashSessionOut})
def open_session(request: HttpRequest, payload: CashSessionIn, organizer: str = slug_path()):
    org = organizer_for(request, organizer, Perm.CHANGE_ORDERS)
    return Status(201, services.open_session(org, actor=actor_of(request), **payload.dict()))


@router.get(SESSION, response=CashSessionOut)
def get_shift(request: HttpRequest, path: Path[CashSessionPath]):
    return _session(request, path)


@router.get(SESSION + "/report", response=CashReportOut)
def session_report(request: HttpRequest, path: Path[CashSessionPath]):
    session = _session(request, path)
    report = reports.report_for(session)
    return {
        "session": session,
        "orders": report.orders,
        "sales": report.sales,
        "refunds": report.refunds,
        "lines": report.lines,
        "vouchers_redeemed": report.vouchers_redeemed,
        "redemptions": report.redemptions,
        "vouchers_sold": report.vouchers_sold,
        "vouchers_sold_amount": report.vouchers_sold_amount,
        "passes_sold": report.passes_sold,
        "passes_sold_amount": report.passes_sold_amount,
        "expected_cash": report.expected_cash,
    }


@router.post(SESSION + "/sales", response={201: TillSaleOut})
def sell(request: HttpRequest, payload: TillSaleIn, path: Path[CashSessionPath]):
    """Sell tickets, gift vouchers and passes (with their holder and, for a choice pass,
    its dates), paid by `payments` (their amounts add up to the total; `given`: the cash
    handed over, for the change); everything in one order, all or nothing. Accepts an
    `Idempotency-Key` header (per token or user): a retry with it gets the first sale's
    answer (without the pass codes, shown once) and sells nothing more."""
    session = _session(request, path)
    org = session.organizer
    actor = actor_of(request)
    errors: dict[str, list[str]] = {}
    unknown = "Unknown or not available here."
    rates = {
        r.pk: r
        for r in Rate.objects.select_related("product").filter(
            product__organizer=org,
            pk__in={line.rate for line in payload.lines}
            | {g.rate for g in payload.gift_vouchers}
            | {p.rate for p in payload.passes},
        )
    }
    dates = {
        d.pk: d
        for d in EventDate.objects.filter(
            event__organizer=org,
            pk__in={line.date for line in payload.lines if line.date}
            | {d for p in payload.passes for d in p.dates},
        ).select_related("event")
    }
    for i, line in enumerate(payload.lines):
        if line.rate not in rates:
            errors[f"lines.{i}.rate"] = [unknown]
        if line.date is not None and line.date not in dates:
            errors[f"lines.{i}.date"] = [unknown]
    for i, gift in enumerate(payload.gift_vouchers):
        if gift.rate not in rates:
            errors[f"gift_vouchers.{i}.rate"] = [unknown]
    for i, sold in enumerate(payload.passes):
        if sold.rate not in rates:
            errors[f"passes.{i}.rate"] = [unknown]
        if any(d not in dates for d in sold.dates):
            errors[f"passes.{i}.dates"] = [unknown]
    if errors:
        raise ValidationFailed(errors)
    audience_type = (
        reference(
            AudienceType.objects.all(), org, field="audience_type", code=payload.audience_type
        )
        if payload.audience_type
        else None
    )
    buyer = payload.buyer or TillBuyerIn()
    raw_key = request.headers.get("Idempotency-Key")
    key = None
    if raw_key is not None:
        if not KEY_PATTERN.match(raw_key):
            raise header_error(
                "Idempotency-Key",
                _("Idempotency-Key: give 8 to 64 letters, digits or . _ : - (e.g. a UUID)."),
            )
        caller = (
            f"token:{actor.token.pk}"
            if actor.token
            else f"user:{actor.user.pk if actor.user else 0}"
        )
        key = f"pos:{caller}:{raw_key}"
        done = services.sale_of(org, key)
        if done is not None:
            return Status(201, _sale_body(done))
    token = "api-" + secrets.token_urlsafe(12)
    try:
        for line in payload.lines:
            services.add_places(
                org,
                token=token,
                rate=rates[line.rate],
                date=dates.get(line.date) if line.date else None,
                quantity=line.quantity,
                actor=actor,
            )
        sale = services.sell(
            session,
            token=token,
            gifts=[
                services.GiftLine(rate=rates[g.rate], amount=g.amount)
                for g in payload.gift_vouchers
            ],
            pass_lines=[
                services.PassLine(
                    rate=rates[p.rate],
                    holder=HolderInput(**p.holder.dict()),
                    dates=[dates[d] for d in p.dates],
                )
                for p in payload.passes
            ],
            tenders=[
                services.Tender(method=t.method, amount=t.amount, given=t.given, code=t.code)
                for t in payload.payments
            ],
            buyer=Buyer(
                email=buyer.email, name=buyer.name, locale=buyer.locale or org.default_language
            ),
            audience_type=audience_type,
            actor=actor,
            idempotency_key=key,
            discount_code=payload.discount_code,
        )
    except IntegrityError:
        services.clear_cart(org, token)
        done = services.sale_of(org, key) if key else None
        if done is None:
            raise
        return Status(201, _sale_body(done))  # a concurrent retry won: its answer
    except BaseException:
        services.clear_cart(org, token)
        raise
    return Status(201, _sale_body(sale))


def _sale_body(sale: services.Sale) -> dict:
    return {
        "order": sale.order.code,
        "total": sale.order.total,
        "change": sale.change,
        "gift_vouchers": [
            {"id": v.pk, "code": v.code, "value": v.value, "expires_at": v.expires_at}
            for v in sale.vouchers
        ],
        "passes": [
            {"id": p.pk, "code": getattr(p, "plain_code", ""), "holder": p.holder_name or p.email}
            for p in sale.passes
        ],
    }


@router.post(SESSION + "/payments", response=TillCollectOut)
def collect(request: HttpRequest, payload: TillCollectIn, path: Path[CashSessionPath]):
    """Take at the till what an order still owes (a reservation, a web order waiting for a
    transfer), paid by `payments` (their amounts add up to what is due; `given`: the cash
    handed over, for the change). The order is paid and its places confirmed, or nothing is
    taken (409 `not_payable` once it is paid, cancelled or expired)."""
    session = _session(request, path)
    order = reference(
        Order.objects.all(), session.organizer, field="order", code=payload.order.upper()
    )
    tenders = [
        services.Tender(method=t.method, amount=t.amount, given=t.given, code=t.code)
        for t in payload.payments
    ]
    sale = services.collect(session, order, tenders=tenders, actor=actor_of(request))
    return {
        "order": sale.order.code,
        "status": sale.order.status,
        "total": sale.order.total,
        "paid": sum((services.money(t.amount) for t in tenders), Decimal("0.00")),
        "change": sale.change,
    }


@router.post(SESSION + "/refunds", response=TillRefundOut)
def refund_at_box_office(request: HttpRequest, payload: TillRefundIn, path: Path[CashSessionPath]):
    """Refund an order in full by the methods it was paid with (cash from this till)."""
    session = _session(request, path)
    order = reference(
        Order.objects.all(), session.organizer, field="order", code=payload.order.upper()
    )
    done = services.refund(session, order, actor=actor_of(request), reason=payload.reason)
    order.refresh_from_db()
    refunded: dict[str, Decimal] = {}
    for r in done:
        refunded[r.payment.provider] = refunded.get(r.payment.provider, Decimal("0")) + r.amount
    return {"order": order.code, "status": order.status, "refunded": refunded}


@router.post(SESSION + "/close", response=CashSessionOut)
def close_session(request: HttpRequest, payload: CashSessionCloseIn, path: Path[CashSessionPath]):
    """Close the shift with the cash counted; the report (PDF, XLSX) is e-mailed to
    `recipients`."""
    session = _session(request, path)
    return services.close_session(
        session,
        counted_cash=payload.counted_cash,
        recipients=payload.recipients,
        note=payload.note,
        actor=actor_of(request),
    )
