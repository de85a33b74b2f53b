"""The places a registration keeps: held by the inventory engine for the contact's agenda
(`agenda:<contact>`), confirmed at once (no expiry)."""

import datetime
from collections.abc import Sequence

from rideau.core.access import Actor
from rideau.events.models import Event
from rideau.inventory import services as engine
from rideau.inventory.models import Hold


def agenda_owner(contact_id: int) -> str:
    return f"agenda:{contact_id}"


def take(
    event: Event,
    contact_id: int,
    items: Sequence[engine.HoldRequest],
    *,
    now: datetime.datetime | None,
    actor: Actor | None = None,
) -> list[Hold]:
    """Take the items' places for the contact's agenda, all or none (`InventoryError`)."""
    return engine.take(
        organizer=event.organizer,
        items=items,
        expires_at=None,
        owner_ref=agenda_owner(contact_id),
        kind=Hold.Kind.ORDER,
        now=now,
        actor=actor,
    )


def overbook(
    event: Event,
    contact_id: int,
    items: Sequence[engine.HoldRequest],
    *,
    actor: Actor,
    reason: str,
    now: datetime.datetime | None,
) -> list[Hold]:
    """Staff take the items' places for the contact's agenda even beyond capacity (SPEC A4)."""
    return engine.overbook(
        organizer=event.organizer,
        items=items,
        actor=actor,
        reason=reason,
        owner_ref=agenda_owner(contact_id),
        now=now,
    )
