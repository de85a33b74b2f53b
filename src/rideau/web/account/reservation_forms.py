"""Forms of the reservations section of the personal space (SPEC C3)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rideau.core.text import SafeTextMixin


class PayForm(SafeTextMixin, forms.Form):
    provider = forms.ChoiceField(label=_("Payment method"), widget=forms.RadioSelect)

    def __init__(self, *args, providers: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(p.identifier, p.verbose_name) for p in providers]
        if len(providers) == 1:
            self.fields["provider"].initial = providers[0].identifier


class CancelForm(SafeTextMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
