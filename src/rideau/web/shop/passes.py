"""The passes' public pages (SPEC D1, D3, D5, D7): passes on sale and their purchase, subscriber
access (add the events of a choice pass), the renewal page `/<organizer>/pass-renew`, and
tickets on resale. Views parse input, call `rideau.passes`, and render."""

from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from rideau.catalog.models import Rate
from rideau.core import ratelimit
from rideau.core.errors import RideauError, ValidationFailed
from rideau.core.i18n import localize, money
from rideau.core.models import Organizer
from rideau.orders import services as orders
from rideau.orders.models import Order
from rideau.orders.payments.base import providers_for
from rideau.passes import queries, renewals, resale, services
from rideau.passes.models import PassProduct

from ..decorators import activate_organizer_timezone, public_view
from ..toolkit import client_ip
from .pass_forms import (
    ChoicesForm,
    ExtraTicketsForm,
    PassCodeForm,
    PassPurchaseForm,
    RenewForm,
    ResaleBuyForm,
)
from .views import _after_placing

ACCESS_KEY = "rideau_pass_access"  # {organiser id: pass id} after a right pass code
CODE_RATE = (10, 900)  # pass codes tried per client in the window


def _organizer(slug: str) -> Organizer:
    organizer = Organizer.objects.filter(slug=slug).first()
    if organizer is None:
        raise Http404("No such organiser")
    activate_organizer_timezone(organizer)
    return organizer


def _errors(form, exc: RideauError) -> None:
    if isinstance(exc, ValidationFailed):
        for name, errors in exc.errors.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _buyer(form) -> orders.Buyer:
    return orders.Buyer(
        email=form.cleaned_data["email"],
        name=form.cleaned_data.get("name") or "",
        locale=get_language() or "en",
    )


def _rate_choice(org: Organizer, product, rate: Rate) -> tuple[str, str]:
    """A rate as a choice of a form: "Season pass — Full price — 90.00 EUR"."""
    return (
        str(rate.pk),
        f"{product} — {localize(rate.name, fallbacks=org.languages)} — "
        f"{money(rate.price, org.currency)}",
    )


def _placed(
    request: HttpRequest, form, place: Callable[[], Order], done: str = ""
) -> HttpResponse | None:
    """Run `place` (a service placing the buyer's order); the buyer goes on to pay or to the
    order's page (with the message `done`). A refusal goes on `form` and gives None: the
    page is shown again."""
    try:
        order = place()
    except RideauError as exc:
        _errors(form, exc)
        return None
    if done:
        messages.success(request, done)
    return _after_placing(request, order)


def _code_allowed(request: HttpRequest) -> bool:
    return ratelimit.hit(
        f"pass-code:ip:{client_ip(request)}", limit=CODE_RATE[0], window=CODE_RATE[1]
    )


# --- passes on sale -------------------------------------------------------------------------


@public_view
def pass_list(request: HttpRequest, organizer: str) -> HttpResponse:
    org = _organizer(organizer)
    return render(
        request,
        "web/passes/shop/list.html",
        {
            "organizer": org,
            "products": queries.in_shop(org),
            "resales": queries.resales_on_sale(org),
        },
    )


@public_view
@never_cache
@require_http_methods(["GET", "POST"])
def pass_buy(request: HttpRequest, organizer: str, pass_product: int) -> HttpResponse:
    org = _organizer(organizer)
    product = queries.on_sale(org).filter(pk=pass_product).first()
    rates = queries.shop_rates(product) if product is not None else []
    if product is None or not rates:  # not on sale, or no rate sold on the web to everyone
        raise Http404("No such pass")
    return _buy(request, org, product, rates)


def _buy(
    request: HttpRequest, org: Organizer, pass_product: PassProduct, rates: list[Rate]
) -> HttpResponse:
    amount = rates[0].price if len(rates) == 1 else None
    providers = (
        providers_for("web", amount=amount, organizer=org)
        if amount is not None
        else [p for p in providers_for("web", organizer=org) if not p.for_free_orders]
    )
    form = PassPurchaseForm(
        request.POST or None,
        request.FILES or None,
        pass_product=pass_product,
        rates=rates,
        languages=org.languages,
        providers=providers,
    )
    if request.method == "POST" and form.is_valid():
        rate = next(r for r in rates if str(r.pk) == form.cleaned_data["rate"])

        def sell() -> Order:
            p = services.sell_pass(
                org,
                rate=rate,
                holder=form.holder(),
                buyer=_buyer(form),
                provider=form.cleaned_data["provider"] if rate.price else "free",
            )
            assert p.order is not None
            return p.order

        if placed := _placed(request, form, sell):
            return placed
    return render(
        request,
        "web/passes/shop/buy.html",
        {
            "organizer": org,
            "pass_product": pass_product,
            "form": form,
            "dates": services.dates_on_sale(pass_product.events.all(), _now()),
        },
        status=422 if form.errors else 200,
    )


def _now():
    from django.utils import timezone

    return timezone.now()


# --- subscriber access (D3) --------------------------------------------------------------------


@public_view
@never_cache
@require_http_methods(["GET", "POST"])
def subscriber_access(request: HttpRequest, organizer: str) -> HttpResponse:
    """Step 1: the pass code (the same answer for a wrong code as for a mistyped one)."""
    org = _organizer(organizer)
    form = PassCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _code_allowed(request):
            form.add_error("code", _("Too many attempts. Try again later."))
        else:
            p = services.find_pass(org, form.cleaned_data["code"])
            if p is None:
                form.add_error("code", _("No valid pass has this code."))
            else:
                access = dict(request.session.get(ACCESS_KEY, {}))
                access[str(org.pk)] = p.pk
                request.session[ACCESS_KEY] = access
                return redirect("web:pass-access-choose", organizer=org.slug)
    return render(
        request,
        "web/passes/shop/access.html",
        {"organizer": org, "form": form},
        status=422 if form.errors else 200,
    )


@public_view
@never_cache
@require_http_methods(["GET", "POST"])
def subscriber_choose(request: HttpRequest, organizer: str) -> HttpResponse:
    """Step 2: the events the pass still allows, then a free order of the pass holder."""
    org = _organizer(organizer)
    pass_id = request.session.get(ACCESS_KEY, {}).get(str(org.pk))
    p = queries.active_pass(org, pass_id) if pass_id else None
    if p is None:
        return redirect("web:pass-access", organizer=org.slug)
    left = services.remaining_choices(p)
    available = queries.choosable_dates(p, _now())
    extras = services.holder_rates(p)
    extra_post = request.method == "POST" and "extra" in request.POST
    form = ChoicesForm(
        request.POST if request.method == "POST" and not extra_post else None,
        dates=[
            (str(d.pk), f"{localize(d.event.name, fallbacks=org.languages)} — {_when(d)}")
            for d in available
        ],
    )
    extra_form = (
        ExtraTicketsForm(
            request.POST if extra_post else None,
            extras=[
                (
                    f"{d.pk}-{r.pk}",
                    f"{localize(d.event.name, fallbacks=org.languages)} — {_when(d)} — "
                    f"{localize(r.name, fallbacks=org.languages)} — {money(r.price, org.currency)}",
                )
                for d, r in extras
            ],
            providers=[p for p in providers_for("web", organizer=org) if not p.for_free_orders],
        )
        if extras
        else None
    )
    if extra_post and extra_form is not None and extra_form.is_valid():
        wanted = extra_form.quantities()
        lines = [
            (d, r, wanted[f"{d.pk}-{r.pk}"]) for d, r in extras if wanted.get(f"{d.pk}-{r.pk}")
        ]
        provider = extra_form.cleaned_data["provider"]
        if placed := _placed(
            request,
            extra_form,
            lambda: services.buy_extra_tickets(p, lines=lines, provider=provider),
        ):
            return placed
    elif request.method == "POST" and not extra_post and form.is_valid():
        chosen = [d for d in available if str(d.pk) in form.cleaned_data["dates"]]
        if placed := _placed(
            request,
            form,
            lambda: services.add_choices(p, dates=chosen),
            done=_("The tickets were added to your pass."),
        ):
            return placed
    invalid = form.errors or (extra_form is not None and extra_form.errors)
    return render(
        request,
        "web/passes/shop/choose.html",
        {
            "organizer": org,
            "pass": p,
            "left": left,
            "form": form,
            "extra_form": extra_form,
        },
        status=422 if invalid else 200,
    )


def _when(date) -> str:
    from rideau.core.timezones import local_datetime

    return local_datetime(date.start, date.event.organizer)


# --- renewal (D5) ------------------------------------------------------------------------------


RENEWAL_KEY = "rideau_pass_renewal"  # {organiser id: renewal id} after a right pass code


@public_view
@never_cache
@require_http_methods(["POST"])
def pass_renew_code(request: HttpRequest, organizer: str) -> HttpResponse:
    """The pass code of the renewal page (a login step: rate-limited)."""
    org = _organizer(organizer)
    code_form = PassCodeForm(request.POST)
    if code_form.is_valid():
        if not _code_allowed(request):
            code_form.add_error("code", _("Too many attempts. Try again later."))
        else:
            renewal = renewals.renewal_for(org, code_form.cleaned_data["code"])
            if renewal is not None and renewal.campaign.is_open():
                request.session[RENEWAL_KEY] = {str(org.pk): renewal.pk}
                return redirect("web:pass-renew", organizer=org.slug)
            code_form.add_error("code", _("No renewal is open for this code."))
    return render(
        request,
        "web/passes/shop/renew.html",
        {"organizer": org, "code_form": code_form, "renewal": None, "form": None},
        status=422,
    )


@public_view
@never_cache
@require_http_methods(["GET", "POST"])
def pass_renew(request: HttpRequest, organizer: str) -> HttpResponse:
    """`/<organizer>/pass-renew`: the pass code (`pass_renew_code`), then the new season's
    passes the campaign offers, then the normal payment."""
    org = _organizer(organizer)
    renewal_id = request.session.get(RENEWAL_KEY, {}).get(str(org.pk))
    renewal = queries.open_renewal(org, renewal_id) if renewal_id else None
    form = None
    if renewal is not None:
        rates = [
            _rate_choice(org, product, r)
            for product in renewal.campaign.to_products.select_related("product")
            for r in queries.shop_rates(product)
        ]
        form = RenewForm(
            request.POST or None,
            rates=rates,
            providers=[p for p in providers_for("web", organizer=org) if not p.for_free_orders],
            initial={"email": renewal.old_pass.email},
        )
        if request.method == "POST" and form.is_valid():
            rate = Rate.objects.get(pk=form.cleaned_data["rate"])

            def renew() -> Order:
                new = renewals.renew(
                    renewal, rate=rate, buyer=_buyer(form), provider=form.cleaned_data["provider"]
                )
                assert new.order is not None
                return new.order

            if placed := _placed(request, form, renew):
                return placed
    elif request.method == "POST":
        return redirect("web:pass-renew", organizer=org.slug)
    return render(
        request,
        "web/passes/shop/renew.html",
        {"organizer": org, "code_form": PassCodeForm(), "renewal": renewal, "form": form},
        status=422 if form is not None and form.errors else 200,
    )


# --- resale (D7) -------------------------------------------------------------------------------


@public_view
@never_cache
@require_http_methods(["GET", "POST"])
def resale_buy(request: HttpRequest, organizer: str, resale_id: int) -> HttpResponse:
    org = _organizer(organizer)
    listing = queries.resales_on_sale(org).filter(pk=resale_id).first()
    if listing is None:  # sold (or withdrawn), perhaps while this buyer filled the form
        messages.error(request, _("This ticket is no longer on resale: choose another one."))
        return redirect("web:pass-list", organizer=org.slug)
    event = listing.ticket.event
    rates = queries.resale_rates(listing)
    choices = [_rate_choice(org, r.product, r) for r in rates]
    amount = rates[0].price if len(rates) == 1 else Decimal("1")
    form = ResaleBuyForm(
        request.POST or None,
        rates=choices,
        providers=providers_for("web", amount=amount, organizer=org),
    )
    if request.method == "POST" and form.is_valid():
        rate = next(r for r in rates if str(r.pk) == form.cleaned_data["rate"])
        provider = form.cleaned_data["provider"]
        if placed := _placed(
            request,
            form,
            lambda: resale.buy(listing, rate=rate, buyer=_buyer(form), provider=provider),
        ):
            return placed
    return render(
        request,
        "web/passes/shop/resale.html",
        {
            "organizer": org,
            "listing": listing,
            "event": event,
            "form": form,
            "seat": queries.seat_label(listing.ticket),
        },
        status=422 if form.errors else 200,
    )
