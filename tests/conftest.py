"""Shared fixtures: tenants and members, a real local SMTP server, the browser."""

import os
import shutil

import pytest
from django.test import Client

from rideau.core.access import Actor
from rideau.core.roles import Role
from tests.factories import OrganizerFactory, member

pytest_plugins = ["tests.smtp"]


@pytest.fixture(scope="session", autouse=True)
def _flush_postgresql_with_delete():
    """After each transactional test (concurrency, live server, subprocesses) Django empties
    every table with one TRUNCATE. On PostgreSQL a TRUNCATE rebuilds each table's files and
    indexes and syncs every new index file to disk: hundreds of fsyncs, 2 to 4 seconds a
    test on a busy disk. A DELETE of every table in one transaction empties the same tables
    (foreign keys checked at its commit) with a single WAL flush. Only the flush without
    sequence reset changes (the one Django runs after such tests); the tables' triggers
    still exist (a DELETE fires the catalogue-version trigger, whose UPDATE of the events
    being deleted in the same transaction changes nothing that survives)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def delete_every_table(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return ["SET CONSTRAINTS ALL DEFERRED"] + [
            f"DELETE FROM {self.quote_name(table)}"  # noqa: S608 (table names, quoted)
            for table in tables
        ]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", delete_every_table)
        yield


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
