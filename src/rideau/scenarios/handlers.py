"""Triggered journeys (SPEC E6): every domain event kind that declares `trigger_label` can
start a scenario. The subscription is generic — this module imports no area: it walks the
registry of event kinds once the apps are loaded."""

from rideau.core import domain_events

from . import engine


def start_journeys(event: domain_events.DomainEvent) -> int:
    """Put the event's contact on every running scenario that starts on this event."""
    return engine.start_on_event(event)


domain_events.discover_kinds()
for _kind in domain_events.kinds():
    if getattr(_kind, "trigger_label", None):
        domain_events.subscribe(_kind)(start_journeys)
