"""Forms of the personal space. They parse input; `rideau.accounts.services` writes."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from rideau.core.models import LANGUAGE_CHOICES, Organizer
from rideau.core.text import SafeTextMixin

from ..forms import one_time_code_input, password_field


class EmailForm(SafeTextMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class _CodeField(forms.CharField):
    def to_python(self, value: object) -> str:
        # "123 456" as printed in some mail readers: spaces are not part of the code
        return str(super().to_python(value)).replace(" ", "")


class LoginCodeForm(SafeTextMixin, forms.Form):
    code = _CodeField(
        label=_("Code from the e-mail"),
        max_length=7,
        validators=[RegexValidator(r"^\d{6}$", _("Enter the 6 digits of the code."))],
        widget=one_time_code_input(),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class PasswordLoginForm(SafeTextMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )
    password = password_field(_("Password"), "current-password", max_length=200)


class ProfileForm(SafeTextMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args, organizer: Organizer, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(LANGUAGE_CHOICES)
        self.fields["language"].choices = [("", _("No preference"))] + [
            (code, labels.get(code, code)) for code in organizer.languages
        ]


class PasswordForm(SafeTextMixin, forms.Form):
    current_password = password_field(
        _("Current password"), "current-password", required=False, max_length=200
    )
    new_password = password_field(
        _("New password"),
        "new-password",
        max_length=200,
        help_text=_("At least 10 characters, not only digits, not a common password."),
    )
    new_password_again = password_field(_("New password again"), "new-password", max_length=200)

    def __init__(self, *args, ask_current: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_current:
            del self.fields["current_password"]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if (
            data.get("new_password")
            and data.get("new_password_again")
            and data["new_password"] != data["new_password_again"]
        ):
            self.add_error("new_password_again", _("The two passwords differ."))
        return data
