"""50 redemptions racing on one voucher against PostgreSQL: the balance never goes below
zero and the entries add up; a control run with the protection off shows the overspend.

Each redemption runs in a thread with its own database connection (closed at the end)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum

from rideau.core.access import Actor
from rideau.core.roles import Role
from rideau.giftcards import services
from rideau.giftcards.errors import GiftVoucherError
from rideau.giftcards.models import Entry, GiftVoucher
from tests.factories import OrganizerFactory, member

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]

REDEMPTIONS = 50
THREADS = 25
EACH = Decimal("7.00")  # 50 × 7 = 350 asked of a 100 voucher


def run_all(redeem) -> list[str]:
    start = threading.Barrier(THREADS)
    done = threading.Barrier(THREADS)
    started = threading.local()

    def one(i: int) -> str:
        if not getattr(started, "yes", False):
            started.yes = True
            start.wait(timeout=30)
        try:
            return redeem(i)
        except GiftVoucherError as exc:
            return exc.code

    def close(_: int) -> None:
        done.wait(timeout=30)
        connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(one, range(REDEMPTIONS)))
        list(pool.map(close, range(THREADS)))
    return results


@pytest.fixture
def voucher():
    organizer = OrganizerFactory()
    actor = Actor(user=member(organizer, Role.OWNER))
    return services.create_voucher(organizer, value=Decimal("100"), actor=actor)


def spent(voucher) -> Decimal:
    total = Entry.objects.filter(voucher=voucher, kind="redeemed").aggregate(s=Sum("amount"))["s"]
    return -(total or Decimal("0"))


def test_50_concurrent_redemptions_never_overspend(voucher):
    def redeem(i: int) -> str:
        services.redeem(GiftVoucher.objects.get(pk=voucher.pk), amount=EACH, key=f"r{i}")
        return "ok"

    results = run_all(redeem)

    voucher.refresh_from_db()
    ok = results.count("ok")
    assert ok == 14  # 14 × 7 = 98; the 15th would need 105
    assert voucher.balance == Decimal("2.00") >= 0
    assert spent(voucher) == ok * EACH == voucher.value - voucher.balance
    assert set(results) == {"ok", "insufficient_balance"}


def naive_redeem(voucher_id: int, i: int) -> str:
    """The protection switched off: read, check, (slow) write. Used only by the control."""
    with transaction.atomic():
        voucher = GiftVoucher.objects.get(pk=voucher_id)
        if voucher.balance < EACH:
            return "insufficient_balance"
        time.sleep(0.005)  # a request doing other work between the check and the write
        balance = voucher.balance - EACH
        GiftVoucher.objects.filter(pk=voucher_id).update(balance=balance)
        Entry.objects.create(
            voucher=voucher, kind="redeemed", amount=-EACH, balance_after=balance, key=f"n{i}"
        )
    return "ok"


def test_control_the_naive_path_overspends(voucher):
    """Proves the test above can fail: without the conditional UPDATE, the race happens."""
    results = run_all(lambda i: naive_redeem(voucher.pk, i))

    voucher.refresh_from_db()
    assert spent(voucher) > voucher.value  # more was spent than the voucher ever held
    assert spent(voucher) != voucher.value - voucher.balance  # and the ledger disagrees
    assert results.count("ok") > 14
