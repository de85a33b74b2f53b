"""What every page does the same way: run a service and show its errors, act on one object
from a button, know the client's address, answer a file.

A view parses input, calls one service and renders (docs/architecture.md, "Layers"); these
helpers are the one way to do the middle step, so every page shows a service's refusal
alike: on the form's fields when there is a form (a form-wide error for fields it does not
have), as a message after a button otherwise. A refused permission is never swallowed: it
goes up to the 403 page.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict

from rideau.core.errors import PermissionDenied, RideauError, ValidationFailed

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class _ServiceErrorsForm(Protocol):
    def add_service_errors(self, errors: dict[str, list[str]]) -> None: ...


def client_ip(request: HttpRequest) -> str:
    """The client's address as the server sees it (the proxy sets REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def posted(request: HttpRequest, form: str) -> QueryDict | None:
    """The POST data when a page with several forms got its form `form` (the `form` field of
    the POST says which), else None: bind each form with it and only the one sent is bound
    (an unbound form is never valid)."""
    if request.method == "POST" and request.POST.get("form") == form:
        return request.POST
    return None


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_response(
    content: bytes | str, content_type: str, filename: str, *, inline: bool = False
) -> HttpResponse:
    """A file for the browser under `filename`: downloaded, or shown in place if `inline`."""
    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def service_errors(exc: RideauError) -> dict[str, list[str]]:
    """A service's refusal as field → messages (`None` or an unknown name: form-wide)."""
    if isinstance(exc, ValidationFailed):
        return exc.errors
    return {exc.field or "__all__": [exc.message]}


def errors_onto(
    form: forms.BaseForm, exc: RideauError, aliases: Mapping[str, str] | None = None
) -> None:
    """Put a service's errors onto `form`: each on its field, a form-wide error for a field
    the form does not show. `aliases` names the form's field for a service's argument
    (`{"template_id": "template"}`). A form with `add_service_errors` (translatable fields)
    places them itself. `PermissionDenied` is raised again (the 403 page)."""
    if isinstance(exc, PermissionDenied):
        raise exc
    errors = service_errors(exc)
    if aliases:
        renamed: dict[str, list[str]] = {}
        for field, texts in errors.items():
            renamed.setdefault(aliases.get(field, field), []).extend(texts)
        errors = renamed
    if hasattr(form, "add_service_errors"):
        form.add_service_errors(errors)
        return
    for field, texts in errors.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


@dataclass(frozen=True)
class Outcome:
    """What a service call gave: true when it succeeded, with what it returned."""

    ok: bool
    value: Any = None

    def __bool__(self) -> bool:
        return self.ok


def run_service(
    request: HttpRequest,
    form: forms.BaseForm,
    write: Callable[[], Any],
    done: "StrOrPromise | None" = None,
) -> Outcome:
    """On a valid POST run the service call `write`; its errors go onto `form`. True when
    it succeeded (after flashing `done`, if given), so the view redirects (`.value` is what
    the service returned); false to show the form again."""
    if request.method != "POST" or not form.is_valid():
        return Outcome(False)
    return call_service(request, form, write, done)


def call_service(
    request: HttpRequest,
    form: forms.BaseForm,
    write: Callable[[], Any],
    done: "StrOrPromise | None" = None,
    aliases: Mapping[str, str] | None = None,
) -> Outcome:
    """Run `write` for a form already validated; its errors go onto `form` (`aliases` as
    for `errors_onto`)."""
    try:
        value = write()
    except RideauError as exc:
        errors_onto(form, exc, aliases)
        return Outcome(False)
    if done:
        messages.success(request, done)
    return Outcome(True, value)


def act(request: HttpRequest, write: Callable[[], Any], done: "StrOrPromise | None" = None) -> bool:
    """Run the service call `write` for a button (no form): success flashes `done`, a
    refusal flashes the service's message. True when it succeeded."""
    try:
        write()
    except PermissionDenied:
        raise
    except RideauError as exc:
        messages.error(request, exc.message)
        return False
    if done:
        messages.success(request, done)
    return True
