import datetime

import pytest
from django.test import Client
from django.utils import timezone

from rideau.core.access import Actor
from rideau.core.models import ApiToken, hash_token
from rideau.core.roles import Role
from rideau.core.services import create_api_token
from rideau.venues.models import Venue
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_unauthenticated_requests_get_401(organizer):
    anonymous = ApiClient()
    assert anonymous.get("/organizers").status_code == 401
    response = anonymous.post("/organizers/theatre/venues", {"name": "X"})
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication required: send an API token, or log in.",
        "code": "not_authenticated",
    }
    assert ApiClient("rdu_not-a-real-token").get("/organizers").status_code == 401
    assert ApiClient("something-else").get("/organizers").status_code == 401
    assert Venue.objects.count() == 0


def test_token_is_hashed_at_rest_and_last_use_recorded(organizer, owner):
    team = owner.teams.get()
    token, raw = create_api_token(actor=Actor(user=owner), team=team, name="ci")
    assert raw.startswith("rdu_")
    assert token.token_hash == hash_token(raw)
    assert raw not in token.token_hash
    assert ApiToken.objects.filter(token_hash=raw).count() == 0
    assert token.hint == raw[:8]
    assert token.last_used is None
    response = ApiClient(raw).get("/organizers")
    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "results": [
            {
                "slug": "theatre",
                "name": "Théâtre du Rideau",
                "currency": "EUR",
                "timezone": "Europe/Paris",
                "languages": ["en", "fr"],
                "contact_email": "hello@example.org",
                "primary_color": "#1d4ed8",
            }
        ],
    }
    token.refresh_from_db()
    assert timezone.now() - token.last_used < datetime.timedelta(seconds=30)


def test_inactive_token_is_refused(organizer):
    team = organizer.teams.create(name="Bots", role=Role.OWNER)
    token, raw = ApiToken.generate(team=team, name="old")
    token.active = False
    token.save()
    assert ApiClient(raw).get("/organizers/theatre").status_code == 401


def test_staff_session_reads_and_needs_csrf_to_write(organizer, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    session_api = ApiClient(client=client)
    assert session_api.get("/organizers/theatre").json()["slug"] == "theatre"
    refused = session_api.post("/organizers/theatre/venues", {"name": "No CSRF"})
    assert refused.status_code == 403
    assert Venue.objects.count() == 0
    # the back office page gives the CSRF cookie; the token goes in X-CSRFToken
    client.get("/api/v1/docs")
    csrf = client.cookies["csrftoken"].value
    created = session_api.post(
        "/organizers/theatre/venues", {"name": "Hall"}, **{"X-CSRFToken": csrf}
    )
    assert created.status_code == 201
    assert Venue.objects.get().name == "Hall"


def test_session_of_a_non_member_sees_nothing(organizer, other_organizer):
    from tests.factories import member

    stranger = member(other_organizer, Role.OWNER)
    client = Client()
    client.force_login(stranger)
    session_api = ApiClient(client=client)
    assert session_api.get("/organizers/theatre").status_code == 404
    assert session_api.get("/organizers").json()["results"][0]["slug"] == "rival"


def test_openapi_and_docs_work_offline(db):
    client = Client()
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Rideau API"
    assert "/api/v1/organizers/{organizer}/events/{event}/sessions" in schema.json()["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    bundle = client.get("/static/ninja/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert client.get("/static/ninja/swagger-ui.css").status_code == 200
