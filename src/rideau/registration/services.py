"""Registering to sessions, cancelling, staff additions beyond capacity, waitlists.

Every place is taken through the capacity engine (ADR 0004): a registration is a confirmed
hold on the session's quotas (owner `agenda:<contact>`), a staff override is
`inventory.services.overbook` (reason required, audited), and a waitlist offer is a hold of
kind `offer` (owner `offer:<entry>`) taken by `waitlists.on_freed` in the transaction that
freed the place. Webinars and hybrid events register without capacity (SPEC A5): no hold.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rideau.accounts.services import language_for
from rideau.contacts.models import Contact
from rideau.contacts.services import add_contact, ensure_contact
from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.domain_events import publish
from rideau.core.errors import ValidationFailed
from rideau.core.models import AuditLogEntry, Organizer
from rideau.core.roles import Perm
from rideau.core.rows import Batch
from rideau.core.services import save_checked
from rideau.core.text import text_problem
from rideau.events.models import Event, Session
from rideau.inventory import services as engine
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold
from rideau.messaging.services import queue_email

from . import holds as places
from . import queries
from .domain_events import RegistrationCanceled, RegistrationConfirmed
from .emails import email_params
from .errors import RegistrationError
from .models import AgendaSettings, EventPassage, Registration, WaitlistEntry
from .queries import AgendaView

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "Outcome",
    "accept_offer",
    "agenda_token",
    "agenda_url",
    "cancel",
    "contact_from_token",
    "find_clash",
    "invite",
    "join_waitlist",
    "mark_attended",
    "register",
    "register_event",
    "remove_from_waitlist",
    "settings_for",
    "staff_register",
    "update_settings",
]

SALT = "rideau.registration.agenda"
MAX_GROUP = 50
FULL_NEEDS_REASON = gettext_noop("This session is full: give a reason to register beyond capacity.")


@dataclass
class Outcome:
    contact: Contact
    registrations: list[Registration] = field(default_factory=list)
    waiting: list[WaitlistEntry] = field(default_factory=list)


def settings_for(event: Event) -> AgendaSettings:
    found = AgendaSettings.objects.filter(event=event).first()
    return found or AgendaSettings(event=event)


def update_settings(
    event: Event,
    *,
    actor: Actor,
    waitlist: bool,
    promotion: str,
    offer_hours: int,
    group_rule: str | None = None,
    event_registration: bool | None = None,
) -> AgendaSettings:
    """Change the event's registration and waitlist settings (audited). Event-level
    registration (SPEC A1) and self-built agendas are exclusive: it is refused while the
    event lets registrants build their own agenda."""
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    if promotion not in AgendaSettings.Promotion.values:
        raise ValidationFailed({"promotion": [_("Choose one of the options.")]})
    if group_rule is not None and group_rule not in AgendaSettings.GroupRule.values:
        raise ValidationFailed({"group_rule": [_("Choose one of the options.")]})
    if event_registration and event.self_agenda:
        raise ValidationFailed(
            {
                "event_registration": [
                    _(
                        "Registrants build their own agenda at this event: switch that off "
                        "first to register people to the event itself."
                    )
                ]
            }
        )
    if event_registration is False and EventPassage.objects.filter(event=event).exists():
        raise ValidationFailed(
            {
                "event_registration": [
                    _(
                        "This event has event passes: its registration stays event-level "
                        "while passes exist."
                    )
                ]
            }
        )
    if not 1 <= offer_hours <= 24 * 14:
        raise ValidationFailed({"offer_hours": [_("Between 1 hour and 14 days (336 hours).")]})
    with transaction.atomic():
        found, _created = AgendaSettings.objects.select_for_update().get_or_create(event=event)
        before = audit.snapshot(found)
        found.waitlist, found.promotion, found.offer_hours = waitlist, promotion, offer_hours
        rule_changed = group_rule is not None and group_rule != found.group_rule
        if group_rule is not None:
            found.group_rule = group_rule
        if event_registration is not None:
            found.event_registration = event_registration
        save_checked(
            found,
            actor=actor,
            organizer=event.organizer,
            action="agenda_settings.changed",
            before=before,
        )
        if rule_changed:
            from .waitlists import rekeep

            rekeep(event, settings=found, now=timezone.now())
    return found


def has_capacity(event: Event) -> bool:
    """Capacity and waitlists apply to on-site events only (SPEC A5)."""
    return event.kind == Event.Kind.ONSITE


def event_level(event: Event) -> bool:
    """Attendees register to the event itself (SPEC A1), not to sessions."""
    return not event.self_agenda and settings_for(event).event_registration


def _event_limited(event: Event) -> bool:
    """Event-level registrations take places when the event is on site and has an
    event-wide capacity (a quota of the event alone); otherwise they register without
    limit."""
    return has_capacity(event) and queries.event_places_left(event) is not None


def item_for(event: Event, session: Session | None, seats: int = 1) -> engine.HoldRequest:
    """The engine request for `seats` places of a session, or of the event itself."""
    if session is not None:
        return engine.HoldRequest(quantity=seats, session=session)
    return engine.HoldRequest(quantity=seats, event=event)


def _limited(event: Event, session: Session | None) -> bool:
    return has_capacity(event) if session is not None else _event_limited(event)


def overlaps(a: Session, b: Session) -> bool:
    return a.start < b.end and b.start < a.end


def find_clash(sessions: Sequence[Session]) -> tuple[Session, Session] | None:
    ordered = sorted(sessions, key=lambda s: (s.start, s.pk))
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.start >= a.end:
                break
            if a.pk != b.pk and overlaps(a, b):
                return a, b
    return None


def agenda_sessions(contact: Contact, event: Event) -> list[Session]:
    """The sessions this contact is registered to or holds an offer for, in this event, in
    one statement; each carries `registered` (True: a registration, False: an offer)."""
    registered = Registration.objects.filter(
        contact=contact, event=event, session=OuterRef("pk"), state="registered"
    )
    offered = WaitlistEntry.objects.filter(
        contact=contact, event=event, session=OuterRef("pk"), state="offered"
    )
    return list(
        Session.objects.filter(event=event)
        .annotate(registered=Exists(registered), offered=Exists(offered))
        .filter(Q(registered=True) | Q(offered=True))
    )


def _check_clash(contact: Contact, event: Event, new: Sequence[Session]) -> None:
    clash = find_clash([*agenda_sessions(contact, event), *new])
    if clash:
        raise RegistrationError("clash", field="sessions", a=str(clash[0]), b=str(clash[1]))


def _checked_person(email: str, first_name: str, last_name: str) -> str:
    """The e-mail address, stripped, once it and the names are acceptable."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise RegistrationError("invalid_email", field="email") from None
    for name, text in (("first_name", first_name), ("last_name", last_name)):
        if text_problem(text or ""):
            raise RegistrationError("invalid_text", field=name)
    return email


def _contact(organizer: Organizer, email: str, first_name: str, last_name: str) -> Contact:
    email = _checked_person(email, first_name, last_name)
    return ensure_contact(
        organizer,
        email=email,
        first_name=first_name or "",
        last_name=last_name or "",
        language=(translation.get_language() or "").split("-")[0],
    )


def agenda_token(contact: Contact, event: Event) -> str:
    return signing.dumps([contact.pk, event.pk], salt=SALT, compress=True)


def contact_from_token(token: str, event: Event) -> Contact | None:
    try:
        contact_id, event_id = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if event_id != event.pk:
        return None
    return Contact.objects.filter(pk=contact_id, organizer_id=event.organizer_id).first()


def agenda_url(contact: Contact, event: Event) -> str:
    path = reverse(
        "web:agenda-mine",
        kwargs={
            "organizer": event.organizer.slug,
            "event": event.slug,
            "token": agenda_token(contact, event),
        },
    )
    return settings.SITE_URL + path


def _email(
    contact: Contact,
    event: Event,
    template: str,
    subject: "StrOrPromise",
    *,
    batch: Batch | None = None,
    **extra,
) -> None:
    """Queue `registration/<template>.txt` to the contact: its text is rendered when it is
    sent (`registration.emails`, ADR 0031); `extra` is what the template reads. `subject`
    is the untranslated message (`gettext_noop`), or a lazy plural (`ngettext_lazy(…, "n")`,
    counted by the `seats` of `extra`): it is translated here, in the contact's language,
    whoever's request (or worker) sends it (no language of theirs: the organiser's first)."""
    # the names too (a session's)
    with translation.override(language_for(event.organizer, contact)):
        values = {"event": str(event), "n": extra.get("seats", 1)}
        if isinstance(subject, str):
            title = translation.gettext(subject) % values
        else:
            title = subject % values
        params = email_params(template, contact, event, extra)
    queue_email(
        to=[contact.email],
        subject=title,
        deferred_text=("rideau.registration.emails.registration_email_text", params),
        organizer=event.organizer,
        batch=batch,
    )


def _email_passage_confirmation(contact: Contact, event: Event, passage: EventPassage) -> None:
    """The confirmation of a registration through a passage: its sessions, none waiting."""
    _email(
        contact,
        event,
        "confirmation",
        gettext_noop("Your registration for %(event)s"),
        sessions=sorted(passage.sessions.all(), key=lambda s: (s.start, s.pk)),
        waiting=[],
        event_level=True,
        passage=passage,
    )


def _full_session(sessions: Sequence[Session], exc: InventoryError) -> Session:
    left = queries.places_left(sessions)
    for session in sessions:
        if left.get(session.pk, 1) <= 0:
            return session
    return sessions[0]


def _take(
    event: Event,
    contact: Contact,
    sessions: Sequence[Session],
    now,
    *,
    rows: list[Registration],
    also_audit: AuditLogEntry,
    first: Batch | None = None,
) -> None:
    """Write the registrations `rows` (one per session) with their places: through the
    engine, which writes them and the audit entry just before the counters change, and the
    rows of `first` (the confirmation e-mail, the domain event) before the holds (on
    PostgreSQL in its single statement, ADR 0020); webinars and hybrid events (A5) take no
    place."""
    if not has_capacity(event):
        Registration.objects.bulk_create(rows)
        also_audit.save(force_insert=True)
        return
    engine.take(
        organizer=event.organizer,
        items=[engine.HoldRequest(quantity=1, session=s) for s in sessions],
        expires_at=None,
        owner_ref=places.agenda_owner(contact.pk),
        kind=Hold.Kind.ORDER,
        now=now,
        before_counters=engine.Rows(rows, hold_field="hold", holds=list(range(len(rows)))),
        also_audit=[also_audit],
        first=first,
    )


def _ids(sessions: Iterable[Session | int]) -> set[int]:
    try:
        return {s.pk if isinstance(s, Session) else int(s) for s in sessions}
    except (TypeError, ValueError):
        raise RegistrationError("invalid_session", field="sessions") from None


def _attendee(
    event: Event, email: str, first_name: str, last_name: str, ids: set[int]
) -> tuple[Contact, AgendaView]:
    """The attendee's contact (created if new) and what registering them reads
    (`queries.agenda_view`, sessions of another event refused): one statement for a known
    attendee, two for a new one."""
    email = (email or "").strip()
    queries.lock_attendee(event, email)  # the same attendee's other request waits here
    view = queries.agenda_view(event, email, ids)
    if not ids <= view.sessions.keys():
        raise RegistrationError("invalid_session", field="sessions")
    email = _checked_person(email, first_name, last_name)
    if view.contact is not None:
        return view.contact, view
    contact = add_contact(
        event.organizer,
        email=email,
        first_name=first_name or "",
        last_name=last_name or "",
        language=(translation.get_language() or "").split("-")[0],
    )
    if contact is not None:
        return contact, view  # a new contact has no agenda yet
    # a concurrent request wrote this contact since the read (and this one waited for its
    # commit): read again, with the agenda it may have registered meanwhile
    view = queries.agenda_view(event, email, ids)
    return view.contact or _contact(event.organizer, email, first_name, last_name), view


def register(
    event: Event,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    sessions: Iterable[Session | int] = (),
    waitlist: Iterable[Session | int] = (),
    now: datetime.datetime | None = None,
) -> Outcome:
    """An attendee builds (or extends) their agenda: every chosen session at once, or none.

    Refused: an event without self-built agendas, a session of another event, two sessions
    overlapping in time (also with the attendee's earlier choices), a full session (its
    waitlist is offered in `waitlist` if the event has one). Confirms by e-mail.
    """
    now = now or timezone.now()
    if not event.self_agenda:
        raise RegistrationError("not_self_agenda")
    chosen_ids, waiting_ids = _ids(sessions), _ids(waitlist)
    if not chosen_ids and not waiting_ids:
        raise RegistrationError("no_sessions", field="sessions")
    with transaction.atomic():
        # the attendee's lock (`queries.lock_attendee`), then one statement reads the
        # sessions, the attendee's agenda, contact and the event's settings
        # (`queries.agenda_view`); the e-mail and the domain event ride in the engine's
        # statement with the registrations (ADR 0020): a known attendee costs three
        # statements on PostgreSQL, a new one four
        contact, view = _attendee(event, email, first_name, last_name, chosen_ids | waiting_ids)
        chosen = [s for s in view.sessions.values() if s.pk in chosen_ids]  # by start
        waiting = [s for s in view.sessions.values() if s.pk in waiting_ids]
        outcome = Outcome(contact=contact)
        agenda = [s for s in view.sessions.values() if s.registered or s.offered]  # type: ignore[attr-defined]
        # sessions already in the agenda are kept as they are (the agenda's form, sent again
        # with one more session ticked, adds that one); only a choice of nothing new is refused
        held = [s for s in chosen if s.registered]  # type: ignore[attr-defined]
        chosen = [s for s in chosen if not s.registered]  # type: ignore[attr-defined]
        if held and not chosen and not waiting:
            raise RegistrationError("already_registered", field="sessions", session=str(held[0]))
        if clash := find_clash([*agenda, *chosen]):
            raise RegistrationError("clash", field="sessions", a=str(clash[0]), b=str(clash[1]))
        settings = view.settings
        code = "full" if settings.waitlist else "full_no_waitlist"
        for session in waiting:
            outcome.waiting.append(_join(event, contact, session, now=now, known=settings))
        first = engine.batch(lean_take=bool(chosen) and has_capacity(event))
        if chosen:
            publish(
                RegistrationConfirmed(
                    organizer_id=event.organizer_id,
                    contact_id=contact.pk,
                    session_ids=[s.pk for s in chosen],
                    event_id=event.pk,
                ),
                batch=first,
            )
        _email(
            contact,
            event,
            "confirmation",
            gettext_noop("Your agenda for %(event)s"),
            sessions=chosen,
            waiting=waiting,
            batch=first,
        )
        if chosen:
            # places a waiting group cannot use yet are held for it (`waitlists.keep`):
            # the engine refuses them here like any taken place
            rows = [
                Registration(organizer=event.organizer, event=event, session=s, contact=contact)
                for s in chosen
            ]
            created = audit.entry(
                "registration.created",
                contact,
                organizer=event.organizer,
                after={"sessions": [s.pk for s in chosen]},
            )
            try:
                _take(event, contact, chosen, now, rows=rows, also_audit=created, first=first)
            except InventoryError as exc:
                if exc.code != "sold_out":
                    raise
                full = _full_session(chosen, exc)
                raise RegistrationError(code, field="sessions", session=str(full)) from exc
            outcome.registrations = rows
    return outcome


def _join(
    event: Event,
    contact: Contact,
    session: Session | None,
    *,
    now,
    seats: int = 1,
    swap_from: Registration | None = None,
    known: AgendaSettings | None = None,
    passage: EventPassage | None = None,
) -> WaitlistEntry:
    """A waitlist entry for a session, or for the event itself (`session` None, SPEC A9),
    with the pass chosen at an event with passes (`passage`: its promotion registers with
    it). The event's waitlist is open when the event is full, or the chosen pass is (one
    of its sessions). `known`: the event's settings, from `queries.agenda_view`, which also
    read the attendee's registration and entry for `session` (no statement for them here)."""
    label = str(session or event)
    settings = known or settings_for(event)
    limited = has_capacity(event) if passage is not None else _limited(event, session)
    if not limited or not settings.waitlist:
        raise RegistrationError("full_no_waitlist", field="waitlist", session=label)
    if not 1 <= seats <= MAX_GROUP:
        raise RegistrationError("bad_seats", field="seats", n=MAX_GROUP)
    if (
        session.registered  # type: ignore[union-attr]
        if known is not None
        else Registration.objects.filter(
            contact=contact, event=event, session=session, state="registered"
        ).exists()
    ):
        raise RegistrationError("already_registered", field="waitlist", session=label)
    if (
        session.entry is not None  # type: ignore[union-attr]
        if known is not None
        else WaitlistEntry.objects.filter(
            contact=contact, event=event, session=session, state__in=WaitlistEntry.ACTIVE
        ).exists()
    ):
        raise RegistrationError("already_waiting", field="waitlist", session=label)
    if swap_from is not None and (
        session is None
        or swap_from.session_id is None
        or swap_from.contact_id != contact.pk
        or swap_from.event_id != event.pk
        or swap_from.state != Registration.State.REGISTERED
    ):
        raise RegistrationError("bad_swap", field="swap_from")
    if session is not None:
        left = queries.places_left([session]).get(session.pk)
    else:
        rooms = [queries.event_places_left(event)]
        if passage is not None:
            rooms += list(queries.places_left(list(passage.sessions.all())).values())
        limits = [room for room in rooms if room is not None]
        left = min(limits) if limits else None
    ahead = WaitlistEntry.objects.filter(event=event, session=session, state="waiting")
    if passage is not None:  # someone waiting for another, full pass keeps nothing (ADR 0023)
        ahead = ahead.filter(passage=passage)
    if (left or 0) >= seats and not ahead.exists():
        raise RegistrationError("not_full", field="waitlist", session=label)
    entry = WaitlistEntry.objects.create(
        organizer=event.organizer,
        event=event,
        session=session,
        contact=contact,
        seats=seats,
        swap_from=swap_from,
        passage=passage,
    )
    audit.record(
        "waitlist.joined",
        entry,
        organizer=event.organizer,
        after={
            "seats": seats,
            "swap_from": swap_from.session_id if swap_from else None,
            "event_pass": passage.pk if passage else None,
        },
    )
    if seats > 1:
        # a group may join with places free that it cannot use yet (or that the entries
        # ahead could not, for a clash): served in order now, the strict rule keeping for
        # it what it cannot use yet (`waitlists.promote`)
        from .waitlists import promote

        if promote(session or event, now=now):
            entry.refresh_from_db(fields=["state", "hold", "offer_expires"])
    return entry


def _where(where: Session | Event) -> tuple[Event, Session | None]:
    if isinstance(where, Session):
        return where.event, where
    return where, None


def join_waitlist(
    where: Session | Event,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    seats: int = 1,
    swap_from: Registration | None = None,
    passage: EventPassage | int | None = None,
    actor: Actor | None = None,
) -> WaitlistEntry:
    """Put someone on a session's waitlist, or on the event's (event-level registration),
    as the attendee or staff (`actor`). `seats` > 1 is a group entry, offered only when all
    its places are free; `swap_from` (a registration of the same person at this event) asks
    "move me from that session to this one if it frees up". At an event with passes, the
    event's waitlist is joined with one (`passage`, required there): a promotion registers
    with it (`waitlists`)."""
    event, session = _where(where)
    if actor is not None:
        require(actor, event.organizer, Perm.CHANGE_EVENTS)
    if session is None and not event_level(event):
        raise RegistrationError("not_event_registration")
    chosen_pass = None
    if session is None:
        from .passages import passage_of

        chosen_pass = passage_of(event, passage)
    elif passage is not None:
        raise RegistrationError("invalid_passage", field="passage")
    with transaction.atomic():
        queries.lock_attendee(event, (email or "").strip())  # the same person's other request waits
        contact = _contact(event.organizer, email, first_name, last_name)
        entry = _join(
            event,
            contact,
            session,
            now=timezone.now(),
            seats=seats,
            swap_from=swap_from,
            passage=chosen_pass,
        )
        if entry.state == WaitlistEntry.State.WAITING:  # (given places at once: offered)
            _email_waiting(entry)
    return entry


def _email_waiting(entry: WaitlistEntry) -> None:
    """The confirmation that someone is on a waitlist — a session's (as the public agenda's
    confirmation lists it) or the event's, with the pass chosen — with their position and
    the link to their agenda."""
    from .waitlists import position

    _email(
        entry.contact,
        entry.event,
        "confirmation",
        gettext_noop("You are on the waitlist for %(event)s"),
        sessions=[],
        waiting=[entry.session] if entry.session is not None else [],
        waiting_event=entry.session is None,
        passage=entry.passage,
        position=position(entry),
        seats=entry.seats,
    )


def ask_swap(registration: Registration, target: Session) -> WaitlistEntry:
    """The attendee registered to X asks: "move me to `target` if it frees up". Their
    place in X is kept until the swap happens, atomically, when a place frees in `target`:
    they take it and X's place goes to X's own waitlist (`waitlists.promote`)."""
    event = registration.event
    if target.event_id != event.pk or not event.self_agenda:
        raise RegistrationError("invalid_session", field="session")
    if registration.passage_id is not None:
        # a pass is taken whole: swapping one of its sessions would leave a partial pass
        raise RegistrationError("pass_session", passage=str(registration.passage))
    with transaction.atomic():
        queries.lock_attendee(event, registration.contact.email)  # their other request waits
        return _join(
            event,
            registration.contact,
            target,
            now=timezone.now(),
            swap_from=registration,
        )


def register_event(
    event: Event,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    seats: int = 1,
    passage: EventPassage | int | None = None,
    now: datetime.datetime | None = None,
) -> Registration:
    """Event-level registration (SPEC A1): the attendee registers to the event itself; its
    places are the event's capacity through the engine (an event-wide quota). Full: the
    event's waitlist (`join_waitlist(event, ...)`) is the way in. At an event with event
    passes, the attendee chooses one (`passage`) and is registered to its sessions too, all
    or nothing (`passages.register_with_passage`)."""
    from .passages import passage_of, register_with_passage

    now = now or timezone.now()
    if not event_level(event):
        raise RegistrationError("not_event_registration")
    if not 1 <= seats <= MAX_GROUP:
        raise RegistrationError("bad_seats", field="seats", n=MAX_GROUP)
    code = "full" if settings_for(event).waitlist else "full_no_waitlist"
    chosen_pass = passage_of(event, passage)
    with transaction.atomic():
        # the same attendee's other request waits here (a new address: the contact's
        # unique index makes it wait in `_contact`), then finds this one's registration
        queries.lock_attendee(event, (email or "").strip())
        contact = _contact(event.organizer, email, first_name, last_name)
        if Registration.objects.filter(
            contact=contact, event=event, session__isnull=True, state="registered"
        ).exists():
            raise RegistrationError("already_registered", field="email", session=str(event))
        if chosen_pass is not None:
            registration = register_with_passage(
                event, chosen_pass, contact=contact, seats=seats, now=now
            )
            _email_passage_confirmation(contact, event, chosen_pass)
            return registration
        hold: Hold | None = None
        if _event_limited(event):
            try:
                hold = places.take(event, contact.pk, [item_for(event, None, seats)], now=now)[0]
            except InventoryError as exc:
                if exc.code != "sold_out":
                    raise
                raise RegistrationError(code, field="email", session=str(event)) from exc
        registration = Registration.objects.create(
            organizer=event.organizer, event=event, contact=contact, hold=hold, seats=seats
        )
        publish(
            RegistrationConfirmed(
                organizer_id=event.organizer_id,
                contact_id=contact.pk,
                session_ids=[],
                event_id=event.pk,
            )
        )
        audit.record(
            "registration.created", contact, organizer=event.organizer, after={"event": event.pk}
        )
        _email(
            contact,
            event,
            "confirmation",
            gettext_noop("Your registration for %(event)s"),
            sessions=[],
            waiting=[],
            event_level=True,
        )
    return registration


def staff_register(
    where: Session | Event,
    *,
    actor: Actor,
    email: str,
    first_name: str = "",
    last_name: str = "",
    override_reason: str = "",
    passage: EventPassage | int | None = None,
    seats: int = 1,
    now: datetime.datetime | None = None,
) -> Registration:
    """Staff add someone to a session, or to the event (event-level registration) (SPEC
    A4/A6), optionally with one of the event's passes (its sessions too, all or nothing).
    `seats` > 1 registers a group (a waiting group entry: all its places at once).
    Beyond capacity only with an explicit reason: the engine's overbooking, audited as
    `hold.override`."""
    from .passages import passage_of, register_with_passage

    event, session = _where(where)
    label = str(session or event)
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    if not 1 <= seats <= MAX_GROUP:
        raise RegistrationError("bad_seats", field="seats", n=MAX_GROUP)
    if session is None and not event_level(event):
        raise RegistrationError("not_event_registration")
    chosen_pass = None
    if passage is not None:
        if session is not None:
            raise RegistrationError("invalid_passage", field="passage")
        chosen_pass = passage_of(event, passage)
    now = now or timezone.now()
    with transaction.atomic():
        contact = _contact(event.organizer, email, first_name, last_name)
        if Registration.objects.filter(
            contact=contact, event=event, session=session, state="registered"
        ).exists():
            raise RegistrationError("already_registered", field="email", session=label)
        if chosen_pass is not None:
            registration = register_with_passage(
                event,
                chosen_pass,
                contact=contact,
                seats=seats,
                actor=actor,
                override_reason=override_reason,
                now=now,
            )
            _email_passage_confirmation(contact, event, chosen_pass)
            return registration
        # a group waiting there: the places kept for it are free for this registration,
        # and what it leaves goes to the next in line below
        from .waitlists import promote, unkeep

        groups = list(
            WaitlistEntry.objects.filter(
                contact=contact, event=event, session=session, state="waiting", seats__gt=1
            )
        )
        for group in groups:
            unkeep(group, now=now, regive=True)
        hold: Hold | None = None
        override = False
        if _limited(event, session):
            item = item_for(event, session, seats)
            if override_reason.strip():
                hold = places.overbook(
                    event, contact.pk, [item], actor=actor, reason=override_reason, now=now
                )[0]
                override = True
            else:
                try:
                    hold = places.take(event, contact.pk, [item], now=now, actor=actor)[0]
                except InventoryError as exc:
                    if exc.code != "sold_out":
                        raise
                    raise ValidationFailed({"override_reason": [_(FULL_NEEDS_REASON)]}) from exc
        registration = Registration.objects.create(
            organizer=event.organizer,
            event=event,
            session=session,
            contact=contact,
            hold=hold,
            seats=seats,
            override=override,
        )
        WaitlistEntry.objects.filter(
            contact=contact, event=event, session=session, state="waiting"
        ).update(state=WaitlistEntry.State.REGISTERED)
        if groups:
            promote(where, now=now)
        publish(
            RegistrationConfirmed(
                organizer_id=event.organizer_id,
                contact_id=contact.pk,
                session_ids=[session.pk] if session else [],
                override=override,
                event_id=event.pk,
            )
        )
        audit.record(
            "registration.added",
            registration,
            actor=actor,
            organizer=event.organizer,
            after={
                "session": session.pk if session else None,
                "event": event.pk,
                "contact": contact.pk,
                "override": override,
            },
        )
        _email(
            contact,
            event,
            "confirmation",
            gettext_noop("Your agenda for %(event)s"),
            sessions=[session] if session else [],
            waiting=[],
            event_level=session is None,
        )
    return registration


def cancel(
    registration: Registration, *, actor: Actor | None = None, now: datetime.datetime | None = None
) -> None:
    """Cancel one registration; its place goes to the session's waitlist first (same
    transaction, through the engine's freed-place hook). A registration to the event made
    with a pass ends with its sessions' rows. The attendee (no `actor`) cannot cancel one
    session of a pass alone: the pass is all or nothing (it could not be taken back), they
    cancel the registration to the event; staff may."""
    if actor is not None:
        require(actor, registration.organizer, Perm.CHANGE_EVENTS)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.state != Registration.State.REGISTERED:
            raise RegistrationError("not_registered")
        if actor is None and locked.passage_id is not None and locked.session_id is not None:
            passage = EventPassage.objects.get(pk=locked.passage_id)
            raise RegistrationError("pass_session", passage=str(passage))
        rows = [locked]
        if locked.passage_id is not None:
            from .passages import passage_sessions_of

            rows += passage_sessions_of(locked)
        end_registrations(rows, actor=actor, now=now)
        registration.state = Registration.State.CANCELLED


def end_registration(locked: Registration, *, actor: Actor | None, now: datetime.datetime) -> None:
    """Cancel a registration already locked by the caller (`end_registrations`)."""
    end_registrations([locked], actor=actor, now=now)


def end_registrations(
    rows: Sequence[Registration], *, actor: Actor | None, now: datetime.datetime
) -> None:
    """Cancel registrations already locked by the caller; their places are released through
    the engine in one call, so the freed-place hook sees them all at once (a pass: the
    event's place and its sessions' together, for the next in the event's waitlist) and
    offers them to the waitlists in this transaction."""
    Registration.objects.filter(pk__in=[r.pk for r in rows]).update(
        state=Registration.State.CANCELLED, ended=now
    )
    for locked in rows:
        locked.state = Registration.State.CANCELLED
        WaitlistEntry.objects.filter(swap_from=locked, state=WaitlistEntry.State.WAITING).update(
            swap_from=None
        )
        publish(
            RegistrationCanceled(
                organizer_id=locked.organizer_id,
                contact_id=locked.contact_id,
                session_id=locked.session_id,
                event_id=locked.event_id,
            )
        )
        audit.record(
            "registration.cancelled",
            locked,
            actor=actor,
            organizer=locked.organizer,
            after={"session": locked.session_id, "contact": locked.contact_id},
        )
    holds = list(Hold.objects.filter(pk__in=[r.hold_id for r in rows if r.hold_id is not None]))
    for owner in sorted({h.owner_ref for h in holds}):
        engine.release(
            [h for h in holds if h.owner_ref == owner], now=now, actor=actor, owner_ref=owner
        )


def mark_attended(registration: Registration, *, actor: Actor, attended: bool = True) -> None:
    """Session check-in: staff mark a registered attendee present (or not) at the session
    (audited)."""
    require(actor, registration.organizer, Perm.CHANGE_EVENTS)
    with transaction.atomic():
        changed = Registration.objects.filter(
            pk=registration.pk, state=Registration.State.REGISTERED
        ).update(attended=attended)
        if not changed:
            raise RegistrationError("not_registered")
        registration.attended = attended
        audit.record(
            "registration.attended" if attended else "registration.absent",
            registration,
            actor=actor,
            organizer=registration.organizer,
            after={"attended": attended},
        )


def accept_offer(entry: WaitlistEntry, *, now: datetime.datetime | None = None) -> Registration:
    """The attendee accepts a waitlist offer before its deadline: the held place becomes
    their registration. A clash with the agenda as it is now refuses it (the place stays
    offered until the deadline)."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = (
            WaitlistEntry.objects.select_for_update(of=("self",))
            .select_related("session", "event", "contact", "passage")
            .get(pk=entry.pk)
        )
        if entry.state != WaitlistEntry.State.OFFERED or entry.hold_id is None:
            raise RegistrationError("offer_gone")
        event = entry.event
        from .waitlists import offer_holds, pass_clash, pass_sessions

        if entry.session is not None:
            others = [s for s in agenda_sessions(entry.contact, event) if s.pk != entry.session_id]
            clash = find_clash([*others, entry.session])
            if clash:
                raise RegistrationError("clash", a=str(clash[0]), b=str(clash[1]))
        elif entry.passage is not None and pass_clash(entry):
            raise RegistrationError("clash_pass", passage=str(entry.passage))
        holds = offer_holds(entry)
        try:
            engine.confirm(holds, now=now, owner_ref=f"offer:{entry.pk}")
        except InventoryError as exc:
            raise RegistrationError("offer_gone") from exc
        if not holds:
            raise RegistrationError("offer_gone")
        entry.state = WaitlistEntry.State.REGISTERED
        entry.save(update_fields=["state"])
        chosen = pass_sessions(entry)
        if chosen:
            from .passages import passage_rows

            assert entry.passage is not None
            registration = passage_rows(
                event,
                entry.passage,
                entry.contact,
                chosen,
                where=[next((s for s in chosen if s.pk == h.session_id), None) for h in holds],
                holds=holds,
                seats=entry.seats,
            )[0]
        else:
            registration = Registration.objects.create(
                organizer=entry.organizer,
                event=event,
                session=entry.session,
                contact=entry.contact,
                hold=holds[0],
                seats=entry.seats,
            )
        publish(
            RegistrationConfirmed(
                organizer_id=entry.organizer_id,
                contact_id=entry.contact_id,
                session_ids=[entry.session_id] if entry.session_id else [s.pk for s in chosen],
                event_id=event.pk,
            )
        )
        audit.record("waitlist.accepted", entry, organizer=entry.organizer)
    return registration


def invite(entry: WaitlistEntry, *, actor: Actor, now: datetime.datetime | None = None) -> None:
    """Staff invite a waiting person now (SPEC A7): an offer of the entry's places with the
    event's deadline, e-mailed — when the places are free (a full session or event: refused,
    register them beyond capacity instead). The invited person may be anywhere in the
    waitlist: staff choose, and the audit log says who did."""
    require(actor, entry.organizer, Perm.CHANGE_EVENTS)
    from .waitlists import give

    now = now or timezone.now()
    with transaction.atomic():
        entry = (
            WaitlistEntry.objects.select_for_update(of=("self",))
            .select_related("event__organizer", "session", "contact", "swap_from", "passage")
            .get(pk=entry.pk)
        )
        if entry.state != WaitlistEntry.State.WAITING:
            raise RegistrationError("offer_gone")
        label = str(entry.session or entry.event)
        if entry.session is not None:
            clash = find_clash([*agenda_sessions(entry.contact, entry.event), entry.session])
            if clash:
                raise RegistrationError("clash", a=str(clash[0]), b=str(clash[1]))
        elif entry.passage is not None:
            from .waitlists import pass_clash

            if pass_clash(entry):
                raise RegistrationError("clash_pass", passage=str(entry.passage))
        try:
            with transaction.atomic():
                give(entry, settings=settings_for(entry.event), now=now, direct=False)
        except InventoryError as exc:
            raise RegistrationError("full", session=label) from exc
        audit.record("waitlist.invited", entry, actor=actor, organizer=entry.organizer)


def remove_from_waitlist(entry: WaitlistEntry, *, actor: Actor | None = None) -> None:
    """Take someone off a waitlist (staff, or the attendee); an offer they held is released
    and goes to the next in line."""
    if actor is not None:
        require(actor, entry.organizer, Perm.CHANGE_EVENTS)
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.state not in WaitlistEntry.ACTIVE:
            return
        offered = entry.state == WaitlistEntry.State.OFFERED
        entry.state = WaitlistEntry.State.REMOVED
        entry.save(update_fields=["state"])
        audit.record("waitlist.removed", entry, actor=actor, organizer=entry.organizer)
        if entry.seats > 1:  # places kept for a waiting group go to the next in line
            from .waitlists import unkeep

            unkeep(entry, now=timezone.now(), actor=actor)
        if offered:  # every place of the offer (a pass's: the event's and its sessions')
            from .waitlists import offer_holds

            engine.release(offer_holds(entry), actor=actor, owner_ref=f"offer:{entry.pk}")
