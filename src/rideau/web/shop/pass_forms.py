"""Forms of the passes' public pages: buying a pass (its holder fields, as the pass asks),
subscriber access, renewal and resale purchases. They parse input; `rideau.passes` writes."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from rideau.core.i18n import localize, money
from rideau.core.text import SafeTextMixin
from rideau.passes.models import HOLDER_FIELDS, Pass
from rideau.passes.services import HolderInput

HOLDER_FORM_FIELDS = {
    "civility": ["civility"],
    "last_name": ["last_name"],
    "first_name": ["first_name"],
    "company": ["company"],
    "email": ["holder_email"],
    "address": ["street", "postcode", "city", "country"],
    "mobile": ["mobile"],
    "birth_date": ["birth_date"],
    "photo": ["photo"],
    "free_field": ["free_field"],
}


def _providers(providers) -> list[tuple[str, str]]:
    return [(p.identifier, p.verbose_name) for p in providers]


class BuyerFields(SafeTextMixin, forms.Form):
    email = forms.EmailField(label=_("Your e-mail"), max_length=254)
    name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    provider = forms.ChoiceField(label=_("Payment method"), choices=(), widget=forms.RadioSelect)

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = _providers(providers)
        if len(self.fields["provider"].choices) == 1:
            self.fields["provider"].initial = self.fields["provider"].choices[0][0]


class PassPurchaseForm(BuyerFields):
    rate = forms.ChoiceField(label=_("Rate"), choices=(), widget=forms.RadioSelect)
    civility = forms.ChoiceField(
        label=_("Civility"), choices=[("", "—"), *Pass.Civility.choices], required=False
    )
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    holder_email = forms.EmailField(
        label=_("Holder's e-mail"),
        max_length=254,
        required=False,
        help_text=_("Empty: yours. The pass's space opens with this address."),
    )
    street = forms.CharField(label=_("Street and number"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.ChoiceField(label=_("Country"), choices=(), required=False)
    mobile = forms.CharField(label=_("Mobile phone"), max_length=30, required=False)
    birth_date = forms.DateField(
        label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    photo = forms.FileField(label=_("Photo"), required=False)
    free_field = forms.CharField(label=_("Free field"), max_length=500, required=False)

    def __init__(self, *args, pass_product, rates, languages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rate"].choices = [
            (str(r.pk), f"{localize(r.name, fallbacks=languages)} — {money(r.price)}")
            for r in rates
        ]
        if len(rates) == 1:
            self.fields["rate"].initial = str(rates[0].pk)
        self.fields["country"].choices = [("", "—"), *countries]
        enabled = set(pass_product.holder_fields)
        for key in HOLDER_FIELDS:
            if key not in enabled:
                for name in HOLDER_FORM_FIELDS[key]:
                    del self.fields[name]
        # required holder fields are checked by `passes.services.build_holder`, with the rest
        self.order_fields(
            [
                "rate",
                *[f for f in self.fields if f not in ("rate", "email", "name", "provider")],
                "email",
                "name",
                "provider",
            ]
        )

    def holder(self) -> HolderInput:
        data = self.cleaned_data
        return HolderInput(
            email=data.get("holder_email") or "",
            civility=data.get("civility") or "",
            last_name=data.get("last_name") or "",
            first_name=data.get("first_name") or "",
            company=data.get("company") or "",
            street=data.get("street") or "",
            postcode=data.get("postcode") or "",
            city=data.get("city") or "",
            country=data.get("country") or "",
            mobile=data.get("mobile") or "",
            birth_date=data.get("birth_date"),
            photo=data.get("photo"),
            free_field=data.get("free_field") or "",
        )


class PassCodeForm(SafeTextMixin, forms.Form):
    code = forms.CharField(
        label=_("Pass code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class ChoicesForm(forms.Form):
    dates = forms.MultipleChoiceField(
        label=_("Events"), choices=(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, dates, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["dates"]).choices = dates


class RenewForm(BuyerFields):
    rate = forms.ChoiceField(label=_("New pass"), choices=(), widget=forms.RadioSelect)

    def __init__(self, *args, rates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rate"].choices = rates
        self.order_fields(["rate", "email", "name", "provider"])


class ResaleBuyForm(BuyerFields):
    rate = forms.ChoiceField(label=_("Rate"), choices=(), widget=forms.RadioSelect)

    def __init__(self, *args, rates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rate"].choices = rates
        if len(rates) == 1:
            self.fields["rate"].initial = rates[0][0]
        self.order_fields(["rate", "email", "name", "provider"])


class ExtraTicketsForm(BuyerFields):
    """Extra tickets at the holders' rates: a quantity per (date, rate) offered."""

    def __init__(self, *args, extras, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["email"]
        del self.fields["name"]
        self.keys = []
        for key, label in extras:
            name = f"qty_{key}"
            self.keys.append(key)
            self.fields[name] = forms.IntegerField(
                label=label, min_value=0, max_value=10, initial=0, required=False
            )
        self.order_fields([*(f"qty_{k}" for k in self.keys), "provider"])

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not any(data.get(f"qty_{k}") for k in self.keys):
            raise forms.ValidationError(_("Choose at least one ticket."))
        return data

    def quantities(self) -> dict[str, int]:
        return {k: self.cleaned_data.get(f"qty_{k}") or 0 for k in self.keys}
