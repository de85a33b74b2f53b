"""The organiser's reservation settings (SPEC C2): points of sale, product profiles and the
products' deadline rules. Views parse and render; `rideau.reservations.services` writes."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import AudienceType, Product
from rideau.core.access import get_scoped_or_404, require
from rideau.core.i18n import localize
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.text import SafeTextMixin
from rideau.events.models import EventDate
from rideau.reservations import services
from rideau.reservations.models import PointOfSale, ProductProfile, ReservationRule

from ...decorators import Request, organizer_view
from ...toolkit import posted, run_service
from ..collection import edit


class _Labelled(forms.ModelMultipleChoiceField):
    def __init__(self, *args, languages: list[str], **kwargs):
        self.languages = languages
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        if isinstance(obj, Product):
            event = localize(obj.event.name, fallbacks=self.languages) if obj.event else ""
            return f"{event} — {localize(obj.name, fallbacks=self.languages)}"
        if isinstance(obj, EventDate):
            return f"{localize(obj.event.name, fallbacks=self.languages)} — {obj}"
        if isinstance(obj, AudienceType):
            return localize(obj.name, fallbacks=self.languages) or obj.code
        return str(obj)


class PointOfSaleForm(SafeTextMixin, forms.ModelForm):
    class Meta:
        model = PointOfSale
        fields = ["name", "channel", "may_reserve", "active"]

    def __init__(self, *args, organizer: Organizer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audiences"] = _Labelled(
            label=_("Audiences who may reserve"),
            queryset=AudienceType.objects.filter(organizer=organizer, active=True),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("None ticked: every public of this point of sale may reserve."),
            languages=organizer.languages,
        )
        if self.instance.pk:
            self.fields["audiences"].initial = list(self.instance.reserving_audiences.all())


class ProfileForm(SafeTextMixin, forms.ModelForm):
    class Meta:
        model = ProductProfile
        fields = ["name", "active"]

    def __init__(self, *args, organizer: Organizer, **kwargs):
        super().__init__(*args, **kwargs)
        languages = organizer.languages
        products = Product.objects.filter(organizer=organizer, kind=Product.Kind.TICKET)
        products = products.select_related("event").order_by("event__id", "position", "id")
        self.fields["points"] = _Labelled(
            label=_("Points of sale"),
            queryset=PointOfSale.objects.filter(organizer=organizer),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("None ticked: every point of sale."),
            languages=languages,
        )
        self.fields["dates"] = _Labelled(
            label=_("Dates"),
            queryset=EventDate.objects.filter(event__organizer=organizer)
            .select_related("event")
            .order_by("start"),
            required=False,
            widget=forms.SelectMultiple(attrs={"size": 6}),
            help_text=_("None chosen: every date."),
            languages=languages,
        )
        self.fields["products"] = _Labelled(
            label=_("Products in this profile"),
            queryset=products,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            languages=languages,
        )
        self.fields["reservable"] = _Labelled(
            label=_("Of these, reservable"),
            queryset=products,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("The others are sale only."),
            languages=languages,
        )
        if self.instance.pk:
            items = list(self.instance.items.all())
            self.fields["points"].initial = list(self.instance.points_of_sale.all())
            self.fields["dates"].initial = list(self.instance.dates.all())
            self.fields["products"].initial = [i.product_id for i in items]
            self.fields["reservable"].initial = [i.product_id for i in items if i.reservable]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        products = {p.pk for p in data.get("products") or []}
        if any(p.pk not in products for p in data.get("reservable") or []):
            self.add_error("reservable", _("Tick the product in the profile too."))
        return data


class RuleForm(SafeTextMixin, forms.Form):
    days_after_booking = forms.IntegerField(
        label=_("days after booking"), min_value=0, max_value=365, required=False
    )
    days_before_date = forms.IntegerField(
        label=_("days before the date"), min_value=0, max_value=365, required=False
    )


def _context(organizer: Organizer, **extra) -> dict:
    products = (
        Product.objects.filter(organizer=organizer, kind=Product.Kind.TICKET)
        .select_related("event")
        .order_by("event__id", "position", "id")
    )
    rules = {r.product_id: r for r in ReservationRule.objects.filter(product__in=products)}
    return {
        "organizer": organizer,
        "points": PointOfSale.objects.filter(organizer=organizer).prefetch_related(
            "reserving_audiences"
        ),
        "profiles": ProductProfile.objects.filter(organizer=organizer).prefetch_related(
            "items__product", "points_of_sale", "dates"
        ),
        "rule_rows": [
            {
                "product": p,
                "form": RuleForm(
                    initial={
                        "days_after_booking": getattr(rules.get(p.pk), "days_after_booking", None),
                        "days_before_date": getattr(rules.get(p.pk), "days_before_date", None),
                    },
                    prefix=f"rule{p.pk}",
                ),
            }
            for p in products
        ],
        **extra,
    }


@organizer_view(Perm.VIEW)
def settings_view(request: Request, organizer: Organizer) -> HttpResponse:
    """The three switches on one page; adding a point of sale or a profile."""
    point_form = PointOfSaleForm(
        posted(request, "point"),
        organizer=organizer,
        instance=PointOfSale(organizer=organizer),
        prefix="point",
    )
    profile_form = ProfileForm(
        posted(request, "profile"),
        organizer=organizer,
        instance=ProductProfile(organizer=organizer),
        prefix="profile",
    )
    if request.method == "POST":
        require(request.actor, organizer, Perm.CHANGE_ORGANIZER)
        saved = (
            run_service(request, point_form, lambda: _save_point(point_form, request), _("Saved."))
            if point_form.is_bound
            else run_service(
                request, profile_form, lambda: _save_profile(profile_form, request), _("Saved.")
            )
        )
        if saved:
            return redirect("web:reservations-settings", organizer=organizer.slug)
    return render(
        request,
        "web/backoffice/reservations/settings.html",
        _context(organizer, point_form=point_form, profile_form=profile_form),
        status=422 if (point_form.errors or profile_form.errors) else 200,
    )


def _save_point(form: PointOfSaleForm, request: Request) -> None:
    services.save_point_of_sale(
        form.instance, audiences=list(form.cleaned_data["audiences"]), actor=request.actor
    )


def _save_profile(form: ProfileForm, request: Request) -> None:
    services.save_profile(
        form.instance,
        points_of_sale=list(form.cleaned_data["points"]),
        dates=list(form.cleaned_data["dates"]),
        products=list(form.cleaned_data["products"]),
        reservable=list(form.cleaned_data["reservable"]),
        actor=request.actor,
    )


def _edit_page(
    request: Request, organizer: Organizer, form: forms.ModelForm, save: Callable
) -> HttpResponse:
    """A point of sale's or a product profile's page; saving goes back to the settings."""
    if request.method == "POST":
        require(request.actor, organizer, Perm.CHANGE_ORGANIZER)
    return edit(
        request,
        form=form,
        save=lambda: save(form, request),
        done=_("Saved."),
        back=reverse("web:reservations-settings", args=[organizer.slug]),
        template="web/backoffice/reservations/edit.html",
        context={"organizer": organizer, "title": form.instance.name},
        invalid_status=422,
    )


@organizer_view(Perm.VIEW)
def point_view(request: Request, organizer: Organizer, point: int) -> HttpResponse:
    obj = get_scoped_or_404(PointOfSale.objects.all(), organizer, pk=point)
    form = PointOfSaleForm(request.POST or None, organizer=organizer, instance=obj)
    return _edit_page(request, organizer, form, _save_point)


@organizer_view(Perm.VIEW)
def profile_view(request: Request, organizer: Organizer, profile: int) -> HttpResponse:
    obj = get_scoped_or_404(ProductProfile.objects.all(), organizer, pk=profile)
    form = ProfileForm(request.POST or None, organizer=organizer, instance=obj)
    return _edit_page(request, organizer, form, _save_profile)


@organizer_view(Perm.CHANGE_ORGANIZER)
def rule_view(request: Request, organizer: Organizer, product: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("web:reservations-settings", organizer=organizer.slug)
    obj = get_scoped_or_404(Product.objects.filter(kind=Product.Kind.TICKET), organizer, pk=product)
    assert isinstance(obj, Product)
    form = RuleForm(request.POST, prefix=f"rule{obj.pk}")
    if form.is_valid():
        services.save_rule(
            obj,
            days_after_booking=form.cleaned_data["days_after_booking"],
            days_before_date=form.cleaned_data["days_before_date"],
            actor=request.actor,
        )
        messages.success(request, _("Saved."))
        return redirect("web:reservations-settings", organizer=organizer.slug)
    context = _context(organizer)
    for row in context["rule_rows"]:
        if row["product"].pk == obj.pk:
            row["form"] = form
    context["point_form"] = PointOfSaleForm(
        organizer=organizer, instance=PointOfSale(organizer=organizer), prefix="point"
    )
    context["profile_form"] = ProfileForm(
        organizer=organizer, instance=ProductProfile(organizer=organizer), prefix="profile"
    )
    return render(request, "web/backoffice/reservations/settings.html", context, status=422)
