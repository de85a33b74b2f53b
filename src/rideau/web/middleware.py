"""Request-scoped time zone: each request starts (and ends) in UTC; the view activates the
organiser's zone once it has resolved the organiser (`decorators.activate_organizer_timezone`).
Without the reset a zone activated by one request would leak into the next on the same thread.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


class TimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
