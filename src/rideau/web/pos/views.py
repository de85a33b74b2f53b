"""The box office screen (SPEC D10): tabs Event, Pass, Gift vouchers, Cart, Orders, Report,
made for a tablet held in landscape and usable on a phone. Views parse input and call one service
of `rideau.boxoffice.services` (or `giftcards`, `orders`); they decide nothing themselves.

The till's cart: the places are holds of the engine owned by `pos:<token>` (the token in
the staff session, per organiser), the gift vouchers and the passes (`passes.py`) to sell
are kept in the session until the sale. The device is a random id in a long-lived cookie:
one open shift per device.
"""

import secrets
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.boxoffice import queries, reports, services
from rideau.boxoffice.errors import BoxOfficeError
from rideau.boxoffice.models import CashSession
from rideau.catalog.models import AudienceType, Product, Rate
from rideau.checkin import services as checkin
from rideau.core.access import get_scoped_or_404, scoped
from rideau.core.errors import PermissionDenied, RideauError
from rideau.core.i18n import money as money_text
from rideau.core.models import LANGUAGE_CHOICES, Organizer
from rideau.core.roles import Perm
from rideau.core.text import SafeTextMixin
from rideau.documents.seats import seat_labels
from rideau.documents.tickets import render_tickets_pdf
from rideau.events.models import EventDate
from rideau.giftcards import services as giftcards
from rideau.giftcards.models import GiftVoucher
from rideau.giftcards.pdf import render_cards_pdf
from rideau.orders import sellable
from rideau.orders import services as orders
from rideau.orders.carts import CartLine
from rideau.orders.models import ENTRIES, Order, Refund, SalesChannel
from rideau.orders.payments.services import refundable_amount
from rideau.orders.services import Buyer
from rideau.orders.vouchers import code_attempt
from rideau.passes.models import Pass
from rideau.reservations import services as reservations

from ..decorators import Request, organizer_view
from ..forms import money_field
from ..toolkit import file_response

DEVICE_COOKIE = "rideau_pos_device"
SELL = Perm.CHANGE_ORDERS


# --- the till's state --------------------------------------------------------------------


def _device(request: Request) -> str:
    device = request.COOKIES.get(DEVICE_COOKIE, "")
    if not (8 <= len(device) <= 64 and device.replace("-", "").replace("_", "").isalnum()):
        device = request.rideau_new_device = secrets.token_urlsafe(12)  # type: ignore[attr-defined]
    return device


def _with_device(request: Request, response: HttpResponse) -> HttpResponse:
    new = getattr(request, "rideau_new_device", "")
    if new:
        response.set_cookie(
            DEVICE_COOKIE,
            new,
            max_age=5 * 365 * 86400,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def _key(organizer: Organizer, name: str) -> str:
    return f"pos:{organizer.pk}:{name}"


def _token(request: Request, organizer: Organizer) -> str:
    key = _key(organizer, "token")
    if not request.session.get(key):
        request.session[key] = secrets.token_urlsafe(16)
    return request.session[key]


def _gifts(request: Request, organizer: Organizer) -> list[services.GiftLine]:
    stored = request.session.get(_key(organizer, "gifts"), [])
    rates = {
        r.pk: r
        for r in scoped(
            Rate.objects.select_related("product"), organizer, "product__organizer"
        ).filter(pk__in=[g["rate"] for g in stored])
    }
    return [
        services.GiftLine(
            rate=rates[g["rate"]], amount=Decimal(g["amount"]) if g.get("amount") else None
        )
        for g in stored
        if g["rate"] in rates
    ]


def _end_cart(request: Request, organizer: Organizer) -> None:
    for name in ("token", "gifts", "passes", "discount"):
        request.session.pop(_key(organizer, name), None)


@dataclass(frozen=True, kw_only=True)
class TillCart:
    """The till's cart as it is now, read once per request: its places, gift vouchers and
    passes, the discount code kept with it, what that code takes off (`discount`, computed
    once: it reads the code and the catalogue) and why it takes nothing (`discount_error`:
    the cart changed, the code applies to none of it any more)."""

    token: str
    lines: list[CartLine]
    gifts: list[services.GiftLine]
    passes: list[services.PassLine]
    discount_code: str = ""
    discount: Decimal = Decimal("0")
    discount_error: str = ""

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines) + len(self.gifts) + len(self.passes)

    @property
    def total(self) -> Decimal:
        """What the buyer pays: the cart less the discount."""
        return services.cart_total(self.lines, self.gifts, self.passes) - self.discount


def _cart(request: Request, organizer: Organizer) -> TillCart:
    token = _token(request, organizer)
    lines = services.cart_lines(organizer, token)
    gifts = _gifts(request, organizer)
    held_passes = _pass_lines(request, organizer)
    code = request.session.get(_key(organizer, "discount"), "")
    off, error = Decimal("0"), ""
    if code:
        try:
            made = services.order_lines(lines, gifts, held_passes)
            off = services.discount(organizer, made, code)
        except RideauError as exc:
            error = str(exc.message)
    return TillCart(
        token=token,
        lines=lines,
        gifts=gifts,
        passes=held_passes,
        discount_code=code,
        discount=off,
        discount_error=error,
    )


def _drop_expired_places(request: Request, organizer: Organizer):
    """When the cart's places ran out of time, leave them behind: the cart's places start
    again under a new token (its vouchers and passes stay). Returns when they expired."""
    expired_at = services.cart_expired_at(organizer, _token(request, organizer))
    if expired_at is not None:
        services.leave_cart(organizer, _token(request, organizer))
        request.session.pop(_key(organizer, "token"), None)
    return expired_at


def _pass_lines(request: Request, organizer: Organizer) -> list[services.PassLine]:
    from .passes import pass_lines  # the Pass tab's module imports this one

    return pass_lines(request, organizer)


def _page(
    request: Request,
    organizer: Organizer,
    template: str,
    tab: str,
    *,
    cart: TillCart | None = None,
    **context,
):
    """Render a tab of the screen with the cart's count and total in its header; `cart`:
    the cart the view already read (else it is read here)."""
    device = _device(request)
    cart = cart or _cart(request, organizer)
    status = context.pop("status", 200)
    response = render(
        request,
        template,
        {
            "organizer": organizer,
            "active": "pos",
            "tab": tab,
            "shift": queries.open_session(organizer, device),
            "cart_count": cart.count,
            "cart_total": cart.total,
            **context,
        },
        status=status,
    )
    return _with_device(request, response)


def _errors(request: Request, exc: RideauError) -> None:
    if isinstance(exc, PermissionDenied):
        raise exc
    errors = getattr(exc, "errors", None) or {exc.field: [exc.message]}
    for texts in errors.values():
        for text in texts:
            messages.error(request, text)


def _back(request: Request, organizer: Organizer, default: str = "pos-event") -> HttpResponse:
    target = request.POST.get("next", "")
    base = reverse("web:pos", args=[organizer.slug])
    if target.startswith(base) and "//" not in target:
        return redirect(target)
    return redirect(reverse(f"web:{default}", args=[organizer.slug]))


def post_or_tab(view):
    """A form target of the screen: a POST does the work; a GET (a reload after the
    answer, a bookmarked address) goes back to the screen instead of an error."""

    @wraps(view)
    def wrapper(request: Request, organizer: Organizer, **kwargs) -> HttpResponse:
        if request.method != "POST":
            return redirect(reverse("web:pos", args=[organizer.slug]))
        return view(request, organizer=organizer, **kwargs)

    return wrapper


# --- tabs --------------------------------------------------------------------------------


@organizer_view(SELL)
def home(request: Request, organizer: Organizer) -> HttpResponse:
    if queries.open_session(organizer, _device(request)) is None:
        return _with_device(request, redirect(reverse("web:pos-report", args=[organizer.slug])))
    return _with_device(request, redirect(reverse("web:pos-event", args=[organizer.slug])))


@organizer_view(SELL)
def event_tab(request: Request, organizer: Organizer) -> HttpResponse:
    """Events and dates, today's first; the chosen date's rates with + and − and the
    places left (live: read at every display)."""
    now = timezone.now()
    events = queries.events_today_first(organizer, now)
    chosen_event = None
    event_id = request.GET.get("event", "")
    if event_id.isdigit():
        chosen_event = next((e for e in events if e.pk == int(event_id)), None)
    if chosen_event is None and events:
        chosen_event = events[0]
    offer = None
    date = None
    rows = []
    cart = _cart(request, organizer)
    if chosen_event is not None:
        offer = sellable.on_offer(chosen_event, now=now, channel=SalesChannel.BOX_OFFICE)
        date_id = request.GET.get("date", "")
        dates = [d for d in offer.dates if d is not None]
        date = next((d for d in dates if str(d.pk) == date_id), dates[0] if dates else None)
        in_cart = {
            (line.date.pk if line.date else None, line.rate.pk): line.quantity
            for line in cart.lines
        }
        for rate in offer.rates:
            rows.append(
                {
                    "rate": rate,
                    "left": offer.left(date, rate),
                    "in_cart": in_cart.get((date.pk if date else None, rate.pk), 0),
                }
            )
    return _page(
        request,
        organizer,
        "web/pos/event.html",
        "event",
        cart=cart,
        events=events,
        chosen_event=chosen_event,
        offer=offer,
        date=date,
        rows=rows,
        seated=bool(date and date.location_id),
        next_url=request.get_full_path(),
    )


@organizer_view(SELL)
@post_or_tab
def cart_places(request: Request, organizer: Organizer) -> HttpResponse:
    """+ or − one place of a rate on a date."""
    rate = get_scoped_or_404(
        Rate.objects.select_related("product__event"),
        organizer,
        "product__organizer",
        pk=_int(request.POST.get("rate")),
    )
    date = None
    if request.POST.get("date"):
        date = get_scoped_or_404(
            EventDate.objects.all(), organizer, "event__organizer", pk=_int(request.POST["date"])
        )
    if _drop_expired_places(request, organizer) is not None:
        messages.warning(
            request, gettext("The cart's earlier places were held too long and were released.")
        )
    token = _token(request, organizer)
    try:
        if request.POST.get("delta") == "-1":
            services.remove_places(organizer, token=token, rate=rate, date=date)
        else:
            services.add_places(
                organizer, token=token, rate=rate, date=date, quantity=1, actor=request.actor
            )
    except RideauError as exc:
        _errors(request, exc)
    return _back(request, organizer)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("Not found") from None


class FreeAmountForm(SafeTextMixin, forms.Form):
    amount = money_field(_("Amount"), min_value=0.01)


@organizer_view(SELL)
def vouchers_tab(request: Request, organizer: Organizer) -> HttpResponse:
    rates = queries.gift_rates(organizer)
    return _page(
        request,
        organizer,
        "web/pos/vouchers.html",
        "vouchers",
        rates=rates,
        free_form=FreeAmountForm(),
    )


@organizer_view(SELL)
@post_or_tab
def cart_gift(request: Request, organizer: Organizer) -> HttpResponse:
    """Add a gift voucher (a fixed value, or a free amount checked by the product's rule),
    or remove one (`remove`: its index in the cart)."""
    key = _key(organizer, "gifts")
    stored = list(request.session.get(key, []))
    if "remove" in request.POST:
        index = _int(request.POST["remove"])
        if 0 <= index < len(stored):
            stored.pop(index)
        request.session[key] = stored
        return _back(request, organizer, "pos-cart")
    rate = get_scoped_or_404(
        Rate.objects.select_related("product"),
        organizer,
        "product__organizer",
        pk=_int(request.POST.get("rate")),
        product__kind=Product.Kind.GIFT_VOUCHER,
    )
    amount = None
    if hasattr(rate.product, "free_amount"):
        form = FreeAmountForm(request.POST)
        if not form.is_valid():
            for texts in form.errors.values():
                for text in texts:
                    messages.error(request, str(text))
            return _back(request, organizer, "pos-vouchers")
        amount = form.cleaned_data["amount"]
    try:
        sellable.check_lines(
            None,
            [orders.OrderLine(rate=rate, amount=amount)],
            timezone.now(),
            channel=SalesChannel.BOX_OFFICE,
            organizer=organizer,
        )
    except RideauError as exc:
        _errors(request, exc)
        return _back(request, organizer, "pos-vouchers")
    stored.append({"rate": rate.pk, "amount": str(amount) if amount is not None else ""})
    request.session[key] = stored[:20]
    messages.success(request, gettext("Gift voucher added to the cart."))
    return _back(request, organizer, "pos-vouchers")


@organizer_view(SELL)
@post_or_tab
def cart_discount(request: Request, organizer: Organizer) -> HttpResponse:
    """Apply a discount code to the cart (kept with it until the sale), or remove it."""
    key = _key(organizer, "discount")
    code = (request.POST.get("code") or "").strip()[:40]
    if "remove" in request.POST:
        request.session.pop(key, None)
    elif not code:
        messages.error(request, gettext("Enter a discount code."))
    else:
        lines = services.cart_lines(organizer, _token(request, organizer))
        gifts = _gifts(request, organizer)
        made = services.order_lines(lines, gifts, _pass_lines(request, organizer))
        try:
            if not made:
                raise BoxOfficeError("empty_cart")
            off = code_attempt(
                [f"voucher:staff:{request.user.pk}"],
                lambda: services.discount(organizer, made, code),
            )
        except RideauError as exc:
            _errors(request, exc)
        else:
            request.session[key] = code
            messages.success(
                request,
                gettext("Discount code applied: %(amount)s off.")
                % {"amount": money_text(off, organizer.currency)},
            )
    return redirect(reverse("web:pos-cart", args=[organizer.slug]))


@organizer_view(SELL)
@post_or_tab
def cart_clear(request: Request, organizer: Organizer) -> HttpResponse:
    services.clear_cart(organizer, _token(request, organizer))
    _end_cart(request, organizer)
    return redirect(reverse("web:pos-cart", args=[organizer.slug]))


class TenderForm(forms.Form):
    """How the buyer pays: the rest after the voucher and the card is paid in cash."""

    voucher_code = forms.CharField(label=_("Gift voucher code"), required=False, max_length=40)
    voucher_amount = money_field(
        _("Amount from the voucher"),
        required=False,
        help_text=_("Empty: as much as the voucher covers."),
    )
    card_amount = money_field(_("Card (terminal)"), required=False)
    cash_given = money_field(_("Cash given"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("voucher_amount", "card_amount", "cash_given"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "step": "0.01"})


class PaymentForm(SafeTextMixin, TenderForm):
    """A sale's payment and its buyer."""

    name = forms.CharField(label=_("Buyer's name"), required=False, max_length=200)
    email = forms.EmailField(label=_("Buyer's e-mail"), required=False)
    audience_type = forms.ModelChoiceField(
        label=_("Audience type"), queryset=AudienceType.objects.none(), required=False
    )
    language = forms.ChoiceField(
        label=_("Buyer's language"),
        required=False,
        help_text=_("Of the e-mails and tickets the buyer gets."),
    )

    def __init__(self, *args, organizer: Organizer, **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(LANGUAGE_CHOICES)
        self.fields["language"].choices = [(c, names.get(c, c)) for c in organizer.languages]
        self.fields["language"].initial = organizer.default_language
        self.fields["audience_type"].queryset = scoped(
            AudienceType.objects.filter(active=True), organizer
        )


@organizer_view(SELL)
def cart_tab(
    request: Request, organizer: Organizer, form=None, status=200, not_sold=False
) -> HttpResponse:
    """The cart and its payment form. `not_sold`: a sale was just refused (the form says
    why, above the cart, even when the refusal emptied it)."""
    from .passes import cart_pass_rows

    cart = _cart(request, organizer)
    deadlines = [h.expires_at for line in cart.lines for h in line.holds if h.expires_at]
    return _page(
        request,
        organizer,
        "web/pos/cart.html",
        "cart",
        cart=cart,
        lines=cart.lines,
        gifts=cart.gifts,
        pass_rows=cart_pass_rows(organizer, cart.passes),
        total=cart.total,
        discount_code=cart.discount_code,
        discount=cart.discount,
        discount_error=cart.discount_error,
        held_until=min(deadlines) if deadlines else None,
        expired_at=services.cart_expired_at(organizer, cart.token),
        not_sold=not_sold,
        form=form or PaymentForm(organizer=organizer),
        next_url=request.get_full_path(),
        status=status,
    )


def _tenders(organizer: Organizer, data: dict, total: Decimal) -> list[services.Tender]:
    """Voucher first (its amount, or what its balance covers), then card, the rest cash."""
    tenders = []
    rest = total
    code = (data.get("voucher_code") or "").strip()
    if code:
        amount = data.get("voucher_amount")
        if amount is None:
            voucher = giftcards.find(organizer, code)
            amount = min(voucher.balance, rest) if not voucher.is_expired() else Decimal("0")
        tenders.append(services.Tender(method="gift_voucher", amount=amount, code=code))
        rest -= amount
    card = data.get("card_amount") or Decimal("0")
    if card:
        tenders.append(services.Tender(method="card_present", amount=card))
        rest -= card
    if rest > 0 or not tenders:
        tenders.append(
            services.Tender(
                method="cash", amount=max(rest, Decimal("0")), given=data.get("cash_given")
            )
        )
    return tenders


def _form_errors(form: forms.Form, exc: RideauError) -> None:
    """A refused payment's reasons on the form's fields (or above it)."""
    if isinstance(exc, PermissionDenied):
        raise exc
    errors = getattr(exc, "errors", None) or {exc.field: [exc.message]}
    for field, texts in errors.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


def _keep_change(
    request: Request, organizer: Organizer, tenders: list[services.Tender], sale: services.Sale
) -> None:
    """The change to hand back, shown once on the order's page, when cash was handed over
    (not after a card or free sale)."""
    if any(t.method == "cash" and t.given is not None for t in tenders):
        request.session[_key(organizer, "change")] = str(sale.change)
    else:
        request.session.pop(_key(organizer, "change"), None)


@organizer_view(SELL)
@post_or_tab
def sell(request: Request, organizer: Organizer) -> HttpResponse:
    shift = queries.open_session(organizer, _device(request))
    form = PaymentForm(request.POST, organizer=organizer)
    if shift is None:
        messages.error(request, gettext("Open a shift before selling."))
        return redirect(reverse("web:pos-report", args=[organizer.slug]))
    if not form.is_valid():
        return cart_tab.__wrapped__(request, organizer=organizer, form=form, status=422)
    data = form.cleaned_data
    cart = _cart(request, organizer)
    try:
        tenders = _tenders(organizer, data, cart.total)
        sale = services.sell(
            shift,
            token=cart.token,
            gifts=cart.gifts,
            pass_lines=cart.passes,
            tenders=tenders,
            buyer=Buyer(
                email=data["email"] or "",
                name=data["name"],
                locale=data["language"] or organizer.default_language,
            ),
            audience_type=data["audience_type"],
            actor=request.actor,
            discount_code=cart.discount_code,
        )
    except RideauError as exc:
        if exc.code == "cart_expired":  # nothing sold: the cart's places start again
            _drop_expired_places(request, organizer)
        _form_errors(form, exc)
        return cart_tab.__wrapped__(
            request, organizer=organizer, form=form, status=422, not_sold=True
        )
    _end_cart(request, organizer)
    _keep_change(request, organizer, tenders, sale)
    # the pass codes are shown once, on the sale's page (only their hashes are kept)
    request.session[_key(organizer, "pass_codes")] = {
        str(p.pk): getattr(p, "plain_code", "") for p in sale.passes
    }
    return redirect(reverse("web:pos-order", args=[organizer.slug, sale.order.pk]) + "?sold=1")


# --- orders ------------------------------------------------------------------------------


class SearchForm(SafeTextMixin, forms.Form):
    q = forms.CharField(
        label=_("Name, e-mail, order code or ticket QR"), required=False, max_length=200
    )


@organizer_view(SELL)
def orders_tab(request: Request, organizer: Organizer) -> HttpResponse:
    search = SearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    found = list(queries.find_orders(organizer, q))
    today = timezone.localdate()
    return _page(
        request,
        organizer,
        "web/pos/orders.html",
        "orders",
        search=search,
        q=q,
        today_orders=[o for o in found if timezone.localdate(o.created) == today],
        past_orders=[o for o in found if timezone.localdate(o.created) != today],
    )


def _order(organizer: Organizer, pk: int) -> Order:
    return get_scoped_or_404(Order.objects.select_related("organizer", "event"), organizer, pk=pk)


@organizer_view(SELL)
def order_page(
    request: Request, organizer: Organizer, order: int, pay_form=None, status=200
) -> HttpResponse:
    """An order: its tickets and payments, reprints, refund; an order still to pay (a
    reservation, a web order waiting for a transfer) with its payment form."""
    found = _order(organizer, order)
    sold = bool(request.GET.get("sold"))
    change = request.session.pop(_key(organizer, "change"), None) if sold else None
    codes = request.session.pop(_key(organizer, "pass_codes"), {}) if sold else {}
    # every ticket, the cancelled ones (a refunded order's) marked as such
    positions = list(
        found.positions.select_related(
            "product__event", "rate", "date__event", "session__event", "hold"
        )
        .prefetch_related("hold__seat_holds__seat")
        .order_by("cancelled", "pk")
    )
    seats = seat_labels([p for p in positions if not p.cancelled])  # a cancelled one's is free
    for position in positions:
        position.title = reports.ticket_title(position)  # type: ignore[attr-defined]
        position.rate_label = reports.rate_label(position)  # type: ignore[attr-defined]
        position.seat_label = seats.get(position.pk, "")  # type: ignore[attr-defined]
    vouchers = list(GiftVoucher.objects.filter(order=found).order_by("pk"))
    sold_passes = list(
        Pass.objects.filter(order=found).select_related("pass_product__product").order_by("pk")
    )
    for p in sold_passes:
        p.plain_code = codes.get(str(p.pk), "")  # type: ignore[attr-defined]
    payments = list(found.payments.order_by("pk"))
    for payment in payments:
        payment.method_name = reports.method_name(payment.provider)  # type: ignore[attr-defined]
    return _page(
        request,
        organizer,
        "web/pos/order.html",
        "orders",
        order=found,
        positions=positions,
        payments=payments,
        vouchers=vouchers,
        passes=sold_passes,
        change=Decimal(change).quantize(Decimal("0.01")) if change else None,
        entries=any(p.is_entry and not p.cancelled for p in positions),
        refundable=refundable_amount(found),
        entered=checkin.entered_count(found),
        due=orders.amount_due(found) if found.status == Order.Status.PENDING else None,
        unpayable=_unpayable(found),
        pay_form=pay_form or TenderForm(),
        status=status,
    )


def _unpayable(order: Order) -> str:
    """Why an order still to pay cannot be paid here (a reservation past its release time)."""
    if order.status != Order.Status.PENDING:
        return ""
    try:
        reservations.check_payable(order)
    except RideauError as exc:
        return str(exc.message)
    return ""


@organizer_view(SELL)
@post_or_tab
def order_pay(request: Request, organizer: Organizer, order: int) -> HttpResponse:
    """Take what an order still owes at the till (`boxoffice.services.collect`)."""
    found = _order(organizer, order)
    shift = queries.open_session(organizer, _device(request))
    if shift is None:
        messages.error(request, gettext("Open a shift before taking a payment."))
        return redirect(reverse("web:pos-report", args=[organizer.slug]))
    form = TenderForm(request.POST)
    if form.is_valid():
        try:
            tenders = _tenders(organizer, form.cleaned_data, orders.amount_due(found))
            sale = services.collect(shift, found, tenders=tenders, actor=request.actor)
        except RideauError as exc:
            if exc.code in ("not_payable", "not_active", "past_deadline"):  # no form any more
                _errors(request, exc)
                return redirect(reverse("web:pos-order", args=[organizer.slug, found.pk]))
            _form_errors(form, exc)
        else:
            _keep_change(request, organizer, tenders, sale)
            return redirect(reverse("web:pos-order", args=[organizer.slug, found.pk]) + "?sold=1")
    return order_page.__wrapped__(
        request, organizer=organizer, order=found.pk, pay_form=form, status=422
    )


def _pdf(content: bytes, name: str) -> HttpResponse:
    return file_response(content, "application/pdf", name, inline=True)


@organizer_view(SELL)
def order_tickets(request: Request, organizer: Organizer, order: int) -> HttpResponse:
    found = _order(organizer, order)
    if found.status != Order.Status.PAID:
        raise Http404("Only a paid order has tickets")
    if not found.positions.filter(ENTRIES, cancelled=False).exists():
        raise Http404("Nothing in this order admits anyone")  # vouchers, a pass: own cards
    return _pdf(render_tickets_pdf(found), f"tickets-{found.code}.pdf")


@organizer_view(SELL)
def order_receipt(request: Request, organizer: Organizer, order: int) -> HttpResponse:
    found = _order(organizer, order)
    if found.status != Order.Status.PAID:
        raise Http404("Only a paid order has tickets")
    return _pdf(reports.render_receipt_pdf(found), f"receipt-{found.code}.pdf")


@organizer_view(SELL)
def order_cards(request: Request, organizer: Organizer, order: int) -> HttpResponse:
    found = _order(organizer, order)
    vouchers = list(GiftVoucher.objects.filter(order=found).select_related("organizer"))
    if not vouchers:
        raise Http404("No gift vouchers")
    return _pdf(render_cards_pdf(vouchers), f"gift-vouchers-{found.code}.pdf")


@organizer_view(SELL)
@require_POST
def order_resend(request: Request, organizer: Organizer, order: int) -> HttpResponse:
    found = _order(organizer, order)
    try:
        orders.resend_tickets(found, actor=request.actor)
    except RideauError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request, gettext("The tickets were sent again to %(email)s.") % {"email": found.email}
        )
    return redirect(reverse("web:pos-order", args=[organizer.slug, found.pk]))


class RefundForm(SafeTextMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


@organizer_view(SELL)
@require_POST
def order_refund(request: Request, organizer: Organizer, order: int) -> HttpResponse:
    found = _order(organizer, order)
    shift = queries.open_session(organizer, _device(request))
    form = RefundForm(request.POST)
    if shift is None:
        messages.error(request, gettext("Open a shift before refunding."))
    elif form.is_valid():
        try:
            done = services.refund(
                shift, found, actor=request.actor, reason=form.cleaned_data["reason"]
            )
        except RideauError as exc:
            _errors(request, exc)
            done = getattr(exc, "done", [])  # made before another method's refund failed
        else:
            messages.success(
                request, gettext("The order was refunded by the methods it was paid with.")
            )
        _counter_refunds(request, organizer, done)
        cash = sum((r.amount for r in done if services.in_cash(r)), Decimal("0"))
        if cash:
            messages.warning(
                request,
                gettext(
                    "Hand back %(amount)s in cash: the gift voucher that paid it was "
                    "cancelled with the order that sold it, nothing can go back to it."
                )
                % {"amount": money_text(cash, organizer.currency)},
            )
    return redirect(reverse("web:pos-order", args=[organizer.slug, found.pk]))


def _counter_refunds(request: Request, organizer: Organizer, done) -> None:
    """What the cashier still has to do by hand for the refunds just made: the cash to hand
    back from the till, the amount to refund on the card terminal (not connected to Rideau)."""
    paid_back = {"cash": Decimal("0"), "card_present": Decimal("0")}
    for r in done:
        if r.state == Refund.State.DONE and r.payment.provider in paid_back:
            paid_back[r.payment.provider] += r.amount
    if paid_back["cash"]:
        messages.info(
            request,
            gettext("Hand back %(amount)s in cash.")
            % {"amount": money_text(paid_back["cash"], organizer.currency)},
        )
    if paid_back["card_present"]:
        messages.info(
            request,
            gettext("Refund %(amount)s on the card terminal.")
            % {"amount": money_text(paid_back["card_present"], organizer.currency)},
        )


# --- shifts and the report ---------------------------------------------------------------


class OpenForm(SafeTextMixin, forms.Form):
    opening_float = money_field(_("Opening float (cash in the till)"))


class CloseForm(SafeTextMixin, forms.Form):
    counted_cash = money_field(_("Cash counted"), max_digits=12)
    recipients = forms.CharField(
        label=_("Send the report to"),
        required=False,
        max_length=1000,
        help_text=_("E-mail addresses, separated by commas."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def clean_recipients(self) -> list[str]:
        addresses = [a.strip() for a in self.cleaned_data["recipients"].split(",") if a.strip()]
        validator = forms.EmailField()
        for address in addresses:
            validator.clean(address)
        return addresses


@organizer_view(SELL)
def report_tab(request: Request, organizer: Organizer, open_form=None, close_form=None, status=200):
    shift = queries.open_session(organizer, _device(request))
    return _page(
        request,
        organizer,
        "web/pos/report.html",
        "report",
        report=reports.report_for(shift) if shift else None,
        open_form=open_form or OpenForm(),
        close_form=close_form
        or CloseForm(initial={"recipients": organizer.contact_email or _staff_email(request)}),
        past=queries.sessions(organizer).filter(closed_at__isnull=False)[:10],
        status=status,
    )


@organizer_view(SELL)
@post_or_tab
def shift_open(request: Request, organizer: Organizer) -> HttpResponse:
    form = OpenForm(request.POST)
    if form.is_valid():
        try:
            services.open_session(
                organizer,
                actor=request.actor,
                device=_device(request),
                opening_float=form.cleaned_data["opening_float"],
            )
        except RideauError as exc:
            if isinstance(exc, PermissionDenied):
                raise
            form.add_error(None, exc.message)
        else:
            return _with_device(request, redirect(reverse("web:pos-event", args=[organizer.slug])))
    return report_tab.__wrapped__(request, organizer=organizer, open_form=form, status=422)


@organizer_view(SELL)
@post_or_tab
def shift_close(request: Request, organizer: Organizer) -> HttpResponse:
    shift = queries.open_session(organizer, _device(request))
    form = CloseForm(request.POST)
    if shift is None:
        return redirect(reverse("web:pos-report", args=[organizer.slug]))
    if form.is_valid():
        try:
            closed = services.close_session(
                shift,
                counted_cash=form.cleaned_data["counted_cash"],
                recipients=form.cleaned_data["recipients"],
                note=form.cleaned_data["note"],
                actor=request.actor,
            )
        except RideauError as exc:
            if isinstance(exc, PermissionDenied):
                raise
            form.add_error("recipients" if exc.field == "recipients" else None, exc.message)
        else:
            messages.success(request, gettext("The shift is closed."))
            return redirect(reverse("web:pos-shift", args=[organizer.slug, closed.pk]))
    return report_tab.__wrapped__(request, organizer=organizer, close_form=form, status=422)


@organizer_view(SELL)
def shift_page(request: Request, organizer: Organizer, cashsession: int) -> HttpResponse:
    session = get_scoped_or_404(CashSession.objects.all(), organizer, pk=cashsession)
    return _page(
        request,
        organizer,
        "web/pos/shift.html",
        "report",
        session=session,
        report=reports.report_for(session),
    )


def _staff_email(request: Request) -> str:
    user = request.actor.user
    return user.email if user is not None else ""
