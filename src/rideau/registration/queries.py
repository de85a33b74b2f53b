"""Reads: places left per session, the public agenda by day, staff lists."""

import datetime
from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Count, Q
from django.utils import timezone

from rideau.contacts.models import Contact
from rideau.events.models import Event, Session
from rideau.inventory.models import Quota

from .models import Registration, WaitlistEntry

__all__ = ["agenda_by_day", "event_registrants", "places_left"]


def places_left(sessions: Sequence[Session]) -> dict[int, int]:
    """Places left per session: the smallest room among its own quotas (size − taken).
    Sessions without a quota are absent (no limit)."""
    left: dict[int, int] = {}
    quotas = Quota.objects.filter(session__in=[s.pk for s in sessions]).values_list(
        "session_id", "size", "taken"
    )
    for session_id, size, taken in quotas:
        room = max(size - taken, 0)
        left[session_id] = min(left.get(session_id, room), room)
    return left


def agenda_by_day(event: Event) -> list[tuple[datetime.date, list[Session]]]:
    """The event's sessions grouped by day (in the current time zone), each annotated with
    `places_left` (None: no limit), `full` and `waiting` (people on its waitlist)."""
    sessions = list(
        Session.objects.filter(event=event)
        .select_related("location")
        .annotate(waiting=Count("waitlist", filter=Q(waitlist__state=WaitlistEntry.State.WAITING)))
        .order_by("start", "pk")
    )
    limited = event.kind == Event.Kind.ONSITE
    left = places_left(sessions) if limited else {}
    days: dict[datetime.date, list[Session]] = defaultdict(list)
    for session in sessions:
        session.places_left = left.get(session.pk)  # type: ignore[attr-defined]
        session.full = session.places_left is not None and session.places_left <= 0  # type: ignore[attr-defined]
        days[timezone.localtime(session.start).date()].append(session)
    return sorted(days.items())


def event_registrants(event: Event):
    """Every contact registered to at least one session of the event (SPEC A6)."""
    return (
        Contact.objects.filter(
            registrations__session__event=event,
            registrations__state=Registration.State.REGISTERED,
        )
        .annotate(
            sessions=Count(
                "registrations",
                filter=Q(
                    registrations__session__event=event,
                    registrations__state=Registration.State.REGISTERED,
                ),
            )
        )
        .order_by("last_name", "first_name", "email")
    )


def session_registrations(session: Session):
    return (
        Registration.objects.filter(session=session, state=Registration.State.REGISTERED)
        .select_related("contact")
        .order_by("created", "pk")
    )


def session_waitlist(session: Session):
    return (
        WaitlistEntry.objects.filter(session=session, state__in=WaitlistEntry.ACTIVE)
        .select_related("contact")
        .order_by("pk")
    )


def my_agenda(contact: Contact, event: Event):
    registrations = list(
        Registration.objects.filter(
            contact=contact, session__event=event, state=Registration.State.REGISTERED
        )
        .select_related("session__location")
        .order_by("session__start")
    )
    entries = list(
        WaitlistEntry.objects.filter(
            contact=contact, session__event=event, state__in=WaitlistEntry.ACTIVE
        )
        .select_related("session")
        .order_by("session__start")
    )
    from .waitlists import positions

    pos = positions(contact.pk, [e.session_id for e in entries])
    for entry in entries:
        entry.position = pos.get(entry.session_id)  # type: ignore[attr-defined]
    return registrations, entries


def registration_counts(event: Event):
    """Registrations per session of the event: rows of {session_id, n}."""
    return (
        Registration.objects.filter(session__event=event, state=Registration.State.REGISTERED)
        .values("session_id")
        .annotate(n=Count("pk"))
    )
