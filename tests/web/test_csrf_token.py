"""The CSRF token of a public page's answer (`rideau.web.csrf`): Django's middleware
accepts it, it masks the visitor's own secret (or a new one, sent as the cookie), each
answer's mask is new, and its characters are drawn evenly."""

import re
from collections import Counter

import pytest
from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS, _unmask_cipher_token
from django.test import Client
from django.urls import reverse

from rideau.web.csrf import random_chars

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragments_kept")]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _token(client: Client) -> str:
    response = client.get("/theatre/hamlet/")
    assert response.status_code == 200
    (token,) = set(TOKEN.findall(response.content.decode()))
    assert f'"X-CSRFToken": "{token}"' in response.content.decode()
    return token


def _switch_language(client: Client, token: str) -> int:
    url = reverse("web:set_language")
    return client.post(
        url, {"language": "fr", "next": "/", "csrfmiddlewaretoken": token}
    ).status_code


def test_the_middleware_accepts_the_token_of_a_new_visitor(hamlet):
    visitor = Client(enforce_csrf_checks=True)
    token = _token(visitor)
    secret = visitor.cookies[settings.CSRF_COOKIE_NAME].value
    assert len(token) == 64 and _unmask_cipher_token(token) == secret
    assert _switch_language(visitor, token) == 302
    forged = token[:32] + random_chars(32)
    assert _switch_language(visitor, forged) == 403


def test_a_returning_visitor_keeps_the_secret_with_a_new_mask(hamlet):
    visitor = Client(enforce_csrf_checks=True)
    first = _token(visitor)
    secret = visitor.cookies[settings.CSRF_COOKIE_NAME].value
    second = _token(visitor)
    assert first[:32] != second[:32]  # a new mask
    assert (
        _unmask_cipher_token(second) == secret == visitor.cookies[settings.CSRF_COOKIE_NAME].value
    )
    assert _switch_language(visitor, second) == 302


def test_the_characters_are_drawn_evenly():
    drawn = "".join(random_chars(62) for _ in range(1000))
    counts = Counter(drawn)
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    assert all(700 < n < 1300 for n in counts.values())  # 1,000 each expected (sd ~31)
