"""Public event page: 32 keep-alive connections read the page of one public event for a fixed
time. Prints one JSON line (requests/s, p50/p95/p99, errors).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rideau_bench \
        .venv/bin/python bench/pages.py [--url URL] [--concurrency 32] [--seconds 20]
            [--page event|availability]

Without --url it starts `rideau serve` (DEBUG off) on 127.0.0.1 against DATABASE_URL; the bench
writes its event to that database (with --url the server must use the same one).
"""

import asyncio
import json
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
    url: str, path: str, expect: bytes, *, concurrency: int, seconds: float
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
                    status, content = await conn.request("GET", path)
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


def main() -> None:
    parser = options(__doc__.splitlines()[0], quota=2000, concurrency=32, seconds=20)
    parser.add_argument(
        "--page",
        choices=["event", "availability"],
        default="event",
        help="the public event page, or the shop API's availability (a lighter request)",
    )
    args = parser.parse_args()
    setup_django()
    bench = create_bench_event(args.quota)
    if args.page == "event":
        path, expect = f"/{bench['organizer']}/{bench['event']}/", b"Rush night"
    else:
        path = f"/api/v1/shop/{bench['organizer']}/{bench['event']}/availability"
        expect = b'"available": 2000'

    with server(args) as (url, server_desc):
        warm_up(url, path)
        result = asyncio.run(
            read_pages(url, path, expect, concurrency=args.concurrency, seconds=args.seconds)
        )
    print(
        json.dumps(
            {
                "scenario": "pages",
                "page": args.page,
                "concurrency": args.concurrency,
                "server": server_desc,
                **result,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
