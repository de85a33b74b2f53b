"""Logging in to the personal space (issue 12): codes, tries, expiry, rate limits, passwords."""

import datetime

import pytest
from django.utils import timezone

from rideau.accounts import services
from rideau.accounts.errors import AccountError
from rideau.accounts.models import Account, LoginCode
from rideau.contacts.models import Contact
from rideau.core.errors import ValidationFailed
from rideau.core.models import AuditLogEntry
from rideau.messaging.models import OutboxMessage
from tests.accounts.conftest import last_code
from tests.factories import ContactFactory, OrganizerFactory

pytestmark = pytest.mark.django_db

ADA = "ada@school.example"


def request(organizer, email=ADA, client="10.0.0.1", **kwargs):
    services.request_login_code(organizer, email=email, client=client, **kwargs)


def verify(organizer, code, email=ADA, client="10.0.0.1", **kwargs):
    return services.verify_login_code(organizer, email=email, code=code, client=client, **kwargs)


def test_a_known_address_gets_a_code_stored_only_as_a_hash(buyers):
    request(buyers.organizer, email="  ADA@school.example ")

    [login_code] = LoginCode.objects.all()
    code = last_code(ADA)
    assert len(code) == 6 and code.isdigit()
    assert login_code.email == ADA
    assert login_code.contact == Contact.objects.get(email__iexact=ADA)
    stored = [str(getattr(login_code, f.attname)) for f in LoginCode._meta.concrete_fields]
    assert not any(code in value for value in stored)
    [message] = OutboxMessage.objects.all()
    assert message.subject == f"{code} is your login code for {buyers.organizer.name}"
    assert "valid for 10 minutes" in message.body_text


def test_the_right_code_logs_in_once_and_creates_the_account(buyers):
    request(buyers.organizer)
    code = last_code(ADA)

    account = verify(buyers.organizer, code)

    assert account.contact.email == ADA
    assert account.organizer == buyers.organizer
    assert account.last_login is not None
    assert Account.objects.count() == 1
    assert AuditLogEntry.objects.filter(action="account.created").count() == 1
    with pytest.raises(AccountError) as exc:
        verify(buyers.organizer, code)
    assert exc.value.code == "code_spent"
    # the next login finds the same account
    request(buyers.organizer)
    assert verify(buyers.organizer, last_code(ADA)) == account
    assert Account.objects.count() == 1


def test_a_code_expires_after_ten_minutes(buyers):
    now = timezone.now()
    request(buyers.organizer, now=now)
    code = last_code(ADA)

    with pytest.raises(AccountError) as exc:
        verify(buyers.organizer, code, now=now + datetime.timedelta(minutes=10, seconds=1))

    assert exc.value.code == "code_spent"
    assert Account.objects.count() == 0


def test_a_code_still_works_just_before_ten_minutes(buyers):
    now = timezone.now()
    request(buyers.organizer, now=now)

    account = verify(buyers.organizer, last_code(ADA), now=now + datetime.timedelta(minutes=9))

    assert account.contact.email == ADA


def test_five_wrong_tries_then_a_new_code_is_needed(buyers):
    request(buyers.organizer)
    code = last_code(ADA)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    errors = []
    for _attempt in range(5):
        with pytest.raises(AccountError) as exc:
            verify(buyers.organizer, wrong)
        errors.append(exc.value.code)

    assert errors == ["invalid_code"] * 4 + ["code_spent"]
    with pytest.raises(AccountError) as exc:
        verify(buyers.organizer, code)  # even the right one: the code is used up
    assert exc.value.code == "code_spent"
    assert LoginCode.objects.get().attempts == 5
    request(buyers.organizer)
    assert verify(buyers.organizer, last_code(ADA)).contact.email == ADA


def test_a_new_code_replaces_the_previous_one(buyers):
    request(buyers.organizer)
    first = last_code(ADA)
    request(buyers.organizer)
    second = last_code(ADA)

    if first != second:
        with pytest.raises(AccountError) as exc:
            verify(buyers.organizer, first)
        assert exc.value.code in ("invalid_code", "code_spent")
    assert verify(buyers.organizer, second).contact.email == ADA
    assert LoginCode.objects.filter(spent_at__isnull=True).count() == 0


def test_an_unknown_address_gets_the_same_work_and_never_an_account(buyers):
    request(buyers.organizer, email="stranger@example.org")

    [login_code] = LoginCode.objects.all()
    assert login_code.contact is None
    [message] = OutboxMessage.objects.all()
    assert message.to == ["stranger@example.org"]
    assert message.subject == f"Your login request at {buyers.organizer.name}"
    assert "keeps no orders or tickets under it" in message.body_text
    for code in ("000000", "123456"):
        with pytest.raises(AccountError):
            verify(buyers.organizer, code, email="stranger@example.org")
    assert Account.objects.count() == 0
    assert Contact.objects.filter(email="stranger@example.org").count() == 0


def test_the_code_e_mail_is_in_the_buyers_language_and_the_organisers_time(buyers):
    organizer = buyers.organizer
    organizer.languages = ["en", "fr"]
    organizer.timezone = "America/Montreal"
    organizer.save()
    Contact.objects.filter(email__iexact=ADA).update(language="fr")
    now = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC)  # 8:00 in Montréal

    request(organizer, now=now, language="en")

    message = OutboxMessage.objects.get()
    assert message.subject.endswith(f"est votre code de connexion pour {organizer.name}")
    assert "08:10" in message.body_text  # valid until 8:10, Montréal time
    assert "10 minutes" in message.body_text


def test_codes_are_rate_limited_per_address_known_or_not(buyers, settings):
    settings.RIDEAU_ACCOUNT_CODE_RATE = (3, 900)
    for email in (ADA, "stranger@example.org"):
        for i in range(3):
            request(buyers.organizer, email=email, client=f"10.0.1.{i}")
        count = OutboxMessage.objects.count()
        with pytest.raises(AccountError) as exc:
            request(buyers.organizer, email=email, client="10.0.2.1")
        assert exc.value.code == "rate_limited"
        assert OutboxMessage.objects.count() == count  # nothing sent


def test_codes_are_rate_limited_per_client_address(buyers, settings):
    settings.RIDEAU_ACCOUNT_CODE_IP_RATE = (2, 900)
    request(buyers.organizer, email="a@example.org", client="10.9.9.9")
    request(buyers.organizer, email="b@example.org", client="10.9.9.9")

    with pytest.raises(AccountError) as exc:
        request(buyers.organizer, email=ADA, client="10.9.9.9")

    assert exc.value.code == "rate_limited"
    assert LoginCode.objects.filter(email=ADA).count() == 0


def test_code_tries_are_rate_limited_per_client_address(buyers, settings):
    settings.RIDEAU_ACCOUNT_VERIFY_RATE = (2, 900)
    request(buyers.organizer)
    code = last_code(ADA)
    for _attempt in range(2):
        with pytest.raises(AccountError):
            verify(buyers.organizer, "999999" if code != "999999" else "888888")

    with pytest.raises(AccountError) as exc:
        verify(buyers.organizer, code)

    assert exc.value.code == "rate_limited"
    assert Account.objects.count() == 0


def test_a_code_of_organiser_a_does_not_open_organiser_b(buyers):
    other = OrganizerFactory(slug="rival-space")
    ContactFactory(organizer=other, email=ADA)
    request(buyers.organizer)

    with pytest.raises(AccountError) as exc:
        verify(other, last_code(ADA))

    assert exc.value.code == "code_spent"
    assert Account.objects.count() == 0


def test_password_login_and_the_same_error_for_unknown_addresses(buyers):
    request(buyers.organizer)
    account = verify(buyers.organizer, last_code(ADA))
    services.set_password(account, new_password="a long secret phrase", require_current=False)

    logged = services.log_in_with_password(
        buyers.organizer, email="ADA@school.example", password="a long secret phrase", client="x"
    )

    assert logged == account
    failures = []
    for email, password in [
        (ADA, "wrong password here"),
        ("stranger@example.org", "a long secret phrase"),
        ("grace@example.net", "a long secret phrase"),  # known, no account, no password
    ]:
        with pytest.raises(AccountError) as exc:
            services.log_in_with_password(
                buyers.organizer, email=email, password=password, client="x"
            )
        failures.append((exc.value.code, exc.value.field, exc.value.message))
    assert len(set(failures)) == 1
    assert failures[0][:2] == ("wrong_credentials", "password")


def _password_try(buyers, client: str) -> str:
    with pytest.raises(AccountError) as exc:
        services.log_in_with_password(
            buyers.organizer, email=ADA, password="nope nope nope", client=client
        )
    return exc.value.code


def test_password_login_is_rate_limited_per_client_and_per_address(buyers, settings):
    settings.RIDEAU_LOGIN_RATE = (2, 300)
    settings.RIDEAU_LOGIN_ACCOUNT_RATE = (4, 300)

    assert [_password_try(buyers, "x") for _ in range(3)] == [
        "wrong_credentials",
        "wrong_credentials",
        "rate_limited",  # this client, over its limit
    ]
    # a stranger's refused tries count nothing against the buyer: another client still tries
    assert _password_try(buyers, "y") == "wrong_credentials"
    assert _password_try(buyers, "z") == "wrong_credentials"
    # the address's own (higher) limit stops a spread-out guessing run
    assert _password_try(buyers, "w") == "rate_limited"


def test_changing_a_password_needs_the_current_one_and_a_strong_new_one(buyers):
    request(buyers.organizer)
    account = verify(buyers.organizer, last_code(ADA))
    services.set_password(account, new_password="first long phrase", require_current=False)

    with pytest.raises(ValidationFailed) as exc:
        services.set_password(account, new_password="123", current_password="wrong")

    assert set(exc.value.errors) == {"current_password", "new_password"}
    services.set_password(
        account, new_password="second long phrase", current_password="first long phrase"
    )
    assert (
        services.log_in_with_password(
            buyers.organizer, email=ADA, password="second long phrase", client="x"
        )
        == account
    )
    assert list(
        AuditLogEntry.objects.filter(object_type="accounts.account")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["account.created", "account.password_set", "account.password_changed"]


def test_old_login_codes_are_deleted_by_the_worker_job(buyers):
    from rideau.accounts.tasks import delete_old_login_codes

    now = timezone.now()
    request(buyers.organizer, now=now - datetime.timedelta(days=2))
    request(buyers.organizer, email="grace@example.net", now=now)

    assert delete_old_login_codes() == 1
    assert list(LoginCode.objects.values_list("email", flat=True)) == ["grace@example.net"]
    assert delete_old_login_codes() == 0
