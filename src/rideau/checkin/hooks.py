"""Secrets other areas stand behind at the entrance (a pass's QR code, SPEC D1; a partner
team member's badge, B4).

An area registers a resolver from its AppConfig.ready(): given a secret that is no ticket's
and the list being scanned, it returns the ticket (position) that secret stands for on that
list — or None. `checkin` imports no area: the resolvers come to it.
"""

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rideau.orders.models import Position

    from .models import CheckinList

Resolver = Callable[[str, "CheckinList", datetime.datetime], "Position | None"]

_resolvers: list[Resolver] = []


def resolve_with(resolver: Resolver) -> None:
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def resolve(secret: str, checkin_list: "CheckinList", now: datetime.datetime) -> "Position | None":
    for resolver in _resolvers:
        position = resolver(secret, checkin_list, now)
        if position is not None:
            return position
    return None
