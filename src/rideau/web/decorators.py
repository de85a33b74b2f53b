"""View decorators shared by every web surface.

`public_view` marks a view that needs no login (the cross-organiser tests enumerate the
others); `organizer_view` resolves the organiser of an organiser-scoped back-office view
through `rideau.core.access` — the one place where tenancy is enforced.
"""

from collections.abc import Callable, Collection
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from rideau.core.access import Actor, actor_for_user, get_organizer_for, organizers_for
from rideau.core.errors import PermissionDenied
from rideau.core.roles import Perm
from rideau.core.timezones import organizer_zone
from rideau.events.models import Event
from rideau.orders import sellable

if TYPE_CHECKING:
    from rideau.accounts.models import Account
    from rideau.core.models import Organizer


class Request(HttpRequest):
    """A request as Rideau's views see it, for the type checker: Django hands every view a
    plain `HttpRequest`, on which the decorators below (`actor`, `organizer`), the personal
    space's `account_view` (`account`), the partner portal (`portal`) and the security
    headers middleware (`csp_nonce`) set these. A view annotates `request: Request` to read
    them."""

    actor: Actor
    organizer: "Organizer"
    account: "Account"
    portal: dict[str, Any]
    csp_nonce: str


def public_view(view: Callable) -> Callable:
    """Mark a view as reachable without logging in."""
    view.rideau_public = True  # type: ignore[attr-defined]
    return view


def activate_organizer_timezone(organizer) -> None:
    """Show this request's times in the organiser's zone (reset by `TimezoneMiddleware`)."""
    timezone.activate(organizer_zone(organizer))


def staff_preview(request: HttpRequest, event) -> str:
    """Why a logged-in member of the event's organiser sees an event the public cannot:
    "draft", "private" (without its link), or "" (no preview: public, or not staff). The
    public pages show a preview banner (`web/_preview_banner.html`); nothing is sold on a
    draft."""
    if event.visibility == "public" or not request.user.is_authenticated:
        return ""
    if not actor_for_user(request.user).has(event.organizer, Perm.VIEW):
        return ""
    return event.visibility


def event_for_visitor(
    request: HttpRequest, organizer: str, slug: str, *, opened: Collection[int] = ()
) -> Event:
    """The event this visitor may see (`sellable.public_event`: public, or private with its
    link or opened before — `opened`), or for the organiser's staff any of its events as a
    preview (`request.rideau_preview`, shown by `web/_preview_banner.html`); 404 otherwise.
    Switches the request to the organiser's time zone."""
    ev = sellable.public_event(organizer, slug, token=request.GET.get("token", ""), opened=opened)
    if ev is None:
        ev = (
            Event.objects.select_related("organizer", "venue")
            .filter(organizer__slug=organizer, slug=slug)
            .first()
        )
        preview = staff_preview(request, ev) if ev is not None else ""
        if ev is None or not preview:
            raise Http404("No such event")
        request.rideau_preview = preview  # type: ignore[attr-defined]
    activate_organizer_timezone(ev.organizer)
    return ev


def permission_denied(request: HttpRequest, organizer=None) -> HttpResponse:
    return render(request, "web/control/403.html", {"organizer": organizer}, status=403)


def staff_view(view: Callable) -> Callable:
    """A back-office view for any logged-in user; sets `request.actor`."""

    @wraps(view)
    def wrapper(request: Request, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        request.actor = actor_for_user(request.user)
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            return permission_denied(request)

    return wrapper


def organizer_view(perm: str = Perm.VIEW) -> Callable:
    """A back-office view on one organiser, given by the `organizer` URL argument (its slug).

    The view receives the resolved `Organizer` as its `organizer` argument; `request.actor`
    and `request.organizer` are set. A non-member gets a 404 (other tenants' existence is not
    revealed), a member without `perm` gets the 403 page. A `PermissionDenied` raised later by
    a service (a finer permission checked on POST) also renders the 403 page.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: Request, *args, organizer: str, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            actor = actor_for_user(request.user)
            request.actor = actor
            try:
                org = get_organizer_for(actor, organizer, perm)
            except PermissionDenied:
                # a member without the permission: show the 403 page in the organiser's frame
                member_of = organizers_for(actor).filter(slug=organizer).first()
                return permission_denied(request, member_of)
            request.organizer = org
            activate_organizer_timezone(org)
            try:
                return view(request, *args, organizer=org, **kwargs)
            except PermissionDenied:
                return permission_denied(request, org)

        wrapper.rideau_perm = perm  # type: ignore[attr-defined]
        return wrapper

    return decorator


class OrganizerViewMixin:
    """`organizer_view` for class-based views: set `permission`; `self.organizer` is resolved
    before `dispatch` runs the handler, and is in the template context as `organizer`."""

    permission: str = Perm.VIEW
    organizer = None

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        parent_dispatch = super().dispatch  # type: ignore[misc]

        @organizer_view(self.permission)
        def resolved(request: HttpRequest, *args, organizer, **kwargs) -> HttpResponse:
            self.organizer = organizer
            return parent_dispatch(request, *args, organizer=organizer, **kwargs)

        return resolved(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["organizer"] = self.organizer
        return context
