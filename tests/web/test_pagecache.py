"""The public page cache: anonymous visitors share one rendering, each gets their own CSRF
token, anything personal bypasses it, and an organiser's change shows at once."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rideau.events.models import Event
from rideau.web.pagecache import CSRF_PLACEHOLDER
from tests.factories import member

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def five_seconds(settings):
    settings.RIDEAU_PUBLIC_PAGE_SECONDS = 5
    settings.RIDEAU_PUBLIC_FRAGMENT_SECONDS = 0  # the page cache alone (test_event_fragment)
    cache.clear()


@pytest.fixture
def event(hamlet):
    return hamlet


# a full rendering: the event, its dates, its lowest price, its partners by level, and
# whether the organiser sells gift vouchers (the footer)
EVENT_PAGE_QUERIES = 5


def _get(client: Client, url: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries.captured_queries)


def test_anonymous_visitors_share_one_rendering_with_their_own_csrf_token(event):
    first, first_queries = _get(Client(), "/theatre/hamlet/")
    second_client = Client()
    second, second_queries = _get(second_client, "/theatre/hamlet/")
    assert first_queries == EVENT_PAGE_QUERIES
    assert second_queries == 0  # served from the cache
    for response in (first, second):
        html = response.content.decode()
        assert "Hamlet" in html
        assert CSRF_PLACEHOLDER not in html
        assert TOKEN.search(html)
    # each visitor's token works with their own cookie: the language switcher posts fine
    token = TOKEN.search(second.content.decode()).group(1)
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.cookies = second_client.cookies
    answer = csrf_client.post(
        "/i18n/setlang/", {"language": "fr", "next": "/theatre/", "csrfmiddlewaretoken": token}
    )
    assert answer.status_code == 302


def test_a_change_by_the_organiser_shows_at_once(event):
    _get(Client(), "/theatre/hamlet/")
    event.name = {"en": "Hamlet, revised"}
    event.save()
    response, queries = _get(Client(), "/theatre/hamlet/")
    assert queries == EVENT_PAGE_QUERIES
    assert "Hamlet, revised" in response.content.decode()

    event.visibility = Event.Visibility.DRAFT
    event.save()
    assert Client().get("/theatre/hamlet/").status_code == 404


def test_languages_and_query_strings_are_cached_apart(event):
    _get(Client(), "/theatre/hamlet/")
    french, queries = _get(Client(HTTP_ACCEPT_LANGUAGE="fr"), "/theatre/hamlet/")
    assert queries == EVENT_PAGE_QUERIES
    assert 'lang="fr"' in french.content.decode()
    _, queries = _get(Client(), "/theatre/hamlet/?utm_source=mail")
    assert queries == EVENT_PAGE_QUERIES


def test_visitors_with_a_session_are_never_served_from_the_cache(event, organizer):
    _get(Client(), "/theatre/hamlet/")
    client = Client()
    client.force_login(member(organizer))
    _, queries = _get(client, "/theatre/hamlet/")
    assert queries > 0


def test_zero_seconds_turns_it_off(event, settings):
    settings.RIDEAU_PUBLIC_PAGE_SECONDS = 0
    _get(Client(), "/theatre/hamlet/")
    _, queries = _get(Client(), "/theatre/hamlet/")
    assert queries == EVENT_PAGE_QUERIES
