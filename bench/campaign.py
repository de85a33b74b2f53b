"""Campaign benchmark: a scenario step to N contacts, delivered to a local SMTP sink.

    DATABASE_URL=postgres://… .venv/bin/python bench/campaign.py [--contacts N]

Prints one JSON line:
- `fanout_seconds`: time to fan step 1 out to the outbox (`run_due_steps`: enrolment is
  one INSERT … SELECT at the start, then batches of outbox rows), and its slowest query;
- `messages_per_second_per_worker`: one `rideau worker --queues campaign` process handing
  the messages to SMTP (rendered per recipient, tracked links, pixel, List-Unsubscribe);
- the crash run: a worker killed with SIGKILL in the middle of `--crash-messages` (once the
  sink has a third of them: mid-batch, before the batch's UPDATE), another worker
  finishing (after the dead one's lease, reading its batch's journal): `lost` (must be 0)
  and `duplicates` (counted by Message-ID at the sink; 0 expected, at most the message in
  flight at the kill).
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, free_port, options, setup_django

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class Sink:
    """A local SMTP server that only counts Message-IDs (cheap enough to keep up)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.ids: list[bytes] = []
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                found = MESSAGE_ID.search(envelope.original_content or envelope.content)
                with sink.lock:
                    sink.ids.append(found.group(1) if found else b"?")
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def count(self) -> tuple[int, int]:
        with self.lock:
            return len(self.ids), len(set(self.ids))

    def reset(self) -> None:
        with self.lock:
            self.ids.clear()

    def stop(self) -> None:
        self.controller.stop()


def make_world(contacts: int):
    from django.db import transaction

    from rideau.contacts.models import Contact
    from rideau.core.models import Organizer
    from rideau.messaging.models import MessageTemplate
    from rideau.scenarios.models import Scenario, Segment, Step

    tag = uuid.uuid4().hex[:8]
    with transaction.atomic():
        organizer = Organizer.objects.create(
            slug=f"bench-{tag}", name=f"Bench {tag}", languages=["en", "fr"]
        )
        batch = 10_000
        for start in range(0, contacts, batch):
            Contact.objects.bulk_create(
                [
                    Contact(
                        organizer=organizer,
                        email=f"c{i}@bench.example",
                        first_name=f"Name{i}",
                        consent_email=True,
                        language="en" if i % 2 else "fr",
                    )
                    for i in range(start, min(contacts, start + batch))
                ]
            )
        template = MessageTemplate.objects.create(
            organizer=organizer,
            name="Bench",
            subject={"en": "Hello {{ first_name }}", "fr": "Bonjour {{ first_name }}"},
            body_text={"en": "Hello {{ first_name }}, https://example.org/season"},
            body_html={
                "en": '<p>Hello {{ first_name }}, <a href="https://example.org/season">season</a></p>',
                "fr": '<p>Bonjour {{ first_name }}, <a href="https://example.org/saison">saison</a></p>',
            },
        )
        segment = Segment.objects.create(
            organizer=organizer,
            name="All",
            conditions=[{"field": "consent_email", "value": True, "not": False}],
        )
        scenario = Scenario.objects.create(organizer=organizer, name="Bench", segment=segment)
        Step.objects.create(scenario=scenario, position=1, template=template)
    return organizer, scenario


def fan_out(scenario) -> dict:
    """Start the scenario as `services.start_scenario` does (without a staff actor), then
    run its due step: every contact's outbox message is written."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from rideau.scenarios import engine
    from rideau.scenarios.models import Scenario

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            now = timezone.now()
            Scenario.objects.filter(pk=scenario.pk).update(
                status=Scenario.Status.RUNNING, started_at=now
            )
            scenario.refresh_from_db()
            engine.enroll_segment(scenario, now)
        report = engine.run_due_steps(max_batches=10**9)
    slowest = max((float(q.get("time") or 0) for q in queries.captured_queries), default=0.0)
    return {
        "fanout_seconds": round(time.perf_counter() - started, 2),
        "fanout_messages": report.messages,
        "slowest_query_s": slowest,
    }


def worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "rideau"),
            "worker",
            "--queues",
            "campaign",
            "--interval",
            "0.2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def sent_count(organizer) -> int:
    from rideau.messaging.models import OutboxMessage

    return OutboxMessage.objects.filter(organizer=organizer, status="sent").count()


def wait_sent(organizer, total: int, timeout: float) -> float:
    """Seconds from the first message handed to SMTP to the last (worker start-up aside)."""
    deadline = time.perf_counter() + timeout
    while sent_count(organizer) == 0 and time.perf_counter() < deadline:
        time.sleep(0.05)
    started = time.perf_counter()
    while sent_count(organizer) < total:
        if time.perf_counter() - started > timeout:
            break
        time.sleep(0.2)
    return time.perf_counter() - started


def main() -> None:
    parser = options("Campaign: fan-out, SMTP hand-off per worker, crash safety.")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--crash-messages", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    sink = Sink()
    env = {
        **os.environ,
        "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
        "RIDEAU_CAMPAIGN_BATCH": "500",
        "RIDEAU_OUTBOX_LEASE_SECONDS": "5",
    }
    result: dict = {"bench": "campaign", "contacts": args.contacts, "database": connection.vendor}
    try:
        organizer, scenario = make_world(args.contacts)
        result |= fan_out(scenario)
        process = worker(env)
        elapsed = wait_sent(organizer, args.contacts, args.timeout)
        process.terminate()
        process.wait(30)
        sent = sent_count(organizer)
        result["sent"] = sent
        result["messages_per_second_per_worker"] = round(sent / elapsed, 1) if elapsed else None

        # crash run: SIGKILL a worker mid-send, let another finish after the lease
        crash = args.crash_messages or min(args.contacts, 2000)
        sink.reset()
        organizer2, scenario2 = make_world(crash)
        fan_out(scenario2)
        first = worker(env)
        # killed by what the sink received, not by what the database says was sent: the
        # kill lands in the middle of a batch, between its acceptances and its UPDATE
        while sink.count()[0] < crash // 3:
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait()
        second = worker(env)
        wait_sent(organizer2, crash, args.timeout)
        second.terminate()
        second.wait(30)
        total, unique = sink.count()
        result["crash_messages"] = crash
        result["lost"] = crash - unique
        result["duplicates"] = total - unique
        result["lease_seconds"] = int(env["RIDEAU_OUTBOX_LEASE_SECONDS"])
        result["batch"] = int(env["RIDEAU_CAMPAIGN_BATCH"])
    finally:
        sink.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
