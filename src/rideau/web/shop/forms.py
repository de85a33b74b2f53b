"""Forms of the public shop. They parse input; `rideau.orders.carts` does the writes."""

import re
from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rideau.catalog.models import Question
from rideau.core.i18n import localize
from rideau.core.text import SafeTextMixin
from rideau.orders.carts import CartItem
from rideau.orders.services import Attendee, Buyer

from ..forms import question_field

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

QUANTITY_FIELD = re.compile(r"^q-(?P<date>\d+)-(?P<rate>\d+)$")


def quantity_field_name(date_id: int | None, rate_id: int) -> str:
    return f"q-{date_id or 0}-{rate_id}"


class TicketsForm(SafeTextMixin, forms.Form):
    """One quantity input per (date, rate) on sale; at least one must be above zero."""

    def __init__(self, *args, offers: list, **kwargs):
        """`offers`: (date or None, rate, places left or None) rows shown on the page."""
        super().__init__(*args, **kwargs)
        self.offers = offers
        for date, rate, left in offers:
            limit = rate.product.max_per_order
            if left is not None:
                limit = min(limit, left)
            attrs = {
                "inputmode": "numeric",
                "class": "qty",
                "min": 0,
                "max": max(limit, 0),
                "data-price": str(rate.price),  # the running total of the tickets page
            }
            self.fields[quantity_field_name(date.pk if date else None, rate.pk)] = (
                forms.IntegerField(
                    label=localize(rate.name) or str(rate),
                    min_value=0,
                    required=False,
                    initial=0,
                    widget=forms.NumberInput(attrs=attrs),
                )
            )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        for date, rate, left in self.offers:
            name = quantity_field_name(date.pk if date else None, rate.pk)
            wanted = cleaned.get(name)
            if wanted and left is not None and wanted > left:
                message: StrOrPromise
                if left == 0:
                    message = _("Sold out.")
                else:
                    message = ngettext(
                        "Only %(n)s place left.", "Only %(n)s places left.", left
                    ) % {"n": left}
                self.add_error(name, message)
        if not self.errors and not any(cleaned.get(name) for name in self.fields):
            raise forms.ValidationError(_("Choose at least one ticket."), code="no_lines")
        return cleaned

    def items(self) -> list[CartItem]:
        return [
            CartItem(rate=rate, date=date, quantity=quantity)
            for date, rate, _left in self.offers
            if (
                quantity := self.cleaned_data.get(
                    quantity_field_name(date.pk if date else None, rate.pk)
                )
            )
        ]

    def bound_rows(self):
        """(date, rate, places left, bound field) for the template."""
        return [
            (date, rate, left, self[quantity_field_name(date.pk if date else None, rate.pk)])
            for date, rate, left in self.offers
        ]


def _answer_value(question: Question, value, languages: list[str]):
    """What is stored in `Position.answers`: JSON values, a choice as its option's text."""
    if value in (None, ""):
        return None
    if question.kind == Question.Kind.NUMBER:
        return str(value)
    if question.kind == Question.Kind.DATE:
        return value.isoformat()
    if question.kind == Question.Kind.CHOICE:
        option = question.choices[int(value)]
        return localize(option, languages[0] if languages else None, languages)
    return value


class CheckoutForm(SafeTextMixin, forms.Form):
    """Buyer contact, a name (and the product's questions) per ticket, a payment method."""

    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    provider = forms.ChoiceField(label=_("Payment method"), widget=forms.RadioSelect)
    voucher = forms.CharField(
        label=_("Discount code"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    # asked per purpose, never ticked in advance; recorded with its time and source
    consent_email = forms.BooleanField(
        label=_("Send me news and offers (newsletter, unsubscribe at any time)"),
        required=False,
    )

    def __init__(self, *args, cart, questions: dict, providers: list, languages: list, **kwargs):
        """`questions`: product id → its questions; `providers`: the payment providers."""
        super().__init__(*args, **kwargs)
        self.languages = languages
        self.fields["provider"].choices = [(p.identifier, p.verbose_name) for p in providers]
        if len(providers) == 1:
            self.fields["provider"].initial = providers[0].identifier
        self.places = []  # (line, number, name field, [(question, field name)])
        index = 0
        for line in cart.lines:
            for number in range(1, line.quantity + 1):
                prefix = f"a{index}"
                name_field = f"{prefix}-name"
                self.fields[name_field] = forms.CharField(
                    label=_("Attendee name"), max_length=200, required=True
                )
                asked = []
                for question in questions.get(line.rate.product_id, []):
                    field_name = f"{prefix}-q{question.pk}"
                    self.fields[field_name] = question_field(question, languages)
                    asked.append((question, field_name))
                self.places.append((line, number, name_field, asked))
                index += 1

    def buyer(self, locale: str) -> Buyer:
        return Buyer(
            email=self.cleaned_data["email"], name=self.cleaned_data["name"], locale=locale
        )

    def attendees(self) -> list[Attendee]:
        data = self.cleaned_data
        result = []
        for _line, _number, name_field, asked in self.places:
            answers = {}
            for question, field_name in asked:
                value = _answer_value(question, data.get(field_name), self.languages)
                if value is not None:
                    answers[str(question.pk)] = value
            result.append(Attendee(name=data[name_field], answers=answers))
        return result

    def place_rows(self):
        """(line, number, bound name field, [bound question fields]) for the template."""
        return [
            (line, number, self[name_field], [self[f] for _q, f in asked])
            for line, number, name_field, asked in self.places
        ]


DEMO_CARD_NUMBER = "4242424242424242"


class DemoCardForm(SafeTextMixin, forms.Form):
    """A pretend card form: only the documented test number is accepted."""

    number = forms.CharField(
        label=_("Card number (demo)"),
        help_text=_("Use the test number 4242 4242 4242 4242; no money moves."),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_number(self) -> str:
        number = re.sub(r"[\s-]", "", self.cleaned_data["number"])
        if number != DEMO_CARD_NUMBER:
            raise forms.ValidationError(
                _("This demo only accepts the test card number 4242 4242 4242 4242."),
                code="invalid",
            )
        return number
