"""What the benchmarks share: options, the bench event, the server, a small HTTP client.

Only the standard library and the project's virtualenv. The server is the production one:
`rideau serve` (gunicorn serving `rideau.wsgi`, or uvicorn serving `rideau.asgi` with
`--server uvicorn`) with DEBUG off and persistent database connections (`--conn-max-age`).
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
LOG_PATH = Path(os.environ.get("BENCH_SERVER_LOG", "/tmp/rideau-bench-server.log"))
MAX_ERRORS = 200  # a broken server is not benchmarked for minutes


def options(description: str, **defaults) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--url", help="a running server (loopback only); default: start one")
    parser.add_argument("--quota", type=int, default=defaults.get("quota", 2000))
    parser.add_argument("--concurrency", type=int, default=defaults.get("concurrency", 64))
    parser.add_argument(
        "--seconds", type=float, default=defaults.get("seconds", 60), help="time limit"
    )
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", 4)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", 1)))
    parser.add_argument(
        "--worker-class",
        default=os.environ.get("BENCH_WORKER_CLASS", "sync"),
        choices=["sync", "gthread"],
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_SERVER", "gunicorn"),
        choices=["gunicorn", "uvicorn"],
        help="the started server: gunicorn (WSGI) or uvicorn (ASGI)",
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=int(os.environ.get("BENCH_CONN_MAX_AGE", 600)),
        help="CONN_MAX_AGE of the started server (0: a database connection per request)",
    )
    parser.add_argument("--port", type=int, default=0, help="port of the started server")
    return parser


def setup_django() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to the PostgreSQL database to benchmark.")
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rideau.settings")
    import django

    django.setup()


def create_bench_event(quota_size: int) -> dict:
    """A fresh organiser (unique slug) with one public event, one date, one product with one
    rate, and one quota of `quota_size` places on the date."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from rideau.catalog.models import Product, Rate
    from rideau.core.models import Organizer
    from rideau.events.models import Event, EventDate
    from rideau.inventory.models import Quota

    tag = uuid.uuid4().hex[:8]
    organizer = Organizer.objects.create(
        slug=f"bench-{tag}", name=f"Bench {tag}", languages=["en", "fr"]
    )
    event = Event.objects.create(
        organizer=organizer,
        slug="rush",
        name={"en": "Rush night", "fr": "Soirée d'affluence"},
        description={"en": "An on-sale rush. " * 20},
        visibility=Event.Visibility.PUBLIC,
    )
    start = timezone.now() + datetime.timedelta(days=30)
    date = EventDate.objects.create(
        event=event, start=start, end=start + datetime.timedelta(hours=2)
    )
    product = Product.objects.create(
        organizer=organizer, event=event, name={"en": "Admission", "fr": "Entrée"}
    )
    rate = Rate.objects.create(product=product, name={"en": "Full price"}, price=Decimal("25.00"))
    # created directly (the service needs a staff actor); the counter starts at 0
    quota = Quota.objects.create(organizer=organizer, name="Hall", size=quota_size, date=date)
    return {
        "organizer": organizer.slug,
        "event": event.slug,
        "event_id": event.pk,
        "date": date.pk,
        "rate": rate.pk,
        "quota": quota.pk,
    }


def check_loopback(url: str) -> str:
    parsed = urlparse(url)
    if parsed.hostname not in LOOPBACK:
        sys.exit("The benchmark only runs against a server on this host (127.0.0.1).")
    return url.rstrip("/")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(args, extra_env: dict | None = None):
    """The given --url, or gunicorn started on 127.0.0.1 with production settings."""
    if args.url:
        yield check_loopback(args.url), "external"
        return
    port = args.port or free_port()
    server_name = getattr(args, "server", "gunicorn")
    env = {
        **os.environ,
        "DEBUG": "0",
        "CONN_MAX_AGE": str(getattr(args, "conn_max_age", 600)),
        "LOG_LEVEL": "ERROR",
        "RIDEAU_LOG_LEVEL": "ERROR",
        **(extra_env or {}),
    }
    # `rideau serve`, as in production (a tree of an older commit served through PYTHONPATH
    # knows the gunicorn options; --server only when it is not the default)
    command = [
        sys.executable,
        "-m",
        "rideau.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--no-access-log",
        *(("--server", server_name) if server_name != "gunicorn" else ()),
    ]
    log = open(LOG_PATH, "wb")  # closed with the server below
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, start_new_session=True, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # a loaded machine starts workers slowly
        while True:
            try:
                urllib.request.urlopen(url + "/api/v1/openapi.json", timeout=2).read()  # noqa: S310 (http loopback)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        yield url, server_description(args)
    finally:
        process.send_signal(signal.SIGTERM)  # `rideau serve` stops its server, then exits
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def server_description(args) -> str:
    conn = f"conn_max_age={getattr(args, 'conn_max_age', 600)}"
    if getattr(args, "server", "gunicorn") == "uvicorn":
        return f"uvicorn workers={args.workers} {conn}"
    return f"gunicorn {args.worker_class} workers={args.workers} threads={args.threads} {conn}"


def warm_up(url: str, path: str, n: int = 20, headers: dict | None = None) -> None:
    """Load every worker's code and database connection before measuring."""
    for _ in range(n):
        try:
            request = urllib.request.Request(url + path, headers=headers or {})  # noqa: S310 (loopback)
            urllib.request.urlopen(request, timeout=5).read()  # noqa: S310 (http loopback)
        except OSError:
            pass


class Connection:
    """One keep-alive HTTP/1.1 connection (reconnects when the server closes it)."""

    def __init__(self, url: str):
        parsed = urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
            self.reader = self.writer = None

    async def request(
        self, method: str, path: str, body: dict | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        for attempt in range(2):
            if self.writer is None:
                await self._connect()
            try:
                return await self._exchange(method, path, body, headers or {})
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, method, path, body, headers) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        data = json.dumps(body).encode() if body is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _sep, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        content = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, content


def percentile(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return round(sorted_values[index], 1)
