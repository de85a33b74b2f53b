"""Writes of the personal space: login codes, logins, passwords, the person's own details.

Logging in (SPEC C3, D6; issue 12):

- `request_login_code` writes a 6-digit code (only its keyed hash is stored) valid
  `CODE_MINUTES` and e-mails it through the outbox in the same transaction. The request is
  handled the same way whether the organiser knows the address or not: a code row and one
  e-mail are written in both cases (an unknown address is told that no file is kept under
  it), so neither the answer nor the work done reveals which addresses are known.
- `verify_login_code` accepts the latest code of the address at most `MAX_ATTEMPTS` times
  (one conditional UPDATE per try, so concurrent tries cannot exceed it); the right code is
  spent once. The account is created at the first successful login of an address the
  organiser knows (it has a contact, which every order creates), never for strangers.
- `log_in_with_password` for people who set a password; an unknown address costs the same
  hashing work as a wrong password.

Every entry point counts an attempt per address and per client address (`core.ratelimit`).
"""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from rideau.contacts.models import Contact
from rideau.contacts.services import update_own_details
from rideau.core import audit, ratelimit
from rideau.core.errors import ValidationFailed
from rideau.core.models import Organizer
from rideau.messaging.services import queue_email

from .errors import AccountError
from .models import Account, LoginCode

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
CODE_DIGITS = 6
_HASH_SALT = "rideau.accounts.LoginCode"


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _hash_code(salt: str, code: str) -> str:
    return salted_hmac(_HASH_SALT, f"{salt}:{code}", algorithm="sha256").hexdigest()


def language_for(organizer: Organizer, contact: Contact | None, preferred: str = "") -> str:
    """The language to write to a person in: theirs, else the one they use, else the
    organiser's first — always one the organiser publishes in."""
    for code in (contact.language if contact else "", preferred):
        if code and code in organizer.languages:
            return code
    return organizer.default_language


def _refuse_if_too_often(
    action: str,
    organizer: Organizer,
    email: str,
    client: str,
    *,
    client_rate: tuple[int, int],
    address_rate: tuple[int, int],
) -> None:
    """AccountError("rate_limited") when the client or the address tried `action` too often.
    One check for both keys: a client already over its limit cannot use up an address's."""
    if not ratelimit.allow(
        [
            (f"account-{action}:ip:{client}", *client_rate),
            (f"account-{action}:email:{organizer.pk}:{email}", *address_rate),
        ]
    ):
        raise AccountError("rate_limited")


# --- one-time codes ------------------------------------------------------------------------


def request_login_code(
    organizer: Organizer,
    *,
    email: str,
    client: str,
    language: str = "",
    now: datetime.datetime | None = None,
) -> None:
    """E-mail a new login code to `email` (or, for an address the organiser does not know,
    an e-mail saying so). Earlier codes of the address stop working.

    Raises AccountError("rate_limited") when the address or the client asked too often;
    the limit is counted the same way for known and unknown addresses.
    """
    now = now or timezone.now()
    email = normalize_email(email)
    _refuse_if_too_often(
        "code",
        organizer,
        email,
        client,
        client_rate=settings.RIDEAU_ACCOUNT_CODE_IP_RATE,
        address_rate=settings.RIDEAU_ACCOUNT_CODE_RATE,
    )
    with transaction.atomic():
        contact = Contact.objects.filter(organizer=organizer, email__iexact=email).first()
        LoginCode.objects.filter(organizer=organizer, email=email, spent_at__isnull=True).update(
            spent_at=now
        )
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        salt = secrets.token_hex(16)
        login_code = LoginCode.objects.create(
            organizer=organizer,
            email=email,
            contact=contact,
            salt=salt,
            code_hash=_hash_code(salt, code),
            created=now,
            expires_at=now + datetime.timedelta(minutes=CODE_MINUTES),
        )
        _queue_code_email(
            organizer, login_code, code, language=language_for(organizer, contact, language)
        )


def _queue_code_email(organizer: Organizer, login_code: LoginCode, code: str, *, language):
    with translation.override(language), timezone.override(organizer.timezone):
        context = {
            "organizer": organizer,
            "code": code if login_code.contact_id else "",
            "known": bool(login_code.contact_id),
            "valid_until": login_code.expires_at,
            "minutes": CODE_MINUTES,
            "site_url": settings.SITE_URL,
        }
        if login_code.contact_id:
            subject = _("%(code)s is your login code for %(organizer)s")
        else:
            subject = _("Your login request at %(organizer)s")
        queue_email(
            organizer=organizer,
            to=[login_code.email],
            subject=subject % {"code": code, "organizer": organizer.name},
            text=render_to_string("accounts/login_code_email.txt", context),
            reply_to=[organizer.contact_email] if organizer.contact_email else None,
        )


def verify_login_code(
    organizer: Organizer,
    *,
    email: str,
    code: str,
    client: str,
    now: datetime.datetime | None = None,
) -> Account:
    """The person's account when `code` is the address's latest code, unspent, unexpired
    and tried fewer than MAX_ATTEMPTS times. Creates the account on its first login.

    Raises AccountError: "invalid_code" (wrong code, tries left), "code_spent" (expired,
    used, replaced or out of tries: a new code is needed), "rate_limited".
    """
    now = now or timezone.now()
    email = normalize_email(email)
    code = (code or "").strip().replace(" ", "")
    limit, window = settings.RIDEAU_ACCOUNT_VERIFY_RATE
    if not ratelimit.hit(f"account-verify:ip:{client}", limit=limit, window=window):
        raise AccountError("rate_limited")
    latest = (
        LoginCode.objects.filter(organizer=organizer, email=email)
        .order_by("-created", "-id")
        .first()
    )
    if latest is None:
        raise AccountError("code_spent")
    # one try, counted before the comparison, by one conditional statement: concurrent
    # tries cannot exceed MAX_ATTEMPTS between them
    counted = LoginCode.objects.filter(
        pk=latest.pk, spent_at__isnull=True, expires_at__gt=now, attempts__lt=MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if not counted:
        raise AccountError("code_spent")
    if not constant_time_compare(_hash_code(latest.salt, code), latest.code_hash):
        if latest.attempts + 1 >= MAX_ATTEMPTS:
            raise AccountError("code_spent")
        raise AccountError("invalid_code")
    with transaction.atomic():
        spent = LoginCode.objects.filter(pk=latest.pk, spent_at__isnull=True).update(spent_at=now)
        if not spent or latest.contact_id is None:
            # used meanwhile by a concurrent try; or an address nobody was sent a code for
            raise AccountError("code_spent" if not spent else "invalid_code")
        return _logged_in(_account_for(latest.contact_id, now=now), now=now)


def open_account(contact: Contact, *, now: datetime.datetime | None = None) -> Account:
    """The contact's account, created if needed (the demo, and areas inviting people)."""
    return _account_for(contact.pk, now=now or timezone.now())


def delete_old_login_codes(*, now: datetime.datetime | None = None) -> int:
    """Delete the codes created more than a day ago (idempotent); returns how many."""
    since = (now or timezone.now()) - datetime.timedelta(days=1)
    deleted, _by_model = LoginCode.objects.filter(created__lt=since).delete()
    return deleted


def _account_for(contact_id: int, *, now: datetime.datetime) -> Account:
    account = (
        Account.objects.select_related("contact", "organizer").filter(contact_id=contact_id).first()
    )
    if account is not None:
        return account
    contact = Contact.objects.select_related("organizer").get(pk=contact_id)
    try:
        with transaction.atomic():
            account = Account.objects.create(
                organizer=contact.organizer, contact=contact, created=now
            )
    except IntegrityError:  # created by a concurrent login of the same person
        return Account.objects.select_related("contact", "organizer").get(contact=contact)
    audit.record(
        "account.created", account, organizer=contact.organizer, after=audit.snapshot(account)
    )
    return account


def _logged_in(account: Account, *, now: datetime.datetime) -> Account:
    Account.objects.filter(pk=account.pk).update(last_login=now)
    account.last_login = now
    ratelimit.reset(f"account-code:email:{account.organizer_id}:{normalize_email(account.email)}")
    return account


# --- passwords -----------------------------------------------------------------------------

# hashed once: an unknown address costs the same hashing as a wrong password
_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    if "hash" not in _DUMMY:
        _DUMMY["hash"] = make_password(secrets.token_urlsafe(16))
    return _DUMMY["hash"]


def log_in_with_password(
    organizer: Organizer,
    *,
    email: str,
    password: str,
    client: str,
    now: datetime.datetime | None = None,
) -> Account:
    """The account whose address and password these are; AccountError("wrong_credentials")
    otherwise (the same for an unknown address, a wrong password or no password set)."""
    now = now or timezone.now()
    email = normalize_email(email)
    # per client address, and (ten times higher) per address: a stranger trying a buyer's
    # password from their own address cannot lock the buyer out (like staff logins)
    _refuse_if_too_often(
        "login",
        organizer,
        email,
        client,
        client_rate=settings.RIDEAU_LOGIN_RATE,
        address_rate=settings.RIDEAU_LOGIN_ACCOUNT_RATE,
    )
    account = (
        Account.objects.select_related("contact", "organizer")
        .filter(organizer=organizer, contact__email__iexact=email)
        .first()
    )
    if account is None or not account.password:
        check_password(password, _dummy_hash())
        raise AccountError("wrong_credentials", field="password")

    def upgrade(raw: str) -> None:
        Account.objects.filter(pk=account.pk).update(password=make_password(raw))

    if not check_password(password, account.password, setter=upgrade):
        raise AccountError("wrong_credentials", field="password")
    ratelimit.reset(f"account-login:email:{organizer.pk}:{email}")
    return _logged_in(account, now=now)


def set_password(
    account: Account,
    *,
    new_password: str,
    current_password: str | None = None,
    require_current: bool = True,
) -> Account:
    """Set or change the account's password. The current one is asked for when a password
    exists and the caller did not just prove the address (a login by e-mailed code does)."""
    errors: dict[str, list[str]] = {}
    if require_current and account.password:
        if not current_password or not check_password(current_password, account.password):
            errors["current_password"] = [str(AccountError("wrong_password").message)]
    try:
        validate_password(new_password, user=_PasswordUser(account))  # type: ignore[arg-type]
    except ValidationError as exc:
        errors["new_password"] = [str(m) for m in exc.messages]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        had_password = bool(account.password)
        account.password = make_password(new_password)
        account.save(update_fields=["password"])
        audit.record(
            "account.password_changed" if had_password else "account.password_set",
            account,
            organizer=account.organizer,
        )
    return account


class _PasswordUser:
    """What Django's password validators look at (the similarity check reads these)."""

    def __init__(self, account: Account) -> None:
        self.email = account.contact.email
        self.first_name = account.contact.first_name
        self.last_name = account.contact.last_name


# --- the person's own details ----------------------------------------------------------------


def update_profile(account: Account, *, first_name: str, last_name: str, language: str) -> Account:
    """The person changes their name and language (kept on their contact record)."""
    update_own_details(
        account.contact, first_name=first_name, last_name=last_name, language=language
    )
    return account


def session_hash(account: Account) -> str:
    """Kept in the person's session: changing the password ends the other sessions."""
    return salted_hmac(
        "rideau.accounts.session", f"{account.pk}:{account.password}", algorithm="sha256"
    ).hexdigest()
