"""Concurrent code tries against PostgreSQL: at most 5 comparisons per code, one login per
code, and a control run proving the race when the try is counted by read-then-write."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from rideau.accounts import services
from rideau.accounts.errors import AccountError
from rideau.accounts.models import Account, LoginCode
from tests.accounts.conftest import last_code
from tests.factories import ContactFactory, OrganizerFactory

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]

TRIES = 40
THREADS = 20
EMAIL = "ada@school.example"


def run_tries(try_once, n=TRIES) -> list[str]:
    start = threading.Barrier(THREADS)
    done = threading.Barrier(THREADS)
    started = threading.local()

    def one(i: int) -> str:
        if not getattr(started, "yes", False):
            started.yes = True
            start.wait(timeout=30)
        try:
            return try_once(i)
        except AccountError as exc:
            return exc.code

    def close(_: int) -> None:
        done.wait(timeout=30)
        connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(one, range(n)))
        list(pool.map(close, range(THREADS)))
    return results


@pytest.fixture
def code(settings):
    settings.RIDEAU_ACCOUNT_VERIFY_RATE = (10_000, 900)
    organizer = OrganizerFactory()
    ContactFactory(organizer=organizer, email=EMAIL)
    services.request_login_code(organizer, email=EMAIL, client="10.0.0.1")
    return organizer, last_code(EMAIL)


@pytest.fixture
def comparisons(monkeypatch) -> list[int]:
    """Counts the hash comparisons (each one is a guess checked against the code)."""
    seen: list[int] = []
    lock = threading.Lock()
    real = services._hash_code

    def counting(salt: str, value: str) -> str:
        with lock:
            seen.append(1)
        return real(salt, value)

    monkeypatch.setattr(services, "_hash_code", counting)
    return seen


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_forty_concurrent_wrong_tries_compare_at_most_five_times(code, comparisons):
    organizer, right = code

    results = run_tries(
        lambda i: services.verify_login_code(
            organizer, email=EMAIL, code=wrong(right), client=f"10.1.0.{i}"
        )
    )

    assert len(comparisons) == 5
    assert LoginCode.objects.get().attempts == 5
    assert set(results) <= {"invalid_code", "code_spent"}
    assert results.count("code_spent") >= TRIES - 5


def test_forty_concurrent_right_tries_log_in_once(code):
    organizer, right = code

    results = run_tries(
        lambda i: (
            services.verify_login_code(organizer, email=EMAIL, code=right, client=f"10.2.0.{i}")
            and "ok"
        )
    )

    assert results.count("ok") == 1
    assert results.count("code_spent") == TRIES - 1
    assert Account.objects.count() == 1


def naive_verify(organizer, code: str) -> str:
    """The protection switched off: read the tries, check, (slow) compare, write."""
    latest = LoginCode.objects.filter(organizer=organizer, email=EMAIL).latest("created")
    if latest.attempts >= services.MAX_ATTEMPTS or latest.expires_at <= timezone.now():
        return "code_spent"
    time.sleep(0.005)  # a request doing other work between the check and the write
    matches = services._hash_code(latest.salt, code) == latest.code_hash
    LoginCode.objects.filter(pk=latest.pk).update(attempts=latest.attempts + 1)
    return "ok" if matches else "invalid_code"


def test_control_read_then_write_allows_more_than_five_guesses(code, comparisons):
    """Proves the test above can fail: counting a try by read-then-write lets concurrent
    guesses through beyond the limit."""
    organizer, right = code

    run_tries(lambda i: naive_verify(organizer, wrong(right)))

    assert len(comparisons) > services.MAX_ATTEMPTS
