"""The buyer's session in the personal space, separate from staff logins.

A person logged in to an organiser's personal space is remembered in the session under
`SESSION_KEY`, one entry per organiser ({organiser id: account id, password-bound hash,
how they logged in}). It never sets `request.user`: a buyer is not a staff user and cannot
reach `/control/`, and a staff login does not open anyone's personal space. An entry is
only honoured for its own organiser's pages, so an account of organiser A never opens
organiser B's space.
"""

import time

from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from rideau.accounts.models import Account
from rideau.accounts.queries import get_account
from rideau.accounts.services import session_hash
from rideau.core.models import Organizer

SESSION_KEY = "rideau_accounts"
PENDING_KEY = "rideau_account_pending"  # {organiser id: {"email", "next"}} between the steps
CODE = "code"
PASSWORD = "password"  # noqa: S105 (a login method's name, not a secret)


def log_in(request: HttpRequest, account: Account, *, method: str) -> None:
    request.session.cycle_key()  # a new session id at login: no fixation
    entries = dict(request.session.get(SESSION_KEY, {}))
    entries[str(account.organizer_id)] = {
        "id": account.pk,
        "hash": session_hash(account),
        "method": method,
        "at": int(time.time()),
    }
    request.session[SESSION_KEY] = entries
    pending = dict(request.session.get(PENDING_KEY, {}))
    pending.pop(str(account.organizer_id), None)
    request.session[PENDING_KEY] = pending


def refresh(request: HttpRequest, account: Account) -> None:
    """Keep this session after the account's password changed (other sessions end)."""
    entries = dict(request.session.get(SESSION_KEY, {}))
    entry = entries.get(str(account.organizer_id))
    if entry and entry["id"] == account.pk:
        entries[str(account.organizer_id)] = {**entry, "hash": session_hash(account)}
        request.session[SESSION_KEY] = entries


def log_out(request: HttpRequest, organizer: Organizer) -> None:
    entries = dict(request.session.get(SESSION_KEY, {}))
    if entries.pop(str(organizer.pk), None) is not None:
        request.session[SESSION_KEY] = entries
        request.session.cycle_key()


def login_method(request: HttpRequest, organizer: Organizer) -> str:
    return (request.session.get(SESSION_KEY, {}).get(str(organizer.pk)) or {}).get("method", "")


def current_account(request: HttpRequest, organizer: Organizer) -> Account | None:
    """The account logged in to this organiser's space in this session, if any."""
    entry = request.session.get(SESSION_KEY, {}).get(str(organizer.pk))
    if not entry:
        return None
    account = get_account(organizer, entry.get("id"))
    if account is None or not constant_time_compare(entry.get("hash", ""), session_hash(account)):
        log_out(request, organizer)
        return None
    return account


def set_pending(request: HttpRequest, organizer: Organizer, *, email: str, next_url: str) -> None:
    pending = dict(request.session.get(PENDING_KEY, {}))
    pending[str(organizer.pk)] = {"email": email, "next": next_url}
    request.session[PENDING_KEY] = pending


def get_pending(request: HttpRequest, organizer: Organizer) -> dict | None:
    return request.session.get(PENDING_KEY, {}).get(str(organizer.pk))
