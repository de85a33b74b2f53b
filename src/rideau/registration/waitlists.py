"""The waitlist side of the capacity engine's freed-place hook (ADR 0004, ADR 0012).

`on_freed` runs in the transaction that freed places (a cancellation, a quota growing, an
offer expiring): for each session with room it goes down the waitlist *in order* and gives
the place to the first person whose agenda would not clash — an offer (a hold of kind
`offer` with a deadline, and an e-mail) or, per the event's setting, a registration.

**The clash rule.** A waiting person whose agenda (registrations and open offers) overlaps
the freed session in time is skipped for this place, and keeps their position: they are
considered again for the next place freed, after any change to their agenda. So a promotion
never double-books anyone, and nobody loses their rank because of a clash.

`gate` tells the engine which quotas have people waiting, so places freed by the lazy
reclaim inside a newcomer's `take()` are kept for them.
"""

import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from rideau.core.domain_events import publish
from rideau.events.models import Session
from rideau.inventory import hooks
from rideau.inventory import services as engine
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota

from .domain_events import WaitlistOfferMade
from .models import AgendaSettings, Registration, WaitlistEntry

__all__ = ["gate", "on_freed"]


def gate(quota_ids: set[int]) -> set[int]:
    waiting = WaitlistEntry.objects.filter(state=WaitlistEntry.State.WAITING).values("session_id")
    return set(
        Quota.objects.filter(pk__in=quota_ids, session_id__in=waiting).values_list("pk", flat=True)
    )


def on_freed(freed: hooks.Freed) -> None:
    if not freed.sessions:
        return  # tickets, not sessions: no statement of ours on the ticket paths
    if freed.holds:
        # offers whose hold just ended (expired or released) are over
        WaitlistEntry.objects.filter(
            hold_id__in=freed.holds, state=WaitlistEntry.State.OFFERED
        ).update(state=WaitlistEntry.State.EXPIRED)
    sessions = (
        Session.objects.filter(pk__in=freed.sessions, waitlist__state=WaitlistEntry.State.WAITING)
        .select_related("event__organizer")
        .distinct()
        .order_by("pk")
    )
    for session in sessions:
        promote(session, now=freed.now)


def promote(session: Session, *, now: datetime.datetime) -> int:
    """Give the session's free places to its waitlist, in order; returns how many."""
    from .services import _email, agenda_sessions, find_clash

    event = session.event
    settings = AgendaSettings.objects.filter(event=event).first() or AgendaSettings(event=event)
    given = 0
    for entry in (
        WaitlistEntry.objects.filter(session=session, state=WaitlistEntry.State.WAITING)
        .select_related("contact")
        .order_by("pk")
    ):
        if find_clash([*agenda_sessions(entry.contact, event), session]):
            continue  # the clash rule: skipped for this place, keeps their position
        direct = settings.promotion == AgendaSettings.Promotion.DIRECT
        expires = None if direct else now + datetime.timedelta(hours=settings.offer_hours)
        try:
            hold = engine.take(
                organizer=event.organizer,
                items=[engine.HoldRequest(quantity=1, session=session)],
                expires_at=expires,
                owner_ref=f"offer:{entry.pk}" if not direct else f"agenda:{entry.contact_id}",
                kind=Hold.Kind.OFFER if not direct else Hold.Kind.ORDER,
                now=now,
            )[0]
        except InventoryError:
            break  # no more room
        entry.hold = hold
        if direct:
            entry.state = WaitlistEntry.State.REGISTERED
            Registration.objects.create(
                organizer=event.organizer, session=session, contact=entry.contact, hold=hold
            )
            entry.save(update_fields=["hold", "state"])
            _email(
                entry.contact,
                event,
                "promoted",
                _("A place freed up for you at %(event)s"),
                session=session,
            )
        else:
            entry.state = WaitlistEntry.State.OFFERED
            entry.offer_expires = expires
            entry.save(update_fields=["hold", "state", "offer_expires"])
            _email(
                entry.contact,
                event,
                "offer",
                _("A place is waiting for you at %(event)s"),
                session=session,
                expires=expires,
            )
        publish(
            WaitlistOfferMade(
                organizer_id=event.organizer_id,
                contact_id=entry.contact_id,
                session_id=session.pk,
                direct=direct,
            )
        )
        given += 1
    return given


def positions(contact_id: int, session_ids: list[int]) -> dict[int, int]:
    """The contact's position (1 = next) in each of these sessions' waitlists."""
    result: dict[int, int] = {}
    mine = WaitlistEntry.objects.filter(
        contact_id=contact_id, session_id__in=session_ids, state=WaitlistEntry.State.WAITING
    )
    for entry in mine:
        result[entry.session_id] = (
            WaitlistEntry.objects.filter(
                Q(session_id=entry.session_id, state=WaitlistEntry.State.WAITING, pk__lt=entry.pk)
            ).count()
            + 1
        )
    return result
