"""One e-mail written by staff to many people (the buyers of an event, a session's
registrants…), as a background job of `rideau.core.jobs`: the areas choose the recipients,
this module checks the text and writes the messages to the outbox in batches."""

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rideau.core.access import Actor
from rideau.core.errors import ValidationFailed
from rideau.core.models import Job

if TYPE_CHECKING:  # the event the e-mail is about: an argument only (events sits above)
    from rideau.events.models import Event

from .services import queue_email

BATCH = 50  # messages per transaction: a re-run goes on after the last committed batch


def checked_text(subject: str, body: str) -> dict[str, str]:
    """The subject and body as the job keeps them, or ValidationFailed on each empty one."""
    subject, body = subject.strip(), body.strip()
    errors: dict[str, list[str]] = {}
    if not subject:
        errors["subject"] = [str(_("This field is required."))]
    if not body:
        errors["body"] = [str(_("This field is required."))]
    if errors:
        raise ValidationFailed(errors)
    return {"subject": subject[:200], "body": body[:20000]}


def start_writing(
    event: "Event",
    *,
    actor: Actor,
    kind: str,
    subject: str,
    body: str,
    params: Mapping[str, Any],
    errors: Mapping[str, list[str]],
) -> Job:
    """Start the job `kind` writing this text to some of the event's people, `params` saying
    which (the caller checked the permission). `errors`: what the caller found wrong with its
    choice of people, reported with the text's own in one ValidationFailed."""
    from rideau.core import jobs

    found: dict[str, list[str]] = {}
    try:
        text = checked_text(subject, body)
    except ValidationFailed as exc:
        found.update(exc.errors)
    found.update(errors)
    if found:
        raise ValidationFailed(found)
    return jobs.start(
        organizer=event.organizer, event=event, actor=actor, kind=kind, params={**text, **params}
    )


def write_to_all(job: Job, emails: list[str], on_done: Callable[[int], object]) -> None:
    """Queue the job's message (`params` subject and body) once to each address, replying
    to the organiser's contact address; `on_done(total)` runs in the transaction that
    finishes the job (its audit entry). The addresses are fixed on the first run (kept in
    `params`): a re-run after a crash goes on in the same list, whatever changed since
    (nobody skipped, nobody written to twice)."""
    from rideau.core import jobs

    if "recipients" not in job.params:
        job.params = {**job.params, "recipients": emails}
        Job.objects.filter(pk=job.pk).update(params=job.params)
    emails = job.params["recipients"]
    total = len(emails)
    Job.objects.filter(pk=job.pk).update(total=total)
    organizer = job.organizer
    reply_to = [organizer.contact_email] if organizer.contact_email else None
    for offset in range(job.progress, total, BATCH):
        batch = emails[offset : offset + BATCH]
        with transaction.atomic():
            for email in batch:
                queue_email(
                    organizer=organizer,
                    to=[email],
                    subject=job.params["subject"],
                    text=job.params["body"],
                    reply_to=reply_to,
                )
            Job.objects.filter(pk=job.pk).update(progress=offset + len(batch))
    with transaction.atomic():
        jobs.finish(job, progress=total)
        on_done(total)
