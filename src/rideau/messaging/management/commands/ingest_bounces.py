"""`rideau ingest-bounces`: read bounce reports (DSN) that came back after delivery.

Two ways to feed it (docs/outbox.md):

- piped, one report on standard input, from the mail server of the bounce domain, e.g.
  Postfix `bounces: "|/srv/rideau/.venv/bin/rideau ingest-bounces"` (the envelope
  recipient is read from `ORIGINAL_RECIPIENT`, which Postfix sets, or `--recipient`);
- `--maildir PATH`: every report in the maildir's `new/`, moved to `cur/` once read
  (run it from cron, or after fetchmail/mbsync filled the maildir).
"""

import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rideau.messaging.feedback import ingest_bounce


class Command(BaseCommand):
    help = "Read bounce reports (DSN) from standard input or a maildir."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--maildir", help="read every message of this maildir's new/")
        parser.add_argument(
            "--recipient",
            default=os.environ.get("ORIGINAL_RECIPIENT", ""),
            help="the envelope recipient of the piped report (default: $ORIGINAL_RECIPIENT)",
        )

    def handle(self, *args, maildir: str | None, recipient: str, **options) -> None:
        if maildir is None:
            report = ingest_bounce(sys.stdin.buffer.read(), recipient)
            self._say(report)
            return
        folder = Path(maildir)
        if not (folder / "new").is_dir():
            raise CommandError(f"{folder} is not a maildir (no new/ folder)")
        (folder / "cur").mkdir(exist_ok=True)
        count = 0
        for path in sorted((folder / "new").iterdir()):
            if not path.is_file():
                continue
            self._say(ingest_bounce(path.read_bytes()))
            path.rename(folder / "cur" / f"{path.name}:2,S")  # read: never ingested twice
            count += 1
        self.stdout.write(f"{count} reports read")

    def _say(self, report) -> None:
        if report.message_id is None:
            self.stdout.write("not one of our messages: ignored")
        else:
            kind = "bounced" if report.permanent else "delayed"
            self.stdout.write(f"message {report.message_id}: {kind} ({report.status})")
