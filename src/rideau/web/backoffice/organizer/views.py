"""The back office: organiser list, event list, organiser settings, teams and API tokens."""

from django.contrib import messages
from django.db.models import Count, F, Max, Min, Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.core import audit
from rideau.core.access import get_scoped_or_404, organizers_for, require, scoped
from rideau.core.errors import RideauError
from rideau.core.models import ApiToken, Organizer, Team
from rideau.core.roles import Perm
from rideau.core.services import create_api_token, revoke_api_token
from rideau.documents import signing
from rideau.events.models import Event

from ...decorators import Request, organizer_view, staff_view
from ...toolkit import call_service, errors_onto
from ..collection import listing
from .dashboard import dashboard
from .forms import ApiTokenForm, OrganizerSettingsForm

EVENTS_PER_PAGE = 25
NEW_TOKEN_KEY = "rideau_new_api_token"  # noqa: S105 (a session key, not a secret)


@staff_view
def control_home(request: Request) -> HttpResponse:
    """The organisers the user belongs to; straight to the only one if there is one."""
    organizers = list(organizers_for(request.actor).order_by("name"))
    if len(organizers) == 1:
        return redirect("web:control-organizer", organizer=organizers[0].slug)
    return render(request, "web/control/home.html", {"organizers": organizers})


@organizer_view(Perm.VIEW)
def organizer_home(request: Request, organizer: Organizer) -> HttpResponse:
    """The organiser's home: today's sales, the next dates with their places left, the
    latest orders and work waiting (sales and orders only for members who may see them)."""
    can_orders = request.actor.has(organizer, Perm.VIEW_ORDERS)
    return render(
        request,
        "web/control/dashboard.html",
        {
            "organizer": organizer,
            "board": dashboard(organizer, orders=can_orders),
            "can_orders": can_orders,
            "active": "home",
        },
    )


@organizer_view(Perm.VIEW)
def organizer_events(request: Request, organizer: Organizer) -> HttpResponse:
    """The organiser's events: name, dates, kind, visibility (paginated)."""
    events = (
        scoped(Event.objects.all(), organizer)
        .annotate(
            first_start=Min("dates__start"),
            last_start=Max("dates__start"),
            date_count=Count("dates"),
        )
        .order_by(F("first_start").desc(nulls_last=True), "slug")
    )
    return listing(
        request,
        rows=events,
        name="events",
        template="web/control/organizer.html",
        context={
            "organizer": organizer,
            "can_open": request.actor.has(organizer, Perm.VIEW_ORDERS),  # the overview
            "active": "events",
        },
        per_page=EVENTS_PER_PAGE,
    )


@organizer_view(Perm.CHANGE_ORGANIZER)
def organizer_settings(request: Request, organizer: Organizer) -> HttpResponse:
    # The form works on its own copy, so an invalid submission never shows in the page frame.
    instance = get_scoped_or_404(Organizer, organizer, pk=organizer.pk)
    before = audit.snapshot(instance)
    form = OrganizerSettingsForm(request.POST or None, request.FILES or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        if call_service(
            request,
            form,
            lambda: signing.save_organizer_settings(
                form.apply(), actor=request.actor, before=before
            ),
            _("The settings have been saved."),
        ):
            return redirect("web:control-settings", organizer=organizer.slug)
    return render(
        request,
        "web/control/settings.html",
        {"organizer": organizer, "form": form, "active": "settings"},
    )


@organizer_view(Perm.VIEW)
def organizer_teams(request: Request, organizer: Organizer) -> HttpResponse:
    """Teams, their members and API tokens; owners and admins create and revoke tokens."""
    can_manage = request.actor.has(organizer, Perm.MANAGE_TEAMS)
    with timezone.override(organizer.timezone):  # the expiry is typed in the organiser's zone
        form = ApiTokenForm(request.POST or None, organizer=organizer)
        if request.method == "POST":
            require(request.actor, organizer, Perm.MANAGE_TEAMS)
            if form.is_valid():
                try:
                    token, raw = create_api_token(
                        actor=request.actor,
                        team=form.cleaned_data["team"],
                        name=form.cleaned_data["name"],
                        expires=form.cleaned_data["expires"],
                    )
                except RideauError as exc:
                    errors_onto(form, exc)
                else:
                    # shown once, on the next page view, then forgotten
                    request.session[NEW_TOKEN_KEY] = {"id": token.pk, "raw": raw}
                    return redirect("web:control-teams", organizer=organizer.slug)
    new_token = request.session.pop(NEW_TOKEN_KEY, None)
    teams = scoped(Team.objects.all(), organizer).prefetch_related(
        "members",
        Prefetch("tokens", queryset=ApiToken.objects.order_by("-active", "-created", "-id")),
    )
    return render(
        request,
        "web/control/teams.html",
        {
            "organizer": organizer,
            "teams": teams,
            "form": form,
            "can_manage": can_manage,
            "new_token": new_token,
            "now": timezone.now(),
            "active": "teams",
        },
        status=422 if form.errors else 200,
    )


@organizer_view(Perm.MANAGE_TEAMS)
@require_POST
def revoke_token(request: Request, organizer: Organizer, token_id: int) -> HttpResponse:
    """Revoke one of the organiser's API tokens: refused at once from then on (audited)."""
    token = get_scoped_or_404(ApiToken.objects.all(), organizer, "team__organizer", pk=token_id)
    revoke_api_token(actor=request.actor, organizer=organizer, token=token)
    messages.success(
        request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name}
    )
    return redirect("web:control-teams", organizer=organizer.slug)
