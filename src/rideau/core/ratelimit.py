"""A database-backed sliding-window rate limit, shared by every process (login, OTP)."""

import datetime

from django.utils import timezone

from .models import RateLimitHit


def hit(key: str, *, limit: int, window: int) -> bool:
    """Record an attempt for `key`; False when the key is over `limit` in the last `window` s."""
    now = timezone.now()
    since = now - datetime.timedelta(seconds=window)
    RateLimitHit.objects.filter(key=key, created__lt=since).delete()
    if RateLimitHit.objects.filter(key=key, created__gte=since).count() >= limit:
        return False
    RateLimitHit.objects.create(key=key, created=now)
    return True


def reset(key: str) -> None:
    RateLimitHit.objects.filter(key=key).delete()
