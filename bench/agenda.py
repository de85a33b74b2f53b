"""Agenda rush: N attendees each choose K sessions among M at once through the public agenda
API, on sessions of --quota places each; an attendee refused a full session registers to
the others one by one and joins the full one's waitlist. Then a tenth of the registrations
are cancelled, so the waitlists hand out places. Prints one JSON line.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rideau_bench \\
        .venv/bin/python bench/agenda.py [--url URL] [--attendees 600] [--sessions 8]
            [--choose 3] [--quota 150] [--concurrency 32]

Without --url it starts `rideau serve` (DEBUG off) on 127.0.0.1 against DATABASE_URL. With --url
the server must use the same database (the bench writes its event there) and run with
RIDEAU_AGENDA_RATE=0 (every attendee here comes from 127.0.0.1).

Correctness: `overbooked` (registrations beyond a session's capacity, and quota counters
beyond their size) and `waitlist_order_violations` (an offer made while someone who joined
the same waitlist earlier still waits) must both be 0.
"""

import asyncio
import json
import random
import time

from _common import MAX_ERRORS, Connection, options, percentile, server, setup_django, warm_up


def create_agenda_event(sessions: int, capacity: int) -> dict:
    """A fresh organiser with one public on-site event whose agenda attendees build
    themselves: `sessions` sessions an hour apart (no two overlap), `capacity` places each
    (a quota per session, created directly as the programme service would: it needs a staff
    actor), waitlists on (the default)."""
    import datetime
    import uuid

    from django.utils import timezone

    from rideau.core.models import Organizer
    from rideau.events.models import Event, Session
    from rideau.inventory.models import Quota

    tag = uuid.uuid4().hex[:8]
    organizer = Organizer.objects.create(slug=f"bench-{tag}", name=f"Bench {tag}")
    event = Event.objects.create(
        organizer=organizer,
        slug="summit",
        name={"en": "Summit"},
        visibility=Event.Visibility.PUBLIC,
        kind=Event.Kind.ONSITE,
        self_agenda=True,
    )
    start = (timezone.now() + datetime.timedelta(days=30)).replace(minute=0, second=0)
    ids = []
    for i in range(sessions):
        session = Session.objects.create(
            event=event,
            title={"en": f"Session {i + 1}"},
            start=start + datetime.timedelta(hours=i),
            end=start + datetime.timedelta(hours=i, minutes=50),
            capacity=capacity,
        )
        Quota.objects.create(
            organizer=organizer, name=f"Session {i + 1}", size=capacity, session=session
        )
        ids.append(session.pk)
    return {"organizer": organizer.slug, "event": event.slug, "event_id": event.pk, "ids": ids}


async def rush(
    url: str, bench: dict, *, attendees: int, choose: int, concurrency: int, seconds: float
) -> dict:
    path = f"/api/v1/shop/{bench['organizer']}/{bench['event']}/agenda"
    latencies: list[float] = []
    counts = {"registered": 0, "full": 0, "waiting": 0, "errors": 0}
    samples: list[str] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(attendees):
        queue.put_nowait(i)
    started = time.perf_counter()
    deadline = started + seconds

    async def post(conn: Connection, body: dict) -> tuple[int, bytes]:
        t0 = time.perf_counter()
        status, content = await conn.request("POST", path, body)
        if status == 201:
            latencies.append((time.perf_counter() - t0) * 1000)
        return status, content

    def error(status: int, content: bytes) -> None:
        counts["errors"] += 1
        if len(samples) < 3:
            samples.append(f"{status} {content[:200]!r}")

    async def worker() -> None:
        conn = Connection(url)
        rng = random.Random()
        try:
            while time.perf_counter() < deadline and counts["errors"] < MAX_ERRORS:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                email = f"attendee{i}@bench.example"
                picks = rng.sample(bench["ids"], choose)
                status, content = await post(conn, {"email": email, "sessions": picks})
                if status == 201:
                    counts["registered"] += len(picks)
                    continue
                if status != 422 or b'"full"' not in content:
                    error(status, content)
                    continue
                counts["full"] += 1
                for pick in picks:  # one by one; a full one's waitlist instead
                    status, content = await post(conn, {"email": email, "sessions": [pick]})
                    if status == 201:
                        counts["registered"] += 1
                        continue
                    if status == 422 and b'"full"' in content:
                        status, content = await post(conn, {"email": email, "waitlist": [pick]})
                        if status == 201:
                            counts["waiting"] += 1
                            continue
                    error(status, content)
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    ended = time.perf_counter()
    latencies.sort()
    window = max(ended - started, 1e-9)
    return {
        "requests_ok": len(latencies),
        "registrations": counts["registered"],
        "seconds": round(window, 2),
        "registrations_per_s": round(counts["registered"] / window, 1),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "full_answers": counts["full"],
        "waitlist_joins": counts["waiting"],
        "errors": counts["errors"],
        "error_samples": samples,
        "timed_out": ended >= deadline,
    }


def cancel_and_check(bench: dict) -> dict:
    """Cancel a tenth of the registrations (their places go to the waitlists), then count
    overbooking and waitlist order violations in the database."""
    from django.db.models import Count, F, Q

    from rideau.inventory.models import Quota
    from rideau.inventory.queries import check_integrity
    from rideau.registration import services
    from rideau.registration.models import Registration, WaitlistEntry

    registrations = list(
        Registration.objects.filter(event_id=bench["event_id"], state="registered").order_by("?")
    )
    for registration in registrations[: len(registrations) // 10]:
        services.cancel(registration)
    quotas = Quota.objects.filter(session__event_id=bench["event_id"])
    per_session = (
        Registration.objects.filter(event_id=bench["event_id"], state="registered")
        .values("session_id")
        .annotate(n=Count("pk"))
    )
    size = {q.session_id: q.size for q in quotas}
    overbooked = sum(max(0, row["n"] - size[row["session_id"]]) for row in per_session)
    overbooked += sum(max(0, q.taken - q.size) for q in quotas)
    promoted = WaitlistEntry.objects.filter(event_id=bench["event_id"], state="offered")
    violations = (
        promoted.annotate(
            earlier=Count(
                "session__waitlist",
                filter=Q(session__waitlist__state="waiting", session__waitlist__pk__lt=F("pk")),
            )
        )
        .filter(earlier__gt=0)
        .count()
    )
    _checked, drifts = check_integrity(quotas)
    return {
        "cancelled": len(registrations) // 10,
        "offers_made": promoted.count(),
        "overbooked": overbooked,
        "waitlist_order_violations": violations,
        "counter_drift": len(drifts),
    }


def main() -> None:
    parser = options(__doc__.splitlines()[0], quota=150, concurrency=32, seconds=120)
    parser.add_argument("--attendees", type=int, default=600)
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--choose", type=int, default=3)
    args = parser.parse_args()
    if not 1 <= args.choose <= args.sessions:
        parser.error("--choose must be between 1 and --sessions")
    setup_django()
    bench = create_agenda_event(args.sessions, args.quota)
    with server(args, {"RIDEAU_AGENDA_RATE": "0"}) as (url, server_desc):
        warm_up(url, f"/{bench['organizer']}/{bench['event']}/agenda/")
        result = asyncio.run(
            rush(
                url,
                bench,
                attendees=args.attendees,
                choose=args.choose,
                concurrency=args.concurrency,
                seconds=args.seconds,
            )
        )
    print(
        json.dumps(
            {
                "scenario": "agenda",
                "attendees": args.attendees,
                "sessions": args.sessions,
                "choose": args.choose,
                "capacity": args.quota,
                "concurrency": args.concurrency,
                "server": server_desc,
                **result,
                **cancel_and_check(bench),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
