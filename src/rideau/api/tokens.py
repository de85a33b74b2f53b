"""Team API tokens: list, create (the token is answered once), revoke (audited).

A revoked or expired token is refused at once by `rideau.api.auth.TokenAuth`."""

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from rideau.core import services
from rideau.core.access import get_scoped_or_404
from rideau.core.models import ApiToken, Team
from rideau.core.roles import Perm

from .auth import actor_of
from .common import organizer_for, reference, slug_path
from .pagination import PageParams, page_of, paginate
from .paths import TokenPath
from .schemas.tokens import ApiTokenCreated, ApiTokenIn, ApiTokenOut

router = Router(tags=["tokens"])
ApiTokenPage = page_of(ApiTokenOut, "ApiTokenPage")

TOKENS = "/organizers/{organizer}/api-tokens"
TOKEN = TOKENS + "/{token_id}"


def _out(token: ApiToken, raw: str | None = None) -> dict:
    data = {
        "id": token.pk,
        "name": token.name,
        "team": token.team_id,
        "team_name": token.team.name,
        "role": token.team.role,
        "hint": token.hint,
        "created": token.created,
        "expires": token.expires,
        "last_used": token.last_used,
        "revoked": token.revoked,
        "active": token.usable_at(),
    }
    if raw is not None:
        data["token"] = raw
    return data


@router.get(TOKENS, response=ApiTokenPage)
def list_api_tokens(request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()):
    """The organiser's API tokens (revoked and expired ones included), newest first."""
    org = organizer_for(request, organizer)
    return paginate(services.api_tokens(org), page, each=_out)


@router.post(TOKENS, response={201: ApiTokenCreated})
def create_api_token(request: HttpRequest, payload: ApiTokenIn, organizer: str = slug_path()):
    """A new token for one of the organiser's teams (`teams.manage`). The answer holds the
    token itself, this once: only its hash is kept."""
    org = organizer_for(request, organizer, Perm.MANAGE_TEAMS)
    team = reference(Team.objects.all(), org, field="team", pk=payload.team)
    token, raw = services.create_api_token(
        actor=actor_of(request), team=team, name=payload.name, expires=payload.expires
    )
    return Status(201, _out(token, raw))


@router.get(TOKEN, response=ApiTokenOut)
def get_api_token(request: HttpRequest, path: Path[TokenPath]):
    org = path.organizer_for(request)
    token = get_scoped_or_404(
        ApiToken.objects.select_related("team"), org, "team__organizer", pk=path.token_id
    )
    return _out(token)


@router.post(TOKEN + "/revoke", response=ApiTokenOut)
def revoke_api_token(request: HttpRequest, path: Path[TokenPath]):
    """Revoke a token (`teams.manage`): every later call with it is refused (401). Revoking
    a revoked token changes nothing."""
    org = path.organizer_for(request, Perm.MANAGE_TEAMS)
    token = get_scoped_or_404(
        ApiToken.objects.select_related("team"), org, "team__organizer", pk=path.token_id
    )
    return _out(services.revoke_api_token(actor=actor_of(request), organizer=org, token=token))
