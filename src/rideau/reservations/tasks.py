"""Periodic reservation jobs, found by the worker through `rideau.core.periodic`. They only
make side effects prompt (DESIGN rule 2): a reservation past its release time has lost its
places whether or not they ran."""

from rideau.core.periodic import periodic

from . import services


@periodic(every=30, name="reservations.release_due")
def release_due() -> int:
    """Reservations past their release time: cancelled, places back, buyer told."""
    return services.release_due()


@periodic(every=300, name="reservations.remind_due")
def remind_due() -> int:
    """Reminders before a deadline (per the release policy's hours)."""
    return services.remind_due()
