"""Errors of the messaging area, with stable codes."""

from django.utils.translation import gettext_lazy as _

from rideau.core.errors import RideauError


class MessagingError(RideauError):
    status = 409
    messages = {
        "template_in_use": _("This message is used by a scenario: remove it from the steps first."),
    }
