"""The orchestration home for programme set-up (ADR 0004, "Programme set-up").

An event's, a date's or a session's capacity is only a number on a form until a quota holds
it: the capacity engine sells against quotas alone. These services keep each object and its
*own* quota in step — both saved or neither — so the back office, the API and the box office
set a programme up the same way. An object's own quota is the one scoped to it alone:

- `Event.capacity`  → a quota with only `event` set (places across all its dates);
- `EventDate.capacity` → a quota with only `date` set;
- `Session.capacity` → a quota with only `session` set (registrations, never tickets).

An empty capacity leaves an existing own quota as it is (an organiser may have tuned it on
the quotas page). This package may import `events`, `catalog` and `inventory`; none of them
imports it.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import ngettext

from rideau.catalog.models import Product, Rate
from rideau.catalog.services import (
    PRODUCT_CHANGES,
    QUESTION_CHANGES,
    RATE_CHANGES,
    create_product,
    create_question,
    create_rate,
)
from rideau.core.access import Actor, require
from rideau.core.errors import PermissionDenied, RideauError, ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.events import services as events
from rideau.events.models import Event, EventDate, Session
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Quota
from rideau.inventory.services import create_quota, delete_quota, rename_quota, resize_quota

__all__ = [
    "create_date",
    "create_event",
    "create_session",
    "date_quota",
    "delete_date",
    "delete_session",
    "duplicate_event",
    "event_quota",
    "event_quotas",
    "session_quota",
    "update_date",
    "update_event",
    "update_session",
]

_OWN = {"event": None, "date": None, "product": None, "rate": None, "session": None}


def event_quotas(event: Event):
    """Every quota of an event: event-wide, or of its dates, products, rates or sessions."""
    return (
        Quota.objects.filter(organizer_id=event.organizer_id)
        .filter(
            Q(event=event)
            | Q(date__event=event)
            | Q(product__event=event)
            | Q(rate__product__event=event)
            | Q(session__event=event)
        )
        .distinct()
    )


def _own_quota(**scope) -> Quota | None:
    return Quota.objects.filter(**{**_OWN, **scope}).order_by("pk").first()


def event_quota(event: Event) -> Quota | None:
    """The quota that holds only this event (the one `Event.capacity` manages)."""
    return _own_quota(event=event)


def date_quota(date: EventDate) -> Quota | None:
    """The quota that holds only this date (the one its capacity field manages)."""
    return _own_quota(date=date)


def session_quota(session: Session) -> Quota | None:
    """The quota that holds only this session (the one its capacity field manages)."""
    return _own_quota(session=session)


def _sync_quota(quota: Quota | None, *, actor: Actor, size, **scope) -> None:
    """Create or resize the own quota of the one event, date or session in `scope` (named
    after it); a size below the places taken is a `capacity` error."""
    if size is None:
        return
    if quota is None:
        (target,) = scope.values()
        event = target if isinstance(target, Event) else target.event
        create_quota(
            actor=actor, organizer=event.organizer, name=str(target)[:200], size=size, **scope
        )
        return
    if quota.size == size:
        return
    try:
        resize_quota(quota, size=size, actor=actor)
    except RideauError as exc:
        if isinstance(exc, PermissionDenied | ValidationFailed):
            raise
        raise ValidationFailed({"capacity": [exc.message]}) from exc


def _restored(obj, fn):
    """Run `fn`; on a refusal, reload `obj` so the caller does not see half-applied changes."""
    try:
        with transaction.atomic():
            return fn()
    except RideauError:
        if obj.pk is not None:
            obj.refresh_from_db()
        raise


# --- events ----------------------------------------------------------------------------------


def create_event(organizer: Organizer, *, actor: Actor, **fields: Any) -> Event:
    """A new event and, with a capacity, the event-wide quota that lets it sell."""
    with transaction.atomic():
        event = events.create_event(organizer, actor=actor, **fields)
        _sync_quota(None, actor=actor, size=event.capacity, event=event)
    return event


def update_event(event: Event, *, actor: Actor, **changes: Any) -> Event:
    """Change an event; a capacity creates or resizes its event-wide quota."""

    def run():
        events.update_event(event, actor=actor, **changes)
        if "capacity" in changes:
            _sync_quota(event_quota(event), actor=actor, size=changes["capacity"], event=event)
        return event

    return _restored(event, run)


# --- dates -----------------------------------------------------------------------------------


def create_date(event: Event, *, actor: Actor, start, capacity: int | None = None, **fields):
    """A date and, with a capacity, the quota that lets it sell (both or neither)."""
    with transaction.atomic():
        date = events.create_event_date(
            event, actor=actor, start=start, capacity=capacity, **fields
        )
        _sync_quota(None, actor=actor, size=capacity, date=date)
    return date


def update_date(date: EventDate, *, actor: Actor, **changes: Any) -> EventDate:
    """Change a date; a capacity resizes the date's own quota (created if missing). An empty
    capacity leaves the quota as it is. Both or neither are saved."""

    def run():
        named = str(date)
        events.update_event_date(date, actor=actor, **changes)
        quota = date_quota(date)
        if quota is not None and quota.name == named[:200] and str(date) != named:
            # a quota named after the date (its own, as created) follows the new time
            rename_quota(quota, name=str(date)[:200], actor=actor)
        if "capacity" in changes:
            _sync_quota(quota, actor=actor, size=changes["capacity"], date=date)
        return date

    return _restored(date, run)


def delete_date(date: EventDate, *, actor: Actor) -> None:
    """Delete a date, its sessions and their quotas (refused while places are held on it)."""
    events.delete_event_date(date, actor=actor)


# --- sessions --------------------------------------------------------------------------------


def create_session(event: Event, *, actor: Actor, **fields: Any) -> Session:
    """A session and, with a capacity, the quota its registrations count against."""
    with transaction.atomic():
        session = events.create_session(event, actor=actor, **fields)
        _sync_quota(None, actor=actor, size=session.capacity, session=session)
    return session


def update_session(session: Session, *, actor: Actor, **changes: Any) -> Session:
    """Change a session; its capacity (given, or defaulted from a new location) creates or
    resizes the session's own quota. Both or neither are saved."""

    def run():
        events.update_session(session, actor=actor, **changes)
        _sync_quota(session_quota(session), actor=actor, size=session.capacity, session=session)
        return session

    return _restored(session, run)


def delete_session(session: Session, *, actor: Actor) -> None:
    """Delete a session with its quotas (refused while registrations hold places of it,
    saying how many and where they are removed)."""
    with transaction.atomic():
        for quota in Quota.objects.filter(session=session).order_by("pk"):
            try:
                delete_quota(quota, actor=actor)
            except InventoryError as exc:
                if exc.code != "quota_in_use" or quota.taken < 1:
                    raise
                raise RideauError(
                    "session_in_use",
                    message=ngettext(
                        "“%(session)s” still has %(n)s place taken by a registration: "
                        "remove it on the Registrations tab first.",
                        "“%(session)s” still has %(n)s places taken by registrations: "
                        "remove them on the Registrations tab first.",
                        quota.taken,
                    )
                    % {"session": session, "n": quota.taken},
                ) from exc
        events.delete_session(session, actor=actor)


# --- duplication -----------------------------------------------------------------------------


def _copied(obj: Any, names: Iterable[str], **overrides: Any) -> dict[str, Any]:
    """The arguments that create a copy of `obj`: its value of each changeable field
    (`names`, the service's own list), then `overrides`."""
    return {name: getattr(obj, name) for name in names} | overrides


def duplicate_event(event: Event, *, actor: Actor, slug: str) -> Event:
    """A draft copy of `event` under a new short name, with its dates, sessions, products
    (with their checkout questions), rates and quotas (quota counters start at zero). All
    or nothing: every object is created through its own service in one transaction."""
    organizer = event.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    with transaction.atomic():
        copy = events.create_event(
            organizer,
            actor=actor,
            **_copied(event, events.EVENT_CHANGES, slug=slug, visibility=Event.Visibility.DRAFT),
        )
        dates: dict[int | None, EventDate] = {}
        for date in event.dates.order_by("start", "pk"):
            dates[date.pk] = events.create_event_date(
                copy, actor=actor, **_copied(date, events.EVENT_DATE_CHANGES)
            )
        sessions: dict[int | None, Session] = {}
        for session in event.sessions.order_by("start", "pk"):
            sessions[session.pk] = events.create_session(
                copy,
                actor=actor,
                **_copied(
                    session,
                    events.SESSION_CHANGES,
                    date=dates.get(session.date_id),
                    speakers=list(session.speakers or []),
                ),
            )
        products: dict[int | None, Product] = {}
        rates: dict[int | None, Rate] = {}
        for product in event.products.order_by("position", "pk"):
            products[product.pk] = create_product(
                organizer, actor=actor, **_copied(product, PRODUCT_CHANGES, event=copy)
            )
            for question in product.questions.order_by("position", "pk"):
                create_question(
                    products[product.pk],
                    actor=actor,
                    **_copied(question, [n for n in QUESTION_CHANGES if n != "product"]),
                )
            for rate in product.rates.order_by("position", "pk").prefetch_related("audience_types"):
                rates[rate.pk] = create_rate(
                    products[product.pk],
                    actor=actor,
                    **_copied(
                        rate,
                        RATE_CHANGES,
                        channels=list(rate.channels),  # CORE-8: a copy keeps its restrictions
                        audience_types=list(rate.audience_types.all()),
                    ),
                )
        for quota in event_quotas(event).order_by("pk"):
            create_quota(
                actor=actor,
                organizer=organizer,
                name=quota.name,
                size=quota.size,
                event=copy if quota.event_id else None,
                date=dates.get(quota.date_id),
                product=products.get(quota.product_id),
                rate=rates.get(quota.rate_id),
                session=sessions.get(quota.session_id),
                covers_sessions=quota.covers_sessions,
            )
    return copy
