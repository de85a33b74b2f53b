"""Back-office discount codes of an organiser: list (search, active filter), create one code
or generate many with a prefix (for partners), edit, deactivate. SPEC CORE-7.

Writes go through `rideau.orders.vouchers` (audited, organiser-scoped, field errors).
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rideau.catalog.models import Product
from rideau.core.access import get_scoped_or_404, require, scoped
from rideau.core.i18n import localize
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.text import SafeTextMixin
from rideau.events.models import Event
from rideau.orders import vouchers as services
from rideau.orders.models import Voucher

from ...decorators import Request, organizer_view
from ...forms import DateTimeInput
from ...toolkit import act, call_service, posted, run_service

VOUCHERS_PER_PAGE = 50


class EventChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Event) -> str:
        return localize(obj.name) or obj.slug


class ProductChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        name = localize(obj.name) or str(obj.pk)
        event = obj.event if obj.event_id else None
        return f"{localize(event.name) or event.slug} · {name}" if event else name


class VoucherForm(SafeTextMixin, forms.Form):
    """One code (`generate=False`) or a batch of generated codes sharing these settings."""

    code = forms.CharField(
        label=_("Code"),
        max_length=services.CODE_LENGTH,
        help_text=_("Letters, digits, - and _. Buyers may type it in any case."),
    )
    count = forms.IntegerField(
        label=_("Number of codes"), min_value=1, max_value=services.MAX_GENERATE, initial=10
    )
    prefix = forms.CharField(  # type: ignore[assignment]  # a field (the metaclass moves it)
        label=_("Prefix"),
        required=False,
        max_length=services.CODE_LENGTH - services.GENERATED_LENGTH,
        help_text=_("Each code is the prefix followed by 8 random characters, e.g. PARTNER-…"),
    )
    kind = forms.ChoiceField(label=_("Discount"), choices=Voucher.Kind.choices)
    value = forms.DecimalField(
        label=_("Value"),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text=_("A percentage (1 to 100) or an amount in the organiser's currency."),
    )
    event = EventChoiceField(
        label=_("Event"),
        queryset=Event.objects.none(),
        required=False,
        empty_label=_("Every event"),
    )
    products = ProductChoiceField(
        label=_("Products"),
        queryset=Product.objects.none(),
        required=False,
        help_text=_("None chosen: every product. Otherwise only tickets of these products."),
    )
    max_usages = forms.IntegerField(
        label=_("Maximum uses"),
        min_value=1,
        max_value=2_147_483_647,
        required=False,
        help_text=_("Empty: unlimited. Each order using the code counts once."),
    )
    valid_from = forms.DateTimeField(label=_("Valid from"), required=False, widget=DateTimeInput())
    valid_until = forms.DateTimeField(
        label=_("Valid until"), required=False, widget=DateTimeInput()
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    partner_ref = forms.CharField(
        label=_("Partner reference"),
        max_length=100,
        required=False,
        help_text=_("Whose code this is (a partner, a campaign), for your reports."),
    )

    SETTINGS = (
        "kind",
        "value",
        "event",
        "products",
        "max_usages",
        "valid_from",
        "valid_until",
        "active",
        "partner_ref",
    )

    def __init__(self, *args, organizer: Organizer, voucher=None, generate: bool = False, **kwargs):
        if voucher is not None:
            kwargs["initial"] = {
                "code": voucher.code,
                **{f: getattr(voucher, f) for f in self.SETTINGS if f != "products"},
                "event": voucher.event_id,
                "products": [p.pk for p in voucher.products.all()],
            }
        super().__init__(*args, **kwargs)
        self.generate = generate
        if generate:
            del self.fields["code"]
        else:
            del self.fields["count"], self.fields["prefix"]
        self.fields["event"].queryset = scoped(Event.objects.all(), organizer).order_by("slug")
        self.fields["products"].queryset = (
            scoped(Product.objects.all(), organizer)
            .select_related("event")
            .order_by("event__slug", "position", "pk")
        )
        if voucher is not None:
            self.fields["max_usages"].help_text = ngettext(
                "Empty: unlimited. Used %(n)d time so far: the maximum cannot be lower.",
                "Empty: unlimited. Used %(n)d times so far: the maximum cannot be lower.",
                voucher.used,
            ) % {"n": voucher.used}

    def settings(self) -> dict:
        data = self.cleaned_data
        values = {f: data[f] for f in self.SETTINGS}
        values["products"] = list(data["products"])
        values["partner_ref"] = values["partner_ref"] or ""
        return values


def _list_url(organizer: Organizer, **query) -> str:
    url = reverse("web:vouchers-admin", args=[organizer.slug])
    return f"{url}?{urlencode(query)}" if query else url


def search_vouchers(organizer: Organizer, *, q: str = "", state: str = ""):
    vouchers = scoped(Voucher.objects.all(), organizer)
    q = q.strip()
    if q:
        vouchers = vouchers.filter(Q(code__icontains=q) | Q(partner_ref__icontains=q))
    if state == "active":
        vouchers = vouchers.filter(active=True)
    elif state == "inactive":
        vouchers = vouchers.filter(active=False)
    return vouchers.select_related("event").prefetch_related("products").order_by("code", "pk")


class FilterForm(SafeTextMixin, forms.Form):
    q = forms.CharField(label=_("Code or partner reference"), required=False, max_length=100)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All")), ("active", _("Active")), ("inactive", _("Inactive"))],
    )


@organizer_view(Perm.VIEW_ORDERS)
def voucher_list(request: Request, organizer: Organizer) -> HttpResponse:
    """The codes (paginated, searchable), a form to add one and a form to generate many."""
    can_change = request.actor.has(organizer, services.PERMISSION)
    if request.method == "POST":
        require(request.actor, organizer, services.PERMISSION)
    with timezone.override(organizer.timezone):
        single = VoucherForm(posted(request, "single"), organizer=organizer, prefix="single")
        batch = VoucherForm(
            posted(request, "batch"),
            organizer=organizer,
            generate=True,
            prefix="batch",
        )
        if single.is_valid():
            added = call_service(
                request,
                single,
                lambda: services.create_voucher(
                    organizer,
                    actor=request.actor,
                    code=single.cleaned_data["code"],
                    **single.settings(),
                ),
            )
            if added:
                messages.success(
                    request, _("The code %(code)s has been added.") % {"code": added.value}
                )
                return redirect(_list_url(organizer))
        if batch.is_valid():
            generated = call_service(
                request,
                batch,
                lambda: services.generate_vouchers(
                    organizer,
                    actor=request.actor,
                    count=batch.cleaned_data["count"],
                    prefix=batch.cleaned_data["prefix"],
                    **batch.settings(),
                ),
            )
            if generated:
                created = generated.value
                messages.success(
                    request,
                    ngettext(
                        "%(n)d code has been generated.",
                        "%(n)d codes have been generated.",
                        len(created),
                    )
                    % {"n": len(created)},
                )
                prefix = batch.cleaned_data["prefix"].strip()
                return redirect(_list_url(organizer, q=prefix) if prefix else _list_url(organizer))
        filters = FilterForm(request.GET or None)
        values = filters.cleaned_data if filters.is_valid() else {}
        vouchers = search_vouchers(
            organizer, q=values.get("q") or "", state=values.get("state") or ""
        )
        page = Paginator(vouchers, VOUCHERS_PER_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "web/backoffice/vouchers.html",
            {
                "organizer": organizer,
                "filters": filters,
                "single": single,
                "batch": batch,
                "page": page,
                "vouchers": page.object_list,
                "query": query.urlencode(),
                "can_change": can_change,
                "active": "vouchers",
            },
            status=422 if single.errors or batch.errors else 200,
        )


def _voucher_or_404(organizer: Organizer, pk: int) -> Voucher:
    return get_scoped_or_404(Voucher.objects.select_related("organizer", "event"), organizer, pk=pk)


@organizer_view(Perm.VIEW_ORDERS)
def voucher_edit(request: Request, organizer: Organizer, voucher: int) -> HttpResponse:
    obj = _voucher_or_404(organizer, voucher)
    can_change = request.actor.has(organizer, services.PERMISSION)
    if request.method == "POST":
        require(request.actor, organizer, services.PERMISSION)
    with timezone.override(organizer.timezone):
        form = VoucherForm(request.POST or None, organizer=organizer, voucher=obj)
        if run_service(
            request,
            form,
            lambda: services.update_voucher(
                obj, actor=request.actor, code=form.cleaned_data["code"], **form.settings()
            ),
            _("The code has been saved."),
        ):
            return redirect(_list_url(organizer))
        orders = obj.orders.order_by("-created", "-id")[:20]
        return render(
            request,
            "web/backoffice/voucher.html",
            {
                "organizer": organizer,
                "voucher": obj,
                "form": form,
                "orders": list(orders),
                "can_change": can_change,
                "active": "vouchers",
            },
            status=422 if form.errors else 200,
        )


@require_POST
@organizer_view(Perm.VIEW_ORDERS)
def voucher_deactivate(request: Request, organizer: Organizer, voucher: int) -> HttpResponse:
    obj = _voucher_or_404(organizer, voucher)
    act(
        request,
        lambda: services.deactivate_voucher(obj, actor=request.actor),
        _("The code %(code)s is no longer active.") % {"code": obj},
    )
    return redirect(_list_url(organizer))
