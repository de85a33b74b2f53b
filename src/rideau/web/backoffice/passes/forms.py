"""Back-office forms of the passes area. They parse input; `rideau.passes` writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import AudienceType
from rideau.core.text import SafeTextMixin
from rideau.events.models import Event
from rideau.passes.models import (
    CARD_ELEMENTS,
    HOLDER_FIELD_LABELS,
    HOLDER_FIELDS,
    PassProduct,
    Season,
)

from ...forms import money_field

CARD_ELEMENT_LABELS = {
    "photo": _("Photo"),
    "name": _("Holder's name"),
    "pass_name": _("Pass name"),
    "season": _("Season"),
    "seat": _("Seat"),
    "qr": _("QR code"),
}
LOCAL = {"type": "datetime-local"}


class SeasonForm(SafeTextMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    starts = forms.DateField(label=_("Starts"), widget=forms.DateInput(attrs={"type": "date"}))
    ends = forms.DateField(label=_("Ends"), widget=forms.DateInput(attrs={"type": "date"}))
    events = forms.ModelMultipleChoiceField(
        label=_("Events"),
        queryset=Event.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organizer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].queryset = Event.objects.filter(organizer=organizer)


class PassProductForm(SafeTextMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    season = forms.ModelChoiceField(label=_("Season"), queryset=Season.objects.none())
    mode = forms.ChoiceField(label=_("Kind of pass"), choices=PassProduct.Mode.choices)
    choices = forms.IntegerField(
        label=_("Number of events to choose"),
        min_value=0,
        max_value=100,
        initial=0,
        required=False,
    )
    events = forms.ModelMultipleChoiceField(
        label=_("Associated events"),
        queryset=Event.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rate_name = forms.CharField(label=_("Rate"), max_length=100, initial=_("Full price"))
    price = money_field(_("Price"))
    size = forms.IntegerField(label=_("Passes on sale"), min_value=1, max_value=100000, initial=100)
    holder_fields = forms.MultipleChoiceField(
        label=_("Holder fields"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(f, HOLDER_FIELD_LABELS[f]) for f in HOLDER_FIELDS],
    )
    resale_methods = forms.MultipleChoiceField(
        label=_("Resale proceeds allowed"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=PassProduct.Proceeds.choices,
    )
    extra_tickets = forms.BooleanField(label=_("Holders may buy extra tickets"), required=False)
    holder_audience = forms.ModelChoiceField(
        label=_("Audience of the holders' rates"),
        queryset=AudienceType.objects.none(),
        required=False,
        help_text=_(
            "Extra tickets are sold to holders at the events' rates reserved to this audience."
        ),
    )
    card_format = forms.ChoiceField(label=_("Format"), choices=PassProduct.Format.choices)
    card_orientation = forms.ChoiceField(
        label=_("Orientation"), choices=PassProduct.Orientation.choices
    )
    card_elements = forms.MultipleChoiceField(
        label=_("Elements on the card"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(e, CARD_ELEMENT_LABELS[e]) for e in CARD_ELEMENTS],
    )
    card_background = forms.ImageField(label=_("Background image"), required=False)

    def __init__(self, *args, organizer, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["season"].queryset = Season.objects.filter(organizer=organizer)
        self.fields["events"].queryset = Event.objects.filter(organizer=organizer)
        self.fields["holder_audience"].queryset = AudienceType.objects.filter(organizer=organizer)
        if editing:  # rates and the quota are the catalogue's and the event pages' business
            for name in ("rate_name", "price", "size"):
                del self.fields[name]


class CampaignWindowForm(SafeTextMixin, forms.Form):
    """What can change in a campaign once made: its name and its window."""

    name = forms.CharField(label=_("Name"), max_length=200)
    opens = forms.DateTimeField(
        label=_("Opens"),
        required=False,
        widget=forms.DateTimeInput(attrs=LOCAL, format="%Y-%m-%dT%H:%M"),
    )
    closes = forms.DateTimeField(
        label=_("Closes"),
        required=False,
        help_text=_("The holders' seats are held for them until then."),
        widget=forms.DateTimeInput(attrs=LOCAL, format="%Y-%m-%dT%H:%M"),
    )


class CampaignForm(CampaignWindowForm):
    from_product = forms.ModelChoiceField(
        label=_("Pass of the previous season"), queryset=PassProduct.objects.none()
    )
    to_products = forms.ModelMultipleChoiceField(
        label=_("Passes of the new season"),
        queryset=PassProduct.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    field_order = ["name", "from_product", "to_products", "opens", "closes"]

    def __init__(self, *args, organizer, **kwargs):
        super().__init__(*args, **kwargs)
        products = PassProduct.objects.filter(organizer=organizer).select_related("product")
        self.fields["from_product"].queryset = products
        self.fields["to_products"].queryset = products
