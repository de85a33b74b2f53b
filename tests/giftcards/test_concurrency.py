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


# --- spending a voucher while the order that bought it is refunded (ADR 0034) ---------------

VALUE = Decimal("25.00")
SPEND = Decimal("1.00")


@pytest.fixture
def sold():
    """An order that sold a 25 voucher, paid in cash, and its voucher."""
    from rideau.catalog.models import Product
    from rideau.giftcards.models import FreeAmount
    from rideau.orders import services as orders
    from rideau.orders.services import Buyer, OrderLine
    from tests.factories import ProductFactory, RateFactory

    organizer = OrganizerFactory()
    actor = Actor(user=member(organizer, Role.OWNER))
    product = ProductFactory(organizer=organizer, event=None, kind=Product.Kind.GIFT_VOUCHER)
    FreeAmount.objects.create(product=product, min_amount=1, max_amount=100)
    order = orders.place_order(
        organizer,
        lines=[OrderLine(rate=RateFactory(product=product, price=0), amount=VALUE)],
        buyer=Buyer(email="a@example.org"),
        provider="cash",
        paid=True,
    )
    (voucher,) = services.issue_for_order(order)
    return order, voucher, actor


def money_out(order, voucher) -> Decimal:
    """What the organiser gave for the order: refunds plus what the voucher bought."""
    from rideau.orders.models import Refund

    refunded = Refund.objects.filter(order=order).aggregate(s=Sum("amount"))["s"] or 0
    return refunded + spent(voucher)


def test_spending_while_the_buying_order_is_refunded_never_gives_both(sold):
    from rideau.orders.payments.errors import PaymentError
    from rideau.orders.payments.services import refund_order

    order, voucher, actor = sold

    def task(i: int) -> str:
        if i == 0:
            try:
                refund_order(order, actor=actor)
            except PaymentError as exc:  # the spenders were all first: nothing left
                return exc.code
            return "refunded"
        services.redeem(GiftVoucher.objects.get(pk=voucher.pk), amount=SPEND, key=f"s{i}")
        return "ok"

    results = run_all(task)

    voucher.refresh_from_db()
    order.refresh_from_db()
    assert set(results) <= {"refunded", "voucher_spent", "ok", "voided", "empty"}
    if "refunded" in results:  # the refund took what was left, and voided the voucher
        assert order.status == "refunded"
        assert (voucher.balance, voucher.is_voided) == (0, True)
    else:  # the voucher was spent in full before the refund measured it
        assert results[0] == "voucher_spent" and order.status == "paid"
        assert (voucher.balance, results.count("ok")) == (0, 25)
    assert money_out(order, voucher) == VALUE  # never more than the order paid, either way
    entries = Entry.objects.filter(voucher=voucher).aggregate(s=Sum("amount"))["s"]
    assert entries == voucher.balance  # issued + spent + voided: the ledger adds up


def naive_refund(order, voucher, actor) -> str:
    """The protection switched off: read what was spent, (slow) refund the rest, void what
    is left then — without locking the voucher. Used only by the control."""
    from rideau.orders.models import Payment, Refund

    with transaction.atomic():
        kept = services.stored_in(order).spent  # no lock
        time.sleep(0.005)  # a request doing other work between the read and the write
        payment = Payment.objects.get(order=order)
        Refund.objects.create(
            order=order, payment=payment, amount=VALUE - kept, state=Refund.State.DONE
        )
        GiftVoucher.objects.filter(pk=voucher.pk).update(balance=0)
    return "refunded"


def test_control_the_naive_refund_gives_both(sold):
    """Proves the test above can fail: refunding on an unlocked read lets spends through."""
    order, voucher, actor = sold

    def task(i: int) -> str:
        if i == 0:
            return naive_refund(order, voucher, actor)
        services.redeem(GiftVoucher.objects.get(pk=voucher.pk), amount=SPEND, key=f"s{i}")
        return "ok"

    run_all(task)

    voucher.refresh_from_db()
    assert money_out(order, voucher) > VALUE  # the buyer got money back and spending too
