"""Periodic order jobs, found by the worker through `rideau.core.periodic`."""

from rideau.core.periodic import periodic

from . import services


@periodic(every=30, name="orders.expire_orders")
def expire_orders() -> int:
    """Pending orders past their payment deadline become expired and tell the buyer."""
    return services.expire_orders()
