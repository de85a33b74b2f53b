"""Event pages: 32 keep-alive connections read the page of one public event (or the shop
API's availability, or the back-office overview of the event as its owner) for a fixed
time. Prints one JSON line (requests/s, p50/p95/p99, errors).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rideau_bench \
        .venv/bin/python bench/pages.py [--url URL] [--concurrency 32] [--seconds 20]
            [--page event|availability|overview] [--orders 500]

`--page overview`: the event first sells `--orders` orders (one to four tickets, most paid,
some waiting for payment, over the last 30 days) so the overview has sales to sum and
chart; the clients send an owner's session cookie.

Without --url it starts `rideau serve` (DEBUG off) on 127.0.0.1 against DATABASE_URL; the bench
writes its event to that database (with --url the server must use the same one).
"""

import asyncio
import json
import os
import secrets
import time

from _common import (
    MAX_ERRORS,
    Connection,
    create_bench_event,
    options,
    percentile,
    server,
    setup_django,
    warm_up,
)


async def read_pages(
    url: str,
    path: str,
    expect: bytes,
    *,
    concurrency: int,
    seconds: float,
    headers: dict | None = None,
) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    deadline = started + seconds

    async def reader() -> None:
        conn = Connection(url)
        try:
            while time.perf_counter() < deadline and len(errors) < MAX_ERRORS:
                t0 = time.perf_counter()
                try:
                    status, content = await conn.request("GET", path, headers=headers)
                except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                    errors.append(repr(exc))
                    await conn.close()
                    continue
                if status == 200 and expect in content:
                    latencies.append((time.perf_counter() - t0) * 1000)
                else:
                    errors.append(f"{status} {content[:200]!r}")
        finally:
            await conn.close()

    await asyncio.gather(*(reader() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "errors": len(errors),
        "error_samples": errors[:3],
    }


def sell_orders(bench: dict, n: int) -> None:
    """`n` orders of one to four tickets on the bench event, most paid, created over the
    last 30 days (the overview sums and charts them by day)."""
    import datetime

    from django.utils import timezone

    from rideau.catalog.models import Rate
    from rideau.core.models import Organizer
    from rideau.events.models import Event
    from rideau.orders import services
    from rideau.orders.models import Order

    organizer = Organizer.objects.get(slug=bench["organizer"])
    event = Event.objects.get(pk=bench["event_id"])
    rate = Rate.objects.get(pk=bench["rate"])
    now = timezone.now()
    for i in range(n):
        order = services.place_order(
            organizer,
            event=event,
            lines=[services.OrderLine(rate=rate, quantity=1 + i % 4)],
            buyer=services.Buyer(email=f"buyer{i}@example.net", name=f"Buyer {i}"),
            paid=i % 5 != 0,
            provider="cash" if i % 5 else "",
            payment_deadline=datetime.timedelta(days=60),
        )
        created = now - datetime.timedelta(days=i % 30, minutes=i)
        Order.objects.filter(pk=order.pk).update(created=created)


def new_owner(organizer_slug: str):
    """A new user in an owners' team of the organiser."""
    from rideau.core.models import Organizer, Team, User
    from rideau.core.roles import Role

    organizer = Organizer.objects.get(slug=organizer_slug)
    user = User.objects.create_user(email=f"owner@{organizer.slug}.example")
    team = Team.objects.create(organizer=organizer, name="Owners", role=Role.OWNER)
    team.members.add(user)
    return user


def owner_session(organizer_slug: str) -> str:
    """A session cookie of a new owner of the organiser ("name=value")."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    user = new_owner(organizer_slug)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def main() -> None:
    parser = options(__doc__.splitlines()[0], quota=2000, concurrency=32, seconds=20)
    parser.add_argument(
        "--page",
        choices=["event", "availability", "overview"],
        default="event",
        help="the public event page, the shop API's availability (a lighter request), or "
        "the back-office overview of the event (as its owner)",
    )
    parser.add_argument(
        "--orders", type=int, default=500, help="with --page overview: orders sold first"
    )
    args = parser.parse_args()
    if args.page == "overview":
        # the session written here must be read by the server: one secret for both
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    setup_django()
    headers: dict = {}
    if args.page == "overview":
        bench = create_bench_event(max(args.quota, args.orders * 4))
        sell_orders(bench, args.orders)
        path = f"/control/{bench['organizer']}/events/{bench['event']}/"
        expect = b"Rush night"
        headers = {"Cookie": owner_session(bench["organizer"])}
    elif args.page == "event":
        bench = create_bench_event(args.quota)
        path, expect = f"/{bench['organizer']}/{bench['event']}/", b"Rush night"
    else:
        bench = create_bench_event(args.quota)
        path = f"/api/v1/shop/{bench['organizer']}/{bench['event']}/availability"
        expect = f'"available": {args.quota}'.encode()

    with server(args) as (url, server_desc):
        warm_up(url, path, headers=headers)
        result = asyncio.run(
            read_pages(
                url,
                path,
                expect,
                concurrency=args.concurrency,
                seconds=args.seconds,
                headers=headers,
            )
        )
    print(
        json.dumps(
            {
                "scenario": "pages",
                "page": args.page,
                **({"orders": args.orders} if args.page == "overview" else {}),
                "concurrency": args.concurrency,
                "server": server_desc,
                **result,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
