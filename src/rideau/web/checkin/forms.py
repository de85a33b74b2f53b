"""Forms of the check-in pages: they parse input; `rideau.checkin.services` validates and writes."""

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import Product
from rideau.checkin.services import MAX_NONCE_LENGTH, MAX_SECRET_LENGTH
from rideau.core.i18n import localize
from rideau.core.models import Organizer
from rideau.core.text import SafeTextMixin
from rideau.events.models import Event, EventDate


class _ProductChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        event = obj.event
        assert event is not None  # the list's event's products only
        return f"{localize(event.name) or event.slug} · {localize(obj.name)}"


class _DateChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: EventDate) -> str:
        when = date_format(timezone.localtime(obj.start), "DATETIME_FORMAT")  # event's zone
        return f"{localize(obj.event.name) or obj.event.slug} · {when}"


class _EventChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Event) -> str:
        return localize(obj.name) or obj.slug


class CheckinListForm(SafeTextMixin, forms.Form):
    event = _EventChoice(label=_("Event"), queryset=Event.objects.none())
    name = forms.CharField(label=_("Name"), max_length=200)
    products = _ProductChoice(
        label=_("Products"),
        queryset=Product.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to admit every product of the event."),
    )
    dates = _DateChoice(
        label=_("Dates"),
        queryset=EventDate.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Leave empty to admit tickets of every date, each on its own day only (unless "
            "any day is allowed below)."
        ),
    )
    any_day = forms.BooleanField(
        label=_("Admit tickets on any day, not only on the day of their date"), required=False
    )
    allow_multiple_entries = forms.BooleanField(
        label=_("Allow multiple entries (re-entry)"), required=False
    )

    def __init__(self, *args, organizer: Organizer, event: Event | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if event is not None:
            # the event of an existing list does not change
            del self.fields["event"]
            products = Product.objects.filter(organizer=organizer, event=event)
            dates = EventDate.objects.filter(event=event)
        else:
            self.fields["event"].queryset = Event.objects.filter(organizer=organizer).order_by(
                "slug"
            )
            products = Product.objects.filter(organizer=organizer, event__isnull=False)
            dates = EventDate.objects.filter(event__organizer=organizer)
        self.fields["products"].queryset = products.select_related("event").order_by(
            "event__slug", "position", "id"
        )
        self.fields["dates"].queryset = dates.select_related("event").order_by(
            "event__slug", "start", "id"
        )


class ScanForm(SafeTextMixin, forms.Form):
    secret = forms.CharField(
        label=_("Ticket code"),
        max_length=MAX_SECRET_LENGTH,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "enterkeyhint": "go",
            }
        ),
    )
    nonce = forms.CharField(max_length=MAX_NONCE_LENGTH, required=False, widget=forms.HiddenInput)
