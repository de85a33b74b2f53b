"""The project's middleware.

Request-scoped time zone: each request starts (and ends) in UTC; the view activates the
organiser's zone once it has resolved the organiser (`decorators.activate_organizer_timezone`).
Without the reset a zone activated by one request would leak into the next on the same thread.

Django's and django-csp's page middleware, stepping aside for the public shop API.
"""

import functools
from collections.abc import Callable

import csp.middleware
from csp.constants import HEADER
from csp.utils import build_policy
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


_NONCE = "rideau-nonce-placeholder"
_OWN = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")


@functools.cache
def _policy(config: str, with_nonce: bool) -> str:
    """The policy text of `settings.CONTENT_SECURITY_POLICY` (`config`, its repr), with
    `_NONCE` where the answer's nonce goes."""
    return build_policy(nonce=_NONCE if with_nonce else None)


class CSPMiddleware(_NotForBarePaths, csp.middleware.CSPMiddleware):
    """django-csp's, writing the policy text it builds once per process, with the answer's
    own nonce in it, instead of building it twice per answer (issue 17): an answer with a
    view's own policy changes, a report-only policy or DEBUG goes django-csp's way."""

    def process_response(self, request: HttpRequest, response):
        if (
            settings.DEBUG
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or any(getattr(response, name, None) is not None for name in _OWN)
            or HEADER in response
        ):
            return super().process_response(request, response)
        nonce = getattr(request, "_csp_nonce", None)
        policy = _policy(repr(settings.CONTENT_SECURITY_POLICY), nonce is not None)
        if policy:
            response[HEADER] = policy.replace(_NONCE, nonce) if nonce else policy
        if nonce is None:  # as django-csp: a nonce asked for after the header is an error
            request.csp_nonce = csp.middleware.CheckableLazyObject(  # type: ignore[attr-defined]
                self._csp_nonce_post_response
            )
        return response


class SessionMiddleware(_NotForBarePaths, sessions.SessionMiddleware):
    pass


class AuthenticationMiddleware(_NotForBarePaths, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(_NotForBarePaths, messages.MessageMiddleware):
    pass


class XFrameOptionsMiddleware(_NotForBarePaths, clickjacking.XFrameOptionsMiddleware):
    pass
