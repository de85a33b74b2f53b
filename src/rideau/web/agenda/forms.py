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


class EventRegistrationForm(SafeTextMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"))


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
    seats = forms.IntegerField(
        label=_("Places (a group waits for all its places)"),
        min_value=1,
        max_value=50,
        initial=1,
        required=False,
    )

    def clean_seats(self) -> int:
        return self.cleaned_data.get("seats") or 1


class SettingsForm(SafeTextMixin, forms.Form):
    waitlist = forms.BooleanField(label=_("Waitlist for full sessions"), required=False)
    promotion = forms.ChoiceField(label=_("When a place frees"))
    offer_hours = forms.IntegerField(
        label=_("Hours to accept an offer"), min_value=1, max_value=336
    )
    group_rule = forms.ChoiceField(label=_("Group entries"), required=False)
    event_registration = forms.BooleanField(
        label=_("Attendees register to the event itself (event-level registration)"),
        required=False,
        help_text=_(
            "One capacity (the event's) and one waitlist for the event. Not available while "
            "registrants build their own agenda."
        ),
    )

    def __init__(self, *args, self_agenda: bool = False, **kwargs):
        from rideau.registration.models import AgendaSettings

        super().__init__(*args, **kwargs)
        self.fields["promotion"].choices = AgendaSettings.Promotion.choices
        self.fields["group_rule"].choices = AgendaSettings.GroupRule.choices
        if self_agenda:
            self.fields["event_registration"].disabled = True

    def clean_group_rule(self) -> str | None:
        return self.cleaned_data.get("group_rule") or None
