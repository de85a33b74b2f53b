"""API tokens (issue 10 item 1): listed, created with an optional expiry, revoked (audited) in
the back office and the API; a revoked or expired token is refused at once."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from rideau.core.models import ApiToken, AuditLogEntry, Team
from rideau.core.roles import Role
from tests.factories import OrganizerFactory, TeamFactory, member

from .conftest import ApiClient, make_token

pytestmark = pytest.mark.django_db
TOKENS = "/organizers/theatre/api-tokens"


def _token(raw: str) -> ApiToken:
    return ApiToken.objects.get(hint=raw[:8])


def test_a_revoked_token_is_refused_at_once(api, owner_token, organizer):
    reader_raw = make_token(organizer, Role.READ_ONLY)
    reader = ApiClient(reader_raw)
    assert reader.get("/organizers/theatre/venues").status_code == 200
    token = _token(reader_raw)

    revoked = api.post(f"{TOKENS}/{token.pk}/revoke")

    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    assert revoked.json()["revoked"] is not None
    assert reader.get("/organizers/theatre/venues").status_code == 401
    token.refresh_from_db()
    assert (token.active, token.revoked is not None) == (False, True)
    entry = AuditLogEntry.objects.get(action="api_token.revoked")
    assert entry.actor_token == _token(owner_token)
    # revoking again changes nothing
    assert api.post(f"{TOKENS}/{token.pk}/revoke").status_code == 200
    assert AuditLogEntry.objects.filter(action="api_token.revoked").count() == 1


def test_an_expired_token_is_refused(organizer):
    team = TeamFactory(organizer=organizer, role=Role.OWNER)
    token, raw = ApiToken.generate(
        team=team, name="soon", expires=timezone.now() + datetime.timedelta(minutes=5)
    )
    client = ApiClient(raw)
    assert client.get("/organizers/theatre/venues").status_code == 200

    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now())

    assert client.get("/organizers/theatre/venues").status_code == 401


def test_create_list_and_expiry_through_the_api(api, organizer):
    team = Team.objects.get(organizer=organizer, role=Role.OWNER)
    expires = (timezone.now() + datetime.timedelta(days=30)).replace(microsecond=0)

    created = api.post(
        TOKENS, {"team": team.pk, "name": "website sync", "expires": expires.isoformat()}
    )

    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("rdu_")
    assert (body["name"], body["team"], body["active"]) == ("website sync", team.pk, True)
    assert datetime.datetime.fromisoformat(body["expires"]) == expires
    assert ApiClient(body["token"]).get("/organizers/theatre/venues").status_code == 200
    listed = api.get(TOKENS).json()
    row = next(r for r in listed["results"] if r["id"] == body["id"])
    assert "token" not in row
    assert row["last_used"] is not None  # it was just used
    assert AuditLogEntry.objects.filter(action="api_token.created").count() == 1


def test_creation_errors_are_field_errors(api, organizer):
    team = Team.objects.get(organizer=organizer, role=Role.OWNER)
    past = api.post(TOKENS, {"team": team.pk, "name": "x", "expires": "2001-01-01T00:00:00Z"})
    foreign = TeamFactory(organizer=OrganizerFactory())
    elsewhere = api.post(TOKENS, {"team": foreign.pk, "name": "x"})

    assert past.status_code == 422
    assert past.json()["detail"][0]["loc"] == ["body", "expires"]
    assert elsewhere.status_code == 422
    assert elsewhere.json()["detail"][0]["loc"] == ["body", "team"]
    assert ApiToken.objects.count() == 1  # the caller's own


def test_only_team_managers_revoke(organizer, owner_token):
    reader = ApiClient(make_token(organizer, Role.READ_ONLY))
    target = _token(owner_token)

    assert reader.get(TOKENS).status_code == 200
    assert reader.post(f"{TOKENS}/{target.pk}/revoke").status_code == 403
    assert _token(owner_token).active


def test_back_office_revokes_and_shows_last_use_and_expiry(organizer, owner_client, owner):
    team = Team.objects.get(organizer=organizer, role=Role.OWNER)
    created = owner_client.post(
        "/control/theatre/teams/",
        {"team": team.pk, "name": "Box office tablet", "expires": "2099-05-01T18:30"},
    )
    assert created.status_code == 302
    token = ApiToken.objects.get(name="Box office tablet")
    # typed in the organiser's time zone (Europe/Paris: UTC+2 in May)
    assert token.expires == datetime.datetime(2099, 5, 1, 16, 30, tzinfo=datetime.UTC)
    page = owner_client.get("/control/theatre/teams/").content.decode()
    assert "Box office tablet" in page
    assert "Revoke" in page

    response = owner_client.post(f"/control/theatre/teams/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    token.refresh_from_db()
    assert not token.active
    assert AuditLogEntry.objects.get(action="api_token.revoked").actor == owner
    page = owner_client.get("/control/theatre/teams/").content.decode()
    assert "revoked" in page


def test_back_office_revoke_needs_the_permission_and_post(organizer, owner_client):
    reader = member(organizer, Role.READ_ONLY, email="reader@example.org")
    token = _token(make_token(organizer, Role.READ_ONLY))
    client = Client()
    client.force_login(reader)
    url = f"/control/theatre/teams/tokens/{token.pk}/revoke/"
    assert client.post(url).status_code == 403
    assert owner_client.get(url).status_code == 405
    token.refresh_from_db()
    assert token.active
