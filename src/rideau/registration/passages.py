"""Event passes ("passages", SPEC A1, A2): in event-level registration, each pass grants a
preset set of the event's sessions.

Not the season passes and subscriptions of `rideau.passes` (SPEC D1–D7, sold products with
holders): an event pass sells nothing, it is a choice of sessions made by the organiser.

- Defining a pass makes the event's registration event-level: the self-built agenda is
  switched off in the same transaction (audited `event.self_agenda_off`, SPEC A2) and
  `AgendaSettings.event_registration` switched on.
- Registering with a pass takes the event's place and a place in every session of the pass
  in one `take()` of the engine: all or nothing. A full session makes the pass full (the
  seed offers no per-pass waitlist: event-level registration keeps one waitlist, the
  event's, A9); staff may still register beyond capacity with a reason.
- A pass's sessions never overlap in time (the clash rule of self-built agendas).
"""

import datetime
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rideau.catalog.models import Product
from rideau.contacts.models import Contact
from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.domain_events import publish
from rideau.core.errors import ValidationFailed
from rideau.core.i18n import clean_i18n
from rideau.core.roles import Perm
from rideau.events.models import Event, Session
from rideau.events.services import self_agenda_off
from rideau.inventory import services as engine
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold

from . import holds as places
from .domain_events import RegistrationConfirmed
from .errors import RegistrationError
from .models import AgendaSettings, EventPassage, Registration, WaitlistEntry

__all__ = [
    "create_passage",
    "delete_passage",
    "passage_items",
    "passage_of",
    "passage_rows",
    "register_with_passage",
    "update_passage",
]

NAME_LENGTH = 200
DESCRIPTION_LENGTH = 2000
MAX_SESSIONS = 100


def _clean(
    event: Event,
    *,
    name,
    description,
    sessions: Iterable[Session | int],
    position: int,
) -> tuple[dict, dict, list[Session]]:
    from .services import find_clash

    errors: dict[str, list[str]] = {}
    languages = event.organizer.languages
    cleaned_name: dict = {}
    cleaned_description: dict = {}
    try:
        cleaned_name = clean_i18n(name, languages, required=True, max_length=NAME_LENGTH)
    except ValueError as exc:
        errors["name"] = [str(exc)]
    try:
        cleaned_description = clean_i18n(
            description or {}, languages, required=False, max_length=DESCRIPTION_LENGTH
        )
    except ValueError as exc:
        errors["description"] = [str(exc)]
    if not 0 <= position <= 10_000:
        errors["position"] = [_("Enter a number from 0 to 10000.")]
    ids = set()
    for s in sessions:
        try:
            ids.add(s.pk if isinstance(s, Session) else int(s))
        except (TypeError, ValueError):
            errors["sessions"] = [_("Choose sessions of this event.")]
    chosen: list[Session] = []
    if len(ids) > MAX_SESSIONS:
        errors["sessions"] = [_("At most %(n)d sessions.") % {"n": MAX_SESSIONS}]
    elif "sessions" not in errors:
        chosen = list(Session.objects.filter(event=event, pk__in=ids).order_by("start", "pk"))
        if not ids:
            errors["sessions"] = [_("Choose at least one session.")]
        elif len(chosen) != len(ids):
            errors["sessions"] = [_("Choose sessions of this event.")]
        elif clash := find_clash(chosen):
            errors["sessions"] = [
                _("“%(a)s” and “%(b)s” overlap in time: a pass cannot hold both.")
                % {"a": clash[0], "b": clash[1]}
            ]
    if errors:
        raise ValidationFailed(errors)
    return cleaned_name, cleaned_description, chosen


def _clean_products(
    event: Event, products: Iterable[Product | int], passage: EventPassage | None
) -> list[Product]:
    """The ticket products of this event a pass is sold with (ADR 0023): each with one
    pass at most."""
    try:
        ids = {p.pk if isinstance(p, Product) else int(p) for p in products}
    except (TypeError, ValueError):
        raise ValidationFailed({"products": [_("Choose ticket products of this event.")]}) from None
    found = list(
        Product.objects.filter(event=event, pk__in=ids, kind=Product.Kind.TICKET).order_by("pk")
    )
    if len(found) != len(ids):
        raise ValidationFailed({"products": [_("Choose ticket products of this event.")]})
    elsewhere = EventPassage.products.through.objects.filter(product_id__in=ids)
    if passage is not None:
        elsewhere = elsewhere.exclude(eventpassage_id=passage.pk)
    if elsewhere.exists():
        raise ValidationFailed(
            {"products": [_("A product is sold with one pass at most: it has one already.")]}
        )
    return found


def _link_products(passage: EventPassage, products: list[Product]) -> None:
    from .sales import sync_products

    before = set(passage.products.values_list("pk", flat=True))
    passage.products.set(products)
    sync_products(sorted(before | {p.pk for p in products}))


def _audit_view(passage: EventPassage, sessions: Sequence[Session]) -> dict:
    return {
        "name": passage.name,
        "description": passage.description,
        "position": passage.position,
        "sessions": sorted(s.pk for s in sessions),
        "products": sorted(passage.products.values_list("pk", flat=True)),
    }


def _event_level_now(event: Event, passage: EventPassage, actor: Actor) -> None:
    """SPEC A2: an event with passes is an event-level registration. The self-built agenda
    goes off in this transaction (audited); `event.self_agenda` tells the caller."""
    self_agenda_off(event, actor=actor, why={"event_pass": passage.pk})
    found, _created = AgendaSettings.objects.select_for_update().get_or_create(event=event)
    if not found.event_registration:
        found.event_registration = True
        found.save(update_fields=["event_registration"])
        audit.record(
            "agenda_settings.changed",
            found,
            actor=actor,
            organizer=event.organizer,
            before={"event_registration": False},
            after={"event_registration": True, "event_pass": passage.pk},
        )


def create_passage(
    event: Event,
    *,
    actor: Actor,
    name: dict[str, str] | str,
    sessions: Iterable[Session | int],
    description: dict[str, str] | str | None = None,
    position: int = 0,
    products: Iterable[Product | int] = (),
) -> EventPassage:
    """Define an event pass granting `sessions` (of this event, not overlapping), sold
    with `products` (ticket products of the event: buying one registers with the pass,
    `sales`). The event becomes event-level registration: a self-built agenda is switched
    off in the same transaction (SPEC A2); the caller compares `event.self_agenda` before
    and after to say so."""
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    name, description, chosen = _clean(
        event, name=name, description=description, sessions=sessions, position=position
    )
    sold_with = _clean_products(event, products, None)
    with transaction.atomic():
        passage = EventPassage.objects.create(
            organizer=event.organizer,
            event=event,
            name=name,
            description=description,
            position=position,
        )
        passage.sessions.set(chosen)
        _link_products(passage, sold_with)
        audit.record(
            "event_pass.created",
            passage,
            actor=actor,
            organizer=event.organizer,
            after=_audit_view(passage, chosen),
        )
        _event_level_now(event, passage, actor)
    return passage


def update_passage(
    passage: EventPassage,
    *,
    actor: Actor,
    name: dict[str, str] | str,
    sessions: Iterable[Session | int],
    description: dict[str, str] | str | None = None,
    position: int = 0,
    products: Iterable[Product | int] | None = None,
) -> EventPassage:
    """Change a pass (`products` None: the products it is sold with stay). People already
    registered with it keep their sessions: a changed set applies to registrations made
    from now on."""
    event = passage.event
    require(actor, event.organizer, Perm.CHANGE_EVENTS)
    name, description, chosen = _clean(
        event, name=name, description=description, sessions=sessions, position=position
    )
    sold_with = None if products is None else _clean_products(event, products, passage)
    with transaction.atomic():
        locked = EventPassage.objects.select_for_update().get(pk=passage.pk)
        before = _audit_view(locked, list(locked.sessions.all()))
        locked.name, locked.description, locked.position = name, description, position
        locked.save(update_fields=["name", "description", "position"])
        locked.sessions.set(chosen)
        if sold_with is not None:
            _link_products(locked, sold_with)
        audit.record(
            "event_pass.updated",
            locked,
            actor=actor,
            organizer=event.organizer,
            before=before,
            after=_audit_view(locked, chosen),
        )
    passage.name, passage.description, passage.position = name, description, position
    return passage


def delete_passage(passage: EventPassage, *, actor: Actor) -> None:
    """Delete a pass nobody is registered with (cancel those registrations first)."""
    require(actor, passage.organizer, Perm.CHANGE_EVENTS)
    with transaction.atomic():
        locked = EventPassage.objects.select_for_update().get(pk=passage.pk)
        if locked.registrations.filter(state=Registration.State.REGISTERED).exists():
            raise ValidationFailed(
                {
                    "passage": [
                        _("People are registered with this pass: remove their registrations first.")
                    ]
                }
            )
        if locked.waiting.filter(state__in=WaitlistEntry.ACTIVE).exists():
            raise ValidationFailed(
                {"passage": [_("People wait for this pass: remove them from the waitlist first.")]}
            )
        before = _audit_view(locked, list(locked.sessions.all()))
        Registration.objects.filter(passage=locked).update(passage=None)
        _link_products(locked, [])
        audit.record(
            "event_pass.deleted", locked, actor=actor, organizer=locked.organizer, before=before
        )
        locked.delete()


def passage_of(event: Event, passage: EventPassage | int | None) -> EventPassage | None:
    """The event's pass chosen by an attendee (an id, or the pass), with its sessions; None
    when the event has no passes. Refused: another event's pass, or no pass chosen at an
    event that has passes (its registration is by pass)."""
    if passage is None:
        if EventPassage.objects.filter(event=event).exists():
            raise RegistrationError("choose_passage", field="passage")
        return None
    pk = passage.pk if isinstance(passage, EventPassage) else passage
    found = (
        EventPassage.objects.filter(event=event, pk=pk).prefetch_related("sessions").first()
        if isinstance(pk, int)
        else None
    )
    if found is None:
        raise RegistrationError("invalid_passage", field="passage")
    return found


def _full_one(event: Event, sessions: Sequence[Session]) -> str:
    """What is full, for the refusal: the event, or the pass's first full session."""
    from .queries import event_places_left, places_left

    if event_places_left(event) == 0:
        return str(event)
    left = places_left(sessions)
    for session in sessions:
        if left.get(session.pk, 1) <= 0:
            return str(session)
    return str(event)


def passage_items(
    event: Event, sessions: Sequence[Session], seats: int, *, event_place: bool = True
) -> tuple[list[Session | None], list[engine.HoldRequest]]:
    """What registering with a pass asks the engine for, in one `take()`: the event's place
    (when the event has an event-wide capacity and `event_place`: a ticket sold with the
    pass already holds it) and one in each of the pass's sessions (on-site events, A5).
    Returns where each place is (None: the event) and the requests."""
    from .services import _event_limited, has_capacity, item_for

    where: list[Session | None] = [None] if event_place and _event_limited(event) else []
    where += list(sessions) if has_capacity(event) else []
    return where, [item_for(event, s, seats) for s in where]


def passage_rows(
    event: Event,
    passage: EventPassage,
    contact: Contact,
    sessions: Sequence[Session],
    *,
    where: Sequence[Session | None],
    holds: Sequence[Hold],
    seats: int = 1,
    override: bool = False,
    order_id: int | None = None,
) -> list[Registration]:
    """The registration rows of a pass — the event's first, then one per session — each
    with its place of `holds` (taken for `where`, as `passage_items` asked)."""
    hold_of = dict(zip([s.pk if s else None for s in where], holds, strict=True))
    return Registration.objects.bulk_create(
        [
            Registration(
                organizer=event.organizer,
                event=event,
                session=s,
                contact=contact,
                hold=hold_of.get(s.pk if s else None),
                seats=seats,
                passage=passage,
                override=override,
                order_id=order_id,
            )
            for s in [None, *sessions]
        ]
    )


def register_with_passage(
    event: Event,
    passage: EventPassage,
    *,
    contact: Contact,
    seats: int = 1,
    actor: Actor | None = None,
    override_reason: str = "",
    now: datetime.datetime | None = None,
) -> Registration:
    """Register `contact` to the event with `passage`: the event's place and one in each of
    the pass's sessions, in one `take()` of the engine (all or nothing), inside the caller's
    transaction. A full event or session refuses the whole pass (`full`, naming it) unless
    staff give `override_reason` (the engine's logged overbooking, SPEC A4)."""
    from .services import _check_clash, settings_for

    now = now or timezone.now()
    sessions = sorted(passage.sessions.all(), key=lambda s: (s.start, s.pk))
    settings = settings_for(event)
    code = "full" if settings.waitlist else "full_no_waitlist"
    taken = Registration.objects.filter(
        contact=contact, event=event, session__in=sessions, state="registered"
    ).select_related("session")
    if already := next(iter(taken), None):
        raise RegistrationError("already_registered", field="passage", session=str(already.session))
    _check_clash(contact, event, sessions)
    where, items = passage_items(event, sessions, seats)
    holds: list[Hold] = []
    override = bool(override_reason.strip())
    if items:
        if override:
            assert actor is not None
            holds = places.overbook(
                event, contact.pk, items, actor=actor, reason=override_reason, now=now
            )
        else:
            try:
                holds = places.take(event, contact.pk, items, now=now, actor=actor)
            except InventoryError as exc:
                if exc.code != "sold_out":
                    raise
                if actor is not None:
                    raise ValidationFailed(
                        {
                            "override_reason": [
                                _(
                                    "This pass is full (%(what)s): give a reason to register "
                                    "beyond capacity."
                                )
                                % {"what": _full_one(event, sessions)}
                            ]
                        }
                    ) from exc
                raise RegistrationError(
                    code, field="passage", session=_full_one(event, sessions)
                ) from exc
    created = passage_rows(
        event, passage, contact, sessions, where=where, holds=holds, seats=seats, override=override
    )
    WaitlistEntry.objects.filter(
        contact=contact, event=event, session=None, state="waiting"
    ).update(state=WaitlistEntry.State.REGISTERED)
    confirmed(event, passage, contact, sessions, created[0], actor=actor, override=override)
    return created[0]


def confirmed(
    event: Event,
    passage: EventPassage,
    contact: Contact,
    sessions: Sequence[Session],
    row: Registration,
    *,
    actor: Actor | None,
    override: bool = False,
    order: str = "",
) -> None:
    """A registration with a pass is made: its domain event and audit entry (`order`: the
    code of the order whose ticket came with the pass)."""
    publish(
        RegistrationConfirmed(
            organizer_id=event.organizer_id,
            contact_id=contact.pk,
            session_ids=[s.pk for s in sessions],
            override=override,
            event_id=event.pk,
        )
    )
    after = {
        "event": event.pk,
        "event_pass": passage.pk,
        "sessions": [s.pk for s in sessions],
        "contact": contact.pk,
        "override": override,
    }
    if order:
        after["order"] = order
    audit.record(
        "registration.created" if actor is None else "registration.added",
        row,
        actor=actor,
        organizer=event.organizer,
        after=after,
    )


def passage_sessions_of(registration: Registration) -> list[Registration]:
    """The session rows that came with a registration to the event made with a pass,
    locked: cancelling it ends them too, in the same release (`services.cancel`)."""
    if registration.session_id is not None or registration.passage_id is None:
        return []
    return list(
        Registration.objects.select_for_update()
        .filter(
            contact_id=registration.contact_id,
            event_id=registration.event_id,
            passage_id=registration.passage_id,
            session__isnull=False,
            state=Registration.State.REGISTERED,
        )
        .order_by("pk")
    )
