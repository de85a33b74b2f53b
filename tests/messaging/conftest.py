"""Helpers for tests that run `rideau` commands in subprocesses against the test database."""

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.db.models import Count

from rideau.messaging.models import OutboxMessage


@dataclass
class SharedDatabase:
    """The test database as another process can open it.

    PostgreSQL: the test database itself. SQLite: the tests run on an in-memory database
    that no other process can see, so `publish()` copies it into a file the subprocesses
    use; read their results back with `statuses()`.
    """

    url: str
    path: Path | None = None

    def publish(self) -> None:
        if self.path is None:
            return  # PostgreSQL: committed rows are already visible
        connection.ensure_connection()
        target = sqlite3.connect(self.path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()

    def statuses(self) -> dict[str, int]:
        if self.path is None:
            rows = OutboxMessage.objects.values_list("status").annotate(n=Count("id"))
            return dict(rows)
        with sqlite3.connect(self.path) as db:
            rows = db.execute(
                "SELECT status, COUNT(*) FROM messaging_outboxmessage GROUP BY status"
            ).fetchall()
        return dict(rows)


@pytest.fixture
def shared_db(transactional_db, tmp_path) -> SharedDatabase:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        path = tmp_path / "shared.sqlite3"
        return SharedDatabase(url=f"sqlite:///{path}", path=path)
    if connection.vendor != "postgresql":
        pytest.skip(f"no shared-database support for {connection.vendor}")
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return SharedDatabase(url=f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}")


def rideau_env(shared: SharedDatabase, smtp_server, tmp_path: Path, **extra: str) -> dict:
    """Environment for a `rideau` subprocess: the shared database and the test SMTP server."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rideau.settings",
        "DATABASE_URL": shared.url,
        "EMAIL_URL": f"smtp://{smtp_server.host}:{smtp_server.port}",
        "RIDEAU_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "tests-only-secret-key-for-subprocesses",
        "RIDEAU_LOG_LEVEL": "INFO",
        **extra,
    }


def start_rideau(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "rideau.cli", *args], env=env, stdout=out, stderr=out
        )
