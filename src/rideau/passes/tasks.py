"""Periodic passes jobs, found by the worker through `rideau.core.periodic`."""

from rideau.core.periodic import periodic

from . import resale


@periodic(every=60, name="passes.withdraw_started_resales")
def withdraw_started_resales() -> int:
    """Listings unsold when their date starts: withdrawn, with an e-mail (idempotent)."""
    return resale.withdraw_started()
