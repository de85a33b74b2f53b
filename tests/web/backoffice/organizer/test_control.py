"""The back office: organiser list, events, settings form, teams and API tokens, tenancy."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from rideau.core.models import ApiToken, AuditLogEntry, Organizer, hash_token
from rideau.core.roles import Role
from rideau.events.models import Event
from tests.factories import (
    EventDateFactory,
    EventFactory,
    OrganizerFactory,
    TeamFactory,
    UserFactory,
    member,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#123456").save(buffer, format="PNG")
    return buffer.getvalue()


def test_control_home_lists_the_users_organisers(organizer, other_organizer):
    user = member(organizer, Role.READ_ONLY)
    TeamFactory(organizer=other_organizer, role=Role.CHECKIN, members=[user])
    OrganizerFactory(name="Not mine")
    response = client_for(user).get("/control/")
    assert response.status_code == 200
    assert [o.slug for o in response.context["organizers"]] == ["rival", "theatre"]
    assert "Not mine" not in response.content.decode()


def test_control_home_without_membership(db):
    response = client_for(UserFactory()).get("/control/")
    assert response.status_code == 200
    assert response.context["organizers"] == []


def test_event_list_shows_name_dates_kind_visibility(organizer, owner_client):
    event = EventFactory(
        organizer=organizer,
        slug="hamlet",
        name={"en": "Hamlet", "fr": "Hamlet (fr)"},
        kind=Event.Kind.HYBRID,
        visibility=Event.Visibility.PRIVATE,
    )
    EventDateFactory(event=event)
    EventDateFactory(event=event)
    EventFactory(
        organizer=organizer,
        slug="draft-one",
        name={"en": "Draft one"},
        visibility=Event.Visibility.DRAFT,
    )
    EventFactory(organizer=OrganizerFactory(), name={"en": "Someone else's"})
    response = owner_client.get("/control/theatre/events/")
    assert response.status_code == 200
    html = response.content.decode()
    assert [e.slug for e in response.context["events"]] == ["hamlet", "draft-one"]
    assert "Hamlet" in html
    assert "Hybrid" in html
    assert "Private link" in html
    assert "2 dates:" in html
    assert "No dates yet" in html
    assert "Someone else" not in html


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_event_list_query_count_does_not_grow_with_rows(organizer, owner_client):
    event = EventFactory(organizer=organizer)
    EventDateFactory(event=event)
    one = _count_queries(owner_client, "/control/theatre/events/")
    for _ in range(2):
        EventDateFactory(event=EventFactory(organizer=organizer))
    three = _count_queries(owner_client, "/control/theatre/events/")
    assert len(owner_client.get("/control/theatre/events/").context["events"]) == 3
    assert one == three == 6


def test_teams_page_query_count_does_not_grow(organizer, owner_client):
    one = _count_queries(owner_client, "/control/theatre/teams/")
    for i in range(2):
        team = TeamFactory(organizer=organizer, role=Role.CHECKIN, members=[UserFactory()])
        ApiToken.generate(team=team, name=f"token {i}")
    three = _count_queries(owner_client, "/control/theatre/teams/")
    assert len(owner_client.get("/control/theatre/teams/").context["teams"]) == 3
    assert one == three


def test_event_list_is_paginated(organizer, owner_client):
    for i in range(27):
        EventFactory(organizer=organizer, slug=f"e-{i:02d}")
    first = owner_client.get("/control/theatre/events/")
    assert len(first.context["events"]) == 25
    second = owner_client.get("/control/theatre/events/?page=2")
    assert len(second.context["events"]) == 2
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.parametrize("path", ["", "settings/", "teams/"])
def test_non_member_gets_404(organizer, other_organizer, path):
    outsider = member(other_organizer, Role.OWNER)
    response = client_for(outsider).get(f"/control/theatre/{path}")
    assert response.status_code == 404
    assert client_for(outsider).get(f"/control/no-such-org/{path}").status_code == 404


def test_read_only_member_gets_403_on_settings_and_nothing_changes(organizer):
    reader = client_for(member(organizer, Role.READ_ONLY))
    assert reader.get("/control/theatre/settings/").status_code == 403
    response = reader.post(
        "/control/theatre/settings/",
        {
            "name": "Hijacked",
            "currency": "EUR",
            "timezone": "UTC",
            "languages": ["en"],
            "primary_color": "#000000",
        },
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "Access denied" in html
    assert 'href="/control/theatre/teams/"' in html  # still in the organiser's frame
    organizer.refresh_from_db()
    assert organizer.name == "Théâtre du Rideau"
    assert AuditLogEntry.objects.filter(action="organizer.updated").count() == 0


def _settings_data(**overrides) -> dict:
    data = {
        "name": "Théâtre du Grand Rideau",
        "currency": "CHF",
        "timezone": "Europe/Zurich",
        "languages": ["fr", "en"],
        "contact_email": "box@theatre.example",
        "primary_color": "#aa3300",
        "description_en": "A small theatre.",
        "description_fr": "Un petit théâtre.",
    }
    data.update(overrides)
    return data


def test_settings_saved_with_an_audit_entry(organizer, owner, owner_client):
    response = owner_client.post(
        "/control/theatre/settings/",
        {**_settings_data(), "logo": SimpleUploadedFile("logo.png", png_bytes(), "image/png")},
    )
    assert response.status_code == 302
    assert response["Location"] == "/control/theatre/settings/"
    organizer.refresh_from_db()
    assert organizer.name == "Théâtre du Grand Rideau"
    assert organizer.currency == "CHF"
    assert organizer.timezone == "Europe/Zurich"
    assert organizer.languages == ["en", "fr"]  # existing order kept
    assert organizer.contact_email == "box@theatre.example"
    assert organizer.primary_color == "#aa3300"
    assert organizer.description == {"en": "A small theatre.", "fr": "Un petit théâtre."}
    assert organizer.logo.name.startswith("organizers/logos/logo")
    # the logo is served, and shown on the public pages
    logo = Client().get(organizer.logo.url)
    assert logo.status_code == 200
    assert logo["Content-Type"] == "image/png"
    assert logo["Content-Security-Policy"] == "default-src 'none'"
    assert b"".join(logo.streaming_content) == png_bytes()
    public_page = Client().get("/theatre/").content.decode()
    assert f'<img src="{organizer.logo.url}" alt="" class="brand-logo">' in public_page
    entry = AuditLogEntry.objects.get(action="organizer.updated")
    assert entry.actor == owner
    assert entry.organizer == organizer
    assert entry.before["name"] == "Théâtre du Rideau"
    assert entry.after["name"] == "Théâtre du Grand Rideau"


def test_settings_field_errors(organizer, owner_client):
    too_big = SimpleUploadedFile("big.png", png_bytes() + b"\0" * (2 * 1024 * 1024), "image/png")
    response = owner_client.post(
        "/control/theatre/settings/",
        _settings_data(
            name="",
            currency="XYZ",
            timezone="Mars/Olympus",
            languages=[],
            contact_email="not an email",
            primary_color="red",
            logo=too_big,
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors == {
        "name": ["This field is required."],
        "currency": ["Select a valid choice. XYZ is not one of the available choices."],
        "timezone": ["Select a valid choice. Mars/Olympus is not one of the available choices."],
        "languages": ["This field is required."],
        "contact_email": ["Enter a valid email address."],
        "primary_color": ["Enter a colour such as #1d4ed8."],
        "logo": ["The logo must be at most 2 MB."],
    }
    html = response.content.decode()
    assert "Enter a colour such as #1d4ed8." in html
    assert 'aria-invalid="true"' in html
    organizer.refresh_from_db()
    assert organizer.name == "Théâtre du Rideau"
    assert AuditLogEntry.objects.filter(action="organizer.updated").count() == 0


def test_settings_logo_must_be_an_image(organizer, owner_client):
    response = owner_client.post(
        "/control/theatre/settings/",
        {**_settings_data(), "logo": SimpleUploadedFile("logo.png", b"<svg></svg>", "image/png")},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["logo"]
    organizer.refresh_from_db()
    assert organizer.logo.name == ""


def test_teams_page_lists_teams_and_members(organizer, owner, owner_client):
    reader = member(organizer, Role.READ_ONLY, email="reader@example.org")
    TeamFactory(organizer=OrganizerFactory(), name="Foreign team", members=[UserFactory()])
    response = owner_client.get("/control/theatre/teams/")
    assert response.status_code == 200
    html = response.content.decode()
    assert len(response.context["teams"]) == 2
    assert "owner@example.org" in html
    assert reader.email in html
    assert "Read-only" in html
    assert "Foreign team" not in html
    assert "Create an API token" in html


def test_owner_creates_an_api_token_shown_once(organizer, owner_client):
    team = organizer.teams.get()
    response = owner_client.post(
        "/control/theatre/teams/", {"team": team.pk, "name": "Website sync"}
    )
    assert response.status_code == 302
    page = owner_client.get("/control/theatre/teams/")
    raw = page.context["new_token"]["raw"]
    assert raw.startswith("rdu_")
    assert raw in page.content.decode()
    token = ApiToken.objects.get()
    assert token.team == team
    assert token.name == "Website sync"
    assert token.token_hash == hash_token(raw)
    assert AuditLogEntry.objects.filter(action="api_token.created").count() == 1
    again = owner_client.get("/control/theatre/teams/")
    assert again.context["new_token"] is None
    assert raw not in again.content.decode()
    assert "Website sync" in again.content.decode()


def test_token_for_another_organisers_team_is_refused(organizer, owner_client):
    foreign = TeamFactory(organizer=OrganizerFactory())
    response = owner_client.post("/control/theatre/teams/", {"team": foreign.pk, "name": "x"})
    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["team"]
    assert ApiToken.objects.count() == 0


def test_read_only_member_cannot_create_tokens(organizer):
    reader = client_for(member(organizer, Role.READ_ONLY))
    page = reader.get("/control/theatre/teams/")
    assert page.status_code == 200
    assert "Create an API token" not in page.content.decode()
    team = organizer.teams.first()
    response = reader.post("/control/theatre/teams/", {"team": team.pk, "name": "Mine"})
    assert response.status_code == 403
    assert ApiToken.objects.count() == 0
    assert Organizer.objects.count() == 1


def test_only_uploaded_raster_logos_are_served(db):
    assert Client().get("/media/organizers/logos/missing.png").status_code == 404
    assert Client().get("/media/organizers/logos/evil.svg").status_code == 404
    assert Client().get("/media/organizers/logos/.hidden.png").status_code == 404


def test_settings_show_the_signed_secrets_help_once(organizer, owner_client):
    page = owner_client.get(f"/control/{organizer.slug}/settings/").content.decode()

    assert page.count("carry a signed code that scanners can check") == 1
    assert f'href="/control/{organizer.slug}/checkin/"' in page
