"""The catalogue of an event the shop API reads for every order (its rates with their
products and the products' questions, its dates), kept per process and per
`Event.catalog_version` (ADR 0020, third step).

On PostgreSQL the version is bumped by triggers on every write to those rows, whoever makes
it (catalog migration 0005), and the event row is read by every order anyway: an order sees
the catalogue of the version it read, never an older one, so a price or a sales window is
never stale — the same guarantee as reading the rows. That saves three statements per order
(rates, questions, dates). On SQLite (no triggers) nothing is kept: None, read as before.

Each request gets copies of the kept instances (as `copy.copy` makes them: its own state,
related objects and prefetched lists shared and never written), so a request never changes
what another sees.
"""

from collections.abc import Iterable
from typing import TypeVar

from django.db import connection
from django.db.models import Model, Prefetch
from django.db.models.base import ModelState

from rideau.catalog.models import Question, Rate
from rideau.events.models import Event, EventDate

M = TypeVar("M", bound=Model)
MAX_EVENTS = 256  # events kept per process (the oldest entry goes first)
MAX_DATES = 500  # an event with more dates is read per order

_kept: dict[int, tuple[int, dict[int, Rate], dict[int, EventDate]]] = {}


def rates_and_dates(
    event: Event, rates: Iterable[int], dates: Iterable[int]
) -> tuple[dict[int, Rate], dict[int, EventDate]] | None:
    """Copies of the event's rates and dates of these ids (unknown ids left out), or None
    where nothing is kept (SQLite, an event with very many dates)."""
    if connection.vendor != "postgresql":
        return None
    found = _kept.get(event.pk)
    if found is None or found[0] != event.catalog_version:
        found = _read(event)
        if found is None:
            return None
    _version, kept_rates, kept_dates = found
    return (
        {pk: _copy(kept_rates[pk]) for pk in rates if pk in kept_rates},
        {pk: _copy(kept_dates[pk]) for pk in dates if pk in kept_dates},
    )


def _read(event: Event) -> tuple[int, dict[int, Rate], dict[int, EventDate]] | None:
    version = event.catalog_version
    dates = list(EventDate.objects.filter(event=event).order_by("pk")[: MAX_DATES + 1])
    if len(dates) > MAX_DATES:
        return None
    rates = (
        Rate.objects.select_related("product")
        .prefetch_related(
            Prefetch("product__questions", queryset=Question.objects.order_by("position", "id"))
        )
        .filter(product__event=event)
    )
    found = (version, {r.pk: r for r in rates}, {d.pk: d for d in dates})
    if len(_kept) >= MAX_EVENTS:
        try:  # the oldest entry (another thread may be removing it too)
            _kept.pop(next(iter(_kept)))
        except (StopIteration, KeyError, RuntimeError):
            pass
    _kept[event.pk] = found
    return found


def _copy(obj: M) -> M:
    """What `copy.copy` makes of a model instance (its attributes, and its own `_state` with
    its own cache of related objects), without going through pickling's protocol: a fifth
    of the cost."""
    copied = object.__new__(type(obj))
    copied.__dict__.update(obj.__dict__)
    state = ModelState()
    state.__dict__.update(obj._state.__dict__)
    state.fields_cache = dict(obj._state.fields_cache)
    copied._state = state
    prefetched = getattr(obj, "_prefetched_objects_cache", None)
    if prefetched is not None:
        copied._prefetched_objects_cache = dict(prefetched)  # type: ignore[attr-defined]
    return copied


def forget() -> None:
    """Drop what is kept (tests)."""
    _kept.clear()
