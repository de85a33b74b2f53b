"""Forms of the back-office order pages and event overview."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import Rate
from rideau.core.access import scoped
from rideau.core.i18n import localize
from rideau.events.models import Event, EventDate
from rideau.orders.models import Order


class _EventChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Event) -> str:
        return localize(obj.name, fallbacks=self.languages) or obj.slug


class OrderFilterForm(forms.Form):
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
        # dates and rates are offered for the chosen event only (a bounded list)
        event = None
        if self.is_bound and self.data.get("event"):
            event = event_field.queryset.filter(pk=_int(self.data.get("event"))).first()
        if event is not None:
            self.fields["date"].queryset = event.dates.order_by("start", "id")
            self.fields["rate"].queryset = Rate.objects.filter(
                product__event=event, product__organizer=organizer
            ).select_related("product")
            self.fields["rate"].label_from_instance = lambda rate: " – ".join(
                part
                for part in (
                    localize(rate.product.name, fallbacks=organizer.languages),
                    localize(rate.name, fallbacks=organizer.languages),
                )
                if part
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
            "created_from": data["created_from"],
            "created_to": data["created_to"],
        }


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class MarkPaidForm(forms.Form):
    provider = forms.ChoiceField(
        label=_("Payment method"),
        choices=[
            ("bank_transfer", _("Bank transfer")),
            ("cash", _("Cash")),
            ("card_present", _("Card at the counter")),
        ],
    )
    reference = forms.CharField(label=_("Reference"), required=False, max_length=200)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    notify = forms.BooleanField(label=_("Tell the buyer by e-mail"), required=False, initial=True)


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Leave empty to refund everything left."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class AttendeeForm(forms.Form):
    attendee_name = forms.CharField(label=_("Attendee name"), required=False, max_length=200)
    attendee_email = forms.EmailField(label=_("Attendee e-mail"), required=False)


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Event.Visibility.choices)


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"), choices=[("csv", _("CSV")), ("xlsx", _("Excel (XLSX)"))]
    )


class ContactBuyersForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), max_length=20000, widget=forms.Textarea)
    date = forms.ModelChoiceField(
        label=_("Only the buyers of this date"),
        required=False,
        queryset=EventDate.objects.none(),
        empty_label=_("All dates"),
    )
    rate = forms.ModelChoiceField(
        label=_("Only the buyers of this rate"),
        required=False,
        queryset=Rate.objects.none(),
        empty_label=_("All rates"),
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        languages = event.organizer.languages
        self.fields["date"].queryset = event.dates.order_by("start", "id")
        self.fields["rate"].queryset = Rate.objects.filter(
            product__event=event, product__organizer=event.organizer_id
        ).select_related("product")
        self.fields["rate"].label_from_instance = lambda rate: " – ".join(
            part
            for part in (
                localize(rate.product.name, fallbacks=languages),
                localize(rate.name, fallbacks=languages),
            )
            if part
        )
