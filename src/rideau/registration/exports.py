"""An event's registrations and waitlists as one table (CSV or Excel): one row per
registration (to a session, or to the event) and per active waitlist entry, for the
organiser's badges, room lists and e-mails outside Rideau (SPEC A6)."""

import zoneinfo
from collections.abc import Iterator

from django.db.models import F
from django.utils.translation import gettext as _

from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.i18n import localize
from rideau.core.roles import Perm
from rideau.documents import tables
from rideau.documents.tables import wall_clock
from rideau.events.models import Event

from .models import Registration, WaitlistEntry


def _lines(event: Event) -> Iterator[list]:
    languages = event.organizer.languages
    tz = zoneinfo.ZoneInfo(event.organizer.timezone)
    yield [
        _("Session"),
        _("Starts"),
        _("Location"),
        _("Last name"),
        _("First name"),
        _("E-mail"),
        _("Places"),
        _("Event pass"),
        _("State"),
        _("Since"),
        _("Present"),
    ]
    registrations = (
        Registration.objects.filter(event=event, state=Registration.State.REGISTERED)
        .select_related("session__location", "contact", "passage")
        .order_by(F("session__start").asc(nulls_first=True), "session_id", "created", "pk")
    )
    entries = (
        WaitlistEntry.objects.filter(event=event, state__in=WaitlistEntry.ACTIVE)
        .select_related("session__location", "contact", "passage")
        .order_by(F("session__start").asc(nulls_first=True), "session_id", "pk")
    )
    rows: list[Registration | WaitlistEntry] = [*registrations, *entries]
    for row in rows:
        session = row.session
        yield [
            localize(session.title, fallbacks=languages) if session else _("The event"),
            wall_clock(session.start, tz) if session else "",
            session.location.name if session and session.location else "",
            row.contact.last_name,
            row.contact.first_name,
            row.contact.email,
            row.seats,
            localize(row.passage.name, fallbacks=languages) if row.passage else "",
            row.get_state_display(),
            wall_clock(row.created, tz),
            row.attended if isinstance(row, Registration) else "",
        ]


def export(event: Event, fmt: str, *, actor: Actor) -> bytes:
    """The file's bytes (`fmt`: "csv" or "xlsx"), for staff who manage the event's
    registrations; audited (it carries people's names and addresses)."""
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    if fmt not in tables.FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    content = tables.write(fmt, _("Registrations"), _lines(event))
    audit.record(
        "registrations.exported",
        event,
        actor=actor,
        organizer=event.organizer,
        after={"format": fmt},
    )
    return content
