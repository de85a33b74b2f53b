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

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rideau.contacts.models import Contact
from rideau.contacts.services import ensure_contact
from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.domain_events import publish
from rideau.core.errors import ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.text import text_problem
from rideau.events.models import Event, Session
from rideau.inventory import services as engine
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold
from rideau.messaging.services import queue_email

from .domain_events import RegistrationCanceled, RegistrationConfirmed
from .errors import RegistrationError
from .models import AgendaSettings, Registration, WaitlistEntry

__all__ = [
    "Outcome",
    "accept_offer",
    "agenda_token",
    "agenda_url",
    "cancel",
    "contact_from_token",
    "find_clash",
    "join_waitlist",
    "register",
    "remove_from_waitlist",
    "settings_for",
    "staff_register",
    "update_settings",
]

SALT = "rideau.registration.agenda"
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
    event: Event, *, actor: Actor, waitlist: bool, promotion: str, offer_hours: int
) -> AgendaSettings:
    """Change the event's waitlist settings (audited)."""
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    if promotion not in AgendaSettings.Promotion.values:
        raise ValidationFailed({"promotion": [_("Choose one of the options.")]})
    if not 1 <= offer_hours <= 24 * 14:
        raise ValidationFailed({"offer_hours": [_("Between 1 hour and 14 days (336 hours).")]})
    with transaction.atomic():
        found, _created = AgendaSettings.objects.select_for_update().get_or_create(event=event)
        before = audit.snapshot(found)
        found.waitlist, found.promotion, found.offer_hours = waitlist, promotion, offer_hours
        found.save()
        audit.record(
            "agenda_settings.changed",
            found,
            actor=actor,
            organizer=event.organizer,
            before=before,
            after=audit.snapshot(found),
        )
    return found


def has_capacity(event: Event) -> bool:
    """Capacity and waitlists apply to on-site events only (SPEC A5)."""
    return event.kind == Event.Kind.ONSITE


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
    """The sessions this contact is registered to or holds an offer for, in this event."""
    registered = Registration.objects.filter(
        contact=contact, session__event=event, state="registered"
    ).values("session_id")
    offered = WaitlistEntry.objects.filter(
        contact=contact, session__event=event, state="offered"
    ).values("session_id")
    return list(Session.objects.filter(Q(pk__in=registered) | Q(pk__in=offered)))


def _check_clash(contact: Contact, event: Event, new: Sequence[Session]) -> None:
    clash = find_clash([*agenda_sessions(contact, event), *new])
    if clash:
        raise RegistrationError("clash", field="sessions", a=str(clash[0]), b=str(clash[1]))


def _contact(organizer: Organizer, email: str, first_name: str, last_name: str) -> Contact:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise RegistrationError("invalid_email", field="email") from None
    for name, text in (("first_name", first_name), ("last_name", last_name)):
        if text_problem(text or ""):
            raise RegistrationError("invalid_text", field=name)
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


def _email(contact: Contact, event: Event, template: str, subject: str, **extra) -> None:
    with translation.override(contact.language or None):
        with timezone.override(event.organizer.timezone):
            context = {
                "contact": contact,
                "event": event,
                "url": agenda_url(contact, event),
                **extra,
            }
            queue_email(
                to=[contact.email],
                subject=str(subject) % {"event": str(event)},
                text=render_to_string(f"registration/{template}.txt", context),
                organizer=event.organizer,
            )


def _sessions_of(event: Event, sessions: Iterable[Session | int]) -> list[Session]:
    ids = {s.pk if isinstance(s, Session) else int(s) for s in sessions}
    found = list(Session.objects.filter(event=event, pk__in=ids).order_by("start", "pk"))
    if len(found) != len(ids):
        raise RegistrationError("invalid_session", field="sessions")
    return found


def _full_session(sessions: Sequence[Session], exc: InventoryError) -> Session:
    from .queries import places_left

    left = places_left(sessions)
    for session in sessions:
        if left.get(session.pk, 1) <= 0:
            return session
    return sessions[0]


def _take(event: Event, contact: Contact, sessions: Sequence[Session], now) -> list[Hold | None]:
    if not has_capacity(event):
        return [None] * len(sessions)
    holds = engine.take(
        organizer=event.organizer,
        items=[engine.HoldRequest(quantity=1, session=s) for s in sessions],
        expires_at=None,
        owner_ref=f"agenda:{contact.pk}",
        kind=Hold.Kind.ORDER,
        now=now,
    )
    return list(holds)


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
    chosen = _sessions_of(event, sessions)
    waiting = _sessions_of(event, waitlist)
    if not chosen and not waiting:
        raise RegistrationError("no_sessions", field="sessions")
    with transaction.atomic():
        contact = _contact(event.organizer, email, first_name, last_name)
        outcome = Outcome(contact=contact)
        mine = {
            r.session_id
            for r in Registration.objects.filter(
                contact=contact, session__event=event, state="registered"
            )
        }
        for session in chosen:
            if session.pk in mine:
                raise RegistrationError(
                    "already_registered", field="sessions", session=str(session)
                )
        _check_clash(contact, event, chosen)
        for session in waiting:
            outcome.waiting.append(_join(event, contact, session, now=now))
        if chosen:
            try:
                holds = _take(event, contact, chosen, now)
            except InventoryError as exc:
                if exc.code != "sold_out":
                    raise
                full = _full_session(chosen, exc)
                code = "full" if settings_for(event).waitlist else "full_no_waitlist"
                raise RegistrationError(code, field="sessions", session=str(full)) from exc
            outcome.registrations = Registration.objects.bulk_create(
                [
                    Registration(organizer=event.organizer, session=s, contact=contact, hold=h)
                    for s, h in zip(chosen, holds, strict=True)
                ]
            )
            publish(
                RegistrationConfirmed(
                    organizer_id=event.organizer_id,
                    contact_id=contact.pk,
                    session_ids=[s.pk for s in chosen],
                )
            )
            audit.record(
                "registration.created",
                contact,
                organizer=event.organizer,
                after={"sessions": [s.pk for s in chosen]},
            )
        _email(
            contact,
            event,
            "confirmation",
            _("Your agenda for %(event)s"),
            sessions=chosen,
            waiting=waiting,
        )
    return outcome


def _join(event: Event, contact: Contact, session: Session, *, now) -> WaitlistEntry:
    if not has_capacity(event) or not settings_for(event).waitlist:
        raise RegistrationError("full_no_waitlist", field="waitlist", session=str(session))
    from .queries import places_left

    if Registration.objects.filter(contact=contact, session=session, state="registered").exists():
        raise RegistrationError("already_registered", field="waitlist", session=str(session))
    if WaitlistEntry.objects.filter(
        contact=contact, session=session, state__in=WaitlistEntry.ACTIVE
    ).exists():
        raise RegistrationError("already_waiting", field="waitlist", session=str(session))
    if (
        places_left([session]).get(session.pk, 0) > 0
        and not WaitlistEntry.objects.filter(session=session, state="waiting").exists()
    ):
        raise RegistrationError("not_full", field="waitlist", session=str(session))
    entry = WaitlistEntry.objects.create(
        organizer=event.organizer, session=session, contact=contact
    )
    audit.record("waitlist.joined", entry, organizer=event.organizer)
    return entry


def join_waitlist(
    session: Session,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    actor: Actor | None = None,
) -> WaitlistEntry:
    """Put someone on a session's waitlist (the attendee, or staff with `actor`)."""
    event = session.event
    if actor is not None:
        require(actor, event.organizer, Perm.CHANGE_EVENTS)
    with transaction.atomic():
        contact = _contact(event.organizer, email, first_name, last_name)
        return _join(event, contact, session, now=timezone.now())


def staff_register(
    session: Session,
    *,
    actor: Actor,
    email: str,
    first_name: str = "",
    last_name: str = "",
    override_reason: str = "",
    now: datetime.datetime | None = None,
) -> Registration:
    """Staff add someone to a session (SPEC A4/A6). Beyond capacity only with an explicit
    reason: the engine's overbooking, audited as `hold.override`."""
    event = session.event
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    now = now or timezone.now()
    with transaction.atomic():
        contact = _contact(event.organizer, email, first_name, last_name)
        if Registration.objects.filter(
            contact=contact, session=session, state="registered"
        ).exists():
            raise RegistrationError("already_registered", field="email", session=str(session))
        hold: Hold | None = None
        override = False
        if has_capacity(event):
            item = engine.HoldRequest(quantity=1, session=session)
            owner = f"agenda:{contact.pk}"
            if override_reason.strip():
                hold = engine.overbook(
                    organizer=event.organizer,
                    items=[item],
                    actor=actor,
                    reason=override_reason,
                    owner_ref=owner,
                    now=now,
                )[0]
                override = True
            else:
                try:
                    hold = engine.take(
                        organizer=event.organizer,
                        items=[item],
                        expires_at=None,
                        owner_ref=owner,
                        kind=Hold.Kind.ORDER,
                        now=now,
                        actor=actor,
                    )[0]
                except InventoryError as exc:
                    if exc.code != "sold_out":
                        raise
                    raise ValidationFailed({"override_reason": [_(FULL_NEEDS_REASON)]}) from exc
        registration = Registration.objects.create(
            organizer=event.organizer,
            session=session,
            contact=contact,
            hold=hold,
            override=override,
        )
        WaitlistEntry.objects.filter(contact=contact, session=session, state="waiting").update(
            state=WaitlistEntry.State.REGISTERED
        )
        publish(
            RegistrationConfirmed(
                organizer_id=event.organizer_id,
                contact_id=contact.pk,
                session_ids=[session.pk],
                override=override,
            )
        )
        audit.record(
            "registration.added",
            registration,
            actor=actor,
            organizer=event.organizer,
            after={"session": session.pk, "contact": contact.pk, "override": override},
        )
        _email(
            contact,
            event,
            "confirmation",
            _("Your agenda for %(event)s"),
            sessions=[session],
            waiting=[],
        )
    return registration


def cancel(
    registration: Registration, *, actor: Actor | None = None, now: datetime.datetime | None = None
) -> None:
    """Cancel one registration; its place goes to the session's waitlist first (same
    transaction, through the engine's freed-place hook)."""
    if actor is not None:
        require(actor, registration.organizer, Perm.CHANGE_EVENTS)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.state != Registration.State.REGISTERED:
            raise RegistrationError("not_registered")
        Registration.objects.filter(pk=locked.pk).update(
            state=Registration.State.CANCELLED, ended=now
        )
        registration.state = Registration.State.CANCELLED
        publish(
            RegistrationCanceled(
                organizer_id=locked.organizer_id,
                contact_id=locked.contact_id,
                session_id=locked.session_id,
            )
        )
        audit.record(
            "registration.cancelled",
            locked,
            actor=actor,
            organizer=locked.organizer,
            after={"session": locked.session_id, "contact": locked.contact_id},
        )
        if locked.hold_id is not None:
            hold = Hold.objects.get(pk=locked.hold_id)
            engine.release([hold], now=now, actor=actor, owner_ref=hold.owner_ref)


def accept_offer(entry: WaitlistEntry, *, now: datetime.datetime | None = None) -> Registration:
    """The attendee accepts a waitlist offer before its deadline: the held place becomes
    their registration. A clash with the agenda as it is now refuses it (the place stays
    offered until the deadline)."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = (
            WaitlistEntry.objects.select_for_update()
            .select_related("session__event")
            .get(pk=entry.pk)
        )
        if entry.state != WaitlistEntry.State.OFFERED or entry.hold_id is None:
            raise RegistrationError("offer_gone")
        event = entry.session.event
        others = [s for s in agenda_sessions(entry.contact, event) if s.pk != entry.session_id]
        clash = find_clash([*others, entry.session])
        if clash:
            raise RegistrationError("clash", a=str(clash[0]), b=str(clash[1]))
        hold = Hold.objects.get(pk=entry.hold_id)
        try:
            engine.confirm([hold], now=now, owner_ref=hold.owner_ref)
        except InventoryError as exc:
            raise RegistrationError("offer_gone") from exc
        entry.state = WaitlistEntry.State.REGISTERED
        entry.save(update_fields=["state"])
        registration = Registration.objects.create(
            organizer=entry.organizer, session=entry.session, contact=entry.contact, hold=hold
        )
        publish(
            RegistrationConfirmed(
                organizer_id=entry.organizer_id,
                contact_id=entry.contact_id,
                session_ids=[entry.session_id],
            )
        )
        audit.record("waitlist.accepted", entry, organizer=entry.organizer)
    return registration


def remove_from_waitlist(entry: WaitlistEntry, *, actor: Actor | None = None) -> None:
    """Take someone off a waitlist (staff, or the attendee); an offer they held is released
    and goes to the next in line."""
    if actor is not None:
        require(actor, entry.organizer, Perm.CHANGE_EVENTS)
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.state not in WaitlistEntry.ACTIVE:
            return
        hold_id = entry.hold_id if entry.state == WaitlistEntry.State.OFFERED else None
        entry.state = WaitlistEntry.State.REMOVED
        entry.save(update_fields=["state"])
        audit.record("waitlist.removed", entry, actor=actor, organizer=entry.organizer)
        if hold_id is not None:
            hold = Hold.objects.get(pk=hold_id)
            engine.release([hold], actor=actor, owner_ref=hold.owner_ref)
