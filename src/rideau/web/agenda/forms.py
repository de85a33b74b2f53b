from django import forms
from django.utils.translation import gettext_lazy as _

from rideau.core.text import SafeTextMixin


class AgendaForm(SafeTextMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"))
    sessions = forms.TypedMultipleChoiceField(
        label=_("Sessions"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    waitlist = forms.TypedMultipleChoiceField(
        label=_("Waitlists"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, session_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(pk, str(pk)) for pk in session_ids]
        self.fields["sessions"].choices = choices
        self.fields["waitlist"].choices = choices


class StaffAddForm(SafeTextMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    override_reason = forms.CharField(
        label=_("Reason to go beyond capacity (only if the session is full)"),
        max_length=500,
        required=False,
    )


class WaitlistAddForm(SafeTextMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)


class SettingsForm(SafeTextMixin, forms.Form):
    waitlist = forms.BooleanField(label=_("Waitlist for full sessions"), required=False)
    promotion = forms.ChoiceField(label=_("When a place frees"))
    offer_hours = forms.IntegerField(
        label=_("Hours to accept an offer"), min_value=1, max_value=336
    )

    def __init__(self, *args, **kwargs):
        from rideau.registration.models import AgendaSettings

        super().__init__(*args, **kwargs)
        self.fields["promotion"].choices = AgendaSettings.Promotion.choices
