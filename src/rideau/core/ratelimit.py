"""A database-backed sliding-window rate limit, shared by every process: the one mechanism
behind every security throttle (logins, one-time codes, password resets, check-in access
codes, discount codes). The shop's per-minute order and add-to-cart limits are load
shedding during an on-sale rush and count in the cache instead, so as not to add database
writes to every request then (`RIDEAU_SHOP_ORDER_RATE`, `within_shop_rate`).

`hit` counts an attempt and says whether it is allowed. `allow` does it for several keys at
once, counting nothing when any of them is over (so a client already refused on one key —
its address — cannot keep using up another one — an account). `over` and `record` count
only misses (wrong codes): check before trying, record after a miss.
"""

import datetime
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .models import RateLimitHit

Limit = tuple[str, int, int]  # key, attempts allowed, window in seconds


def over(key: str, *, limit: int, window: int) -> bool:
    """True when `key` already has `limit` attempts in the last `window` seconds."""
    if limit <= 0:
        return False
    since = timezone.now() - datetime.timedelta(seconds=window)
    return RateLimitHit.objects.filter(key=key, created__gte=since).count() >= limit


def record(key: str, *, window: int) -> None:
    """Count one attempt for `key` (and forget the ones older than `window`)."""
    now = timezone.now()
    since = now - datetime.timedelta(seconds=window)
    RateLimitHit.objects.filter(key=key, created__lt=since).delete()
    RateLimitHit.objects.create(key=key, created=now)


def hit(key: str, *, limit: int, window: int) -> bool:
    """Record an attempt for `key`; False when the key is over `limit` in the last `window` s."""
    return allow([(key, limit, window)])


def allow(limits: Iterable[Limit]) -> bool:
    """Count one attempt against every key, unless one of them is over its limit: then
    nothing is counted and the answer is False."""
    limits = list(limits)
    if any(over(key, limit=limit, window=window) for key, limit, window in limits):
        return False
    for key, limit, window in limits:
        if limit > 0:
            record(key, window=window)
    return True


def reset(key: str) -> None:
    RateLimitHit.objects.filter(key=key).delete()


def within_shop_rate(key: str, *, now: float | None = None) -> bool:
    """Count one hit for `key` in the cache: False beyond `RIDEAU_SHOP_ORDER_RATE` (hits
    allowed, window in seconds) in the current fixed window. `now` in epoch seconds."""
    limit, window = settings.RIDEAU_SHOP_ORDER_RATE
    if limit <= 0:
        return True
    bucket = int((time.time() if now is None else now) // window)
    key = f"{key}:{bucket}"
    cache.add(key, 0, timeout=window * 2)
    try:
        return cache.incr(key) <= limit
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window * 2)
        return True
