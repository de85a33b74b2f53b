"""Public pages rendered once and shared. The whole event page (`pagecache.shared_page`):
the shared rendering is the page `render(request, ...)` gives (the path taken for a visitor
with messages to show), byte for byte but for the CSRF token and the CSP nonce; the path in
it is each request's own, escaped. The frame of every page (`{% shared %}`: brand,
navigation, branding colours, language choices, footer): a page with those parts kept is
the page rendered in full. A change of the organiser or the event shows at once; each
organiser and language has its own."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.test import Client

from tests.factories import OrganizerFactory, member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragments_kept")]

PERSONAL = [
    (re.compile(r'nonce="[^"]+"'), 'nonce="-"'),
    (re.compile(r'"X-CSRFToken": "[^"]+"'), '"X-CSRFToken": "-"'),
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" "-"'),
]
MESSAGES = re.compile(r'\n<div class="messages".*?</div>\n', re.S)
PAGES = ["/theatre/hamlet/tickets/", "/theatre/", "/", "/theatre/hamlet/"]


@pytest.fixture
def event(hamlet):
    return hamlet


def _page(client: Client, url: str = "/theatre/hamlet/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _impersonal(page: str) -> str:
    for pattern, replacement in PERSONAL:
        page = pattern.sub(replacement, page)
    return page


def _with_message(client: Client, text: str) -> None:
    """A message waiting for the visitor, in the cookie `messages.info` leaves it in."""
    storage = CookieStorage(HttpRequest())
    client.cookies[storage.cookie_name] = storage._encode([Message(constants.INFO, text)])


def test_the_shared_page_is_the_page_rendered_for_the_request(organizer, event):
    buyer = Client()
    buyer.force_login(member(organizer, email="buyer@example.org"))
    _with_message(buyer, "Welcome back")
    for_request = _page(buyer)  # a message to show: rendered for the request
    assert "Welcome back" in for_request
    first, second = _page(buyer), _page(buyer)  # shared: rendered once, then kept
    assert "Welcome back" not in first
    assert _impersonal(first) == _impersonal(second) == _impersonal(MESSAGES.sub("", for_request))
    # and a visitor without cookies gets the same page
    assert _impersonal(_page(Client())) == _impersonal(first)


def test_each_answer_has_its_own_token_and_nonce(event):
    first, second = _page(Client()), _page(Client())
    for pattern, _replacement in PERSONAL:
        assert pattern.search(first).group() != pattern.search(second).group()
    assert not re.search(r"rideau-[a-z-]*-placeholder", first)


def test_the_path_is_the_request_own_and_escaped(organizer, event):
    event.visibility = "private"
    event.save()
    token = event.private_token
    for query, shown in (("&from=news", f"?token={token}&amp;from=news"), ("", f"?token={token}")):
        response = Client().get(f"/theatre/hamlet/?token={token}{query}")
        assert response.wsgi_request.get_full_path() == f"/theatre/hamlet/?token={token}{query}"
        assert f'name="next" value="/theatre/hamlet/{shown}"' in response.content.decode()


def test_a_change_of_the_organiser_or_the_event_shows_at_once(organizer, event):
    assert "Théâtre du Rideau" in _page(Client())
    organizer.name = "Théâtre de la Lune"
    organizer.primary_color = "#123456"
    organizer.save()
    event.name = {"en": "Macbeth"}
    event.save()
    page = _page(Client())
    assert "Théâtre de la Lune" in page and "#123456" in page
    assert "<title>Macbeth · Théâtre de la Lune</title>" in page
    assert "Hamlet" not in page


def test_each_language_has_its_own_page(organizer, event):
    english = _page(Client(headers={"accept-language": "en"}))
    french = _page(Client(headers={"accept-language": "fr"}))
    assert '<html lang="en"' in english and '<html lang="fr"' in french
    assert "Skip to main content" in english and "Skip to main content" not in french


def test_a_page_with_the_shell_kept_is_the_page_rendered_in_full(event, settings):
    settings.RIDEAU_PUBLIC_FRAGMENT_SECONDS = 0  # nothing kept: every part rendered
    full = {url: _impersonal(_page(Client(), url)) for url in PAGES}
    settings.RIDEAU_PUBLIC_FRAGMENT_SECONDS = 10
    for _ in range(2):  # rendered and kept, then from what was kept
        assert {url: _impersonal(_page(Client(), url)) for url in PAGES} == full


def test_the_back_office_shell_is_the_one_rendered_in_full(organizer, settings):
    staff = Client()
    staff.force_login(member(organizer))
    settings.RIDEAU_PUBLIC_FRAGMENT_SECONDS = 0
    full = _impersonal(_page(staff, "/control/theatre/"))
    settings.RIDEAU_PUBLIC_FRAGMENT_SECONDS = 10
    assert (
        _impersonal(_page(staff, "/control/theatre/"))
        == _impersonal(_page(staff, "/control/theatre/"))
        == full
    )


def test_a_change_of_the_organiser_shows_in_every_page_frame(organizer, event):
    page = _page(Client(), "/theatre/hamlet/tickets/")
    assert "<strong>Théâtre du Rideau</strong>" in page
    organizer.name = "Théâtre de la Lune"
    organizer.primary_color = "#123456"
    organizer.save()
    page = _page(Client(), "/theatre/hamlet/tickets/")
    assert "<strong>Théâtre de la Lune</strong>" in page
    assert "--pico-primary: #123456;" in page
    assert "Théâtre du Rideau" not in page


def test_each_organiser_and_language_has_its_own(organizer, event):
    OrganizerFactory(slug="rival", name="Rival Productions")
    theatre = _page(Client(), "/theatre/")
    rival = _page(Client(), "/rival/")
    assert 'href="/theatre/account/"' in theatre and 'href="/rival/account/"' in rival
    assert "Rival Productions" not in theatre and "Théâtre du Rideau" not in rival
    home = _page(Client(), "/")
    assert 'class="brand"><strong>Rideau</strong>' in home
    french = _page(Client(headers={"accept-language": "fr"}), "/theatre/")
    assert '<option value="fr" lang="fr" selected>' in french
    assert '<option value="en" lang="en" selected>' in theatre
    assert "Changer de langue" in french and "Change language" in theatre
