"""E-mails from staff to an event's registrants — all of them, or one session's, with its
waitlist if asked — as a background job (`rideau.core.jobs`): a room or time change reaches
everyone who registered, whatever their marketing consent (a service message)."""

from django.utils.translation import gettext_lazy as _

from rideau.core import audit, jobs
from rideau.core.access import Actor, require
from rideau.core.errors import RideauError
from rideau.core.models import Job
from rideau.core.roles import Perm
from rideau.events.models import Event, Session
from rideau.messaging import bulk

from .models import Registration, WaitlistEntry

EMAIL_REGISTRANTS = "email_registrants"


def registrant_emails(
    event: Event, *, session: Session | None = None, waiting: bool = False
) -> list[str]:
    """The distinct e-mails (lower case, sorted) of the people registered to the event (to
    any session or to the event itself) or to one session, and of those on its waitlists
    when `waiting`."""
    scope = {"event": event} if session is None else {"event": event, "session": session}
    emails = set(
        Registration.objects.filter(state=Registration.State.REGISTERED, **scope).values_list(
            "contact__email", flat=True
        )
    )
    if waiting:
        emails |= set(
            WaitlistEntry.objects.filter(state__in=WaitlistEntry.ACTIVE, **scope).values_list(
                "contact__email", flat=True
            )
        )
    return sorted({email.lower() for email in emails})


def start_email_registrants(
    event: Event,
    *,
    actor: Actor,
    subject: str,
    body: str,
    session: Session | None = None,
    waiting: bool = False,
) -> Job:
    """Write one e-mail to every registrant of the event (or of one session), through the
    outbox, in the background."""
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    errors: dict[str, list[str]] = {}
    if session is not None and session.event_id != event.pk:
        errors["session"] = [str(_("This session does not belong to this event."))]
    return bulk.start_writing(
        event,
        actor=actor,
        kind=EMAIL_REGISTRANTS,
        subject=subject,
        body=body,
        params={"session": session.pk if session else None, "waiting": waiting},
        errors=errors,
    )


def _email_registrants(job: Job) -> None:
    event, params = jobs.event_of(job), job.params
    session = Session.objects.filter(event=event, pk=params.get("session")).first()
    if params.get("session") and session is None:
        raise RideauError("gone", message=str(_("The session no longer exists.")))
    bulk.write_to_all(
        job,
        registrant_emails(event, session=session, waiting=bool(params.get("waiting"))),
        lambda total: audit.record(
            "event.registrants_contacted",
            event,
            organizer=job.organizer,
            after={
                "job": job.pk,
                "recipients": total,
                "subject": params["subject"],
                "session": params.get("session"),
            },
        ),
    )


def register_kinds() -> None:
    """Registered with `core.jobs` by `RegistrationConfig.ready()`."""
    jobs.register(
        jobs.JobKind(EMAIL_REGISTRANTS, _("E-mail to the registrants"), _email_registrants)
    )
