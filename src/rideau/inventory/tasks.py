"""Periodic inventory jobs, found by the worker through `rideau.core.periodic`."""

from rideau.core.periodic import periodic

from . import services


@periodic(every=30, name="inventory.release_expired_holds")
def release_expired_holds() -> int:
    """Give back the places of holds past their deadline (idempotent, batched)."""
    return services.release_expired_holds()
