"""Forms of the staff login and its second factor."""

import pyotp
from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from rideau.core.text import SafeTextMixin

from ..forms import one_time_code_input, password_field

code_validator = RegexValidator(r"^\d{6}$", _("Enter the 6-digit code from your app."))


class LoginForm(SafeTextMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = password_field(_("Password"), "current-password")


class CodeForm(SafeTextMixin, forms.Form):
    """A 6-digit one-time code from an authenticator app."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        min_length=6,
        max_length=6,
        validators=[code_validator],
        widget=one_time_code_input(),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


def verify_totp(secret: str, code: str) -> bool:
    """True when `code` is valid for `secret` now (one 30-second step of clock drift allowed)."""
    return bool(secret) and pyotp.TOTP(secret).verify(code, valid_window=1)


class TotpConfirmForm(CodeForm):
    def __init__(self, *args, secret: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.secret = secret

    def clean_code(self) -> str:
        code = super().clean_code()
        if not verify_totp(self.secret, code):
            raise forms.ValidationError(_("This code is not valid. Check your device's clock."))
        return code
