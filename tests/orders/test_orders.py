import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from rideau.contacts.models import Contact
from rideau.core.access import Actor
from rideau.core.models import AuditLogEntry
from rideau.inventory import services as inventory
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota
from rideau.messaging.models import OutboxMessage
from rideau.orders import services
from rideau.orders.errors import OrderError
from rideau.orders.models import Order, Payment, Position
from rideau.orders.payments.base import PaymentError
from rideau.orders.payments.services import refund_order
from rideau.orders.services import Attendee, Buyer, OrderLine
from tests.factories import EventDateFactory, EventFactory, ProductFactory, RateFactory, member

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def world(organizer):
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event, start=NOW + datetime.timedelta(days=10))
    product = ProductFactory(event=event, organizer=organizer, max_per_order=6)
    full = RateFactory(product=product, price=Decimal("25.00"))
    reduced = RateFactory(product=product, price=Decimal("15.00"), name={"en": "Reduced"})
    owner = member(organizer)
    quota = inventory.create_quota(
        actor=Actor(user=owner), organizer=organizer, name="Hall", size=5, date=date
    )
    return {"event": event, "date": date, "full": full, "reduced": reduced, "quota": quota}


def place(organizer, world, *lines, **kwargs):
    return services.place_order(
        organizer,
        event=world["event"],
        lines=lines or [OrderLine(rate=world["full"], quantity=2)],
        buyer=kwargs.pop("buyer", Buyer(email="ana@example.net", name="Ana Lopez")),
        now=kwargs.pop("now", NOW),
        **kwargs,
    )


def test_pending_order_holds_places_until_its_deadline(organizer, world):
    order = place(
        organizer,
        world,
        OrderLine(rate=world["full"], quantity=2, attendees=[Attendee(name="Ana")]),
        OrderLine(rate=world["reduced"], quantity=1),
    )
    assert order.status == Order.Status.PENDING
    assert order.total == Decimal("65.00")
    assert order.expires_at == NOW + datetime.timedelta(minutes=30)
    positions = list(order.positions.order_by("id"))
    assert [p.price for p in positions] == [Decimal("25.00"), Decimal("25.00"), Decimal("15.00")]
    assert positions[0].attendee_name == "Ana"
    assert positions[0].date == world["date"]
    assert len({p.secret for p in positions}) == 3
    assert all(len(p.secret) >= 26 for p in positions)
    assert {p.hold.state for p in positions} == {Hold.State.HELD}
    world["quota"].refresh_from_db()
    assert world["quota"].taken == 3
    contact = Contact.objects.get(organizer=organizer, email="ana@example.net")
    assert (order.contact, contact.first_name, contact.last_name) == (contact, "Ana", "Lopez")
    mail = OutboxMessage.objects.get()
    assert mail.to == ["ana@example.net"]
    assert order.code in mail.subject
    assert AuditLogEntry.objects.filter(action="order.placed", object_id=str(order.pk)).count() == 1


def test_mark_paid_confirms_places_and_records_the_payment(organizer, world):
    order = place(organizer, world)
    paid = services.mark_paid(order, provider="bank_transfer", amount=Decimal("50.00"), now=NOW)
    assert paid.status == Order.Status.PAID
    assert paid.expires_at is None
    assert {h.state for h in services.holds_of(paid)} == {Hold.State.CONFIRMED}
    payment = Payment.objects.get(order=paid)
    assert (payment.amount, payment.state) == (Decimal("50.00"), Payment.State.CONFIRMED)
    assert OutboxMessage.objects.count() == 2
    with pytest.raises(OrderError) as exc:
        services.mark_paid(paid, provider="bank_transfer", amount=Decimal("50.00"))
    assert exc.value.code == "not_pending"


def test_wrong_amount_changes_nothing(organizer, world):
    order = place(organizer, world)
    with pytest.raises(OrderError) as exc:
        services.mark_paid(order, provider="bank_transfer", amount=Decimal("49.99"), now=NOW)
    assert (exc.value.code, exc.value.field) == ("wrong_amount", "amount")
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert Payment.objects.count() == 0


def test_a_payment_method_no_provider_has_is_refused_and_changes_nothing(organizer, world):
    """Recorded, it could never be refunded (the refund asked a provider that is not)."""
    order = place(organizer, world)
    with pytest.raises(PaymentError) as exc:
        services.mark_paid(order, provider="whatever", amount=Decimal("50.00"), now=NOW)
    assert (exc.value.code, exc.value.field) == ("unknown_provider", "provider")
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING and not Payment.objects.exists()
    with pytest.raises(PaymentError):
        place(organizer, world, paid=True, provider="nope", buyer=Buyer(email="b@example.net"))
    assert Order.objects.count() == 1


def test_a_payment_recorded_with_a_method_gone_since_is_refunded_by_hand(organizer, world, actor):
    """Older data: the refund is recorded as made by staff, never left pending for ever."""
    order = place(organizer, world, paid=True, provider="cash")
    Payment.objects.filter(order=order).update(provider="retired")
    [refund] = refund_order(order, actor=actor)
    order.refresh_from_db()
    assert (refund.state, order.status) == ("done", Order.Status.REFUNDED)
    # a payment taken outside Rideau (no method named) likewise
    other = place(organizer, world, paid=True, buyer=Buyer(email="c@example.net"))
    assert Payment.objects.get(order=other).provider == ""
    [refund] = refund_order(other, actor=actor)
    assert refund.state == "done"


def test_late_payment_retakes_free_places(organizer, world):
    order = place(organizer, world)
    later = NOW + datetime.timedelta(hours=1)
    assert inventory.release_expired_holds(later) == 2
    paid = services.mark_paid(order, provider="card_present", amount=Decimal("50.00"), now=later)
    assert paid.status == Order.Status.PAID
    assert {h.state for h in services.holds_of(paid)} == {Hold.State.CONFIRMED}
    world["quota"].refresh_from_db()
    assert world["quota"].taken == 2


def test_late_payment_when_sold_out_meanwhile_fails_with_places_gone(organizer, world):
    order = place(organizer, world)
    later = NOW + datetime.timedelta(hours=1)
    place(
        organizer,
        world,
        OrderLine(rate=world["full"], quantity=5),
        buyer=Buyer(email="bob@example.net"),
        now=later,
        paid=True,
        provider="cash",
    )
    with pytest.raises(OrderError) as exc:
        services.mark_paid(order, provider="card_present", amount=Decimal("50.00"), now=later)
    assert exc.value.code == "places_gone"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    world["quota"].refresh_from_db()
    assert world["quota"].taken == 5


def test_free_order_is_paid_at_once(organizer, world):
    free = RateFactory(product=world["full"].product, price=Decimal("0"))
    order = place(organizer, world, OrderLine(rate=free, quantity=1))
    assert (order.status, order.payment_provider, order.expires_at) == ("paid", "free", None)
    assert {h.state for h in services.holds_of(order)} == {Hold.State.CONFIRMED}


def test_sold_out_takes_nothing_and_writes_nothing(organizer, world):
    place(organizer, world, OrderLine(rate=world["full"], quantity=4))
    counts = (Order.objects.count(), Position.objects.count(), OutboxMessage.objects.count())
    with pytest.raises(InventoryError) as exc:
        place(organizer, world, OrderLine(rate=world["full"], quantity=2))
    assert exc.value.code == "sold_out"
    assert (
        Order.objects.count(),
        Position.objects.count(),
        OutboxMessage.objects.count(),
    ) == counts
    world["quota"].refresh_from_db()
    assert world["quota"].taken == 4


def test_cancel_releases_places_and_tells_the_buyer(organizer, world):
    order = place(organizer, world, paid=True, provider="cash")
    services.cancel_order(order, reason="changed plans", now=NOW)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert set(order.positions.values_list("cancelled", flat=True)) == {True}
    world["quota"].refresh_from_db()
    assert world["quota"].taken == 0
    entry = AuditLogEntry.objects.get(action="order.cancelled")
    assert entry.after["reason"] == "changed plans"
    assert OutboxMessage.objects.filter(subject__contains="cancelled").count() == 1
    with pytest.raises(OrderError):
        services.cancel_order(order)


def test_expire_orders_is_idempotent(organizer, world):
    order = place(organizer, world)
    later = NOW + datetime.timedelta(minutes=31)
    assert services.expire_orders(NOW) == 0
    assert services.expire_orders(later) == 1
    assert services.expire_orders(later) == 0
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert Quota.objects.get(pk=world["quota"].pk).taken == 0


@pytest.mark.parametrize(
    ("line_kwargs", "code", "field"),
    [
        ({"quantity": 7}, "max_per_order", "quantity"),
        ({"quantity": 0}, "invalid_quantity", "quantity"),
    ],
)
def test_bad_lines_get_field_errors(organizer, world, line_kwargs, code, field):
    with pytest.raises((OrderError, InventoryError)) as exc:
        place(organizer, world, OrderLine(rate=world["full"], **line_kwargs))
    assert (exc.value.code, exc.value.field) == (code, field)
    assert Order.objects.count() == 0


def test_rate_of_another_event_and_closed_sales_are_refused(organizer, world):
    other_rate = RateFactory(product=ProductFactory(organizer=organizer))
    with pytest.raises(OrderError) as exc:
        place(organizer, world, OrderLine(rate=other_rate))
    assert exc.value.code == "invalid_rate"
    world["full"].sales_end = NOW - datetime.timedelta(days=1)
    world["full"].save()
    with pytest.raises(OrderError) as exc:
        place(organizer, world, OrderLine(rate=world["full"]))
    assert exc.value.code == "not_on_sale"
    with pytest.raises(OrderError) as exc:
        place(organizer, world, OrderLine(rate=world["reduced"]), buyer=Buyer(email="nope"))
    assert (exc.value.code, exc.value.field) == ("invalid_email", "email")
    assert Order.objects.count() == 0


def test_multi_date_event_needs_a_date(organizer, world):
    EventDateFactory(event=world["event"], start=NOW + datetime.timedelta(days=11))
    with pytest.raises(OrderError) as exc:
        place(organizer, world, OrderLine(rate=world["full"]))
    assert (exc.value.code, exc.value.field) == ("date_required", "date")


def test_idempotency_key_is_unique_per_organizer(organizer, world):
    place(organizer, world, idempotency_key="k-1")
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017
        place(organizer, world, idempotency_key="k-1")
    assert Order.objects.filter(idempotency_key="k-1").count() == 1


def test_a_date_with_sold_tickets_cannot_be_deleted_and_stays(organizer, world):
    from rideau.core.errors import RideauError
    from rideau.events.models import EventDate
    from rideau.events.services import delete_event_date

    place(organizer, world, paid=True, provider="cash")
    with pytest.raises(RideauError) as exc:
        delete_event_date(world["date"], actor=Actor(user=member(organizer)))
    assert exc.value.code == "protected"
    assert EventDate.objects.filter(pk=world["date"].pk).exists()


def test_the_placed_order_lists_its_positions_without_a_read_and_filters_them_right(
    organizer, world, django_assert_num_queries
):
    """`order.positions.all()` answers from the rows just written; a further filter still
    reads this order's positions only (its filter was deferred, not dropped)."""
    other = place(organizer, world, buyer=Buyer(email="bob@example.net", name="Bob"))
    order = place(organizer, world)
    with django_assert_num_queries(0):
        mine = list(order.positions.all())
    assert len(mine) == 2 and {p.order_id for p in mine} == {order.pk}
    filtered = order.positions.filter(price=Decimal("25.00"))
    assert set(filtered.values_list("order_id", flat=True)) == {order.pk}
    assert other.pk != order.pk and Position.objects.filter(order=other).count() == 2
