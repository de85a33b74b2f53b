"""The public shop: tickets of an event, the cart, checkout, payment pages, the buyer's order.

Every view is public (no login). The views parse input and call `rideau.orders.carts` and the
payment services; capacity, prices and deadlines are decided there (STYLE §1).
"""

import secrets
import time
from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from rideau.catalog.models import Product, Question
from rideau.contacts.services import set_consent
from rideau.core.errors import RideauError
from rideau.core.ratelimit import within_shop_rate
from rideau.core.text import text_problem
from rideau.documents.seats import seat_labels
from rideau.documents.tickets import render_tickets_pdf
from rideau.events.models import Event
from rideau.giftcards import codes as giftcodes
from rideau.giftcards import services as giftcards
from rideau.orders import carts, sellable
from rideau.orders.models import Order
from rideau.orders.payments.base import get_provider, providers_for
from rideau.orders.payments.errors import PaymentError
from rideau.orders.payments.services import confirm_demo_payment, start_payment
from rideau.orders.payments.stripe_checkout import confirm_stripe_return, handle_stripe_webhook
from rideau.orders.services import amount_due
from rideau.orders.vouchers import VoucherPreview, code_attempt, preview_voucher
from rideau.reservations import queries as reservation_queries
from rideau.reservations import rules as reservation_rules
from rideau.reservations import services as reservation_services

from ..decorators import activate_organizer_timezone, event_for_visitor, public_view
from ..seatmap import seated_dates
from ..toolkit import file_response
from .forms import CheckoutForm, DemoCardForm, TicketsForm

CARTS_KEY = "rideau_carts"
_clock = time.time  # the rate limit's clock (tests pin it)
ACCESS_KEY = "rideau_private_events"


# --- helpers -----------------------------------------------------------------------------


def _event_or_404(request: HttpRequest, organizer: str, event: str) -> Event:
    """A public event, or a private one whose link (token) this visitor opened."""
    allowed = request.session.get(ACCESS_KEY, [])
    ev = event_for_visitor(request, organizer, event, opened=allowed)
    if (
        ev.visibility == Event.Visibility.PRIVATE
        and not getattr(request, "rideau_preview", "")
        and ev.pk not in allowed
    ):
        request.session[ACCESS_KEY] = [*allowed, ev.pk]
    return ev


def _refuse_draft_sale(ev: Event, form) -> bool:
    """A draft is previewed, never sold: the form says so (True when refused)."""
    if ev.visibility != Event.Visibility.DRAFT:
        return False
    form.add_error(
        None, _("This is a preview of a draft event: nothing can be bought until it is published.")
    )
    return True


def _cart_token(request: HttpRequest, event: Event) -> str:
    token = request.session.get(CARTS_KEY, {}).get(str(event.pk), "")
    if token and carts.order_of(event.organizer, token) is not None:
        return ""  # this cart became an order: the next purchase starts a new one
    return token


def _set_cart_token(request: HttpRequest, event: Event, token: str) -> None:
    tokens = dict(request.session.get(CARTS_KEY, {}))
    tokens[str(event.pk)] = token
    request.session[CARTS_KEY] = tokens


def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def _offers(event: Event, now):
    """The dates on sale, grouped by month, each with its (rate, places left) rows, and the
    flat list of (date, rate, left) the tickets form asks quantities for (`orders.sellable`
    decides what is on sale)."""
    offer = sellable.on_offer(event, now=now)
    offers = []
    groups: list[dict[str, Any]] = []
    for date in offer.dates:
        rows = []
        for rate in offer.rates:
            left = offer.left(date, rate)
            if left is None:
                continue  # no quota: not sold for this date
            rows.append((rate, left))
            if offer.on_sale(date, rate):
                offers.append((date, rate, left))
        groups.append({"date": date, "on_sale": offer.date_sold(date), "rows": rows})
    months: list[dict] = []
    for group in groups:
        start = group["date"].start if group["date"] else None
        key = timezone.localtime(start).strftime("%Y-%m") if start else ""
        if not months or months[-1]["key"] != key:
            months.append({"key": key, "start": start, "dates": []})
        months[-1]["dates"].append(group)
    return months, offers


def _within_rate(request: HttpRequest, organizer: str) -> bool:
    """Add-to-cart takes places: at most `RIDEAU_SHOP_ORDER_RATE` a minute per client address
    and organiser (a fixed window counted in the cache), so a script cannot hold a house."""
    address = request.META.get("REMOTE_ADDR", "")
    return within_shop_rate(f"rideau:shop-carts:{organizer}:{address}", now=_clock())


def _add_error(form, exc: RideauError, fields: set[str]) -> None:
    form.add_error(exc.field if exc.field in fields else None, exc.message)


# --- tickets and cart --------------------------------------------------------------------


FEW_LEFT = 20  # a date with at most this many places left says "few left"


def _date_summary(group: dict, *, event_open: bool) -> dict:
    """What the date choice shows of one date: places left over its rates, the lowest
    price still available, and a status (on sale, few left, sold out, not on sale)."""
    lefts = [left for _rate, left in group["rows"]]
    left = max(lefts, default=0)
    prices = [rate.price for rate, n in group["rows"] if n]
    if not (event_open and group["on_sale"]) or not group["rows"]:
        status = "closed"
    elif left == 0:
        status = "sold-out"
    elif left <= FEW_LEFT:
        status = "few"
    else:
        status = "available"
    return {**group, "left": left, "from_price": min(prices, default=None), "status": status}


def _chosen_group(request: HttpRequest, groups: list[dict]) -> dict | None:
    """The date the buyer picked (`?date=<id>`) among `groups`, or None."""
    wanted = request.GET.get("date", "")
    for group in groups:
        if group["date"] is not None and str(group["date"].pk) == wanted:
            return group
    return None


@public_view
@require_http_methods(["GET", "POST"])
def tickets(request: HttpRequest, organizer: str, event: str) -> HttpResponse:
    """The tickets of an event. With several dates, a date comes first (a list by month
    with what is left), then the rates of that date; a form posted without a date still
    takes quantities for every date."""
    ev = _event_or_404(request, organizer, event)
    now = timezone.now()
    months, offers = _offers(ev, now)
    groups = [group for month in months for group in month["dates"]]
    multi_date = len(groups) > 1
    chosen = _chosen_group(request, groups) if multi_date else None
    if multi_date and chosen is None and request.method == "GET":
        cart = carts.get_cart(ev.organizer, ev, _cart_token(request, ev), now=now)
        for month in months:
            month["dates"] = [
                _date_summary(group, event_open=ev.sales_open_at(now)) for group in month["dates"]
            ]
        return render(
            request,
            "web/shop/dates.html",
            {"organizer": ev.organizer, "event": ev, "months": months, "cart": cart},
        )
    if chosen is not None:
        offers = [offer for offer in offers if offer[0] == chosen["date"]]
        months = [{"key": "", "start": chosen["date"].start, "dates": [chosen]}]
    form = TicketsForm(request.POST if request.method == "POST" else None, offers=offers)
    if request.method == "POST" and form.is_valid() and _refuse_draft_sale(ev, form):
        pass
    elif request.method == "POST" and form.is_valid() and not _within_rate(request, organizer):
        form.add_error(None, _("Too many attempts; please try again in a minute."))
    if request.method == "POST" and form.is_valid():
        try:
            token = carts.add_to_cart(
                ev.organizer, ev, token=_cart_token(request, ev), items=form.items(), now=now
            )
        except RideauError as exc:
            form.add_error(None, exc.message)
        else:
            _set_cart_token(request, ev, token)
            return redirect("web:shop-cart", organizer=organizer, event=event)
    cart = carts.get_cart(ev.organizer, ev, _cart_token(request, ev), now=now)
    by_date: defaultdict[int | None, dict] = defaultdict(dict)
    for date, rate, _left, field in form.bound_rows():
        by_date[date.pk if date else None][rate.pk] = field
    for month in months:
        for group in month["dates"]:
            fields = by_date.get(group["date"].pk if group["date"] else None, {})
            group["rows"] = [(rate, left, fields.get(rate.pk)) for rate, left in group["rows"]]
    return render(
        request,
        "web/shop/tickets.html",
        {
            "organizer": ev.organizer,
            "event": ev,
            "months": months,
            "form": form,
            "cart": cart,
            "multi_date": multi_date and chosen is None,
            "chosen": chosen,
            "seated": seated_dates([g["date"] for m in months for g in m["dates"]]),
        },
        status=422 if form.errors else 200,
    )


@public_view
def cart_page(request: HttpRequest, organizer: str, event: str) -> HttpResponse:
    ev = _event_or_404(request, organizer, event)
    cart = carts.get_cart(ev.organizer, ev, _cart_token(request, ev))
    return render(
        request,
        "web/shop/cart.html",
        {"organizer": ev.organizer, "event": ev, "cart": cart, "now": timezone.now()},
    )


@public_view
@require_POST
def cart_remove(request: HttpRequest, organizer: str, event: str) -> HttpResponse:
    ev = _event_or_404(request, organizer, event)
    token = _cart_token(request, ev)
    key = request.POST.get("line", "")
    if token and key:
        carts.remove_line(ev.organizer, ev, token=token, key=key)
        messages.success(request, _("The tickets were removed from your cart."))
    return redirect("web:shop-cart", organizer=organizer, event=event)


@public_view
@require_POST
def cart_clear(request: HttpRequest, organizer: str, event: str) -> HttpResponse:
    """Start over: release what is still held and forget this cart."""
    ev = _event_or_404(request, organizer, event)
    token = _cart_token(request, ev)
    if token:
        cart = carts.get_cart(ev.organizer, ev, token)
        for line in cart.lines:
            carts.remove_line(ev.organizer, ev, token=token, key=line.key)
        _set_cart_token(request, ev, "")
    return redirect("web:shop-tickets", organizer=organizer, event=event)


# --- checkout ----------------------------------------------------------------------------


@public_view
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, organizer: str, event: str) -> HttpResponse:
    ev = _event_or_404(request, organizer, event)
    token = request.session.get(CARTS_KEY, {}).get(str(ev.pk), "")
    placed = carts.order_of(ev.organizer, token) if token else None
    if placed is not None:
        # a second submit of the same checkout (or a reload): the same order
        return redirect(_order_url(placed))
    now = timezone.now()
    cart = carts.get_cart(ev.organizer, ev, token, now=now)
    if not cart:
        return redirect("web:shop-tickets", organizer=organizer, event=event)
    questions: dict[int, list[Question]] = defaultdict(list)
    for question in Question.objects.filter(
        product_id__in={line.rate.product_id for line in cart.lines}
    ):
        questions[question.product_id].append(question)
    providers = providers_for("web", amount=cart.total, organizer=ev.organizer)
    # "reserve now, pay later" where the three switches allow it (SPEC C1, C2)
    reserve_until = reservation_rules.shop_offer(
        ev.organizer, [(line.rate.product, line.date) for line in cart.lines], now
    )
    # "Apply" of the discount code: a preview of the new total, nothing checked or placed
    applying = request.method == "POST" and "apply_voucher" in request.POST
    form = CheckoutForm(
        request.POST if request.method == "POST" and not applying else None,
        initial=request.POST.dict() if applying else None,
        cart=cart,
        questions=questions,
        providers=providers,
        languages=ev.organizer.languages,
    )
    preview, voucher_error = None, ""
    if applying:
        preview, voucher_error = _voucher_preview(
            request, ev, cart, request.POST.get("voucher", ""), now, token=token
        )
    elif request.method == "POST" and "reserve" in request.POST and reserve_until:
        form.fields["provider"].required = False  # paid later, from the personal space
        if form.is_valid():
            try:
                reservation = reservation_services.reserve_cart(
                    ev.organizer,
                    ev,
                    token=token,
                    buyer=form.buyer(_language()),
                    attendees=form.attendees(),
                    now=now,
                )
            except RideauError as exc:
                _add_error(form, exc, set(form.fields))
            else:
                messages.success(
                    request,
                    _(
                        "Your places are reserved. Pay before the deadline from your personal "
                        "space; we sent you an e-mail with the link."
                    ),
                )
                return redirect(_order_url(reservation.order))
    elif request.method == "POST" and form.is_valid():
        code = form.cleaned_data["voucher"].strip()
        if code:
            preview, voucher_error = _voucher_preview(request, ev, cart, code, now, token=token)
            if voucher_error:
                form.add_error("voucher", voucher_error)
                voucher_error = ""
        if not form.errors:
            try:
                order = carts.check_out(
                    ev.organizer,
                    ev,
                    token=token,
                    buyer=form.buyer(_language()),
                    attendees=form.attendees(),
                    provider=form.cleaned_data["provider"],
                    voucher_code=code,
                    now=now,
                )
            except RideauError as exc:
                _add_error(form, exc, set(form.fields))
            else:
                if form.cleaned_data["consent_email"] and order.contact is not None:
                    set_consent(order.contact, purpose="email", granted=True, source="checkout")
                return _after_placing(request, order)
    invalid = form.errors or (voucher_error and not request.headers.get("HX-Request"))
    return render(
        request,
        "web/shop/checkout.html",
        {
            "organizer": ev.organizer,
            "event": ev,
            "cart": cart,
            "form": form,
            "now": now,
            "preview": preview,
            "voucher_error": voucher_error,
            "total": preview.total if preview else cart.total,
            "reserve_until": reserve_until,
        },
        status=422 if invalid else 200,
    )


def _voucher_preview(
    request: HttpRequest, ev: Event, cart, code: str, now, *, token: str
) -> tuple[VoucherPreview | None, str]:
    """The discount `code` gives on the cart, or the message saying why it gives none.
    Wrong codes are limited per client address and per cart (`code_attempt`)."""
    code = code.strip()
    if not code:
        return None, _("Enter a discount code.")
    if problem := text_problem(code):
        return None, problem
    keys = [f"voucher:ip:{request.META.get('REMOTE_ADDR', '')}", f"voucher:cart:{token}"]
    try:
        preview = code_attempt(
            keys,
            lambda: preview_voucher(
                ev.organizer,
                ev,
                code=code,
                rates=[(line.rate, line.quantity) for line in cart.lines],
                now=now,
            ),
        )
    except RideauError as exc:
        if exc.code == "invalid_voucher" and len(giftcodes.normalize(code)) == giftcodes.LENGTH:
            # a gift voucher's shape: it pays (part of) the order once placed, not a discount
            return None, _(
                "This looks like a gift voucher code: place the order, then use it on the "
                "order's page (“Pay with a gift voucher”)."
            )
        return None, exc.message
    return preview, ""


def _order_url(order: Order) -> str:
    return reverse(
        "web:shop-order",
        kwargs={
            "organizer": order.organizer.slug,
            "code": order.code,
            "order_secret": order.secret,
        },
    )


def _after_placing(request: HttpRequest, order: Order) -> HttpResponse:
    """Send the buyer on to pay (online providers) or to the order page."""
    if order.status != Order.Status.PENDING:
        return redirect(_order_url(order))
    provider = get_provider(order.payment_provider)
    if not provider.online:
        return redirect(_order_url(order))
    return_url = request.build_absolute_uri(_order_url(order) + "stripe/return/")
    try:
        start = start_payment(order, provider=provider.identifier, return_url=return_url)
    except PaymentError as exc:
        messages.error(request, exc.message)
        return redirect(_order_url(order))
    return redirect(start.redirect_url or _order_url(order))


# --- the buyer's order -------------------------------------------------------------------


def _order_or_404(organizer: str, code: str, order_secret: str) -> Order:
    order = (
        Order.objects.select_related("organizer", "event__venue", "voucher")
        .filter(organizer__slug=organizer, code=code)
        .first()
    )
    if order is None or not secrets.compare_digest(order.secret, order_secret):
        raise Http404("No such order")
    activate_organizer_timezone(order.organizer)
    return order


@public_view
def order_page(request: HttpRequest, organizer: str, code: str, order_secret: str) -> HttpResponse:
    order = _order_or_404(organizer, code, order_secret)
    return render(request, "web/shop/order.html", order_context(order))


def order_context(order: Order, *, gift_form: forms.Form | None = None) -> dict[str, Any]:
    """What the buyer's order page shows; `gift_form`: the "Pay with a gift voucher" form
    as posted, with its errors (`gift_vouchers.pay_with_gift_voucher`)."""
    positions = list(
        order.positions.filter(cancelled=False)
        .select_related("rate", "product__event", "date__event", "session__event")
        .prefetch_related("hold__seat_holds__seat")
    )
    seats = seat_labels(positions)
    for position in positions:
        position.seat_label = seats.get(position.pk, "")  # type: ignore[attr-defined]
    entries = any(p.is_entry for p in positions)
    # an order of gift vouchers speaks of them, not of tickets; a mixed one of both
    voucher_lines = sum(1 for p in positions if p.product.kind == Product.Kind.GIFT_VOUCHER)
    sold_gift_vouchers = voucher_lines > 0
    only_gift_vouchers = sold_gift_vouchers and voucher_lines == len(positions)
    instructions = ""
    pay_url = ""
    if order.status == Order.Status.PENDING and order.payment_provider:
        if order.payment_provider == "bank_transfer":
            try:
                instructions = (
                    get_provider("bank_transfer").start(order, return_url="").instructions
                )
            except PaymentError:
                instructions = ""
        elif order.payment_provider == "demo_card":
            pay_url = reverse("web:shop-pay-demo", kwargs={"order_secret": order.secret})
    return {
        "organizer": order.organizer,
        "order": order,
        "positions": positions,
        "entries": entries,
        "sold_gift_vouchers": sold_gift_vouchers,
        "voucher_lines": voucher_lines,
        "only_gift_vouchers": only_gift_vouchers,
        "gift_vouchers": giftcards.of_order(order)
        if order.status == Order.Status.PAID and sold_gift_vouchers
        else [],
        "instructions": instructions,
        "pay_url": pay_url,
        "order_url": _order_url(order),
        "reservation": reservation_queries.of_order(order)
        if order.status == Order.Status.PENDING
        else None,
        "amount_due": amount_due(order) if order.status == Order.Status.PENDING else None,
        "gift_form": gift_form,
    }


@public_view
def order_tickets_pdf(
    request: HttpRequest, organizer: str, code: str, order_secret: str
) -> HttpResponse:
    order = _order_or_404(organizer, code, order_secret)
    if order.status != Order.Status.PAID:
        raise Http404("Tickets are issued once the order is paid")
    if not order.positions.exclude(product__kind=Product.Kind.GIFT_VOUCHER).exists():
        raise Http404("An order of gift vouchers has no tickets: its cards were e-mailed")
    return file_response(render_tickets_pdf(order), "application/pdf", f"tickets-{order.code}.pdf")


@public_view
def stripe_return(request: HttpRequest, organizer: str, code: str, order_secret: str):
    order = _order_or_404(organizer, code, order_secret)
    session_id = request.GET.get("session_id", "")
    if session_id and order.status == Order.Status.PENDING:
        try:
            result = confirm_stripe_return(order, session_id)
        except PaymentError as exc:
            messages.error(request, exc.message)
        else:
            if result.action == "pending":
                messages.info(request, _("Your payment is being processed."))
    return redirect(_order_url(order))


# --- payment pages -----------------------------------------------------------------------


@public_view
@require_http_methods(["GET", "POST"])
def pay_demo(request: HttpRequest, order_secret: str) -> HttpResponse:
    """The demo card page (only where demo payments are switched on)."""
    order = Order.objects.select_related("organizer").filter(secret=order_secret).first()
    if order is None or not get_provider("demo_card").is_enabled(order.organizer):
        raise Http404("No such payment")
    activate_organizer_timezone(order.organizer)
    if order.status != Order.Status.PENDING:
        return redirect(_order_url(order))
    form = DemoCardForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = confirm_demo_payment(order)
        except PaymentError as exc:
            form.add_error(None, exc.message)
        else:
            if result.action == "refunded":
                messages.error(
                    request,
                    _("Your places were sold meanwhile; the payment was refunded."),
                )
            return redirect(_order_url(order))
    return render(
        request,
        "web/shop/pay_demo.html",
        {
            "organizer": order.organizer,
            "order": order,
            "form": form,
            "due": amount_due(order),
            "order_url": _order_url(order),
        },
        status=422 if form.errors else 200,
    )


@public_view
@csrf_exempt  # authenticated by the Stripe signature, not by a session
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        handle_stripe_webhook(request.body, request.headers.get("Stripe-Signature", ""))
    except PaymentError as exc:
        return HttpResponseBadRequest(exc.code)
    return HttpResponse("ok")
