"""Forms of the back-office order pages and event overview."""

from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import AudienceType, Question, Rate
from rideau.core.access import scoped
from rideau.core.i18n import localize, money
from rideau.core.text import SafeTextMixin
from rideau.events.models import Event, EventDate
from rideau.orders import answers
from rideau.orders.jobs import BULK_ACTIONS
from rideau.orders.models import Order, SalesChannel

from ...forms import money_field, question_field, rate_label

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class _EventChoice(forms.ModelChoiceField):
    languages: list[str]  # the organiser's, set by the form

    def label_from_instance(self, obj: Event) -> str:
        return localize(obj.name, fallbacks=self.languages) or obj.slug


class OrderFilterForm(SafeTextMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Order code, buyer name or e-mail"),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *Order.Status.choices]
    )
    event = _EventChoice(label=_("Event"), required=False, queryset=Event.objects.none())
    date = forms.ModelChoiceField(
        label=_("Date"), required=False, queryset=EventDate.objects.none()
    )
    rate = forms.ModelChoiceField(label=_("Rate"), required=False, queryset=Rate.objects.none())
    channel = forms.ChoiceField(
        label=_("Sales channel"), required=False, choices=[("", _("Any")), *SalesChannel.choices]
    )
    audience_type = forms.ModelChoiceField(
        label=_("Audience type"), required=False, queryset=AudienceType.objects.none()
    )
    created_from = forms.DateField(
        label=_("Ordered from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Ordered until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, organizer, **kwargs):
        super().__init__(*args, **kwargs)
        self.organizer = organizer
        event_field = self.fields["event"]
        event_field.queryset = scoped(Event.objects.all(), organizer).order_by("slug")
        event_field.languages = organizer.languages
        audiences = scoped(AudienceType.objects.all(), organizer).order_by("position", "id")
        self.fields["audience_type"].queryset = audiences
        self.fields["audience_type"].label_from_instance = lambda audience: (
            localize(audience.name, fallbacks=organizer.languages) or audience.code
        )
        # dates and rates are offered for the chosen event only (a bounded list)
        event = None
        if self.is_bound and self.data.get("event"):
            event = event_field.queryset.filter(pk=_int(self.data.get("event"))).first()
        if event is not None:
            self.fields["date"].queryset = event.dates.order_by("start", "id")
            self.fields["rate"].queryset = Rate.objects.filter(
                product__event=event, product__organizer=organizer
            ).select_related("product")
            self.fields["rate"].label_from_instance = lambda rate: rate_label(
                rate, organizer.languages
            )
        else:
            del self.fields["date"]
            del self.fields["rate"]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        rate = data.get("rate")
        return {
            "q": data["q"],
            "status": data["status"],
            "event": data["event"],
            "date": data.get("date"),
            "rate_id": rate.pk if rate is not None else None,
            "channel": data["channel"],
            "audience_type": data["audience_type"],
            "created_from": data["created_from"],
            "created_to": data["created_to"],
        }


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class MarkPaidForm(SafeTextMixin, forms.Form):
    provider = forms.ChoiceField(
        label=_("Payment method"),
        choices=[
            ("bank_transfer", _("Bank transfer")),
            ("cash", _("Cash")),
            ("card_present", _("Card at the counter")),
        ],
    )
    reference = forms.CharField(label=_("Reference"), required=False, max_length=200)


def _amount(help_text: "StrOrPromise") -> forms.DecimalField:
    """An optional amount of money a staff action takes (empty: its whole default)."""
    return money_field(
        _("Amount"), required=False, min_value=Decimal("0.01"), max_digits=12, help_text=help_text
    )


class CancelForm(SafeTextMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    notify = forms.BooleanField(label=_("Tell the buyer by e-mail"), required=False, initial=True)


class RefundForm(SafeTextMixin, forms.Form):
    amount = _amount(_("Leave empty to refund everything left."))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class AttendeeForm(SafeTextMixin, forms.Form):
    """A ticket's attendee and its answers to the product's questions (the shop's fields;
    `rideau.orders.answers.clean_answers` validates the values in the service)."""

    attendee_name = forms.CharField(label=_("Attendee name"), required=False, max_length=200)
    attendee_email = forms.EmailField(label=_("Attendee e-mail"), required=False)

    def __init__(self, *args, questions=(), languages=(), position=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        stored = position.answers if position is not None and position.answers else {}
        for question in self.questions:
            name = answers.field_name(question)
            self.fields[name] = question_field(question, list(languages))
            value = stored.get(str(question.pk))
            if question.kind == Question.Kind.CHOICE:
                index = answers.choice_index(question, value)
                value = str(index) if index is not None else ""
            self.initial.setdefault(name, value)

    def answers(self) -> dict:
        """The answers as `clean_answers` takes them (question id → value)."""
        result = {}
        for question in self.questions:
            value = self.cleaned_data.get(answers.field_name(question))
            if question.kind == Question.Kind.CHOICE and value not in (None, ""):
                value = int(value)
            result[str(question.pk)] = value
        return result


class _RateChoice(forms.ModelChoiceField):
    languages: list[str]  # the organiser's, set by the form
    currency: str

    def label_from_instance(self, rate: Rate) -> str:
        return f"{rate_label(rate, self.languages)} ({money(rate.price, self.currency)})"


PAID_WITH_CHOICES = [
    ("", _("Not paid yet: leave it due")),
    ("cash", _("Cash")),
    ("card_present", _("Card at the counter")),
    ("bank_transfer", _("Bank transfer")),
]


class AddPositionsForm(SafeTextMixin, forms.Form):
    """New tickets for an order: a rate, a date, how many, the attendees' names."""

    rate = _RateChoice(label=_("Rate"), queryset=Rate.objects.none())
    date = forms.ModelChoiceField(label=_("Date"), queryset=EventDate.objects.none())
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=500, initial=1)
    names = forms.CharField(
        label=_("Attendee names"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, in the order of the tickets; may be left empty."),
    )
    provider = forms.ChoiceField(
        label=_("Payment of the difference"), required=False, choices=PAID_WITH_CHOICES
    )
    notify = forms.BooleanField(label=_("Send the buyer an e-mail"), required=False, initial=True)

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, **kwargs)
        organizer = order.organizer
        rate_field = self.fields["rate"]
        rates = (
            Rate.objects.filter(product__event=order.event_id, product__organizer=organizer)
            .select_related("product")
            .order_by("product__position", "product_id", "position", "id")
        )
        # only the rates the order's channel may sell: the others would be refused on saving
        rate_field.queryset = rates.filter(pk__in=[r.pk for r in rates if r.sold_on(order.channel)])
        rate_field.languages = organizer.languages
        rate_field.currency = order.currency
        dates = EventDate.objects.filter(event=order.event_id).order_by("start", "id")
        self.fields["date"].queryset = dates
        if not self.is_bound:
            first_two = list(dates[:2])
            if len(first_two) == 1:  # one performance: nothing to choose
                self.initial.setdefault("date", first_two[0].pk)
        zone = ZoneInfo(organizer.timezone)
        self.fields["date"].label_from_instance = lambda date: date_format(
            timezone.localtime(date.start, zone), "SHORT_DATETIME_FORMAT"
        )
        if order.status != Order.Status.PAID:
            del self.fields["provider"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        names = [line.strip() for line in cleaned.get("names", "").splitlines() if line.strip()]
        quantity = cleaned.get("quantity")
        if quantity and len(names) > quantity:
            self.add_error("names", _("More names than tickets."))
        if any(len(name) > 200 for name in names):
            self.add_error("names", _("At most 200 characters per name."))
        cleaned["attendee_names"] = names
        return cleaned


class RemovePositionForm(SafeTextMixin, forms.Form):
    position = forms.IntegerField(widget=forms.HiddenInput)
    refund = forms.BooleanField(label=_("Refund its price"), required=False)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class BalanceForm(SafeTextMixin, forms.Form):
    provider = forms.ChoiceField(label=_("Payment method"), choices=PAID_WITH_CHOICES[1:])
    amount = _amount(_("Leave empty for everything due."))
    reference = forms.CharField(label=_("Reference"), required=False, max_length=200)


class BulkOrdersForm(SafeTextMixin, forms.Form):
    """An action on the selected orders, or on every order matching the filter."""

    SCOPES = [
        ("selected", _("The selected orders")),
        ("all", _("Every order matching the search")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=[("", "—"), *BULK_ACTIONS.items()])
    scope = forms.ChoiceField(
        label=_("Apply to"), choices=SCOPES, initial="selected", widget=forms.RadioSelect
    )
    provider = forms.ChoiceField(
        label=_("Paid by"),
        required=False,
        choices=PAID_WITH_CHOICES[1:],
        help_text=_("For “Mark paid”."),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=500, help_text=_("For “Cancel”.")
    )
    notify = forms.BooleanField(label=_("Tell the buyers by e-mail"), required=False, initial=True)
