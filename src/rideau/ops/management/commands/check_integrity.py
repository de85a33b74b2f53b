"""`rideau check-integrity`: recount every capacity counter from its holds and report drift."""

from django.core.management.base import BaseCommand, CommandError

from rideau.inventory.queries import check_integrity
from rideau.inventory.services import repair_drifts


class Command(BaseCommand):
    help = (
        "Recount every quota counter from its held and confirmed holds, list any drift and "
        "exit 1 when there is one; --fix sets drifted counters to their recount."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix", action="store_true", help="repair drifted counters (logged in the audit)"
        )

    def handle(self, *args, fix: bool = False, **options):
        checked, drifts = check_integrity()
        for drift in drifts:
            self.stdout.write(
                f"DRIFT {drift.kind} {drift.object_id} {drift.name!r}: "
                f"stored {drift.stored}, recounted {drift.recounted}"
            )
        if drifts and fix:
            repaired, left = repair_drifts()
            for drift in repaired:
                self.stdout.write(f"FIXED {drift.kind} {drift.object_id}: {drift.recounted}")
            for drift in left:
                self.stdout.write(
                    f"NOT FIXED {drift.kind} {drift.object_id}: recount {drift.recounted} is "
                    "above the quota's size; resize the quota, then run again"
                )
            if left:
                raise CommandError(f"{len(left)} drift(s) left", returncode=1)
            self.stdout.write(f"OK: {checked} quotas checked, {len(repaired)} drift(s) fixed")
            return
        if drifts:
            raise CommandError(f"{len(drifts)} drift(s) in {checked} quotas checked", returncode=1)
        self.stdout.write(f"OK: {checked} quotas checked")
