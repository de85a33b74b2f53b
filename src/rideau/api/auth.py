"""Who is calling: a team API token (`Authorization: Bearer rdu_…`) or a staff session.

Both give a `rideau.core.access.Actor`; the organiser and permission checks come after, in
`rideau.core.access`. Session requests that change data must carry the CSRF token.
"""

import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from rideau.core.access import Actor, actor_for_user
from rideau.core.models import ApiToken, hash_token

from .errors import CsrfFailed

# Writing `last_used` on every call would make each read a write; once a minute is enough.
LAST_USED_RESOLUTION = datetime.timedelta(seconds=60)
MAX_TOKEN_LENGTH = 100


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        if (
            not token.startswith(ApiToken.PREFIX)
            or len(token) > MAX_TOKEN_LENGTH
            or not token.isascii()
        ):
            return None
        api_token = (
            ApiToken.objects.usable()
            .select_related("team__organizer")
            .filter(token_hash=hash_token(token))
            .first()
        )
        if api_token is None:
            return None
        now = timezone.now()
        if api_token.last_used is None or now - api_token.last_used > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used=now)
            api_token.last_used = now
        return Actor(token=api_token)


class SessionAuth(APIKeyCookie):
    """The back-office session cookie; unsafe methods are CSRF-checked (only when a staff
    user is logged in, so an anonymous call gets 401, not a CSRF error)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        try:
            return super()._get_key(request)
        except HttpError as exc:  # ninja's CSRF refusal: the API's own, with its code
            raise CsrfFailed() from exc

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        if key is None:
            return None
        actor = actor_for_user(request.user)
        return actor if actor.is_authenticated else None


def actor_of(request: HttpRequest) -> Actor:
    """The authenticated actor of an API request."""
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, Actor)
    return actor
