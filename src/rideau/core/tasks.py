"""Periodic core jobs, found by the worker through `rideau.core.periodic`."""

from . import domain_events
from .periodic import periodic


@periodic(every=2, name="core.process_domain_events")
def process_domain_events() -> domain_events.ProcessReport:
    """Run the handlers of new domain events, and retry the failed ones that are due."""
    return domain_events.process_events()
