"""Forms of the event overview: visibility, export, the e-mail to buyers."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import Rate
from rideau.core.text import SafeTextMixin
from rideau.events.models import Event, EventDate

from ...forms import BulkMessageForm, rate_label


class VisibilityForm(SafeTextMixin, forms.Form):
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Event.Visibility.choices)


class ExportForm(SafeTextMixin, forms.Form):
    format = forms.ChoiceField(
        label=_("Format"), choices=[("csv", _("CSV")), ("xlsx", _("Excel (XLSX)"))]
    )


class ContactBuyersForm(BulkMessageForm):
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
        self.fields["rate"].label_from_instance = lambda rate: rate_label(rate, languages)
