"""Background jobs with progress: long back-office work that the worker runs and a page
follows (ADR 0027).

A job is a `core.Job` row: its organiser (and the event it is about, if any), its kind,
its parameters, its status and progress, and what it leaves (a file, a result). The kinds
belong to the areas: each registers its own from its `AppConfig.ready()` with `register`,
so this module imports none of them, and `run_job` (the one task the worker runs) looks the
kind up by its key. An area's write service checks the permission and validates, then calls
`start` (the row, the audit entry and the task enqueued once the transaction commits);
its runner reports progress with `progress(job)` and ends with `finish(job, …)`.

A crash (the worker killed, an error) leaves the job `running` or `failed` with what it had
committed: runners save their progress after each batch, so a re-run goes on from there.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from . import audit
from .access import Actor
from .errors import RideauError
from .models import Job, Organizer

if TYPE_CHECKING:  # the event a job is about: an argument only (events sits above core)
    from rideau.events.models import Event


@dataclass(frozen=True)
class JobKind:
    """One kind of job an area runs in the background.

    `run(job)` does the work (reporting progress, ending with `finish`); `content_type` is
    that of the file a finished job of this kind keeps for download, if it keeps one.
    """

    key: str
    label: str | Promise
    run: Callable[[Job], None]
    content_type: str = ""


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    """Register a kind (from the area's `AppConfig.ready()`); registering it again is a no-op,
    another kind under a key already taken is a mistake."""
    known = _KINDS.get(kind.key)
    if known is not None and known != kind:
        raise ValueError(f"job kind {kind.key!r} is already registered")
    _KINDS[kind.key] = kind


def kind_of(key: str) -> JobKind | None:
    return _KINDS.get(key)


def registered() -> list[JobKind]:
    return list(_KINDS.values())


def start(
    *,
    organizer: Organizer,
    actor: Actor,
    kind: str,
    params: Mapping[str, Any],
    event: "Event | None" = None,
    audit_params: Mapping[str, Any] | None = None,
) -> Job:
    """Record a job of a registered `kind` and queue it for the worker once the caller's
    transaction commits; audited as `job.<kind>`. The caller has checked the permission."""
    if kind not in _KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    with transaction.atomic():
        job = Job.objects.create(
            organizer=organizer,
            event=event,
            kind=kind,
            params=dict(params),
            created_by=actor.user if actor.user is not None else None,
        )
        audit.record(
            f"job.{kind}",
            job,
            actor=actor,
            organizer=organizer,
            after={"event": event.pk if event else None, **(audit_params or params)},
        )
        transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job


def event_of(job: Job) -> "Event":
    """The event of a job started for one (an export, an e-mail to its people); `gone` when
    the event was deleted since."""
    if job.event is None:
        raise RideauError("gone", message=str(_("The event no longer exists.")))
    return job.event


@task()
def run_job(job_id: int) -> str:
    """Run one job by its kind; a failure marks it failed with the error, and is raised again
    so the task backend records it too."""
    job = Job.objects.select_related("organizer", "event__organizer", "created_by").get(pk=job_id)
    if job.status == Job.Status.DONE:
        return job.status
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    try:
        kind = _KINDS.get(job.kind)
        if kind is None:
            raise LookupError(f"no area registers the job kind {job.kind!r}")
        kind.run(job)
    except Exception as exc:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED, error=str(exc)[:500], finished=timezone.now()
        )
        raise
    return Job.Status.DONE


def progress(job: Job) -> Callable[[int, int], None]:
    """A callback saving `done` out of `total` on the job, for code that counts its items."""

    def report(done: int, total: int) -> None:
        Job.objects.filter(pk=job.pk).update(progress=done, total=total)

    return report


def finish(job: Job, **fields: Any) -> None:
    """Mark the job done now, saving `fields` (`progress`, `result`, `file`…) with it."""
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, finished=timezone.now(), **fields)
