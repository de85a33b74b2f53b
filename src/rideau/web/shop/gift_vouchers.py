"""Gift vouchers in the public shop (SPEC D11): buying one, paying (part of) an order with
one, and checking what is left on one.

A typed code is looked up only once it has the shape of a code, and every lookup counts
against the client's address (`core.ratelimit`): codes cannot be guessed in bulk. A code is
the organiser's: another organiser's code is unknown on its pages.
"""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from rideau.catalog.models import Product, Rate
from rideau.core.errors import RideauError
from rideau.core.i18n import money
from rideau.core.models import Organizer
from rideau.core.ratelimit import allow
from rideau.core.text import SafeTextMixin
from rideau.giftcards import codes as giftcodes
from rideau.giftcards import queries as giftqueries
from rideau.giftcards import services as giftcards
from rideau.giftcards.errors import GiftVoucherError
from rideau.orders.models import Order
from rideau.orders.payments.base import get_provider, providers_for
from rideau.orders.services import Buyer, OrderLine, amount_due, place_order

from ..decorators import activate_organizer_timezone, public_view
from ..forms import money_field
from .views import (
    _add_error,
    _after_placing,
    _language,
    _order_or_404,
    _order_url,
    _within_rate,
    order_context,
)

ATTEMPTS = 10  # codes tried per order and per client address an hour
BALANCE_CHECKS = 10  # balances asked per client address an hour
HOUR = 3600


def _organizer_or_404(slug: str) -> Organizer:
    org = Organizer.objects.filter(slug=slug).first()
    if org is None:
        raise Http404("No such organiser")
    activate_organizer_timezone(org)
    return org


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


class GiftVoucherCodeForm(SafeTextMixin, forms.Form):
    """A gift voucher's code, as printed on its card: any case, with or without dashes. A
    code of the wrong shape is refused here, before any attempt is counted."""

    code = forms.CharField(
        label=gettext_lazy("Gift voucher code"),
        max_length=40,
        error_messages={"required": gettext_lazy("Enter the code printed on your gift voucher.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if len(giftcodes.normalize(code)) != giftcodes.LENGTH:
            raise forms.ValidationError(
                _("A gift voucher code has 16 letters and digits, like %(example)s.")
                % {"example": "ABCD-EFGH-JKMN-PQRT"}
            )
        return code


# --- paying with a gift voucher ----------------------------------------------------------


@public_view
@require_http_methods(["GET", "POST"])
def pay_with_gift_voucher(
    request: HttpRequest, organizer: str, code: str, order_secret: str
) -> HttpResponse:
    """The "Pay with a gift voucher" box of a pending order's page: paid, back to the page
    with what was taken and what is left; refused, the page again with the reason under the
    box (the code typed kept)."""
    order = _order_or_404(organizer, code, order_secret)
    if request.method != "POST":
        return redirect(_order_url(order))
    if order.status != Order.Status.PENDING:  # paid, expired or cancelled meanwhile
        messages.error(request, GiftVoucherError("not_pending").message)
        return redirect(_order_url(order))
    form = GiftVoucherCodeForm(request.POST)
    if form.is_valid():
        client = _client(request)
        if not allow(
            [
                (f"giftvoucher:order:{order.pk}", ATTEMPTS, HOUR),
                (f"giftvoucher:ip:{client}", 30, HOUR),
            ]
        ):
            form.add_error("code", _("Too many attempts. Please try again later."))
        else:
            try:
                paid, entry = giftcards.pay_order(order, code=form.cleaned_data["code"])
            except RideauError as exc:
                form.add_error("code", exc.message)
            else:
                _paid_messages(request, order, paid, entry)
                return redirect(_order_url(order))
    return render(request, "web/shop/order.html", order_context(order, gift_form=form), status=422)


def _paid_messages(request: HttpRequest, order: Order, paid: Order, entry) -> None:
    params = {  # decimals written as the buyer's language writes them
        "amount": number_format(-entry.amount, 2),
        "balance": number_format(entry.balance_after, 2),
        "due": number_format(amount_due(paid), 2),
        "currency": order.currency,
    }
    messages.success(
        request,
        _(
            "%(amount)s %(currency)s paid by your gift voucher; %(balance)s %(currency)s "
            "remain on it."
        )
        % params,
    )
    if paid.status == paid.Status.PENDING:
        messages.info(request, _("Left to pay: %(due)s %(currency)s.") % params)


# --- checking a balance ------------------------------------------------------------------


@public_view
@require_http_methods(["GET", "POST"])
def balance(request: HttpRequest, organizer: str) -> HttpResponse:
    """Check a gift voucher's balance: its code typed, what is left on it, in which currency
    and until when (in the organiser's time zone). Nothing else of the voucher is shown."""
    org = _organizer_or_404(organizer)
    form = GiftVoucherCodeForm(request.POST if request.method == "POST" else None)
    found, status = None, 200
    if request.method == "POST" and form.is_valid():
        if not allow([(f"giftvoucher:balance:ip:{_client(request)}", BALANCE_CHECKS, HOUR)]):
            form.add_error("code", _("Too many attempts. Please try again later."))
            status = 429
        else:
            try:
                found = giftqueries.balance_of(org, form.cleaned_data["code"])
            except RideauError as exc:
                form.add_error("code", exc.message)
    if form.errors and status == 200:
        status = 422
    return render(
        request,
        "web/shop/gift_voucher_balance.html",
        {
            "organizer": org,
            "form": form,
            "found": found,
            "offer": giftqueries.shop_offer(org),
        },
        status=status,
    )


# --- buying one ----------------------------------------------------------------------------


class GiftVoucherBuyForm(SafeTextMixin, forms.Form):
    """A gift voucher bought online: a fixed value, or a free amount (checked by the
    product's rule when the order is placed)."""

    rate = forms.TypedChoiceField(
        label=gettext_lazy("Gift voucher"), coerce=int, widget=forms.RadioSelect
    )
    amount = money_field(
        gettext_lazy("Amount (for a free amount)"), required=False, min_value=1, max_digits=8
    )
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=200, required=False)
    provider = forms.ChoiceField(label=gettext_lazy("Payment method"), widget=forms.RadioSelect)

    def __init__(self, *args, rates: list, providers: list, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for rate in rates:
            free = getattr(rate.product, "free_amount", None)
            label = str(rate.product)
            if free is not None:
                label += " — " + _("%(min)s to %(max)s %(currency)s") % {
                    "min": money(free.min_amount),
                    "max": money(free.max_amount),
                    "currency": currency,
                }
            else:
                label += f" — {money(rate.price, currency)}"
            choices.append((rate.pk, label))
        self.fields["rate"].choices = choices
        self.fields["provider"].choices = [(p.identifier, p.verbose_name) for p in providers]
        if len(providers) == 1:
            self.fields["provider"].initial = providers[0].identifier
        self.fields["amount"].widget.attrs.update({"inputmode": "decimal", "step": "0.01"})


@public_view
@require_http_methods(["GET", "POST"])
def gift_vouchers(request: HttpRequest, organizer: str) -> HttpResponse:
    """Buy a gift voucher online (SPEC D11): an order of one gift voucher line, paid like any
    order; the voucher and its PDF card are issued once it is paid."""
    org = _organizer_or_404(organizer)
    rates = [
        rate
        for rate in Rate.objects.filter(
            product__organizer=org,
            product__kind=Product.Kind.GIFT_VOUCHER,
            product__event__isnull=True,
            product__active=True,
            active=True,
        )
        .select_related("product__free_amount")
        .order_by("product__position", "product_id", "position", "pk")
        if rate.sold_in_shop()
    ]
    if not rates:
        raise Http404("No gift vouchers on sale")
    providers = [p for p in providers_for("web", organizer=org) if not p.for_free_orders]
    form = GiftVoucherBuyForm(
        request.POST if request.method == "POST" else None,
        rates=rates,
        providers=providers,
        currency=org.currency,
    )
    if request.method == "POST" and form.is_valid():
        rate = next(r for r in rates if r.pk == form.cleaned_data["rate"])
        free = getattr(rate.product, "free_amount", None) is not None
        amount = form.cleaned_data["amount"] if free else None
        if free and amount is None:
            form.add_error("amount", _("Choose an amount."))
        elif not _within_rate(request, organizer):
            form.add_error(None, _("Too many orders from your address; please wait a minute."))
        else:
            provider = form.cleaned_data["provider"]
            try:
                order = place_order(
                    org,
                    lines=[OrderLine(rate=rate, amount=amount)],
                    buyer=Buyer(
                        email=form.cleaned_data["email"],
                        name=form.cleaned_data["name"],
                        locale=_language(),
                    ),
                    provider=provider,
                    payment_deadline=get_provider(provider).payment_deadline(),
                )
            except RideauError as exc:
                _add_error(form, exc, set(form.fields))
            else:
                return _after_placing(request, order)
    return render(
        request,
        "web/shop/gift_vouchers.html",
        {"organizer": org, "form": form},
        status=422 if form.errors else 200,
    )
