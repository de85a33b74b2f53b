"""The project's middleware.

Request-scoped time zone: each request starts (and ends) in UTC; the view activates the
organiser's zone once it has resolved the organiser (`decorators.activate_organizer_timezone`).
Without the reset a zone activated by one request would leak into the next on the same thread.

Django's and django-csp's page middleware, stepping aside for the public shop API.
"""

from collections.abc import Callable

import csp.middleware
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponse
from django.middleware import clickjacking
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


# --- the public shop API: the middleware a browser page needs, and it does not --------------


class _NotForBarePaths:
    """A middleware that steps aside for `RIDEAU_BARE_PATHS` (the public shop API: JSON,
    no authentication, cookies ignored), where it would only cost time: no session, user,
    flash messages, Content-Security-Policy or frame options to read or write there."""

    get_response: Callable

    def __call__(self, request: HttpRequest):
        if request.path_info.startswith(settings.RIDEAU_BARE_PATHS):
            return self.get_response(request)
        return super().__call__(request)  # type: ignore[misc]


class CSPMiddleware(_NotForBarePaths, csp.middleware.CSPMiddleware):
    pass


class SessionMiddleware(_NotForBarePaths, sessions.SessionMiddleware):
    pass


class AuthenticationMiddleware(_NotForBarePaths, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(_NotForBarePaths, messages.MessageMiddleware):
    pass


class XFrameOptionsMiddleware(_NotForBarePaths, clickjacking.XFrameOptionsMiddleware):
    pass
