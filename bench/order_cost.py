"""What one shop API order costs the web process, measured in-process (no server, no
network): Python CPU time, function calls, statements and commits per order. Prints one
JSON line; `--profile N` prints the N costliest functions (cProfile, cumulative) first.
`--request event` measures the public event page instead, uncached
(`RIDEAU_PUBLIC_PAGE_SECONDS=0`: what a logged-in buyer or a fresh page gets);
`--request agenda` one new attendee registering to three sessions through the public agenda
API (the request `bench/agenda.py` makes; sessions with room, no waitlist involved).
`--request event-cached` the same page from the public page cache (what `bench/pages.py`'s
cookie-less clients get). `--request tickets` the shop's tickets step of that event (live
availability, never cached), read by a visitor without cookies. `--request overview` the
back-office overview of that event, read by its owner, after 500 orders (as
`bench/pages.py --page overview`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rideau_bench \
        .venv/bin/python bench/order_cost.py [--orders 300] [--profile 40]

CPU time (`time.process_time`) counts this process only, so it stays comparable on a busy
machine, unlike requests/s: use it for A/B comparisons of the request path. The orders go
through the whole Django stack (`django.test.Client` → WSGI handler → middleware → view),
with DEBUG off, as gunicorn would run them.
"""

import cProfile
import io
import json
import os
import pstats
import sys
import time
import uuid

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("RIDEAU_SHOP_ORDER_RATE", "0")
os.environ.setdefault("RIDEAU_AGENDA_RATE", "0")

from _common import create_bench_event, setup_django


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--dump", default="", help="write the profile to this file (pstats)")
    parser.add_argument(
        "--timer",
        choices=["wall", "cpu"],
        default="wall",
        help="the profile's clock: cpu leaves out the waits (for a busy machine)",
    )
    parser.add_argument(
        "--request",
        choices=["order", "event", "event-cached", "tickets", "agenda", "overview"],
        default="order",
    )
    args = parser.parse_args()
    if args.request == "event":
        os.environ["RIDEAU_PUBLIC_PAGE_SECONDS"] = "0"
    elif args.request == "event-cached":
        os.environ["RIDEAU_PUBLIC_PAGE_SECONDS"] = "3600"
    setup_django()
    from django.db import connection
    from django.test import Client

    sys.path.insert(0, str(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from tests.perf.statements import recorded

    places = 2500 if args.request == "overview" else 0  # its 500 orders: up to 2,000 tickets
    bench = create_bench_event(max(args.orders * 2 + 200, places))
    path = f"/api/v1/shop/{bench['organizer']}/{bench['event']}/orders"
    client = Client()
    if args.request == "agenda":
        from agenda import create_agenda_event

        bench = create_agenda_event(8, args.orders * 2 + 200)
        path = f"/api/v1/shop/{bench['organizer']}/{bench['event']}/agenda"
    if args.request == "overview":
        from pages import new_owner, sell_orders

        sell_orders(bench, 500)  # as bench/pages.py --page overview
        client.force_login(new_owner(bench["organizer"]))
        path = f"/control/{bench['organizer']}/events/{bench['event']}/"

    def order(n: int) -> None:
        if args.request == "agenda":
            ids = bench["ids"]  # three of the eight sessions (none overlap), by turns
            picks = [ids[n % 8], ids[(n + 3) % 8], ids[(n + 5) % 8]]
            email = f"attendee{n}@bench.example"
            response = client.post(
                path, data={"email": email, "sessions": picks}, content_type="application/json"
            )
            if response.status_code != 201:
                raise SystemExit(f"agenda {n}: {response.status_code} {response.content[:300]!r}")
            return
        if args.request == "overview":
            response = client.get(path)
            if response.status_code != 200 or b"Rush night" not in response.content:
                raise SystemExit(f"overview: {response.status_code}")
            return
        if args.request != "order":
            client.cookies.clear()  # as bench/pages.py's clients: no cookies
            tail = "tickets/" if args.request == "tickets" else ""
            response = client.get(f"/{bench['organizer']}/{bench['event']}/{tail}")
            if response.status_code != 200 or b"Rush night" not in response.content:
                raise SystemExit(f"{args.request} page: {response.status_code}")
            return
        body = {
            "lines": [{"rate": bench["rate"], "quantity": 1, "date": bench["date"]}],
            "buyer": {"email": f"buyer{n}@bench.example", "name": f"Buyer {n}"},
        }
        response = client.post(
            path,
            data=json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if response.status_code != 201:
            raise SystemExit(f"order {n}: {response.status_code} {response.content[:300]!r}")

    for n in range(20):  # warm: imports, translations, prepared statements
        order(-n - 1)
    with recorded() as found:
        order(0)
    profiler = cProfile.Profile(time.process_time) if args.timer == "cpu" else cProfile.Profile()
    cpu, wall = time.process_time(), time.perf_counter()
    profiler.enable()
    for n in range(1, args.orders + 1):
        order(n)
    profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    stats = pstats.Stats(profiler)
    if args.dump:
        stats.dump_stats(args.dump)
    if args.profile:
        out = io.StringIO()
        stats.stream = out  # type: ignore[attr-defined]
        stats.sort_stats(args.sort).print_stats(args.profile)
        print(out.getvalue())
    calls = stats.total_calls  # type: ignore[attr-defined]
    # a second, unprofiled timing: cProfile's own overhead distorts CPU time; and the
    # CPU time of this connection's PostgreSQL backend (same host: /proc), which shares
    # the cores with the web workers during a rush
    unprofiled = min(args.orders, 100)
    backend = _backend_cpu(connection)
    cpu2 = time.process_time()
    for n in range(args.orders + 1, args.orders + 1 + unprofiled):
        order(n)
    cpu2 = (time.process_time() - cpu2) / unprofiled
    db_cpu = (_backend_cpu(connection) - backend) / unprofiled
    connection.close()
    print(
        json.dumps(
            {
                "request": args.request,
                "orders": args.orders,
                "cpu_ms_per_order": round(cpu2 * 1000, 2),
                "db_cpu_ms_per_order": round(db_cpu * 1000, 2),
                "profiled_cpu_ms_per_order": round(cpu / args.orders * 1000, 2),
                "wall_ms_per_order": round(wall / args.orders * 1000, 2),
                "calls_per_order": round(calls / args.orders),
                "statements_per_order": len(found.statements),
                "commits_per_order": found.commits,
            }
        )
    )


def _backend_cpu(connection) -> float:
    """CPU seconds (user + system) the connection's PostgreSQL backend used so far; NaN when
    the server is not on this host."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
