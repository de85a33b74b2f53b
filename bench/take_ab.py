"""The capacity engine's two implementations, A/B in one process: wall time of
`orders.services.place_order` and of the `inventory.services.take` inside it, per order,
lean (PostgreSQL's one round trip) and ORM in alternation. Prints one JSON line per round.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rideau_bench \
        .venv/bin/python bench/take_ab.py [--orders 150] [--rounds 3]
"""

import argparse
import json
import time

from _common import create_bench_event, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    from rideau.catalog.models import Rate
    from rideau.core.models import Organizer
    from rideau.events.models import Event, EventDate
    from rideau.orders import services as orders

    bench = create_bench_event(2 * args.orders * (args.rounds + 1) + 100)
    organizer = Organizer.objects.get(slug=bench["organizer"])
    event = Event.objects.get(pk=bench["event_id"])
    rate = Rate.objects.select_related("product").get(pk=bench["rate"])
    date = EventDate.objects.get(pk=bench["date"])
    engine_take = orders.inventory.take
    spent = {"take": 0.0}

    def timed_take(**kwargs):
        t0 = time.perf_counter()
        try:
            return engine_take(**kwargs)
        finally:
            spent["take"] += time.perf_counter() - t0

    orders.inventory.take = timed_take  # the module place_order calls through

    def run(lean: bool, n: int) -> dict:
        settings.RIDEAU_LEAN_TAKE = lean
        spent["take"] = 0.0
        t0 = time.perf_counter()
        for i in range(n):
            orders.place_order(
                organizer,
                event=event,
                lines=[orders.OrderLine(rate=rate, date=date)],
                buyer=orders.Buyer(email=f"ab{i}@bench.example"),
            )
        return {
            "place_order_ms": round((time.perf_counter() - t0) / n * 1000, 2),
            "take_ms": round(spent["take"] / n * 1000, 2),
        }

    run(True, 20)
    run(False, 20)
    for round_ in range(args.rounds):
        lean, orm = run(True, args.orders), run(False, args.orders)
        print(json.dumps({"round": round_, "lean": lean, "orm": orm}), flush=True)


if __name__ == "__main__":
    main()
