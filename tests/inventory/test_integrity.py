"""`rideau check-integrity`: recount every counter from holds, report and repair drift."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from rideau.core.models import AuditLogEntry
from rideau.inventory import queries, services
from rideau.inventory.models import Quota, SeatHold
from rideau.inventory.services import HoldRequest
from tests.factories import QuotaFactory

from .conftest import NOW, seat, seated_plan


def sell(show, quantity, *, rate=None, seats=()):
    with transaction.atomic():
        return services.take(
            organizer=show.organizer,
            items=[
                HoldRequest(
                    quantity=quantity, date=show.date, rate=rate or show.full, seats=list(seats)
                )
            ],
            expires_at=None,
            owner_ref="order",
            now=NOW,
        )


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("check_integrity", *args, stdout=out)
    return out.getvalue()


def test_clean_counters_pass(show):
    QuotaFactory(date=show.date, size=10)
    QuotaFactory(organizer=show.organizer, date=None, rate=show.reduced, size=5)
    sell(show, 3, rate=show.reduced)
    [hold] = sell(show, 2)
    services.release([hold], now=NOW)

    assert run() == "OK: 2 quotas checked\n"


def test_a_drift_is_reported_and_exits_1(show):
    hall = QuotaFactory(date=show.date, size=10, name="Hall")
    sell(show, 4)
    Quota.objects.filter(pk=hall.pk).update(taken=7)

    with pytest.raises(CommandError) as err:
        run()

    assert err.value.returncode == 1
    assert str(err.value) == "1 drift(s) in 1 quotas checked"
    _checked, drifts = queries.check_integrity()
    assert drifts == [queries.Drift("quota", hall.pk, "Hall", 7, 4)]


def test_fix_repairs_the_counter_and_logs_it(show):
    hall = QuotaFactory(date=show.date, size=10, name="Hall")
    sell(show, 4)
    Quota.objects.filter(pk=hall.pk).update(taken=1)

    out = run("--fix")

    assert out == (
        f"DRIFT quota {hall.pk} 'Hall': stored 1, recounted 4\n"
        f"FIXED quota {hall.pk}: 4\n"
        "OK: 1 quotas checked, 1 drift(s) fixed\n"
    )
    hall.refresh_from_db()
    assert hall.taken == 4
    assert AuditLogEntry.objects.filter(action="quota.recounted").count() == 1
    assert run() == "OK: 1 quotas checked\n"


def test_a_stale_seat_row_is_a_drift(show):
    plan = seated_plan(show.organizer, {"A": 2})
    show.date.location = plan.location
    show.date.save()
    QuotaFactory(date=show.date, size=10)
    [hold] = sell(show, 0, seats=[seat(plan, "A", 1)])
    services.release([hold], now=NOW)
    SeatHold.objects.update(active=True)

    _checked, drifts = queries.check_integrity()
    assert [d.kind for d in drifts] == ["seat_hold"]

    run("--fix")
    assert SeatHold.objects.filter(active=True).count() == 0


def test_the_rideau_cli_maps_dashes_and_exits_1_on_drift(show, monkeypatch, capsys):
    from django.db import connections

    from rideau import cli

    hall = QuotaFactory(date=show.date, size=10, name="Hall")
    # a command run from argv closes every connection when done; keep the test's open
    monkeypatch.setattr(connections, "close_all", lambda: None)
    monkeypatch.setattr("sys.argv", ["rideau", "check-integrity"])
    cli.main()
    assert capsys.readouterr().out == "OK: 1 quotas checked\n"

    Quota.objects.filter(pk=hall.pk).update(taken=2)
    with pytest.raises(SystemExit) as exit_:
        cli.main()

    assert exit_.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == f"DRIFT quota {hall.pk} 'Hall': stored 2, recounted 0\n"
    assert captured.err == "CommandError: 1 drift(s) in 1 quotas checked\n"


def test_expired_but_unreclaimed_holds_still_count(show):
    """The counter keeps an expired hold's places until it is reclaimed: no drift meanwhile."""
    QuotaFactory(date=show.date, size=10)
    with transaction.atomic():
        services.take(
            organizer=show.organizer,
            items=[HoldRequest(quantity=2, date=show.date)],
            expires_at=NOW + datetime.timedelta(minutes=1),
            owner_ref="cart",
            now=NOW,
        )

    assert queries.check_integrity() == (1, [])
    services.release_expired_holds(now=NOW + datetime.timedelta(minutes=2))
    assert queries.check_integrity() == (1, [])
    assert Quota.objects.get().taken == 0
