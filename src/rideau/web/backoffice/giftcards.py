"""Back-office gift vouchers (SPEC D11): the list (search, CSV export), a voucher's page
with its balance history and its card (PDF, reprinted), and issuing a voucher by hand.
Writes go through `rideau.giftcards.services`."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rideau.core.access import get_scoped_or_404, require
from rideau.core.errors import PermissionDenied, RideauError, ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.text import SafeTextMixin
from rideau.giftcards import queries, services
from rideau.giftcards.models import GiftVoucher
from rideau.giftcards.pdf import render_cards_pdf

from ..decorators import organizer_view
from ..events_admin.forms import DateTimeInput

PER_PAGE = 50


class SearchForm(SafeTextMixin, forms.Form):
    q = forms.CharField(
        label=_("Code, last 4 characters, buyer, e-mail or order"), required=False, max_length=100
    )


class IssueForm(SafeTextMixin, forms.Form):
    value = forms.DecimalField(
        label=_("Value"), min_value=0.01, max_value=100000, max_digits=10, decimal_places=2
    )
    expires_at = forms.DateTimeField(
        label=_("Valid until"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Empty: the organiser's validity (one year by default)."),
    )
    name = forms.CharField(label=_("For (name)"), required=False, max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


def _errors_onto(form: forms.Form, exc: RideauError) -> None:
    if isinstance(exc, PermissionDenied):
        raise exc
    errors = exc.errors if isinstance(exc, ValidationFailed) else {exc.field: [exc.message]}
    for field, texts in errors.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


@organizer_view(Perm.VIEW_ORDERS)
def voucher_list(request: HttpRequest, organizer: Organizer) -> HttpResponse:
    can_change = request.actor.has(organizer, Perm.CHANGE_ORDERS)
    issue = IssueForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        require(request.actor, organizer, Perm.CHANGE_ORDERS)
        if issue.is_valid():
            data = issue.cleaned_data
            try:
                voucher = services.create_voucher(
                    organizer,
                    value=data["value"],
                    expires_at=data["expires_at"],
                    name=data["name"],
                    email=data["email"] or "",
                    note=data["note"],
                    actor=request.actor,
                )
            except RideauError as exc:
                _errors_onto(issue, exc)
            else:
                messages.success(request, _("The gift voucher has been issued."))
                return redirect(
                    reverse("web:giftcards-admin-voucher", args=[organizer.slug, voucher.pk])
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
        },
        status=422 if issue.errors else 200,
    )


@organizer_view(Perm.VIEW_ORDERS)
def voucher_export(request: HttpRequest, organizer: Organizer) -> HttpResponse:
    search = SearchForm(request.GET or None)
    q = search.cleaned_data.get("q", "") if search.is_valid() else ""
    response = HttpResponse(queries.export_csv(organizer, q), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="gift-vouchers-{organizer.slug}.csv"'
    return response


def _voucher(organizer: Organizer, pk: int) -> GiftVoucher:
    return get_scoped_or_404(GiftVoucher.objects.select_related("order"), organizer, pk=pk)


@organizer_view(Perm.VIEW_ORDERS)
def voucher_page(request: HttpRequest, organizer: Organizer, giftvoucher: int) -> HttpResponse:
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
def voucher_card(request: HttpRequest, organizer: Organizer, giftvoucher: int) -> HttpResponse:
    """The card again (PDF): whoever may sell may reprint it."""
    gift = _voucher(organizer, giftvoucher)
    response = HttpResponse(render_cards_pdf([gift]), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="gift-voucher-{gift.code_hint}.pdf"'
    return response
