"""Form pieces every web surface shares: the date-time input, translatable fields, the
short name, money, the password, the location choice. Forms parse and validate input; services
do the writes."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rideau.catalog.models import Question, Rate
from rideau.core.i18n import localize
from rideau.core.models import LANGUAGE_CHOICES, Organizer
from rideau.core.text import SafeTextMixin
from rideau.venues.models import Location

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def one_time_code_input() -> forms.TextInput:
    """The input of a 6-digit one-time code (e-mailed, or from an authenticator app): the
    phone offers digits and the code its messages hold."""
    return forms.TextInput(
        attrs={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "pattern": "[0-9]{6}",
            "autofocus": True,
        }
    )


def short_name_field(label: "StrOrPromise", help_text: "StrOrPromise") -> forms.SlugField:
    """A short name for an address or an export: letters, digits and hyphens, 50 at most."""
    return forms.SlugField(label=label, max_length=50, help_text=help_text)


def money_field(
    label: "StrOrPromise", *, min_value: Decimal | float = 0, max_digits: int = 10, **options: Any
) -> forms.DecimalField:
    """An amount of money, with two decimals and none below `min_value` (0: nothing
    negative)."""
    return forms.DecimalField(
        label=label, min_value=min_value, max_digits=max_digits, decimal_places=2, **options
    )


def password_field(label: "StrOrPromise", autocomplete: str, **options: Any) -> forms.CharField:
    """A password input, kept as typed (never stripped); `autocomplete` tells the browser's
    password manager whether it is the current password or a new one."""
    widget = forms.PasswordInput(attrs={"autocomplete": autocomplete})
    return forms.CharField(label=label, strip=False, widget=widget, **options)


class LocationChoiceField(forms.ModelChoiceField):
    """A location as "venue · name (kind)": no parent chain walked per option."""

    def label_from_instance(self, obj: Location) -> str:
        venue = obj.venue.name if "venue" in obj._state.fields_cache else ""
        label = f"{obj.name} ({obj.get_kind_display()})"
        seats = getattr(obj, "seat_count", 0)
        if seats:
            label += " · " + ngettext(
                "seating plan of %(n)s seat", "seating plan of %(n)s seats", seats
            ) % {"n": seats}
        return f"{venue} · {label}" if venue else label


def rate_label(rate: Rate, languages: list[str]) -> str:
    """A rate as a choice shows it: its product's name and its own ("Adult – Reduced")."""
    product = localize(rate.product.name, fallbacks=languages)
    return " – ".join(part for part in (product, localize(rate.name, fallbacks=languages)) if part)


class BulkMessageForm(SafeTextMixin, forms.Form):
    """One e-mail written to many people (an event's buyers, its registrants): the subject
    and body `messaging.bulk` keeps; a subclass adds the fields choosing who."""

    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), max_length=20000, widget=forms.Textarea)


class I18nForm(SafeTextMixin, forms.Form):
    """A form with translatable fields: `i18n = {name: (label, required, max_length, rows)}`."""

    i18n: dict = {}

    def __init__(self, *args, organizer: Organizer, values: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organizer = organizer
        self.languages = list(organizer.languages)
        values = values or {}
        for name, (label, _required, max_length, rows) in self.i18n.items():
            current = values.get(name) or {}
            for code in self.languages:
                widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
                self.fields[f"{name}_{code}"] = forms.CharField(
                    label=_("%(field)s (%(language)s)")
                    % {"field": label, "language": LANGUAGE_NAMES.get(code, code)},
                    required=False,
                    max_length=max_length,
                    initial=current.get(code, ""),
                    widget=widget,
                )

    def i18n_value(self, name: str) -> dict[str, str]:
        return {
            code: text.strip()
            for code in self.languages
            if (text := self.cleaned_data.get(f"{name}_{code}") or "").strip()
        }

    @property
    def i18n_groups(self) -> dict[str, list]:
        """The bound inputs of each translatable field, for the templates."""
        return {name: [self[f"{name}_{code}"] for code in self.languages] for name in self.i18n}

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Field errors from a service; a translatable field's go on its first input."""
        for field, messages in errors.items():
            if field in self.fields:
                target = field
            elif field in self.i18n:
                # the service's own explanation first; the model's generic "blank" repeats it
                target = f"{field}_{self.languages[0]}"
                messages = messages[:1]
            else:
                target = None
            for message in messages:
                self.add_error(target, message)


def question_field(question: Question, languages: list[str]) -> forms.Field:
    """The input of a buyer's answer to one of a product's questions."""
    label = localize(question.label, fallbacks=languages) or str(question)
    common: dict[str, Any] = {"label": label, "required": question.required}
    kind = question.kind
    if kind == Question.Kind.NUMBER:
        return forms.DecimalField(**common, max_digits=12, decimal_places=4)
    if kind == Question.Kind.BOOLEAN:
        return forms.BooleanField(**common)
    if kind == Question.Kind.DATE:
        return forms.DateField(**common, widget=forms.DateInput(attrs={"type": "date"}))
    if kind == Question.Kind.CHOICE:
        options = [
            (str(i), localize(option, fallbacks=languages))
            for i, option in enumerate(question.choices or [])
        ]
        return forms.ChoiceField(**common, choices=[("", "—"), *options])
    return forms.CharField(**common, max_length=1000)
