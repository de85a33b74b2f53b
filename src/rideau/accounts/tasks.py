"""Periodic jobs of the personal space, found by the worker through `rideau.core.periodic`."""

from rideau.core.periodic import periodic

from . import services


@periodic(every=3600, name="accounts.delete_old_login_codes")
def delete_old_login_codes() -> int:
    """Login codes are useless after their 10 minutes: keep a day of them, for support."""
    return services.delete_old_login_codes()
