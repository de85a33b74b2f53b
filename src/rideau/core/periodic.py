"""Periodic jobs run by `rideau worker`: a small in-process registry.

Time never needs a cron to be correct (DESIGN rule 2): a periodic job only makes side
effects happen promptly, so each job must be idempotent and safe to run on several
workers at once. Declare one in an app's `tasks.py` (imported by the worker)::

    @periodic(every=30)
    def release_expired_holds() -> None: ...

Last-run times are kept in memory: a restarted worker runs every job on its first pass.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger("rideau.periodic")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Callable[[], object]
    every: float


_registry: dict[str, PeriodicJob] = {}


def periodic(*, every: float, name: str | None = None) -> Callable:
    """Register the decorated function to run every `every` seconds in the worker."""
    if every <= 0:
        raise ValueError("every must be a positive number of seconds")

    def decorator(func: Callable[[], object]) -> Callable[[], object]:
        job_name = name or f"{func.__module__}.{func.__qualname__}"
        _registry[job_name] = PeriodicJob(name=job_name, func=func, every=every)
        return func

    return decorator


def registered_jobs() -> list[PeriodicJob]:
    return sorted(_registry.values(), key=lambda job: job.name)


def discover_jobs() -> list[PeriodicJob]:
    """Import every installed app's `tasks` module so its jobs register themselves."""
    autodiscover_modules("tasks")
    return registered_jobs()


class Scheduler:
    """Runs the registered jobs that are due; one failing job never stops the others."""

    def __init__(
        self, jobs: list[PeriodicJob] | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.jobs = jobs if jobs is not None else registered_jobs()
        self.clock = clock
        self.last_run: dict[str, float] = {}

    def run_due(self) -> list[str]:
        """Run each due job once; return the names of the jobs that ran."""
        ran = []
        for job in self.jobs:
            now = self.clock()
            last = self.last_run.get(job.name)
            if last is not None and now - last < job.every:
                continue
            self.last_run[job.name] = now
            ran.append(job.name)
            try:
                job.func()
            except Exception:
                logger.exception("periodic job %s failed", job.name)
        return ran
