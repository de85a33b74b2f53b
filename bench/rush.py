"""On-sale rush: C concurrent buyers order one ticket each through the public shop API until
the quota of Q places is sold out, then try a few more times. Prints one JSON line.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rideau_bench \
        .venv/bin/python bench/rush.py [--url URL] [--quota 2000] [--concurrency 64]

Without --url it starts `rideau serve` (DEBUG off) on 127.0.0.1 against DATABASE_URL. With --url the
server must use the same database (the bench writes its event there). Every order carries an
Idempotency-Key (a UUID), as a careful client would send. The shop's per-address rate limit
is switched off for the started server: every buyer here comes from 127.0.0.1.
"""

import asyncio
import json
import time
import uuid

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

EXTRA_ATTEMPTS = 3  # per client, after the sell-out was seen


async def rush(url: str, bench: dict, *, concurrency: int, seconds: float) -> dict:
    path = f"/api/v1/shop/{bench['organizer']}/{bench['event']}/orders"
    latencies: list[float] = []
    counts = {"sold_out": 0, "errors": 0, "extra_attempts": 0}
    error_samples: list[str] = []
    sold_out = asyncio.Event()
    started = time.perf_counter()
    deadline = started + seconds
    last_success = started

    async def buyer(i: int) -> None:
        nonlocal last_success
        conn = Connection(url)
        extra = 0
        n = 0
        try:
            while (
                time.perf_counter() < deadline
                and extra < EXTRA_ATTEMPTS
                and counts["errors"] < MAX_ERRORS
            ):
                if sold_out.is_set():
                    extra += 1
                    counts["extra_attempts"] += 1
                n += 1
                body = {
                    "lines": [{"rate": bench["rate"], "quantity": 1, "date": bench["date"]}],
                    "buyer": {"email": f"buyer{i}-{n}@bench.example", "name": f"Buyer {i}"},
                }
                t0 = time.perf_counter()
                try:
                    status, content = await conn.request(
                        "POST", path, body, {"Idempotency-Key": str(uuid.uuid4())}
                    )
                except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                    counts["errors"] += 1
                    if len(error_samples) < 3:
                        error_samples.append(repr(exc))
                    await conn.close()
                    continue
                t1 = time.perf_counter()
                if status == 201:
                    latencies.append((t1 - t0) * 1000)
                    last_success = t1
                elif status == 409 and b'"sold_out"' in content:
                    counts["sold_out"] += 1
                    sold_out.set()
                else:
                    counts["errors"] += 1
                    if len(error_samples) < 3:
                        error_samples.append(f"{status} {content[:200]!r}")
        finally:
            await conn.close()

    await asyncio.gather(*(buyer(i) for i in range(concurrency)))
    ended = time.perf_counter()
    latencies.sort()
    window = max(last_success - started, 1e-9)
    return {
        "orders": len(latencies),
        "seconds_to_sell_out": round(window, 2),
        "orders_per_s": round(len(latencies) / window, 1),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "sold_out_answers": counts["sold_out"],
        "extra_attempts": counts["extra_attempts"],
        "errors": counts["errors"],
        "error_samples": error_samples,
        "wall_s": round(ended - started, 2),
        "timed_out": ended >= deadline,
    }


def recount(bench: dict) -> dict:
    """Places sold per the database, counted three ways; oversold against the quota size."""
    from rideau.inventory.models import Hold, Quota
    from rideau.inventory.queries import check_integrity
    from rideau.orders.models import Order, Position

    quota = Quota.objects.get(pk=bench["quota"])
    holds = Hold.objects.filter(quota_links__quota=quota, state__in=Hold.ACTIVE_STATES).count()
    tickets = Position.objects.filter(order__event_id=bench["event_id"], cancelled=False).count()
    orders = Order.objects.filter(event_id=bench["event_id"]).count()
    _checked, drifts = check_integrity(Quota.objects.filter(pk=quota.pk))
    return {
        "db_orders": orders,
        "db_tickets": tickets,
        "quota_taken": quota.taken,
        "oversold": max(0, tickets - quota.size, holds - quota.size, quota.taken - quota.size),
        "counter_drift": len(drifts),
    }


def main() -> None:
    args = options(__doc__.splitlines()[0], quota=2000, concurrency=64, seconds=120).parse_args()
    setup_django()
    bench = create_bench_event(args.quota)
    with server(args, {"RIDEAU_SHOP_ORDER_RATE": "0"}) as (url, server_desc):
        warm_up(url, f"/api/v1/shop/{bench['organizer']}/{bench['event']}/availability")
        result = asyncio.run(rush(url, bench, concurrency=args.concurrency, seconds=args.seconds))
    print(
        json.dumps(
            {
                "scenario": "rush",
                "quota": args.quota,
                "concurrency": args.concurrency,
                "server": server_desc,
                **result,
                **recount(bench),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
