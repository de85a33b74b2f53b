"""What every page of the personal space uses, whichever surface serves it (`web.account`,
the attendee's partners section in `web.portal`, the agenda): the organiser from the URL,
`account_view` (the account logged in to that organiser's space, else the login page) and
`space_context` (the page's context with the space's menu)."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache

from rideau.accounts import sections
from rideau.accounts.models import Account
from rideau.core.models import Organizer

from ..decorators import Request
from . import session


def organizer_or_404(slug: str) -> Organizer:
    organizer = Organizer.objects.filter(slug=slug).first()
    if organizer is None:
        raise Http404("No such organiser")
    return organizer


def activate_language(request: HttpRequest, account: Account) -> None:
    """The person's language from their profile, unless they chose one with the switcher."""
    language = account.contact.language
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    if language and language in account.organizer.languages:
        translation.activate(language)
        request.LANGUAGE_CODE = language


def account_view(view: Callable) -> Callable:
    """A page of the personal space: the organiser from the URL, the account logged in to
    *that* organiser's space in this session (else the login page), its times in the
    organiser's zone (every page, not only those whose template asks). Never cached."""

    @wraps(view)
    @never_cache
    def wrapper(request: Request, *args, organizer: str, **kwargs) -> HttpResponse:
        org = organizer_or_404(organizer)
        account = session.current_account(request, org)
        if account is None:
            login = reverse("web:account-login", kwargs={"organizer": org.slug})
            return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        activate_language(request, account)
        request.account = account
        with timezone.override(org.timezone):
            return view(request, *args, organizer=org, account=account, **kwargs)

    wrapper.rideau_account = True  # type: ignore[attr-defined]
    return wrapper


def space_context(
    request: HttpRequest, organizer: Organizer, account: Account | None, **extra
) -> dict:
    """A personal-space page's context: the organiser, the account and the space's menu
    (the registered sections whose pages are installed), with `extra`."""
    nav = []
    for section in sections.sections():
        try:
            url = reverse(section.url_name, kwargs={"organizer": organizer.slug})
        except NoReverseMatch:
            continue  # an area whose pages are not installed
        nav.append({"key": section.key, "title": section.title, "url": url})
    return {"organizer": organizer, "account": account, "sections": nav, **extra}
