"""The subscriber space's login (SPEC D6): e-mail + pass code, then the personal space's
one-time code (6 digits, 10 minutes, 5 tries: `accounts.services`).

The first step does the same work and gives the same answer whether or not the pair
exists: a login code is e-mailed to the address either way (the personal space sends codes
to any address, saying so when it knows nobody there), and which pass the pair matched, if
any, stays on the server. Attempts are limited per client, per address (the code
machinery's limit) and per pass code.
"""

import datetime

from django.utils import timezone

from rideau.accounts import services as accounts
from rideau.accounts.errors import AccountError
from rideau.accounts.models import Account
from rideau.core import ratelimit
from rideau.core.access import scoped
from rideau.core.models import Organizer

from .models import Pass
from .services import find_pass, hash_code

# pass-code attempts per pass code and per client in the window (seconds)
PASS_CODE_RATE = (5, 900)
CLIENT_RATE = (30, 900)


def request_subscriber_code(
    organizer: Organizer,
    *,
    email: str,
    pass_code: str,
    client: str,
    language: str = "",
    now: datetime.datetime | None = None,
) -> int | None:
    """Step 1: e-mail the address a login code; returns the id of the pass the pair
    matched (or None) for the caller to keep server-side. Raises AccountError
    ("rate_limited") when the client, the address or the pass code asked too often."""
    now = now or timezone.now()
    email = accounts.normalize_email(email)
    if not ratelimit.allow(
        [
            (f"pass-login:ip:{client}", *CLIENT_RATE),
            (f"pass-login:code:{hash_code(organizer.pk, pass_code)}", *PASS_CODE_RATE),
        ]
    ):
        raise AccountError("rate_limited")
    p = find_pass(organizer, pass_code)
    matched = p.pk if p is not None and p.email.lower() == email else None
    accounts.request_login_code(organizer, email=email, client=client, language=language, now=now)
    return matched


def subscriber_passes(account: Account):
    """The passes of the account's address (any status), newest first."""
    return (
        scoped(Pass.objects.all(), account.organizer)
        .filter(email__iexact=account.email)
        .select_related("pass_product__product", "pass_product__season")
        .order_by("-created", "-id")
    )


def subscriber_pass(account: Account, pass_id: int) -> Pass | None:
    return subscriber_passes(account).filter(pk=pass_id).first()
