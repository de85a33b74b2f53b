"""Back-office forms for venues and their locations."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rideau.core.text import SafeTextMixin
from rideau.venues.models import Location, Venue

from ...forms import LocationChoiceField


class VenueForm(SafeTextMixin, forms.ModelForm):
    class Meta:
        model = Venue
        fields = ["name", "address", "postcode", "city", "country", "capacity"]

    def changes(self) -> dict:
        return {f: self.cleaned_data[f] for f in self.Meta.fields}


class LocationForm(SafeTextMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Location.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    parent = LocationChoiceField(
        label=_("Inside"), queryset=Location.objects.none(), required=False
    )
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, required=False)

    def __init__(self, *args, venue: Venue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = venue.locations.order_by("name")
