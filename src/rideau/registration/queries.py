"""Reads: places left per session, the public agenda by day, staff lists."""

import datetime
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from rideau.contacts.models import Contact
from rideau.events.models import Event, Session
from rideau.inventory.models import Hold, Quota

from .models import AgendaSettings, Registration, WaitlistEntry

__all__ = [
    "SEGMENT_KINDS",
    "AgendaView",
    "agenda_by_day",
    "agenda_view",
    "event_passages",
    "event_places_left",
    "event_registered_places",
    "event_registrants",
    "invited_contacts",
    "kept_owner",
    "kept_places",
    "people_waiting",
    "places_left",
    "registered_contacts",
    "segment",
    "session_attendance",
    "waitlisted_contacts",
]


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


@dataclass
class AgendaView:
    """What registering an attendee to sessions reads, in one statement (`agenda_view`)."""

    # the sessions asked for and those of the attendee's agenda, by id, each with
    # `registered` (the attendee is registered to it), `entry` (the state of their entry in
    # its waitlist, "waiting" or "offered", or None) and `offered` (holds an offer for it)
    sessions: dict[int, Session]
    contact: Contact | None  # the attendee's contact (id, e-mail, names, language), if known
    settings: AgendaSettings


_CONTACT_FIELDS = ("id", "organizer_id", "email", "first_name", "last_name", "language")


def lock_attendee(event: Event, email: str) -> None:
    """Lock the contact of `email` at the event's organiser, if there is one, until the
    caller's transaction ends (PostgreSQL; SQLite serialises writers): one attendee's
    requests register one at a time, and a second request, once the first has committed,
    reads the agenda the first wrote (a new address: ADR 0028). Matched as the contacts'
    unique index matches (organiser, lower-case e-mail)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Contact._meta.db_table} "  # noqa: S608 (a model's table name)
            "WHERE organizer_id = %s AND lower(email) = lower(%s) FOR UPDATE",
            [event.organizer_id, email],
        )


def agenda_view(event: Event, email: str, ids: Collection[int]) -> AgendaView:
    """The sessions `ids` of `event`, the agenda (sessions registered or offered) of the
    contact of `email` at it, that contact and the event's agenda settings: what
    `services.register` checks, in one statement on both databases instead of five ORM
    reads (the ORM compiling them cost more than the database answering them). The
    contact is matched as its unique index does (organiser, lower-case e-mail)."""
    session, contact = Session._meta.db_table, Contact._meta.db_table
    registration, waitlist = Registration._meta.db_table, WaitlistEntry._meta.db_table
    agenda_settings = AgendaSettings._meta.db_table
    asked = ", ".join(["%s"] * len(ids)) or "NULL"
    quote = connection.ops.quote_name
    settings_fields = [f.attname for f in AgendaSettings._meta.concrete_fields]
    picked = ", ".join(
        [f"c.{quote(name)} AS {quote('c_' + name)}" for name in _CONTACT_FIELDS]
        + [f"a.{quote(name)} AS {quote('a_' + name)}" for name in settings_fields]
    )
    sql = f"""
        SELECT * FROM (
            SELECT s.*, {picked},
                EXISTS (SELECT 1 FROM {registration} r WHERE r.session_id = s.id
                    AND r.contact_id = c.id AND r.state = 'registered') AS registered,
                (SELECT w.state FROM {waitlist} w WHERE w.session_id = s.id
                    AND w.contact_id = c.id AND w.state IN ('waiting', 'offered')) AS entry
            FROM {session} s
            LEFT JOIN {contact} c ON c.organizer_id = %s AND lower(c.email) = lower(%s)
            LEFT JOIN {agenda_settings} a ON a.event_id = s.event_id
            WHERE s.event_id = %s
        ) found
        WHERE found.id IN ({asked}) OR found.registered OR found.entry = 'offered'
        ORDER BY found.start, found.id
    """  # noqa: S608 (table and column names from the models, values as parameters)
    params = [event.organizer_id, email, event.pk, *ids]
    sessions: dict[int, Session] = {}
    found: Contact | None = None
    settings = AgendaSettings(event=event)
    for row in Session.objects.raw(sql, params):
        extra = vars(row)  # the columns that are not the session's
        row.event = event  # the engine reads it: no statement per session
        extra["registered"] = bool(extra["registered"])  # SQLite answers 0 or 1
        extra["offered"] = extra["entry"] == WaitlistEntry.State.OFFERED
        sessions[row.pk] = row
        if found is None and extra["c_id"] is not None:  # the fields read; others deferred
            found = Contact.from_db(
                connection.alias, _CONTACT_FIELDS, [extra["c_" + n] for n in _CONTACT_FIELDS]
            )
            found.organizer = event.organizer
        if extra["a_id"] is not None and settings.pk is None:  # every field, as the ORM reads it
            fields = AgendaSettings._meta.concrete_fields
            settings = AgendaSettings.from_db(
                connection.alias,
                settings_fields,
                [f.to_python(extra["a_" + f.attname]) for f in fields],
            )
            settings.event = event
    return AgendaView(sessions=sessions, contact=found, settings=settings)


def kept_owner(entry_id: int) -> str:
    """The owner of the places kept for a waiting group (`waitlists.keep`)."""
    return f"kept:{entry_id}"


def kept_places(entries: list[WaitlistEntry]) -> dict[int, int]:
    """Places kept for each of these (group) entries, by entry id (absent: none)."""
    owners = {kept_owner(entry.pk): entry.pk for entry in entries if entry.seats > 1}
    kept: dict[int, int] = {}
    if not owners:
        return kept
    for owner, quantity in Hold.objects.filter(
        owner_ref__in=list(owners), state__in=Hold.ACTIVE_STATES
    ).values_list("owner_ref", "quantity"):
        kept[owners[owner]] = kept.get(owners[owner], 0) + quantity
    return kept


def event_places_left(event: Event) -> int | None:
    """Places left for event-level registration: the smallest room among the event-wide
    quotas (the event alone: no date, product, rate or session); None: no such quota."""
    rows = Quota.objects.filter(
        event=event, date=None, product=None, rate=None, session=None
    ).values_list("size", "taken")
    rooms = [max(size - taken, 0) for size, taken in rows]
    return min(rooms) if rooms else None


def agenda_by_day(event: Event) -> list[tuple[datetime.date, list[Session]]]:
    """The event's sessions grouped by day (in the current time zone), each annotated with
    `places_left` (None: no limit), `full` and `waiting` (people on its waitlist: the places
    its waiting entries ask for, a group counting its size)."""
    sessions = list(
        Session.objects.filter(event=event)
        .select_related("location")
        .annotate(
            waiting=Coalesce(
                Sum("waitlist__seats", filter=Q(waitlist__state=WaitlistEntry.State.WAITING)), 0
            )
        )
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
            registrations__event=event,
            registrations__state=Registration.State.REGISTERED,
        )
        .annotate(
            sessions=Count(
                "registrations",
                filter=Q(
                    registrations__event=event,
                    registrations__session__isnull=False,
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
        .select_related("contact", "swap_from__session")
        .order_by("pk")
    )


def event_level_registrations(event: Event):
    """Registrations to the event itself (event-level registration, SPEC A1)."""
    return (
        Registration.objects.filter(
            event=event, session__isnull=True, state=Registration.State.REGISTERED
        )
        .select_related("contact", "passage")
        .order_by("created", "pk")
    )


def event_waitlist(event: Event):
    """The event's own waitlist (event-level registration, SPEC A9)."""
    return (
        WaitlistEntry.objects.filter(
            event=event, session__isnull=True, state__in=WaitlistEntry.ACTIVE
        )
        .select_related("contact", "passage")
        .order_by("pk")
    )


def people_waiting(event: Event) -> int:
    """People waiting on the event's own waitlist: the places its waiting entries ask for
    (a group counts its size)."""
    found = WaitlistEntry.objects.filter(
        event=event, session__isnull=True, state=WaitlistEntry.State.WAITING
    ).aggregate(n=Sum("seats"))["n"]
    return found or 0


def my_agenda(contact: Contact, event: Event):
    registrations = list(
        Registration.objects.filter(
            contact=contact, event=event, state=Registration.State.REGISTERED
        )
        .select_related("session__location", "passage")
        .order_by(F("session__start").asc(nulls_first=True))
    )
    entries = list(
        WaitlistEntry.objects.filter(contact=contact, event=event, state__in=WaitlistEntry.ACTIVE)
        .select_related("session", "swap_from__session")
        .order_by(F("session__start").asc(nulls_first=True))
    )
    from .waitlists import position

    for entry in entries:
        entry.position = position(entry) if entry.state == "waiting" else None  # type: ignore[attr-defined]
    return registrations, entries


# Figures of registered and present people count places, as capacity and the waitlist's
# "N waiting" do: a group registration (`seats` > 1) counts its size, not 1.
_PLACES = Coalesce(Sum("seats"), 0)
_PLACES_PRESENT = Coalesce(Sum("seats", filter=Q(attended=True)), 0)


def registration_counts(event: Event):
    """Places registered and present per session of the event: rows of {session_id, n,
    present} (a group counts its places)."""
    return (
        Registration.objects.filter(
            event=event, session__isnull=False, state=Registration.State.REGISTERED
        )
        .values("session_id")
        .order_by()
        .annotate(n=_PLACES, present=_PLACES_PRESENT)
    )


def session_attendance(session_ids: Collection[int]) -> dict[int, tuple[int, int]]:
    """(places registered, places present) per session, in one query; sessions nobody is
    registered to are absent. A group counts its places."""
    rows = (
        Registration.objects.filter(
            session_id__in=list(session_ids), state=Registration.State.REGISTERED
        )
        .values("session_id")
        .order_by()
        .annotate(n=_PLACES, present=_PLACES_PRESENT)
    )
    return {row["session_id"]: (row["n"], row["present"]) for row in rows}


def event_registered_places(event: Event) -> int:
    """Places registered to the event itself (event-level registration): a group counts its
    places."""
    return event_level_registrations(event).aggregate(n=_PLACES)["n"]


# --- segments (SPEC A8) ----------------------------------------------------------------------
# Querysets of contacts, evaluated in SQL, for the contacts segment builder and marketing
# scenarios: they compose with other Contact filters (`&`, `.filter()`, subqueries) without
# loading anyone into memory. `session` None with an `event`: the event's own list
# (event-level registration) — `any_session=True` instead takes every session of the event.

SEGMENT_KINDS = ("registered", "waitlisted", "invited")


def _scope_q(prefix: str, event: Event | None, session: Session | None, any_session: bool) -> Q:
    if session is not None:
        return Q(**{f"{prefix}__session": session})
    if event is None:
        raise ValueError("a segment names a session or an event")
    if any_session:
        return Q(**{f"{prefix}__event": event})
    return Q(**{f"{prefix}__event": event, f"{prefix}__session__isnull": True})


def registered_contacts(
    *, event: Event | None = None, session: Session | None = None, any_session: bool = False
):
    """Contacts registered (now) to the session, or to the event."""
    return Contact.objects.filter(
        _scope_q("registrations", event, session, any_session),
        registrations__state=Registration.State.REGISTERED,
    ).distinct()


def waitlisted_contacts(
    *, event: Event | None = None, session: Session | None = None, any_session: bool = False
):
    """Contacts waiting (not yet offered a place) on the session's or the event's waitlist."""
    return Contact.objects.filter(
        _scope_q("waitlist_entries", event, session, any_session),
        waitlist_entries__state=WaitlistEntry.State.WAITING,
    ).distinct()


def invited_contacts(
    *, event: Event | None = None, session: Session | None = None, any_session: bool = False
):
    """Contacts holding an open waitlist offer (invited to take a freed place, not yet
    accepted) for the session or the event."""
    return Contact.objects.filter(
        _scope_q("waitlist_entries", event, session, any_session),
        waitlist_entries__state=WaitlistEntry.State.OFFERED,
    ).distinct()


def segment(
    kind: str,
    *,
    event: Event | None = None,
    session: Session | None = None,
    any_session: bool = False,
):
    """One entry point for a segment rule: `kind` is one of SEGMENT_KINDS."""
    readers = {
        "registered": registered_contacts,
        "waitlisted": waitlisted_contacts,
        "invited": invited_contacts,
    }
    if kind not in readers:
        raise ValueError(f"unknown segment kind {kind!r}")
    return readers[kind](event=event, session=session, any_session=any_session)


def event_passages(event: Event) -> list:
    """The event's passes (SPEC A1) in order, each with `session_list` (by start) and
    `full`: the event or one of its sessions has no place left (on-site events only)."""
    from .models import EventPassage

    passages = list(
        EventPassage.objects.filter(event=event)
        .prefetch_related("sessions", "products")
        .annotate(
            # places registered with the pass (a group counts its places)
            registered=Coalesce(
                Sum(
                    "registrations__seats",
                    filter=Q(
                        registrations__state=Registration.State.REGISTERED,
                        registrations__session__isnull=True,
                    ),
                ),
                0,
            )
        )
        .order_by("position", "pk")
    )
    limited = event.kind == Event.Kind.ONSITE
    sessions = {s.pk: s for p in passages for s in p.sessions.all()}
    left = places_left(list(sessions.values())) if limited and sessions else {}
    event_left = event_places_left(event) if limited else None
    for passage in passages:
        chosen = sorted(passage.sessions.all(), key=lambda s: (s.start, s.pk))
        for session in chosen:
            room = left.get(session.pk)
            session.places_left = room  # type: ignore[attr-defined]
            session.full = room is not None and room <= 0  # type: ignore[attr-defined]
        passage.session_list = chosen  # type: ignore[attr-defined]
        passage.full = event_left == 0 or any(s.full for s in chosen)  # type: ignore[attr-defined]
    return passages
