"""The places a registration keeps: held by the inventory engine for the contact's agenda
(`agenda:<contact>`), confirmed at once (no expiry)."""

import datetime
from collections.abc import Sequence
from typing import Any

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
    places = _for_agenda(event, contact_id, items, now)
    return engine.take(**places, expires_at=None, kind=Hold.Kind.ORDER, actor=actor)


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
    places = _for_agenda(event, contact_id, items, now)
    return engine.overbook(**places, actor=actor, reason=reason)


def _for_agenda(
    event: Event,
    contact_id: int,
    items: Sequence[engine.HoldRequest],
    now: datetime.datetime | None,
) -> dict[str, Any]:
    """Which places, of which organiser, for whose agenda, when: both ways of taking say it."""
    owner = agenda_owner(contact_id)
    return {"organizer": event.organizer, "items": items, "owner_ref": owner, "now": now}
