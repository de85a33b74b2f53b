"""Back-office gift vouchers (SPEC D11): the products and the validity; the list (search,
CSV export), a voucher's page with its balance history and its card (PDF, reprinted), and
issuing a voucher by hand. Writes go through `rideau.giftcards.services`."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rideau.core.access import get_scoped_or_404, require
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.text import SafeTextMixin
from rideau.giftcards import queries, services
from rideau.giftcards.models import GiftVoucher
from rideau.giftcards.pdf import render_cards_pdf

from ...decorators import Request, organizer_view
from ...forms import DateTimeInput, money_field
from ...toolkit import call_service, file_response, posted

PER_PAGE = 50


class SearchForm(SafeTextMixin, forms.Form):
    q = forms.CharField(
        label=_("Code, last 4 characters, buyer, e-mail or order"), required=False, max_length=100
    )


class IssueForm(SafeTextMixin, forms.Form):
    value = money_field(_("Value"), min_value=0.01, max_value=100000)
    expires_at = forms.DateTimeField(
        label=_("Valid until"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Empty: the organiser's validity (one year by default)."),
    )
    name = forms.CharField(label=_("For (name)"), required=False, max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class ProductForm(SafeTextMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    values = forms.CharField(
        label=_("Fixed values"),
        required=False,
        max_length=200,
        help_text=_("Separated by commas, e.g. 25, 50, 100. Or a free amount below."),
    )
    min_amount = money_field(_("Free amount from"), required=False, min_value=1, max_digits=8)
    max_amount = money_field(_("Free amount up to"), required=False, min_value=1, max_digits=8)

    def clean_values(self) -> list[Decimal]:
        values = []
        for part in self.cleaned_data["values"].replace(";", ",").split(","):
            if part.strip():
                try:
                    values.append(Decimal(part.strip()))
                except InvalidOperation:
                    raise forms.ValidationError(_("Give amounts such as 25, 50.")) from None
        return values


class ValidityForm(SafeTextMixin, forms.Form):
    validity_days = forms.IntegerField(
        label=_("A new voucher is valid for (days)"), min_value=1, max_value=3650
    )


def _settings_forms(request: Request, organizer: Organizer) -> HttpResponse | dict:
    """The gift voucher products and the validity (catalogue and organiser settings)."""
    product_form = ProductForm(posted(request, "product"), prefix="product")
    validity_form = ValidityForm(
        posted(request, "validity"),
        prefix="validity",
        initial={"validity_days": services.validity_days(organizer)},
    )
    back = reverse("web:giftcards-admin", args=[organizer.slug])
    if product_form.is_valid():
        data = product_form.cleaned_data
        added = call_service(
            request,
            product_form,
            lambda: services.create_product(
                organizer,
                actor=request.actor,
                name={lang: data["name"] for lang in organizer.languages},
                values=data["values"],
                min_amount=data["min_amount"],
                max_amount=data["max_amount"],
            ),
            _("The gift voucher product has been added."),
        )
        if added:
            return redirect(back)
    if validity_form.is_valid():
        days = validity_form.cleaned_data["validity_days"]
        saved = call_service(
            request,
            validity_form,
            lambda: services.set_validity_days(organizer, days=days, actor=request.actor),
            _("The validity has been saved."),
        )
        if saved:
            return redirect(back)
    return {
        "product_form": product_form,
        "validity_form": validity_form,
        "products": queries.products(organizer),
        "can_change_catalogue": request.actor.has(organizer, Perm.CHANGE_EVENTS),
        "can_change_settings": request.actor.has(organizer, Perm.CHANGE_ORGANIZER),
    }


@organizer_view(Perm.VIEW_ORDERS)
def voucher_list(request: Request, organizer: Organizer) -> HttpResponse:
    can_change = request.actor.has(organizer, Perm.CHANGE_ORDERS)
    extra = _settings_forms(request, organizer)
    if isinstance(extra, HttpResponse):
        return extra
    issue = IssueForm(posted(request, "issue"))
    if issue.is_bound:
        require(request.actor, organizer, Perm.CHANGE_ORDERS)
        if issue.is_valid():
            data = issue.cleaned_data
            issued = call_service(
                request,
                issue,
                lambda: services.create_voucher(
                    organizer,
                    value=data["value"],
                    expires_at=data["expires_at"],
                    name=data["name"],
                    email=data["email"] or "",
                    note=data["note"],
                    actor=request.actor,
                ),
                _("The gift voucher has been issued."),
            )
            if issued:
                return redirect(
                    reverse("web:giftcards-admin-voucher", args=[organizer.slug, issued.value.pk])
                )
    search = SearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    page = Paginator(queries.vouchers(organizer, q), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/backoffice/giftcards.html",
        {
            "organizer": organizer,
            "active": "giftcards",
            "search": search,
            "q": q,
            "page": page,
            "vouchers": page.object_list,
            "issue": issue,
            "can_change": can_change,
            **extra,
        },
        status=422
        if issue.errors or extra["product_form"].errors or extra["validity_form"].errors
        else 200,
    )


@organizer_view(Perm.VIEW_ORDERS)
def voucher_export(request: Request, organizer: Organizer) -> HttpResponse:
    search = SearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    return file_response(
        queries.export_csv(organizer, q), "text/csv", f"gift-vouchers-{organizer.slug}.csv"
    )


def _voucher(organizer: Organizer, pk: int) -> GiftVoucher:
    return get_scoped_or_404(GiftVoucher.objects.select_related("order"), organizer, pk=pk)


@organizer_view(Perm.VIEW_ORDERS)
def voucher_page(request: Request, organizer: Organizer, giftvoucher: int) -> HttpResponse:
    gift = _voucher(organizer, giftvoucher)
    return render(
        request,
        "web/backoffice/giftcard.html",
        {
            "organizer": organizer,
            "active": "giftcards",
            "voucher": gift,
            "entries": queries.history(gift),
            "code": gift.code if request.actor.has(organizer, Perm.CHANGE_ORDERS) else "",
        },
    )


@organizer_view(Perm.CHANGE_ORDERS)
def voucher_card(request: Request, organizer: Organizer, giftvoucher: int) -> HttpResponse:
    """The card again (PDF): whoever may sell may reprint it."""
    gift = _voucher(organizer, giftvoucher)
    return file_response(
        render_cards_pdf([gift]),
        "application/pdf",
        f"gift-voucher-{gift.code_hint}.pdf",
        inline=True,
    )
