"""The waitlist side of the capacity engine's freed-place hook (ADR 0004, ADR 0012, ADR 0014).

`on_freed` runs in the transaction that freed places (a cancellation, a quota growing, an
offer expiring): for each session with room — and each event with room in its event-wide
quota, for event-level registration (SPEC A9) — it goes down the waitlist *in order* and
gives the place to the first eligible person: an offer (a hold of kind `offer` with a
deadline, and an e-mail) or, per the event's setting, a registration. One machinery for
both kinds of waitlist: a session's entries have `session` set, the event's have none.

**The clash rule.** A waiting person whose agenda (registrations and open offers) overlaps
the freed session in time is skipped for this place, and keeps their position: they are
considered again for the next place freed. So a promotion never double-books anyone, and
nobody loses their rank because of a clash.

**Swaps.** An entry with `swap_from` ("move me from X to this session Y if it frees up")
is promoted directly, without an offer (the attendee consented in advance): in one
transaction they take Y and their registration to X is cancelled, its place going to X's
own waitlist through the same hook. Their agenda is checked for clashes without X.

**Groups.** An entry of N seats is given N places at once or none. The event's group rule
(`AgendaSettings.group_rule`) decides what happens behind a group that does not fit:
*strict* — nobody passes it: the free places it cannot use yet are *kept* for it, a hold of
kind `kept` (owner `kept:<entry>`, no deadline) taken through the engine, so every path that
sells or registers finds them taken, whichever way it reaches the engine (`keep`); when more
places free, `give` hands the kept ones back and takes the group's N at once; *fill* —
later, smaller entries that fit take the places, and the group keeps its position.

**Passes.** At an event with event passes, an entry of the event's waitlist carries the
pass chosen (`passage`): its promotion takes the event's place and a place in each of the
pass's sessions in one `take()` (all or nothing) and registers with the pass (directly, or
when the offer of all those places is accepted). A pass whose session is full, or whose
sessions clash with the person's agenda, is skipped for this place: the entry keeps its
position (first in line) and is considered again when places free — a place freed in one
of its sessions promotes the event's waitlist too. The entries behind it may take the
event's place with a pass that fits, as with the clash rule.

`gate` tells the engine which quotas have people waiting, so places freed by the lazy
reclaim inside a newcomer's `take()` are kept for them.
"""

import datetime
from contextvars import ContextVar

from django.conf import settings as django_settings
from django.db.models import Min, Q
from django.utils.translation import ngettext_lazy

from rideau.core.domain_events import publish
from rideau.events.models import Event, EventDate, Session
from rideau.inventory import hooks
from rideau.inventory import services as engine
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota

from . import holds as places
from .domain_events import WaitlistOfferMade
from .errors import RegistrationError
from .models import AgendaSettings, EventPassage, Registration, WaitlistEntry
from .queries import event_places_left, kept_owner, places_left

__all__ = [
    "gate",
    "give",
    "keep",
    "min_offer_window",
    "offer_deadline",
    "on_freed",
    "position",
    "promote",
    "rekeep",
    "unkeep",
]

# set while `unkeep` hands a group's kept places back to take them again at once: the places
# are not free for anyone else, so the hook's own promotion stays out of it
_regiving: ContextVar[bool] = ContextVar("rideau_waitlist_regiving", default=False)

EVENT_WIDE = Q(session__isnull=True, date__isnull=True, product__isnull=True, rate__isnull=True)


def _pass_sessions_waited_for(waiting):
    """The sessions of the passes people wait for in events' waitlists."""
    return EventPassage.sessions.through.objects.filter(
        eventpassage_id__in=waiting.filter(passage__isnull=False).values("passage_id")
    ).values("session_id")


def gate(quota_ids: set[int]) -> set[int]:
    waiting = WaitlistEntry.objects.filter(state=WaitlistEntry.State.WAITING)
    return set(
        Quota.objects.filter(pk__in=quota_ids)
        .filter(
            Q(session_id__in=waiting.filter(session__isnull=False).values("session_id"))
            | Q(session_id__in=_pass_sessions_waited_for(waiting))
            | (EVENT_WIDE & Q(event_id__in=waiting.filter(session__isnull=True).values("event_id")))
        )
        .values_list("pk", flat=True)
    )


def on_freed(freed: hooks.Freed) -> None:
    if _regiving.get():
        return
    if not freed.sessions and not freed.events:
        return  # dated tickets, not sessions nor an event's capacity: no statement of ours
    if freed.holds:
        # offers whose hold just ended (expired or released) are over
        WaitlistEntry.objects.filter(
            hold_id__in=freed.holds, state=WaitlistEntry.State.OFFERED
        ).update(state=WaitlistEntry.State.EXPIRED)
    if freed.sessions:
        sessions = (
            Session.objects.filter(
                pk__in=freed.sessions, waitlist__state=WaitlistEntry.State.WAITING
            )
            .select_related("event__organizer")
            .distinct()
            .order_by("pk")
        )
        for session in sessions:
            promote(session, now=freed.now)
    # the event's waitlist: its event-wide places came back, or a session of a pass
    # someone waits for (that entry may have been skipped for it)
    wanted = Q(pk__in=freed.events) if freed.events else Q(pk__in=[])
    if freed.sessions:
        wanted |= Q(
            waitlist__passage__sessions__in=freed.sessions,
            waitlist__state=WaitlistEntry.State.WAITING,
        )
    if freed.events or freed.sessions:
        events = (
            Event.objects.filter(wanted)
            .filter(
                waitlist__state=WaitlistEntry.State.WAITING,
                waitlist__session__isnull=True,
            )
            .select_related("organizer")
            .distinct()
            .order_by("pk")
        )
        for event in events:
            promote(event, now=freed.now)


def promote(where: Session | Event, *, now: datetime.datetime) -> int:
    """Give the free places of a session (or of an event, for its event-level waitlist) to
    its waitlist, in order; returns how many entries got places."""
    from .services import agenda_sessions, find_clash

    session = where if isinstance(where, Session) else None
    event = session.event if session is not None else where
    assert isinstance(event, Event)
    settings = AgendaSettings.objects.filter(event=event).first() or AgendaSettings(event=event)
    # offers need time to be accepted before it starts, at least the minimum window (swaps
    # and direct promotions do not)
    too_late = (
        settings.promotion != AgendaSettings.Promotion.DIRECT
        and _deadline(event, session, settings=settings, now=now) is None
    )
    given = 0
    for entry in (
        WaitlistEntry.objects.filter(
            event=event, session=session, state=WaitlistEntry.State.WAITING
        )
        .select_related("contact", "swap_from", "passage")
        .prefetch_related("passage__sessions")
        .order_by("pk")
    ):
        entry.event, entry.session = event, session
        swap = _swap_of(entry)
        if session is not None:
            agenda = agenda_sessions(entry.contact, event)
            if swap is not None:
                agenda = [s for s in agenda if s.pk != swap.session_id]
            if find_clash([*agenda, session]):
                continue  # the clash rule: skipped for this place, keeps their position
        elif entry.passage is not None and pass_clash(entry):
            continue  # the same rule for the pass's sessions
        offering = settings.promotion != AgendaSettings.Promotion.DIRECT and swap is None
        if offering and too_late:
            continue  # it starts too soon to accept an offer (they keep their position)
        try:
            give(entry, settings=settings, now=now)
        except InventoryError:
            if entry.passage is not None and _event_has_room(event, entry.seats):
                continue  # a session of the pass is full: skipped, keeps their position
            if entry.seats > 1 and settings.group_rule == AgendaSettings.GroupRule.FILL:
                continue  # fill places first: smaller entries behind may fit
            keep(entry, settings=settings, now=now)
            break  # no more room (strict order: nobody passes this entry)
        given += 1
    return given


def pass_sessions(entry: WaitlistEntry) -> list[Session]:
    """The sessions of the pass an entry of the event's waitlist waits with, by start."""
    if entry.session_id is not None or entry.passage is None:
        return []
    return sorted(entry.passage.sessions.all(), key=lambda s: (s.start, s.pk))


def pass_clash(entry: WaitlistEntry) -> bool:
    """Whether the pass's sessions overlap the person's agenda (or hold one of its
    sessions already): the promotion would double-book them."""
    from .services import agenda_sessions, find_clash

    agenda = agenda_sessions(entry.contact, entry.event)
    chosen = pass_sessions(entry)
    mine = {s.pk for s in agenda}
    return any(s.pk in mine for s in chosen) or find_clash([*agenda, *chosen]) is not None


def _event_has_room(event: Event, seats: int) -> bool:
    left = event_places_left(event)
    return left is None or left >= seats


def offer_holds(entry: WaitlistEntry) -> list[Hold]:
    """Every place an open offer holds (a pass's offer: the event's and its sessions')."""
    return list(
        Hold.objects.filter(owner_ref=f"offer:{entry.pk}", state__in=Hold.ACTIVE_STATES).order_by(
            "pk"
        )
    )


def _kept_owner(entry: WaitlistEntry) -> str:
    return kept_owner(entry.pk)


def keep(entry: WaitlistEntry, *, settings: AgendaSettings, now: datetime.datetime) -> int:
    """Under the strict group rule, hold the free places a waiting group cannot use yet for
    it (up to its size), through the engine: nobody — a newcomer on any path, a smaller
    entry behind — can take them. Called by `promote` right after `give` failed for the
    group, `give` having handed back what was kept for it: all the free places count.
    Returns how many places are kept now (0: not a group, the fill rule, a pass, no free
    place)."""
    if (
        entry.seats < 2
        or entry.passage_id is not None
        or entry.state != WaitlistEntry.State.WAITING
        or settings.group_rule != AgendaSettings.GroupRule.STRICT
    ):
        return 0
    from .services import item_for

    event, session = entry.event, entry.session
    if session is not None:
        free = places_left([session]).get(session.pk)
    else:
        free = event_places_left(event)
    wanted = min(free or 0, entry.seats)
    if wanted <= 0:
        return 0
    try:
        engine.take(
            organizer=event.organizer,
            items=[item_for(event, session, wanted)],
            expires_at=None,
            owner_ref=_kept_owner(entry),
            kind=Hold.Kind.KEPT,
            now=now,
        )
    except InventoryError:
        return 0  # taken meanwhile: the next freed place is offered in order anyway
    return wanted


def unkeep(
    entry: WaitlistEntry,
    *,
    now: datetime.datetime,
    regive: bool = False,
    actor=None,
) -> int:
    """Give back the places kept for a group. `regive`: the caller takes them again at once
    (with the rest of the group's places, in the same transaction), so the waitlists do not
    hear of them; otherwise they go to the next in line. Returns how many."""
    holds = list(Hold.objects.filter(owner_ref=_kept_owner(entry), state__in=Hold.ACTIVE_STATES))
    if not holds:
        return 0
    token = _regiving.set(regive)
    try:
        engine.release(holds, now=now, actor=actor, owner_ref=_kept_owner(entry))
    finally:
        _regiving.reset(token)
    return sum(hold.quantity for hold in holds)


def rekeep(event: Event, *, settings: AgendaSettings, now: datetime.datetime) -> None:
    """The event's group rule changed: under *strict*, each waitlist where a group waits is
    served in order again (`promote` keeps for the group what it cannot use yet); under
    *fill*, kept places go to the next in line."""
    groups = list(
        WaitlistEntry.objects.filter(event=event, state=WaitlistEntry.State.WAITING, seats__gt=1)
        .select_related("session")
        .order_by("pk")
    )
    if settings.group_rule == AgendaSettings.GroupRule.FILL:
        for entry in groups:
            unkeep(entry, now=now)
        return
    for where in dict.fromkeys(entry.session or event for entry in groups):
        promote(where, now=now)


def _swap_of(entry: WaitlistEntry) -> Registration | None:
    swap = entry.swap_from
    if swap is not None and swap.state != Registration.State.REGISTERED:
        return None
    return swap


def _starts(event: Event, session: Session | None) -> datetime.datetime | None:
    """When a waitlist's places are used: its session's start, or the event's first date
    or session (a pass's sessions among them); None: no date."""
    if session is not None:
        return session.start
    found = [
        first
        for rows in (
            EventDate.objects.filter(event=event, is_cancelled=False),
            Session.objects.filter(event=event),
        )
        if (first := rows.aggregate(first=Min("start"))["first"])
    ]
    return min(found) if found else None


def min_offer_window() -> datetime.timedelta:
    """The least time an offer leaves to accept it (`RIDEAU_WAITLIST_MIN_OFFER_MINUTES`)."""
    return datetime.timedelta(minutes=max(django_settings.RIDEAU_WAITLIST_MIN_OFFER_MINUTES, 0))


def _deadline(
    event: Event, session: Session | None, *, settings: AgendaSettings, now: datetime.datetime
) -> datetime.datetime | None:
    deadline = now + datetime.timedelta(hours=settings.offer_hours)
    start = _starts(event, session)
    if start is not None:
        if start - now < min_offer_window():
            return None  # it starts too soon to accept an offer (or has started)
        deadline = min(deadline, start)
    return deadline if deadline > now else None


def offer_deadline(
    entry: WaitlistEntry, *, settings: AgendaSettings, now: datetime.datetime
) -> datetime.datetime | None:
    """The deadline of an offer made now: the event's offer hours, but never past the start
    of what the entry waits for (an offer accepted after it began is no use, and its place
    would sit held meanwhile). None: it starts in less than the minimum window to accept an
    offer (`min_offer_window`), or has started: no offer is made, the place stays free for
    direct registration."""
    return _deadline(entry.event, entry.session, settings=settings, now=now)


def give(
    entry: WaitlistEntry,
    *,
    settings: AgendaSettings,
    now: datetime.datetime,
    direct: bool | None = None,
) -> None:
    """Take the entry's places through the engine (InventoryError when they are not free)
    and make the offer — or, per the setting or for a swap, the registration — with its
    e-mail and domain event. Used by `promote` and by the staff's invitation."""
    from .passages import passage_items, passage_rows
    from .services import _email, end_registration, item_for

    event, session = entry.event, entry.session
    swap = _swap_of(entry)
    if direct is None:
        direct = settings.promotion == AgendaSettings.Promotion.DIRECT
    direct = direct or swap is not None
    expires = None if direct else offer_deadline(entry, settings=settings, now=now)
    if not direct and expires is None:
        raise RegistrationError(
            "too_late_to_offer",
            session=str(session or event),
            minutes=int(min_offer_window().total_seconds() // 60),
        )
    chosen = pass_sessions(entry)
    if entry.passage is not None and session is None:
        # the event's place and every session's of the pass, in one take (all or nothing)
        where, items = passage_items(event, chosen, entry.seats)
    else:
        where, items = [session], [item_for(event, session, entry.seats)]
    if entry.seats > 1:
        unkeep(entry, now=now, regive=True)  # its kept places are among the N it takes
    holds = engine.take(
        organizer=event.organizer,
        items=items,
        expires_at=expires,
        owner_ref=f"offer:{entry.pk}" if not direct else places.agenda_owner(entry.contact_id),
        kind=Hold.Kind.OFFER if not direct else Hold.Kind.ORDER,
        now=now,
    )
    hold = holds[0]
    entry.hold = hold
    label = session or event
    if direct:
        entry.state = WaitlistEntry.State.REGISTERED
        if entry.passage is not None and session is None:
            passage_rows(
                event,
                entry.passage,
                entry.contact,
                chosen,
                where=where,
                holds=holds,
                seats=entry.seats,
            )
        else:
            Registration.objects.create(
                organizer=event.organizer,
                event=event,
                session=session,
                contact=entry.contact,
                hold=hold,
                seats=entry.seats,
            )
        entry.save(update_fields=["hold", "state"])
        if swap is not None:
            # the other half of the swap, in the same transaction: X's place is released
            # through the engine, so X's own waitlist gets it at once
            locked = Registration.objects.select_for_update().get(pk=swap.pk)
            end_registration(locked, actor=None, now=now)
        _email(
            entry.contact,
            event,
            "promoted",
            ngettext_lazy(
                "A place freed up for you at %(event)s",
                "%(n)s places freed up for you at %(event)s",
                "n",
            ),
            session=label,
            swapped_from=swap.session if swap is not None else None,
            passage=entry.passage if chosen else None,
            sessions=chosen,
            seats=entry.seats,
        )
    else:
        entry.state = WaitlistEntry.State.OFFERED
        entry.offer_expires = expires
        entry.save(update_fields=["hold", "state", "offer_expires"])
        _email(
            entry.contact,
            event,
            "offer",
            ngettext_lazy(
                "A place is waiting for you at %(event)s",
                "%(n)s places are waiting for you at %(event)s",
                "n",
            ),
            session=label,
            expires=expires,
            passage=entry.passage if chosen else None,
            sessions=chosen,
            seats=entry.seats,
        )
    publish(
        WaitlistOfferMade(
            organizer_id=event.organizer_id,
            contact_id=entry.contact_id,
            session_id=session.pk if session is not None else None,
            event_id=event.pk,
            direct=direct,
            seats=entry.seats,
            swapped_from=swap.session_id if swap is not None else None,
        )
    )


def position(entry: WaitlistEntry) -> int:
    """The entry's position (1 = next) among the waiting entries of its waitlist."""
    return (
        WaitlistEntry.objects.filter(
            event_id=entry.event_id,
            session=entry.session_id,
            state=WaitlistEntry.State.WAITING,
            pk__lt=entry.pk,
        ).count()
        + 1
    )


def positions(contact_id: int, session_ids: list[int]) -> dict[int, int]:
    """The contact's position (1 = next) in each of these sessions' waitlists."""
    return {
        entry.session_id: position(entry)
        for entry in WaitlistEntry.objects.filter(
            contact_id=contact_id, session_id__in=session_ids, state=WaitlistEntry.State.WAITING
        )
        if entry.session_id is not None
    }
