"""API fixtures: team tokens per role and a small JSON client that sends them."""

import json

import pytest
from django.test import Client

from rideau.core.models import ApiToken
from rideau.core.roles import Role
from tests.factories import TeamFactory


class ApiClient:
    """JSON requests against /api/v1 with a bearer token (or none)."""

    def __init__(self, raw_token: str | None = None, client: Client | None = None):
        self.client = client or Client()
        self.headers = {"Authorization": f"Bearer {raw_token}"} if raw_token else {}

    def _url(self, path: str) -> str:
        return "/api/v1" + path

    def get(self, path: str, params: dict | None = None, **headers):
        """`params`: the query string; other keywords are request headers."""
        return self.client.get(self._url(path), params or {}, headers={**self.headers, **headers})

    def post(self, path: str, data=None, **kwargs):
        return self._send("post", path, data, **kwargs)

    def patch(self, path: str, data=None, **kwargs):
        return self._send("patch", path, data, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.client.delete(self._url(path), headers={**self.headers, **kwargs})

    def _send(self, method: str, path: str, data, **kwargs):
        body = data if isinstance(data, str | bytes) else json.dumps(data)
        return getattr(self.client, method)(
            self._url(path),
            data=body,
            content_type="application/json",
            headers={**self.headers, **kwargs},
        )


def make_token(organizer, role: str = Role.OWNER) -> str:
    team = TeamFactory(organizer=organizer, role=role)
    _token, raw = ApiToken.generate(team=team, name=f"{role} token")
    return raw


@pytest.fixture
def owner_token(organizer):
    return make_token(organizer, Role.OWNER)


@pytest.fixture
def api(owner_token):
    return ApiClient(owner_token)


@pytest.fixture
def rival_api(other_organizer):
    """An owner token of the other organiser."""
    return ApiClient(make_token(other_organizer, Role.OWNER))
