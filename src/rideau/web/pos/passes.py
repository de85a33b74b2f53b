"""The box office's Pass tab (SPEC D1, D10; ADR 0021): sell a new pass with its holder's
fields (and, for a choice pass, its events) through the till's cart, and find and manage the
passes sold (add tickets of a choice pass, reprint the card A4 or CR80).

The passes in the cart are kept in the staff session (rate, holder, chosen dates) and
checked by `boxoffice.services.check_pass` when added; the sale (`boxoffice.services.sell`)
issues them in its order with their places, paid like the rest of the cart."""

import datetime
from typing import cast

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.boxoffice import queries, services
from rideau.catalog.models import Product, Rate
from rideau.core.access import get_scoped_or_404, scoped
from rideau.core.errors import PermissionDenied, RideauError, ValidationFailed
from rideau.core.i18n import localize
from rideau.core.models import Organizer
from rideau.core.text import SafeTextMixin
from rideau.core.timezones import local_datetime
from rideau.events.models import EventDate
from rideau.passes import cards
from rideau.passes import queries as pass_queries
from rideau.passes import services as pass_services
from rideau.passes.models import Pass, PassProduct, PassTicket

from ..decorators import Request, organizer_view
from ..shop.pass_forms import PassPurchaseForm
from .views import SELL, _back, _errors, _int, _key, _page, _pdf, post_or_tab

NOT_AT_THE_COUNTER = ("email", "name", "provider", "photo")


class PosPassForm(PassPurchaseForm):
    """The holder's fields the pass asks for (no photo at the counter), its rate and, for a
    choice pass, the events to add at once."""

    dates = forms.MultipleChoiceField(
        label=_("Tickets with the pass"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, pass_product: PassProduct, rates, dates, languages, **kwargs):
        super().__init__(
            *args, pass_product=pass_product, rates=rates, languages=languages, **kwargs
        )
        for name in NOT_AT_THE_COUNTER:
            self.fields.pop(name, None)
        if "holder_email" in self.fields:
            self.fields["holder_email"].help_text = _(
                "The pass and its code are e-mailed there. Empty: the buyer's address."
            )
        if pass_product.mode == PassProduct.Mode.CHOICE:
            self.fields["dates"].choices = date_choices(dates, pass_product.organizer)
            self.fields["dates"].help_text = _("Up to %(n)d events; more can be added later.") % {
                "n": pass_product.choices
            }
        else:
            del self.fields["dates"]


def date_choices(dates, organizer: Organizer) -> list[tuple[str, str]]:
    return [
        (
            str(d.pk),
            f"{localize(d.event.name, fallbacks=organizer.languages)} — "
            f"{local_datetime(d.start, organizer)}",
        )
        for d in dates
    ]


def _holder_data(holder: pass_services.HolderInput) -> dict:
    return {
        name: (value.isoformat() if isinstance(value, datetime.date) else value)
        for name, value in vars(holder).items()
        if name != "photo" and value
    }


def _holder(data: dict) -> pass_services.HolderInput:
    values = dict(data)
    if values.get("birth_date"):
        values["birth_date"] = datetime.date.fromisoformat(values["birth_date"])
    return pass_services.HolderInput(**values)


def pass_lines(request: Request, organizer: Organizer) -> list[services.PassLine]:
    """The passes in the till's cart (the organiser's pass rates and dates only)."""
    stored = request.session.get(_key(organizer, "passes"), [])
    rates = {
        r.pk: r
        for r in scoped(
            Rate.objects.select_related("product"), organizer, "product__organizer"
        ).filter(pk__in=[p["rate"] for p in stored], product__kind=Product.Kind.PASS)
    }
    dates = {
        d.pk: d
        for d in scoped(
            EventDate.objects.select_related("event"), organizer, "event__organizer"
        ).filter(pk__in=[i for p in stored for i in p.get("dates", [])])
    }
    return [
        services.PassLine(
            rate=rates[p["rate"]],
            holder=_holder(p.get("holder", {})),
            dates=[dates[i] for i in p.get("dates", []) if i in dates],
        )
        for p in stored
        if p["rate"] in rates
    ]


def _store(request: Request, organizer: Organizer, lines: list[services.PassLine]) -> None:
    request.session[_key(organizer, "passes")] = [
        {
            "rate": line.rate.pk,
            "holder": _holder_data(line.holder),
            "dates": [d.pk for d in line.dates],
        }
        for line in lines
    ][:10]


class PassSearchForm(SafeTextMixin, forms.Form):
    q = forms.CharField(
        label=_("Pass code, holder's name or e-mail, or the card's QR"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "search"}),
    )


@organizer_view(SELL)
def pass_tab(request: Request, organizer: Organizer, form=None, status=200) -> HttpResponse:
    """Left, a new pass: the passes on sale at the box office, then the chosen one's holder
    form. Right, the passes sold, found by code, holder or QR."""
    now = timezone.now()
    offers = queries.pass_offers(organizer, now)
    chosen = None
    wanted = request.GET.get("product", "") or request.POST.get("product", "")
    if wanted.isdigit():
        chosen = next(((pp, rates) for pp, rates in offers if pp.pk == int(wanted)), None)
    if chosen is not None and form is None:
        form = _form(organizer, *chosen, now=now)
    search = PassSearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    found = list(pass_queries.search_passes(organizer, q)[:20]) if q else []
    return _page(
        request,
        organizer,
        "web/pos/passes.html",
        "passes",
        offers=offers,
        chosen=chosen[0] if chosen else None,
        form=form,
        search=search,
        q=q,
        found=found,
        status=status,
    )


def _form(organizer, pass_product, rates, *, now, data=None) -> PosPassForm:
    dates = pass_services.dates_on_sale(pass_product.events.all(), now)
    return PosPassForm(
        data,
        pass_product=pass_product,
        rates=rates,
        dates=dates,
        languages=organizer.languages,
    )


@organizer_view(SELL)
@post_or_tab
def cart_pass(request: Request, organizer: Organizer) -> HttpResponse:
    """Put a pass in the cart (its holder and choices checked now), remove one (`remove`:
    its index), or set the events of a choice pass in the cart (`index` and `dates`)."""
    lines = pass_lines(request, organizer)
    if "remove" in request.POST:
        index = _int(request.POST["remove"])
        if 0 <= index < len(lines):
            lines.pop(index)
        _store(request, organizer, lines)
        return _back(request, organizer, "pos-cart")
    if "index" in request.POST:
        return _set_dates(request, organizer, lines, _int(request.POST["index"]))
    now = timezone.now()
    offers = queries.pass_offers(organizer, now)
    chosen = next(
        ((pp, rates) for pp, rates in offers if pp.pk == _int(request.POST.get("product"))),
        None,
    )
    if chosen is None:
        messages.error(request, gettext("This pass is not sold at the box office now."))
        return redirect(reverse("web:pos-passes", args=[organizer.slug]))
    pass_product, rates = chosen
    form = _form(organizer, pass_product, rates, now=now, data=request.POST)
    if form.is_valid():
        rate = next(r for r in rates if str(r.pk) == form.cleaned_data["rate"])
        picked = set(form.cleaned_data.get("dates") or [])
        dates = [
            d
            for d in pass_services.dates_on_sale(pass_product.events.all(), now)
            if str(d.pk) in picked
        ]
        line = services.PassLine(rate=rate, holder=form.holder(), dates=dates)
        try:
            services.check_pass(organizer, line, others=lines, actor=request.actor, now=now)
        except RideauError as exc:
            _form_errors(form, exc)
        else:
            _store(request, organizer, [*lines, line])
            messages.success(
                request,
                gettext("Pass added to the cart for %(name)s.")
                % {"name": line.holder_label or str(pass_product)},
            )
            return redirect(reverse("web:pos-passes", args=[organizer.slug]))
    return pass_tab.__wrapped__(request, organizer=organizer, form=form, status=422)


def _form_errors(form, exc: RideauError) -> None:
    if isinstance(exc, PermissionDenied):
        raise exc
    if isinstance(exc, ValidationFailed):
        for name, texts in exc.errors.items():
            for text in texts:
                form.add_error(name if name in form.fields else None, text)
    else:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _set_dates(request, organizer, lines, index: int) -> HttpResponse:
    if not 0 <= index < len(lines):
        return redirect(reverse("web:pos-cart", args=[organizer.slug]))
    line = lines[index]
    wanted = set(request.POST.getlist("dates"))
    pass_product = pass_services.pass_product_of(organizer, line.rate)
    dates = [
        d
        for d in pass_services.dates_on_sale(pass_product.events.all(), timezone.now())
        if str(d.pk) in wanted
    ]
    changed = services.PassLine(rate=line.rate, holder=line.holder, dates=dates)
    try:
        services.check_pass(
            organizer, changed, others=lines[:index] + lines[index + 1 :], actor=request.actor
        )
    except RideauError as exc:
        _errors(request, exc)
    else:
        lines[index] = changed
        _store(request, organizer, lines)
        messages.success(request, gettext("The pass's events were changed."))
    return redirect(reverse("web:pos-cart", args=[organizer.slug]))


def cart_pass_rows(organizer: Organizer, lines: list[services.PassLine]) -> list[dict]:
    """The cart's passes as the cart tab shows them: a choice pass with its dates to pick."""
    now = timezone.now()
    rows = []
    for line in lines:
        pass_product = PassProduct.objects.filter(product=line.rate.product).first()
        choice = pass_product is not None and pass_product.mode == PassProduct.Mode.CHOICE
        rows.append(
            {
                "line": line,
                "pass_product": pass_product,
                "choice": choice,
                "choices": (
                    date_choices(
                        pass_services.dates_on_sale(pass_product.events.all(), now), organizer
                    )
                    if choice and pass_product is not None
                    else []
                ),
                "picked": {str(d.pk) for d in line.dates},
            }
        )
    return rows


# --- passes sold -------------------------------------------------------------------------


def _pass(organizer: Organizer, pk: int) -> Pass:
    return get_scoped_or_404(
        Pass.objects.select_related("pass_product__product", "pass_product__season", "order"),
        organizer,
        pk=pk,
    )


class TicketsForm(forms.Form):
    dates = forms.MultipleChoiceField(
        label=_("Events to add"), choices=(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, dates, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["dates"]).choices = dates


@organizer_view(SELL)
def pass_page(
    request: Request, organizer: Organizer, pass_id: int, form=None, status=200
) -> HttpResponse:
    p = _pass(organizer, pass_id)
    now = timezone.now()
    tickets = list(
        p.tickets.exclude(state=PassTicket.State.RESOLD)
        .select_related("date__event", "position")
        .order_by("date__start")
    )
    left = pass_services.remaining_choices(p) if p.status == Pass.Status.ACTIVE else 0
    if form is None and left:
        form = TicketsForm(dates=date_choices(pass_queries.choosable_dates(p, now), organizer))
    return _page(
        request,
        organizer,
        "web/pos/pass.html",
        "passes",
        pass_obj=p,
        tickets=tickets,
        left=left,
        form=form if left else None,
        status=status,
    )


@organizer_view(SELL)
@require_POST
def pass_tickets(request: Request, organizer: Organizer, pass_id: int) -> HttpResponse:
    """Add events to a choice pass at the counter (free: the pass paid for them)."""
    p = _pass(organizer, pass_id)
    available = pass_queries.choosable_dates(p, timezone.now())
    form = TicketsForm(request.POST, dates=date_choices(available, organizer))
    if form.is_valid():
        chosen = [d for d in available if str(d.pk) in form.cleaned_data["dates"]]
        try:
            order = services.add_pass_tickets(p, dates=chosen, actor=request.actor)
        except RideauError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, gettext("The tickets were added to the pass."))
            return redirect(reverse("web:pos-order", args=[organizer.slug, order.pk]))
    return pass_page.__wrapped__(
        request, organizer=organizer, pass_id=pass_id, form=form, status=422
    )


@organizer_view(SELL)
def pass_card(request: Request, organizer: Organizer, pass_id: int) -> HttpResponse:
    """The pass's card again: `?format=pvc` (CR80, a card printer) or `paper` (A4)."""
    p = _pass(organizer, pass_id)
    card_format = request.GET.get("format", "")
    if card_format not in PassProduct.Format.values:
        card_format = ""
    return _pdf(cards.render_card(p, card_format), f"pass-{p.pk}.pdf")
