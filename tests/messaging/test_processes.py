"""`rideau worker` and `rideau serve` as real processes sharing the test database."""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import transaction

from rideau.messaging.services import queue_email
from tests.smtp import free_port

from .conftest import rideau_env, start_rideau

pytestmark = pytest.mark.slow

MESSAGES = 200
BATCH = 20


def _stop(process: subprocess.Popen, log) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"process did not stop on SIGTERM; log:\n{log.read_text()}")


def _get(url: str, timeout: float = 60) -> tuple[int, bytes]:
    """GET `url`, waiting for the server to start listening and to answer: the first answer
    of a freshly started server (its worker loading Django) may take more than 10 s on a
    busy machine, so the whole `timeout` is the answer's too."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = max(deadline - time.monotonic(), 1.0)
        try:
            with urllib.request.urlopen(url, timeout=remaining) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.URLError as exc:
            if not isinstance(exc.reason, ConnectionRefusedError) or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_killed_worker_loses_nothing_and_duplicates_stay_in_flight(
    smtp_server, shared_db, tmp_path
):
    with transaction.atomic():
        keys = {
            queue_email(
                to=[f"guest{i}@example.org"], subject=f"Invitation {i}", text="Hi"
            ).message_id
            for i in range(MESSAGES)
        }
    shared_db.publish()
    smtp_server.delay = 0.01  # slow enough to be killed mid-way through the campaign
    env = rideau_env(
        shared_db,
        smtp_server,
        tmp_path,
        RIDEAU_OUTBOX_BATCH=str(BATCH),
        RIDEAU_OUTBOX_LEASE_SECONDS="2",
    )
    log = tmp_path / "workers.log"

    first = start_rideau(["worker", "--interval", "0.2"], env, log)
    try:
        smtp_server.wait_for(50, timeout=60)
    finally:
        first.kill()
        first.wait()
    delivered_by_first = len(smtp_server.received)
    assert delivered_by_first < MESSAGES, "the worker finished before it could be killed"

    second = start_rideau(["worker", "--interval", "0.2"], env, log)
    try:
        received = smtp_server.wait_until(
            lambda got: keys <= {r.message_id for r in got},
            timeout=90,
            what=f"all {MESSAGES} messages",
        )
    finally:
        exit_code = _stop(second, log)

    ids = [r.message_id for r in received]
    duplicates = len(ids) - len(set(ids))
    print(json.dumps({"killed_after": delivered_by_first, "duplicates": duplicates}))
    assert exit_code == 0
    assert set(ids) == keys
    # Only the message in flight when the worker died can arrive twice.
    assert duplicates <= 1
    assert shared_db.statuses() == {"sent": MESSAGES}


def test_serve_with_worker_serves_static_files_and_delivers_mail(smtp_server, shared_db, tmp_path):
    row = queue_email(to=["ada@example.org"], subject="Welcome", text="Hello")
    shared_db.publish()
    port = free_port()
    log = tmp_path / "serve.log"
    env = rideau_env(shared_db, smtp_server, tmp_path)

    server = start_rideau(["serve", "--port", str(port), "--with-worker"], env, log)
    try:
        [received] = smtp_server.wait_for(1, timeout=60)
        status, body = _get(f"http://127.0.0.1:{port}/static/rideau/vendor/htmx-2.0.11.min.js")
    finally:
        exit_code = _stop(server, log)

    output = log.read_text()
    assert received.message_id == row.message_id
    assert status == 200
    assert body.startswith(b"var htmx=")
    assert f"http://127.0.0.1:{port}/control/" in output
    assert f"http://127.0.0.1:{port}/api/v1/docs" in output
    assert exit_code == 0
    assert shared_db.statuses() == {"sent": 1}


def _worker_children(parent: int) -> set[int]:
    """Pids of the `rideau worker` processes started by `parent` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"rideau.cli" in cmdline and b"worker" in cmdline:
            found.add(int(entry.name))
    return found


def _poll(what: str, check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def test_serve_restarts_a_killed_worker_and_keeps_serving(smtp_server, shared_db, tmp_path):
    """Issue 10 item 5: kill -9 of the worker no longer stops the site; it comes back."""
    shared_db.publish()
    port = free_port()
    log = tmp_path / "serve.log"
    env = rideau_env(shared_db, smtp_server, tmp_path)
    server = start_rideau(["serve", "--port", str(port), "--with-worker"], env, log)
    try:
        [first] = _poll("the worker", lambda: _worker_children(server.pid))
        assert _get(f"http://127.0.0.1:{port}/")[0] == 200

        os.kill(first, signal.SIGKILL)

        [second] = _poll("a new worker", lambda: _worker_children(server.pid) - {first})
        assert second != first
        assert server.poll() is None
        assert _get(f"http://127.0.0.1:{port}/")[0] == 200
        # and the new worker works: it delivers a message queued now
        row = queue_email(to=["ada@example.org"], subject="After the restart", text="Hi")
        shared_db.publish()
        [received] = smtp_server.wait_for(1, timeout=60)
    finally:
        exit_code = _stop(server, log)

    output = log.read_text()
    assert received.message_id == row.message_id
    assert f"worker (pid {first}) exited with code -9; restarting in 1 s" in output
    assert f"worker started (pid {second})" in output
    assert exit_code == 0


def test_serve_runs_threaded_workers_without_an_access_log(smtp_server, shared_db, tmp_path):
    """The server set-up switch that bench/ab.py compares (docs/performance.md)."""
    shared_db.publish()
    port = free_port()
    log = tmp_path / "serve.log"
    env = rideau_env(shared_db, smtp_server, tmp_path)
    command = ["serve", "--port", str(port), "--workers", "1"]
    command += ["--worker-class", "gthread", "--threads", "2", "--no-access-log"]

    server = start_rideau(command, env, log)
    try:
        status, body = _get(f"http://127.0.0.1:{port}/api/v1/openapi.json")
    finally:
        exit_code = _stop(server, log)

    output = log.read_text()
    assert status == 200
    assert json.loads(body)["openapi"].startswith("3.")
    assert "GET /api/v1/openapi.json" not in output  # no access log line
    assert "gthread" in output  # gunicorn names the worker class it runs
    assert exit_code == 0
