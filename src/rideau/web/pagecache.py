"""A short-lived cache of public pages as anonymous visitors see them (the on-sale rush).

During a rush thousands of visitors load the same event page; rendering it for each is most
of the cost (two queries and a template). `cached_page` keeps the rendered HTML for
`RIDEAU_PUBLIC_PAGE_SECONDS` (0 turns it off), per path, query string and language, for
visitors without a session or pending messages only — a page that shows anything personal is
never cached or served from the cache.

The CSRF token is the one personal thing on such a page (the language switcher's form and
htmx's header): it is rendered as a placeholder and replaced by the visitor's own token on
every answer. The Content-Security-Policy nonce of inline styles and scripts is treated the
same way: stored as a placeholder, each answer gets its own nonce (in the page and in the
header django-csp writes).

Freshness: every save or delete of what a public page shows (organiser, event, date, venue,
location, festival page) bumps a version that is part of the key, so with a shared cache
(`CACHE_BACKEND` pointing at Redis or the database) a change shows at once everywhere; with
the default per-process memory cache the other server processes may show the old page for at
most `RIDEAU_PUBLIC_PAGE_SECONDS`. Availability is never on these pages (the shop's ticket
step always reads it live), so nothing a buyer relies on can be stale.
"""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import get_language

from .csrf import get_token
from .decorators import Request

# never a real token: real ones are 64 letters and digits
CSRF_PLACEHOLDER = "rideau-csrf-token-placeholder"
NONCE_PLACEHOLDER = b"rideau-csp-nonce-placeholder"
PATH_PLACEHOLDER = "rideau-request-path-placeholder"
VERSION_KEY = "rideau:public-pages:version"


def _seconds() -> int:
    return int(getattr(settings, "RIDEAU_PUBLIC_PAGE_SECONDS", 0))


def _anonymous(request: Request) -> bool:
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _version() -> int:
    return int(cache.get_or_set(VERSION_KEY, 1, timeout=None) or 1)


def cached_fragment(key: str, render: Callable[[], str]) -> str:
    """`render()`, kept `RIDEAU_PUBLIC_FRAGMENT_SECONDS` under `key` (with the language
    and the version every save of what public pages show bumps): for the parts of a
    public page that are the same for every visitor, logged in or not. The fragment must
    hold nothing personal (no CSRF token, no CSP nonce, no user; their placeholders are
    fine)."""
    seconds = int(getattr(settings, "RIDEAU_PUBLIC_FRAGMENT_SECONDS", 0))
    if seconds <= 0:
        return render()
    full = f"rideau:fragment:{_version()}:{get_language()}:{key}"
    found = cache.get(full)
    if found is None:
        found = render()
        cache.set(full, found, timeout=seconds)
    return found


class _SharedRequest:
    """What `web/base.html` and its includes read of the request, for a page rendered once
    for every visitor (`shared_page`): the CSP nonce and the page's path as placeholders
    filled in per answer; no staff preview, not an htmx request (those are rendered for
    their request)."""

    csp_nonce = NONCE_PLACEHOLDER.decode()
    META: dict = {}
    rideau_preview = ""

    def get_full_path(self) -> str:
        return PATH_PLACEHOLDER


def shared_page(request: Request, key: str, template: str, context: dict) -> HttpResponse:
    """`render(request, template, context)` for a public page whose whole HTML is the same
    for every visitor but for the CSRF token (`csrf_context()` in `context`), the CSP nonce
    and the page's own path (the language switcher's `next`): rendered once with
    placeholders and kept as `cached_fragment(key)`; each answer gets its own path here and
    its own token and nonce from `_personal` (`cached_page`). A staff preview, an htmx
    request, or a visitor with messages to show gets the page rendered for the request.
    `tests/web/test_shared_page.py` compares both renderings."""
    if (
        getattr(request, "rideau_preview", "")
        or request.headers.get("HX-Request")
        or get_messages(request)  # loaded as the template would: the same headers (Vary)
    ):
        return render(request, template, context)
    shared = {**context, "request": _SharedRequest(), "messages": ()}
    html = cached_fragment(key, lambda: render_to_string(template, shared))
    return HttpResponse(html.replace(PATH_PLACEHOLDER, escape(request.get_full_path())))


def bump_version(**_kwargs) -> None:
    """Invalidate every cached public page (called on saves of what they show)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet, or evicted
        cache.set(VERSION_KEY, 2, timeout=None)


def connect(*models) -> None:
    for model in models:
        post_save.connect(bump_version, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(bump_version, sender=model, dispatch_uid=f"pagecache-del-{model}")


def cached_page(view: Callable) -> Callable:
    """Serve the view's 200 answers from the cache for anonymous GETs (see the module doc).

    The view must render its template with `csrf_context()` merged into its context."""

    @wraps(view)
    def wrapper(request: Request, *args, **kwargs) -> HttpResponse:
        seconds = _seconds()
        if (
            seconds <= 0
            or request.method != "GET"
            or not _anonymous(request)
            or request.headers.get("HX-Request")  # rendered differently (web/base.html)
        ):
            return _personal(view(request, *args, **kwargs), request)
        raw = f"{_version()}|{get_language()}|{request.get_full_path()}"
        key = "rideau:public-page:" + hashlib.sha256(raw.encode()).hexdigest()
        entry = cache.get(key)
        if entry is None:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.has_header("Set-Cookie"):
                return _personal(response, request)
            content = response.content
            nonce = getattr(request, "_csp_nonce", None)  # set once the page used it
            if nonce:
                content = content.replace(
                    f'nonce="{nonce}"'.encode(), b'nonce="%s"' % NONCE_PLACEHOLDER
                )
            entry = (content, dict(response.items()))
            cache.set(key, entry, timeout=seconds)
        content, headers = entry
        response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        return _personal(response, request)

    return wrapper


def csrf_context() -> dict:
    """Context for a cacheable template: the token is filled in per answer."""
    return {"csrf_token": CSRF_PLACEHOLDER}


def _personal(response: HttpResponse, request: Request) -> HttpResponse:
    """Put the visitor's own CSRF token and CSP nonce in place of the placeholders."""
    if response.status_code == 200 and not getattr(response, "streaming", False):
        placeholder = CSRF_PLACEHOLDER.encode()
        if placeholder in response.content:
            response.content = response.content.replace(placeholder, get_token(request).encode())
        if NONCE_PLACEHOLDER in response.content:
            nonce = str(request.csp_nonce).encode()  # and django-csp puts it in the header
            response.content = response.content.replace(NONCE_PLACEHOLDER, nonce)
    return response
