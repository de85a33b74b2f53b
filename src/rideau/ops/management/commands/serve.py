"""`rideau serve`: the web application under gunicorn (or uvicorn, the ASGI candidate),
optionally with `rideau worker`. The server set-up is chosen by options or environment
variables, so `bench/serve_matrix.py` measures exactly what production runs."""

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

logger = logging.getLogger("rideau.serve")


class Command(BaseCommand):
    help = "Serve Rideau with gunicorn (static files by whitenoise); --with-worker adds the worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="gunicorn worker processes (default: $RIDEAU_WORKERS, else 2 per CPU core "
            "on PostgreSQL, 1 on SQLite)",
        )
        parser.add_argument(
            "--worker-class",
            choices=["sync", "gthread"],
            default=os.environ.get("RIDEAU_WORKER_CLASS", "sync"),
            help="gunicorn worker class (default: sync, or $RIDEAU_WORKER_CLASS); see "
            "docs/performance.md for the measured choice and bench/ab.py to compare",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("RIDEAU_THREADS", "1")),
            help="threads per worker with --worker-class gthread (default: 1)",
        )
        parser.add_argument(
            "--server",
            choices=["gunicorn", "uvicorn"],
            default=os.environ.get("RIDEAU_SERVER", "gunicorn"),
            help="gunicorn (WSGI, default, or $RIDEAU_SERVER) or uvicorn (ASGI: needs "
            "`pip install uvicorn`; --worker-class and --threads do not apply)",
        )
        parser.add_argument(
            "--conn-max-age",
            type=int,
            default=None,
            help="seconds a worker keeps its database connection (persistent connections; "
            "0: one per request); default $CONN_MAX_AGE, else 60",
        )
        parser.add_argument(
            "--no-access-log",
            action="store_true",
            help="no access log line per request (a load balancer usually logs them)",
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="also run `rideau worker` (outbox delivery, periodic jobs, tasks), restarted "
            "with back-off if it dies",
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        workers: int | None,
        with_worker: bool,
        worker_class: str = "sync",
        threads: int = 1,
        no_access_log: bool = False,
        server: str = "gunicorn",
        conn_max_age: int | None = None,
        **opts,
    ):
        sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        workers = workers or default_workers(sqlite)
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
        if conn_max_age is not None:
            env["CONN_MAX_AGE"] = str(max(0, conn_max_age))  # read by the settings
        options = ServerOptions(
            host=host,
            port=port,
            workers=workers,
            worker_class=worker_class,
            threads=threads,
            access_log=not no_access_log,
        )
        command = uvicorn_command(options) if server == "uvicorn" else gunicorn_command(options)
        # Own sessions: Ctrl-C reaches this process only, which stops each child once.
        web = _spawn(command, env)
        worker = (
            Supervised([sys.executable, "-m", "rideau.cli", "worker"], env) if with_worker else None
        )

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        exit_code = 0
        try:
            if worker is not None:
                worker.start()
            while not stopping:
                if web.poll() is not None:
                    exit_code = web.returncode
                    self.stderr.write(f"the web server exited with code {exit_code}; stopping")
                    break
                if worker is not None:
                    worker.check()
                time.sleep(0.2)
        finally:
            _stop_all([web, *([worker.process] if worker and worker.process else [])])
        if exit_code:
            raise CommandError(f"stopped after the web server failed (exit code {exit_code})")


@dataclass(frozen=True)
class ServerOptions:
    host: str
    port: int
    workers: int
    worker_class: str = "sync"
    threads: int = 1
    access_log: bool = True


def gunicorn_command(o: ServerOptions) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "rideau.wsgi:application",
        "--bind",
        f"{o.host}:{o.port}",
        "--workers",
        str(o.workers),
        "--worker-class",
        o.worker_class,
        "--threads",
        str(max(1, o.threads)),
        "--keep-alive",
        "30",  # clients (and a load balancer) reuse their connections (gthread)
        "--backlog",
        "2048",  # an on-sale rush queues rather than refusing connections
        *(("--access-logfile", "-") if o.access_log else ()),
        "--no-control-socket",  # nothing to control remotely; Ctrl-C/SIGTERM stop us
    ]


def uvicorn_command(o: ServerOptions) -> list[str]:
    """The ASGI candidate: uvicorn's own worker processes, each running the synchronous
    views in Django's thread (`sync_to_async`)."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "rideau.asgi:application",
        "--host",
        o.host,
        "--port",
        str(o.port),
        "--workers",
        str(o.workers),
        "--timeout-keep-alive",
        "30",
        "--backlog",
        "2048",
        "--lifespan",
        "off",  # Django has no lifespan handler
        *(() if o.access_log else ("--no-access-log",)),
    ]


def default_workers(sqlite: bool) -> int:
    """$RIDEAU_WORKERS, else 1 on SQLite (one writer at a time) and 2 per CPU core on
    PostgreSQL: a sync worker waits on the database for part of each request, so two per
    core keep the cores busy (docs/performance.md, "Server configuration")."""
    configured = os.environ.get("RIDEAU_WORKERS")
    if configured:
        return max(1, int(configured))
    return 1 if sqlite else 2 * (os.cpu_count() or 1)


def _spawn(command: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603


class Supervised:
    """The background worker, restarted when it dies while the site keeps serving.

    Restarts wait 1 s, then twice as long after each quick death (up to MAX_BACKOFF); a
    worker that ran for STABLE_AFTER seconds starts the count again. Each death is logged.
    """

    FIRST_BACKOFF = 1.0
    MAX_BACKOFF = 60.0
    STABLE_AFTER = 60.0

    def __init__(self, command: list[str], env: dict, clock=time.monotonic):
        self.command = command
        self.env = env
        self.clock = clock
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.backoff = self.FIRST_BACKOFF
        self.restart_at: float | None = None
        self.restarts = 0

    def start(self) -> None:
        self.process = _spawn(self.command, self.env)
        self.started_at = self.clock()
        self.restart_at = None
        logger.info("worker started (pid %s)", self.process.pid)

    def check(self) -> None:
        """Call often: notices a dead worker and restarts it when its back-off is over."""
        now = self.clock()
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.restarts += 1
                self.start()
            return
        if self.process is None or self.process.poll() is None:
            return
        if now - self.started_at >= self.STABLE_AFTER:
            self.backoff = self.FIRST_BACKOFF
        logger.error(
            "worker (pid %s) exited with code %s; restarting in %.0f s",
            self.process.pid,
            self.process.returncode,
            self.backoff,
        )
        self.restart_at = now + self.backoff
        self.backoff = min(self.backoff * 2, self.MAX_BACKOFF)


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
