"""The back office: organiser list, event list, organiser settings, teams (their members
and API tokens)."""

from django.contrib import messages
from django.db.models import Count, F, Max, Min, Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.accounts import staff
from rideau.core import audit
from rideau.core.access import Actor, get_scoped_or_404, organizers_for, require, scoped
from rideau.core.errors import RideauError
from rideau.core.models import ApiToken, Organizer, Team, User
from rideau.core.roles import Perm
from rideau.core.services import (
    create_api_token,
    create_team,
    remove_team_member,
    revoke_api_token,
)
from rideau.documents import signing
from rideau.events.models import Event

from ...decorators import Request, organizer_view, staff_view
from ...toolkit import act, call_service, errors_onto
from ..collection import listing
from .dashboard import dashboard
from .forms import ApiTokenForm, OrganizerSettingsForm, TeamForm, TeamMemberForm

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
    """Teams, their members and API tokens; owners and admins create and revoke tokens
    (this page's own form), create teams and add or remove members (the views below)."""
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
        return _teams_page(request, organizer, token_form=form)


def _teams_page(
    request: Request,
    organizer: Organizer,
    *,
    token_form: ApiTokenForm | None = None,
    team_form: TeamForm | None = None,
    member_form: TeamMemberForm | None = None,
) -> HttpResponse:
    """The Teams page, with the form that was sent (and its errors: status 422) in its place
    and the others empty."""
    can_manage = request.actor.has(organizer, Perm.MANAGE_TEAMS)
    teams = list(
        scoped(Team.objects.all(), organizer).prefetch_related(
            Prefetch("members", queryset=User.objects.order_by("full_name", "email")),
            Prefetch("tokens", queryset=ApiToken.objects.order_by("-active", "-created", "-id")),
        )
    )
    for team in teams:
        sent = member_form is not None and member_form.team.pk == team.pk
        team.member_form = member_form if sent else TeamMemberForm(team=team)  # type: ignore[attr-defined]
    forms = [f for f in (token_form, team_form, member_form) if f is not None]
    with timezone.override(organizer.timezone):
        return render(
            request,
            "web/control/teams.html",
            {
                "organizer": organizer,
                "teams": teams,
                "form": token_form or ApiTokenForm(organizer=organizer),
                "team_form": team_form or TeamForm(),
                "can_manage": can_manage,
                "new_token": request.session.pop(NEW_TOKEN_KEY, None),
                "now": timezone.now(),
                "active": "teams",
            },
            status=422 if any(f.errors for f in forms) else 200,
        )


@organizer_view(Perm.MANAGE_TEAMS)
@require_POST
def team_create(request: Request, organizer: Organizer) -> HttpResponse:
    """A new team with a name and a role (only owners create an owners' team)."""
    form = TeamForm(request.POST)
    if form.is_valid() and call_service(
        request,
        form,
        lambda: create_team(actor=request.actor, organizer=organizer, **form.cleaned_data),
        _("The team “%(name)s” is created: add its members below.")
        % {"name": form.cleaned_data["name"].strip()},
    ):
        return redirect("web:control-teams", organizer=organizer.slug)
    return _teams_page(request, organizer, team_form=form)


@organizer_view(Perm.MANAGE_TEAMS)
@require_POST
def team_member_add(request: Request, organizer: Organizer, team_id: int) -> HttpResponse:
    """Add someone to a team by e-mail address: a known person is told they have access,
    anyone else is invited to choose a password (both e-mailed, audited)."""
    team = get_scoped_or_404(Team, organizer, pk=team_id)
    form = TeamMemberForm(request.POST, team=team)
    if form.is_valid():
        email = form.cleaned_data["email"]
        added = call_service(
            request,
            form,
            lambda: staff.invite_to_team(
                actor=request.actor,
                team=team,
                email=email,
                language=translation.get_language() or "",
            ),
        )
        if added:
            user, _created = added.value
            # one message either way: whether the address already had a login (perhaps at
            # another organiser) is not this organiser's to learn
            message = _("%(email)s is added to the team “%(team)s” and got an e-mail saying so.")
            messages.success(request, message % {"email": user.email, "team": team.name})
            return redirect("web:control-teams", organizer=organizer.slug)
    return _teams_page(request, organizer, member_form=form)


def _member(organizer: Organizer, team_id: int, member_id: int) -> tuple[Team, User]:
    """The organiser's team and one of its members, or 404."""
    team = get_scoped_or_404(Team, organizer, pk=team_id)
    user = get_scoped_or_404(team.members.all(), organizer, "teams__organizer", pk=member_id)
    return team, user


@organizer_view(Perm.MANAGE_TEAMS)
@require_POST
def team_member_remove(
    request: Request, organizer: Organizer, team_id: int, member_id: int
) -> HttpResponse:
    """Take someone out of a team (asked first; the organiser's last owner stays)."""
    team, user = _member(organizer, team_id, member_id)
    removed = act(
        request,
        lambda: remove_team_member(actor=request.actor, team=team, user=user),
        _("%(email)s is no longer a member of the team “%(team)s”.")
        % {"email": user.email, "team": team.name},
    )
    if removed and user.pk == request.user.pk and not Actor(user=user).has(organizer, Perm.VIEW):
        return redirect("web:control-home")  # they left the organiser's last team
    return redirect("web:control-teams", organizer=organizer.slug)


@organizer_view(Perm.MANAGE_TEAMS)
@require_POST
def team_member_invite(
    request: Request, organizer: Organizer, team_id: int, member_id: int
) -> HttpResponse:
    """Send a member who has not chosen a password yet a fresh invitation."""
    team, user = _member(organizer, team_id, member_id)
    act(
        request,
        lambda: staff.resend_invitation(actor=request.actor, team=team, user=user),
        _("A new invitation is on its way to %(email)s.") % {"email": user.email},
    )
    return redirect("web:control-teams", organizer=organizer.slug)


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
