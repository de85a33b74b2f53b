"""Sections of the personal space, contributed by the areas that own them.

The personal space does not import the areas (orders, reservations, agenda, passes,
meetings…): each area declares one `Section` on the function that lists its items awaiting
the person, in a module its `AppConfig.ready()` imports::

    from rideau.accounts.sections import ActionItem, section

    @section("orders", gettext_lazy("Orders and tickets"), "web:account-orders", position=10)
    def orders_awaiting_action(account) -> Iterable[ActionItem]: ...

The space shows a link per section (in `position` order) and, on its home page, the items
of every section awaiting the person's action, soonest deadline first (SPEC C5). An item
names a URL by its name and arguments; the web layer builds the link, so an area's domain
code never depends on the pages.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Account


@dataclass(frozen=True)
class ActionItem:
    """Something awaiting the person: pay an order, confirm a reservation, choose sessions…"""

    title: str
    url_name: str
    url_kwargs: dict[str, Any] = field(default_factory=dict)
    deadline: datetime.datetime | None = None  # None: no deadline, listed last
    detail: str = ""  # one short line: amount due, number of places…
    action: str = ""  # the button's text, e.g. "Pay now"
    section: str = ""  # the contributing section's key (set by `awaiting_action`)


AwaitingAction = Callable[["Account"], Iterable[ActionItem]]


@dataclass(frozen=True)
class Section:
    key: str
    title: Any  # a (lazy) translatable text
    url_name: str  # the section's page; receives the `organizer` slug as its only argument
    awaiting_action: AwaitingAction = lambda account: ()
    position: int = 100


_registry: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Add (or replace, on a reload) the section with this key."""
    _registry[section.key] = section
    return section


def section(
    key: str, title: Any, url_name: str, *, position: int = 100
) -> Callable[[AwaitingAction], AwaitingAction]:
    """Register a new section whose items awaiting the person the decorated function lists."""

    def declare(awaiting_action: AwaitingAction) -> AwaitingAction:
        register(Section(key, title, url_name, awaiting_action, position))
        return awaiting_action

    return declare


def unregister(key: str) -> None:
    _registry.pop(key, None)


def sections() -> list[Section]:
    return sorted(_registry.values(), key=lambda s: (s.position, s.key))


_FAR_FUTURE = datetime.datetime.max.replace(tzinfo=datetime.UTC)


def awaiting_action(account: "Account") -> list[ActionItem]:
    """Every section's items awaiting the person, the soonest deadline first."""
    items = [
        ActionItem(**{**item.__dict__, "section": section.key})
        for section in sections()
        for item in section.awaiting_action(account)
    ]
    return sorted(items, key=lambda item: (item.deadline or _FAR_FUTURE, item.title))
