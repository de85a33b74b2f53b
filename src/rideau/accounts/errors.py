"""Errors of the personal space, with stable codes the web layer shows to people."""

from django.utils.translation import gettext_lazy as _

from rideau.core.errors import RideauError


class AccountError(RideauError):
    messages = {
        "rate_limited": _("Too many attempts. Please wait a few minutes and try again."),
        "invalid_code": _("This code is not valid. Check the last e-mail we sent you."),
        "code_spent": _("This code has expired or was tried too many times. Ask for a new code."),
        "wrong_credentials": _("Wrong e-mail address or password."),
        "wrong_password": _("Your current password is not correct."),
    }
