"""Vouchers (discount codes): exact discounts, refusals that write nothing, and no
over-redemption under concurrent buyers (PostgreSQL)."""

import datetime
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rideau.core.access import Actor
from rideau.core.models import AuditLogEntry
from rideau.inventory import services as inventory
from rideau.messaging.models import OutboxMessage
from rideau.orders import services
from rideau.orders.errors import OrderError
from rideau.orders.models import Order, Position, Voucher
from rideau.orders.services import Buyer, OrderLine
from tests.factories import (
    EventDateFactory,
    EventFactory,
    OrganizerFactory,
    ProductFactory,
    RateFactory,
    member,
)
from tests.inventory.test_concurrency import run_buyers

NOW = timezone.now()


def make_world(organizer, size=5):
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event, start=NOW + datetime.timedelta(days=10))
    product = ProductFactory(event=event, organizer=organizer, max_per_order=6)
    other_product = ProductFactory(event=event, organizer=organizer, max_per_order=6)
    full = RateFactory(product=product, price=Decimal("25.00"))
    reduced = RateFactory(product=product, price=Decimal("15.00"), name={"en": "Reduced"})
    other = RateFactory(product=other_product, price=Decimal("10.00"))
    quota = inventory.create_quota(
        actor=Actor(user=member(organizer)), organizer=organizer, name="Hall", size=size, date=date
    )
    return {
        "event": event,
        "date": date,
        "product": product,
        "full": full,
        "reduced": reduced,
        "other": other,
        "quota": quota,
    }


@pytest.fixture
def world(organizer):
    return make_world(organizer)


def voucher(organizer, **kwargs):
    kwargs.setdefault("code", "SPRING")
    kwargs.setdefault("kind", Voucher.Kind.PERCENT)
    kwargs.setdefault("value", Decimal("10"))
    return Voucher.objects.create(organizer=organizer, **kwargs)


def place(organizer, world, *lines, **kwargs):
    return services.place_order(
        organizer,
        event=world["event"],
        lines=lines or [OrderLine(rate=world["full"], quantity=2)],
        buyer=kwargs.pop("buyer", Buyer(email="ana@example.net", name="Ana Lopez")),
        now=kwargs.pop("now", NOW),
        **kwargs,
    )


def counts():
    return (
        Order.objects.count(),
        Position.objects.count(),
        OutboxMessage.objects.count(),
        AuditLogEntry.objects.filter(action="order.placed").count(),
    )


@pytest.mark.django_db
class TestDiscounts:
    def test_percent_discount_is_rounded_per_position(self, organizer, world):
        v = voucher(organizer, value=Decimal("12.5"), max_usages=3)
        order = place(
            organizer,
            world,
            OrderLine(rate=world["full"], quantity=1),
            OrderLine(rate=world["reduced"], quantity=1),
            voucher_code="spring",  # case-insensitive
        )
        # 25.00 × 12.5 % = 3.125 → 3.13; 15.00 × 12.5 % = 1.875 → 1.88
        prices = sorted(order.positions.values_list("price", flat=True))
        assert prices == [Decimal("13.12"), Decimal("21.87")]
        assert (order.discount, order.total) == (Decimal("5.01"), Decimal("34.99"))
        assert order.voucher == v
        v.refresh_from_db()
        assert v.used == 1
        entry = AuditLogEntry.objects.get(action="order.placed")
        assert (entry.after["voucher_id"], entry.after["discount"]) == (v.pk, "5.01")

    def test_amount_discount_never_below_zero(self, organizer, world):
        voucher(organizer, kind=Voucher.Kind.AMOUNT, value=Decimal("30.00"))
        order = place(organizer, world, voucher_code="SPRING")  # 2 × 25.00
        assert (order.discount, order.total) == (Decimal("30.00"), Decimal("20.00"))
        assert sum(order.positions.values_list("price", flat=True)) == Decimal("20.00")

        voucher(organizer, code="BIG", kind=Voucher.Kind.AMOUNT, value=Decimal("80.00"))
        free = place(organizer, world, OrderLine(rate=world["reduced"]), voucher_code="big")
        assert (free.discount, free.total, free.status) == (
            Decimal("15.00"),
            Decimal("0.00"),
            Order.Status.PAID,
        )

    def test_per_product_restriction(self, organizer, world):
        v = voucher(organizer, value=Decimal("50"), event=world["event"])
        v.products.set([world["other"].product])
        order = place(
            organizer,
            world,
            OrderLine(rate=world["full"], quantity=1),
            OrderLine(rate=world["other"], quantity=2),
            voucher_code="SPRING",
        )
        by_product = sorted(order.positions.values_list("product_id", "price"))
        assert by_product == sorted(
            [
                (world["full"].product_id, Decimal("25.00")),
                (world["other"].product_id, Decimal("5.00")),
                (world["other"].product_id, Decimal("5.00")),
            ]
        )
        assert (order.discount, order.total) == (Decimal("10.00"), Decimal("35.00"))

        amount = voucher(organizer, code="TEN", kind=Voucher.Kind.AMOUNT, value=Decimal("40"))
        amount.products.set([world["other"].product])
        order = place(
            organizer,
            world,
            OrderLine(rate=world["full"], quantity=1),
            OrderLine(rate=world["other"], quantity=1),
            voucher_code="TEN",
        )
        # only the 10.00 ticket matches: 10.00 off, not 40.00
        assert (order.discount, order.total) == (Decimal("10.00"), Decimal("25.00"))

    @pytest.mark.parametrize(
        "case", ["unknown", "inactive", "expired", "not_yet", "other_event", "other_organizer"]
    )
    def test_invalid_codes_are_field_errors_and_write_nothing(
        self, organizer, other_organizer, world, case
    ):
        kwargs = {
            "unknown": {"code": "OTHER"},
            "inactive": {"active": False},
            "expired": {"valid_until": NOW - datetime.timedelta(seconds=1)},
            "not_yet": {"valid_from": NOW + datetime.timedelta(hours=1)},
            "other_event": {"event": EventFactory(organizer=organizer)},
        }.get(case, {})
        v = voucher(other_organizer if case == "other_organizer" else organizer, **kwargs)
        before = counts()
        with pytest.raises(OrderError) as exc:
            place(organizer, world, voucher_code="SPRING")
        assert (exc.value.code, exc.value.field) == ("invalid_voucher", "voucher")
        assert counts() == before
        world["quota"].refresh_from_db()
        assert world["quota"].taken == 0
        v.refresh_from_db()
        assert v.used == 0

    def test_used_up_voucher_refuses_and_writes_nothing(self, organizer, world):
        v = voucher(organizer, max_usages=1)
        place(organizer, world, OrderLine(rate=world["full"]), voucher_code="SPRING")
        before = counts()
        with pytest.raises(OrderError) as exc:
            place(organizer, world, OrderLine(rate=world["full"]), voucher_code="SPRING")
        assert (exc.value.code, exc.value.field) == ("voucher_used_up", "voucher")
        assert counts() == before
        world["quota"].refresh_from_db()
        assert world["quota"].taken == 1
        v.refresh_from_db()
        assert v.used == 1

    def test_sold_out_order_does_not_use_the_voucher(self, organizer, world):
        v = voucher(organizer, max_usages=1)
        with pytest.raises(Exception):  # noqa: B017 - sold_out (InventoryError)
            place(
                organizer, world, OrderLine(rate=world["full"], quantity=6), voucher_code="SPRING"
            )
        v.refresh_from_db()
        assert v.used == 0
        assert Order.objects.count() == 0

    def test_cancel_and_expiry_give_the_use_back(self, organizer, world):
        v = voucher(organizer, max_usages=1)
        order = place(organizer, world, voucher_code="SPRING", paid=True, provider="cash")
        services.cancel_order(order, now=NOW)
        v.refresh_from_db()
        assert v.used == 0
        pending = place(organizer, world, voucher_code="SPRING")
        v.refresh_from_db()
        assert v.used == 1
        assert services.expire_orders(NOW + datetime.timedelta(minutes=31)) == 1
        pending.refresh_from_db()
        assert pending.status == Order.Status.EXPIRED
        v.refresh_from_db()
        assert v.used == 0
        place(organizer, world, voucher_code="SPRING")  # usable again
        v.refresh_from_db()
        assert v.used == 1

    def test_codes_are_unique_per_organizer_case_insensitively(self, organizer, other_organizer):
        from django.db import IntegrityError

        voucher(organizer)
        voucher(other_organizer, code="spring")
        with pytest.raises(IntegrityError), transaction.atomic():
            voucher(organizer, code="Spring")


# --- concurrency (PostgreSQL) -----------------------------------------------------------

postgres_only = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
)


def buyers_with_voucher(world):
    organizer = world["event"].organizer

    def buy(i: int) -> str:
        try:
            services.place_order(
                organizer,
                event=world["event"],
                lines=[OrderLine(rate=world["full"], quantity=1)],
                buyer=Buyer(email=f"buyer{i}@example.net"),
                voucher_code="ONCE",
            )
        except OrderError as exc:
            return exc.code
        return "ok"

    return buy


def naive_redeem(voucher: Voucher) -> None:
    """The protection switched off: read, check, (slow) save. Used only by the control."""
    v = Voucher.objects.get(pk=voucher.pk)
    if v.max_usages is not None and v.used >= v.max_usages:
        raise OrderError("voucher_used_up", field="voucher")
    time.sleep(0.005)  # a request doing other work between the check and the write
    v.used += 1
    v.save(update_fields=["used"])


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@postgres_only
class TestConcurrentRedemption:
    def test_200_buyers_one_use_voucher_redeemed_once(self):
        world = make_world(OrganizerFactory(), size=500)
        v = voucher(world["event"].organizer, code="ONCE", max_usages=1)

        results = run_buyers(buyers_with_voucher(world))

        assert results.count("ok") == 1
        assert results.count("voucher_used_up") == 199
        assert Order.objects.filter(voucher=v).count() == 1
        assert Order.objects.count() == 1
        v.refresh_from_db()
        assert v.used == 1
        world["quota"].refresh_from_db()
        assert world["quota"].taken == 1

    def test_control_the_naive_redemption_over_redeems(self, monkeypatch):
        """Proves the test above can fail: without the conditional UPDATE, the race happens."""
        monkeypatch.setattr(services, "_redeem_voucher", naive_redeem)
        world = make_world(OrganizerFactory(), size=500)
        v = voucher(world["event"].organizer, code="ONCE", max_usages=1)

        results = run_buyers(buyers_with_voucher(world))

        redeemed = Order.objects.filter(voucher=v).count()
        assert redeemed == results.count("ok")
        assert redeemed > 1
        v.refresh_from_db()
        assert v.used == 1  # lost updates: the counter no longer tells the truth


def test_a_code_for_other_products_is_refused_and_not_used_up(world, organizer):
    voucher = Voucher.objects.create(
        organizer=organizer, code="OTHER", kind=Voucher.Kind.PERCENT, value=50, max_usages=1
    )
    voucher.products.set([world["other"].product])
    with pytest.raises(OrderError) as refused:
        services.place_order(
            organizer,
            event=world["event"],
            lines=[OrderLine(rate=world["full"], quantity=1, date=world["date"])],
            buyer=Buyer(email="ada@example.org"),
            voucher_code="OTHER",
        )
    assert refused.value.code == "voucher_not_applicable"
    assert refused.value.field == "voucher"
    voucher.refresh_from_db()
    assert voucher.used == 0
    assert Order.objects.count() == 0
