"""Domain errors with stable codes that the web and API layers translate."""

from django.utils.translation import gettext_lazy as _


class RideauError(Exception):
    """Base error: `code` is stable, `message` is for people, `field` names the input at fault."""

    messages: dict = {}
    status = 400

    def __init__(
        self, code: str, *, field: str | None = None, message: str | None = None, **params
    ):
        self.code = code
        self.field = field
        self.params = params
        self._message = message
        super().__init__(code)

    @property
    def message(self) -> str:
        if self._message:
            return str(self._message)
        template = self.messages.get(self.code, self.code)
        try:
            return str(template) % self.params if self.params else str(template)
        except (KeyError, TypeError, ValueError):
            return str(template)


class PermissionDenied(RideauError):
    status = 403
    messages = {"permission_denied": _("You do not have permission to do this.")}


class ValidationFailed(RideauError):
    """Several field errors at once: `errors` maps field name to a list of messages."""

    status = 422

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = {k: [str(m) for m in v] for k, v in errors.items()}
        super().__init__("invalid", message=str(_("Please correct the errors below.")))
