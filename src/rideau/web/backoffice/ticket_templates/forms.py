"""Back-office form of a ticket template."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import TicketTemplate
from rideau.core.text import SafeTextMixin

ELEMENT_LABELS = {
    "event_name": _("Event name"),
    "date": _("Date and time"),
    "venue": _("Venue"),
    "attendee_name": _("Attendee name"),
    "rate": _("Product and rate"),
    "price": _("Price"),
    "qr": _("QR code"),
    "order_code": _("Order code"),
    "seat": _("Seat"),
}


class TicketTemplateForm(SafeTextMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    elements = forms.MultipleChoiceField(
        label=_("Elements on the ticket"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The date and time, the seat (on seated dates) and the order code are printed on "
            "every ticket: the door needs them."
        ),
    )
    background = forms.ImageField(
        label=_("Background image"),
        required=False,
        help_text=_("PNG or JPEG, at most 5 MB; printed on the whole A4 page."),
    )
    remove_background = forms.BooleanField(label=_("Remove the background"), required=False)

    def __init__(self, *args, template=None, **kwargs):
        initial = kwargs.pop("initial", None) or {}
        if template is not None:
            initial = {"name": template.name, "elements": list(template.elements), **initial}
        else:
            initial = {"elements": list(TicketTemplate.ELEMENTS), **initial}
        super().__init__(*args, **{**kwargs, "initial": initial})
        self.fields["elements"].choices = [
            (e, ELEMENT_LABELS.get(e, e)) for e in TicketTemplate.ELEMENTS
        ]
        if template is None or not template.background:
            del self.fields["remove_background"]
