"""`rideau serve`: the web application under gunicorn, optionally with `rideau worker`."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve Rideau with gunicorn (static files by whitenoise); --with-worker adds the worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="gunicorn worker processes (default: 2, or 1 on SQLite)",
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="also run `rideau worker` (outbox delivery, periodic jobs, tasks)",
        )

    def handle(self, *args, host: str, port: int, workers: int | None, with_worker: bool, **opts):
        sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        workers = workers or (1 if sqlite else 2)
        base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
        self.stdout.write(f"Rideau on {base}/")
        self.stdout.write(f"  back office  {base}/control/")
        self.stdout.write(f"  API docs     {base}/api/v1/docs")
        if with_worker:
            self.stdout.write("  with the background worker (e-mail delivery, periodic jobs)")
        self.stdout.write("Press Ctrl-C to stop.")
        self.stdout.flush()

        # whitenoise serves from the finders; an absent STATIC_ROOT would only warn
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        env = {"DJANGO_SETTINGS_MODULE": "rideau.settings", **os.environ}
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "rideau.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--no-control-socket",  # nothing to control remotely; Ctrl-C/SIGTERM stop us
        ]
        # Own sessions: Ctrl-C reaches this process only, which stops each child once.
        commands = [gunicorn]
        if with_worker:
            commands.append([sys.executable, "-m", "rideau.cli", "worker"])
        children = [
            subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603
            for command in commands
        ]

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        exit_code = 0
        try:
            while not stopping:
                if any(child.poll() is not None for child in children):
                    exit_code = next(c.returncode for c in children if c.returncode is not None)
                    self.stderr.write(f"a child process exited with code {exit_code}; stopping")
                    break
                time.sleep(0.2)
        finally:
            _stop_all(children)
        if exit_code:
            raise CommandError(f"stopped after a child process failed (exit code {exit_code})")


def _stop_all(children: list[subprocess.Popen], timeout: float = 15) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
