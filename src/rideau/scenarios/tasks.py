"""Periodic job of the scenarios area: run the steps that are due (idempotent)."""

from rideau.core.periodic import periodic

from . import engine


@periodic(every=5, name="scenarios.run_due_steps")
def run_due_steps() -> engine.RunReport:
    return engine.run_due_steps()
