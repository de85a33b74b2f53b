"""The few steps every partner page repeats (the portal's and the partners back office's):
run one service on a valid POST with its errors on the form, turn a posted id into an int,
and say a service error in one line."""

from collections.abc import Callable

from django.http import HttpRequest

from rideau.core.errors import RideauError

from ..toolkit import run_service


def submit(request: HttpRequest, form, write: Callable[[dict], object], done: str) -> bool:
    """`run_service` for a write that takes the form's cleaned data: true once saved (after
    flashing `done`), the view redirects; false, the view shows the form again."""
    return bool(run_service(request, form, lambda: write(form.cleaned_data), done))


def posted_int(value) -> int:
    """A posted id, or 0 (which no row has) when it is not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def error_text(exc: RideauError) -> str:
    """A service error as one line, for a flashed message."""
    errors = getattr(exc, "errors", None)
    if errors:
        return " ".join(m for values in errors.values() for m in values)
    return exc.message
