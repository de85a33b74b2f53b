"""Shared fixtures: tenants and members, a real local SMTP server, the browser."""

import os
import shutil

import pytest
from django.test import Client

from rideau.core.access import Actor
from rideau.core.roles import Role
from tests.factories import OrganizerFactory, member

pytest_plugins = ["tests.smtp"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 is deliberately slow (a tenth of a second a hash, and every test's staff user
    has a password): tests not about password storage hash with MD5. Tests marked `argon2`
    keep the production hashers (tests/core/test_tenancy.py)."""
    if request.node.get_closest_marker("argon2") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def organizer(db):
    return OrganizerFactory(slug="theatre", name="Théâtre du Rideau")


@pytest.fixture
def other_organizer(db):
    return OrganizerFactory(slug="rival", name="Rival Productions")


@pytest.fixture
def owner(organizer):
    return member(organizer, Role.OWNER, email="owner@example.org")


@pytest.fixture
def actor(owner):
    return Actor(user=owner)


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner)
    return client


def chromium_path() -> str | None:
    return os.environ.get("RIDEAU_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if path is None:
        if os.environ.get("RIDEAU_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (RIDEAU_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True)
def _no_catalogue_kept_from_another_test():
    """The shop API keeps event catalogues per process (`rideau.api.catalogue`); a test's
    rolled-back event may share its id and version with the next test's."""
    from rideau.api import catalogue

    catalogue.forget()


@pytest.fixture(autouse=True)
def _language_of_the_settings():
    """Each test starts in the default language: a request answered in French leaves French
    active in the thread (the locale middleware activates, nothing deactivates), so a service
    called directly by the next test would speak French."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
