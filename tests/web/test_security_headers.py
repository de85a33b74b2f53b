"""Issue 10 item 7: a Content-Security-Policy with a nonce per answer on every page (also on
pages served from the public page cache), HSTS and Secure cookies when RIDEAU_HTTPS is on."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import EventDateFactory, EventFactory

pytestmark = pytest.mark.django_db
NONCE = re.compile(r'nonce="([^"]+)"')


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_every_inline_style_and_script_carries_the_answers_nonce(owner_client, organizer):
    EventFactory(organizer=organizer, slug="hamlet")
    response = owner_client.get("/control/theatre/events/hamlet/")

    policy = _policy(response)
    nonces = set(NONCE.findall(response.content.decode()))
    assert len(nonces) == 1
    [nonce] = nonces
    assert f"'nonce-{nonce}'" in policy["script-src"]
    assert f"'nonce-{nonce}'" in policy["style-src"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert policy["object-src"] == ["'none'"]
    page = response.content.decode()
    # no inline event handler or style attribute anywhere: they could not run under the policy
    assert not re.search(r"<[^>]+\son[a-z]+=", page)
    assert not re.search(r"<[^>]+\sstyle=", page)
    assert '"includeIndicatorStyles": false' in page


def test_each_answer_has_its_own_nonce_even_from_the_page_cache(organizer, settings):
    settings.RIDEAU_PUBLIC_PAGE_SECONDS = 5
    cache.clear()
    event = EventFactory(organizer=organizer, slug="hamlet", visibility="public")
    EventDateFactory(event=event)

    answers = [Client().get("/theatre/hamlet/") for _ in range(2)]

    seen = []
    for response in answers:
        assert response.status_code == 200
        [nonce] = set(NONCE.findall(response.content.decode()))  # the brand colour <style>
        assert f"'nonce-{nonce}'" in _policy(response)["style-src"]
        seen.append(nonce)
    assert seen[0] != seen[1]


def test_https_mode_sends_hsts_and_marks_every_cookie_secure(tmp_path):
    """Settings are read at start-up: checked in a fresh process with RIDEAU_HTTPS=1."""
    script = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/control/login/", secure=True)
print(json.dumps({
    "hsts": response.get("Strict-Transport-Security"),
    "csrf_cookie_secure": response.cookies["csrftoken"]["secure"],
    "session": settings.SESSION_COOKIE_SECURE,
    "language": settings.LANGUAGE_COOKIE_SECURE,
}))
"""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rideau.settings",
        "RIDEAU_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "tests-only",
        "RIDEAU_HTTPS": "1",
        "DEBUG": "",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "hsts": "max-age=31536000",
        "csrf_cookie_secure": True,
        "session": True,
        "language": True,
    }


def test_without_https_mode_there_is_no_hsts(client, db):
    response = client.get("/control/login/", secure=True)
    assert "Strict-Transport-Security" not in response
    assert "Content-Security-Policy" in response


def test_htmx_answers_carry_no_inline_style(client, organizer, settings):
    """htmx parses an answer under the page's policy, where the answer's own nonce is
    unknown: the brand colours (already in the page) are left out of htmx answers, which
    the public page cache neither stores nor serves."""
    settings.RIDEAU_PUBLIC_PAGE_SECONDS = 5
    cache.clear()
    event = EventFactory(organizer=organizer, slug="hamlet", visibility="public")
    EventDateFactory(event=event)
    url = "/theatre/hamlet/"

    htmx = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    page = client.get(url).content.decode()

    assert "<style" not in htmx
    assert "<style" in page
    assert "<style" not in client.get(url, HTTP_HX_REQUEST="true").content.decode()


def test_the_openapi_document_has_one_key_per_status_code(client, db):
    """Error answers are added to every operation with ninja's own: as JSON text, a status
    code twice (int and str) would be a duplicated key that Swagger UI cannot read."""
    text = client.get("/api/v1/openapi.json").content.decode()
    document = json.loads(text, object_pairs_hook=_refuse_duplicates)
    responses = document["paths"][
        "/api/v1/organizers/{organizer}/checkin-lists/{checkinlist_id}/scans"
    ]["post"]["responses"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(responses)


def _refuse_duplicates(pairs):
    keys = [k for k, _v in pairs]
    assert len(keys) == len(set(keys)), keys
    return dict(pairs)


def test_the_policy_text_is_django_csps_with_the_answers_nonce(organizer):
    """The policy is built once per process (issue 17): it is the text django-csp builds for
    the answer's nonce, a new nonce each answer."""
    from csp.utils import build_policy

    event = EventFactory(organizer=organizer, slug="hamlet", visibility="public")
    EventDateFactory(event=event)
    nonces = []
    for _ in range(2):
        page = Client().get("/theatre/hamlet/")
        [nonce] = set(NONCE.findall(page.content.decode()))
        assert page["Content-Security-Policy"] == build_policy(nonce=nonce)
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
