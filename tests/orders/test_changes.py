"""Staff changes to existing orders: add tickets, remove one, answers, the balance.

After every change the quota counters must agree with their recount (check_integrity).
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rideau.catalog.models import Question
from rideau.core.access import Actor
from rideau.core.errors import PermissionDenied, ValidationFailed
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.inventory import services as inventory
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota
from rideau.inventory.queries import check_integrity
from rideau.messaging.models import OutboxMessage
from rideau.orders import changes, services
from rideau.orders.answers import clean_answers
from rideau.orders.errors import OrderError
from rideau.orders.models import Order, Payment, Position, Refund
from rideau.orders.services import Attendee, Buyer, OrderLine
from tests.factories import EventDateFactory, EventFactory, ProductFactory, RateFactory, member

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def world(organizer, actor):
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event, start=NOW + datetime.timedelta(days=10))
    product = ProductFactory(event=event, organizer=organizer, max_per_order=6)
    full = RateFactory(product=product, price=Decimal("25.00"))
    reduced = RateFactory(product=product, price=Decimal("15.00"), name={"en": "Reduced"})
    quota = inventory.create_quota(actor=actor, organizer=organizer, name="Hall", size=5, date=date)
    return {
        "event": event,
        "date": date,
        "product": product,
        "full": full,
        "reduced": reduced,
        "quota": quota,
    }


def place(organizer, world, quantity=2, **kwargs):
    return services.place_order(
        organizer,
        event=world["event"],
        lines=[OrderLine(rate=world["full"], quantity=quantity)],
        buyer=Buyer(email="ana@example.net", name="Ana Lopez"),
        provider="cash" if kwargs.get("paid") else "",
        **kwargs,
    )


def taken(world) -> int:
    return Quota.objects.get(pk=world["quota"].pk).taken


def assert_counters_agree():
    _checked, drifts = check_integrity()
    assert drifts == []


def state(order) -> tuple:
    order.refresh_from_db()
    return (
        order.status,
        order.total,
        sorted(order.positions.values_list("pk", "cancelled")),
        Payment.objects.filter(order=order).count(),
        Refund.objects.filter(order=order).count(),
    )


# --- adding tickets -------------------------------------------------------------------


def test_add_to_a_pending_order_holds_the_places_until_its_deadline(organizer, world, actor):
    order = place(organizer, world)
    outbox = OutboxMessage.objects.count()
    added = changes.add_positions(
        order,
        lines=[OrderLine(rate=world["reduced"], quantity=2, attendees=[Attendee(name=" Bob ")])],
        actor=actor,
    )
    order.refresh_from_db()
    assert (order.status, order.total) == (Order.Status.PENDING, Decimal("80.00"))
    assert [p.attendee_name for p in added] == ["Bob", ""]
    assert all(p.hold.state == Hold.State.HELD for p in added)
    assert {p.hold.expires_at for p in added} == {order.expires_at}
    assert len({p.secret for p in order.positions.all()}) == 4
    assert taken(world) == 4
    assert_counters_agree()
    assert OutboxMessage.objects.count() == outbox + 1
    entry = AuditLogEntry.objects.get(action="order.positions_added")
    assert entry.after["added"] == "30.00"
    assert entry.actor == actor.user


def test_add_to_a_paid_order_confirms_the_places_and_records_the_cash(organizer, world, actor):
    order = place(organizer, world, paid=True)
    added = changes.add_positions(
        order, lines=[OrderLine(rate=world["full"], quantity=1)], actor=actor, provider="cash"
    )
    order.refresh_from_db()
    assert (order.status, order.total) == (Order.Status.PAID, Decimal("75.00"))
    assert added[0].hold.state == Hold.State.CONFIRMED
    assert sorted(Payment.objects.filter(order=order).values_list("amount", flat=True)) == [
        Decimal("25.00"),
        Decimal("50.00"),
    ]
    assert changes.balance_due(order) == Decimal("0")
    assert taken(world) == 3
    assert_counters_agree()
    message = OutboxMessage.objects.order_by("-id").first()
    assert order.code in message.subject


def test_add_to_a_paid_order_without_payment_leaves_a_balance_then_paid(organizer, world, actor):
    order = place(organizer, world, quantity=1, paid=True)
    changes.add_positions(
        order, lines=[OrderLine(rate=world["reduced"], quantity=1)], actor=actor, notify=False
    )
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert changes.balance_due(order) == Decimal("15.00")
    with pytest.raises(OrderError) as too_much:
        changes.pay_balance(order, provider="cash", amount=Decimal("20.00"), actor=actor)
    assert (too_much.value.code, too_much.value.field) == ("too_much", "amount")
    with pytest.raises(OrderError) as bad_provider:
        changes.pay_balance(order, provider="stripe", actor=actor)
    assert bad_provider.value.field == "provider"
    changes.pay_balance(order, provider="bank_transfer", reference="RF18", actor=actor)
    assert changes.balance_due(order) == Decimal("0")
    with pytest.raises(OrderError) as nothing:
        changes.pay_balance(order, provider="cash", actor=actor)
    assert nothing.value.code == "nothing_due"
    assert AuditLogEntry.objects.filter(action="order.balance_paid").count() == 1


def test_add_beyond_the_quota_takes_nothing(organizer, world, actor):
    order = place(organizer, world, quantity=4)
    before = state(order)
    outbox = OutboxMessage.objects.count()
    with pytest.raises(InventoryError) as exc:
        changes.add_positions(order, lines=[OrderLine(rate=world["full"], quantity=2)], actor=actor)
    assert exc.value.code == "sold_out"
    assert state(order) == before
    assert taken(world) == 4
    assert OutboxMessage.objects.count() == outbox
    assert not AuditLogEntry.objects.filter(action="order.positions_added").exists()
    assert_counters_agree()


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("cancelled", "not_changeable"),
        ("late", "deadline_passed"),
        ("per_product", "max_per_order"),
        ("foreign_rate", "invalid_rate"),
        ("zero", "invalid_quantity"),
    ],
)
def test_add_refusals_change_nothing(organizer, other_organizer, world, actor, setup, code):
    order = place(organizer, world)
    rate, quantity, now = world["full"], 1, None
    if setup == "cancelled":
        services.cancel_order(order, actor=actor)
    elif setup == "late":
        now = order.expires_at + datetime.timedelta(seconds=1)
    elif setup == "per_product":
        quantity = 5  # 2 in the order + 5 > max_per_order 6
    elif setup == "foreign_rate":
        other = ProductFactory(organizer=other_organizer, event__organizer=other_organizer)
        rate = RateFactory(product=other)
    elif setup == "zero":
        quantity = 0
    before = state(order)
    counters = taken(world)
    with pytest.raises((OrderError, InventoryError)) as exc:
        changes.add_positions(
            order, lines=[OrderLine(rate=rate, quantity=quantity)], actor=actor, now=now
        )
    assert exc.value.code == code
    assert state(order) == before
    assert taken(world) == counters
    assert_counters_agree()


def test_add_needs_the_change_orders_permission(organizer, world):
    order = place(organizer, world)
    reader = Actor(user=member(organizer, Role.READ_ONLY))
    with pytest.raises(PermissionDenied):
        changes.add_positions(order, lines=[OrderLine(rate=world["full"])], actor=reader)
    assert order.positions.count() == 2


def test_add_checks_the_answers_like_the_shop(organizer, world, actor):
    size = Question.objects.create(
        product=world["product"],
        label={"en": "Size"},
        kind=Question.Kind.CHOICE,
        required=True,
        choices=[{"en": "S", "fr": "P"}, {"en": "M"}],
    )
    order = place(organizer, world)
    before = state(order)
    with pytest.raises(ValidationFailed) as exc:
        changes.add_positions(order, lines=[OrderLine(rate=world["full"])], actor=actor)
    assert list(exc.value.errors) == [f"q{size.pk}"]
    with pytest.raises(ValidationFailed) as bad:
        changes.add_positions(
            order,
            lines=[
                OrderLine(rate=world["full"], attendees=[Attendee(answers={str(size.pk): "XL"})])
            ],
            actor=actor,
        )
    assert bad.value.errors == {f"q{size.pk}": ["Choose one of the options."]}
    assert state(order) == before
    added = changes.add_positions(
        order,
        lines=[OrderLine(rate=world["full"], attendees=[Attendee(answers={str(size.pk): "P"})])],
        actor=actor,
    )
    assert added[0].answers == {str(size.pk): "S"}
    # staff at the counter may leave a required question for later
    later = changes.add_positions(
        order, lines=[OrderLine(rate=world["full"])], actor=actor, answers_required=False
    )
    assert later[0].answers == {}


# --- removing a ticket ------------------------------------------------------------------


def test_remove_a_ticket_of_a_pending_order_gives_its_place_back(organizer, world, actor):
    order = place(organizer, world, quantity=3)
    first = order.positions.order_by("id").first()
    result = changes.remove_position(first, actor=actor, reason="Cannot come")
    order.refresh_from_db()
    assert result.position.cancelled is True
    assert Position.objects.filter(pk=first.pk).exists()  # kept, with its history
    assert order.total == Decimal("50.00")
    assert Hold.objects.get(pk=first.hold_id).state == Hold.State.RELEASED
    assert taken(world) == 2
    assert_counters_agree()
    assert AuditLogEntry.objects.filter(
        action="position.cancelled", object_id=str(first.pk)
    ).exists()
    removed = AuditLogEntry.objects.get(action="order.position_removed")
    assert (removed.after["removed"], removed.after["reason"]) == (first.pk, "Cannot come")


def test_remove_with_refund_of_a_paid_order(organizer, world, actor):
    order = place(organizer, world, quantity=2, paid=True)
    ticket = order.positions.order_by("id").last()
    result = changes.remove_position(ticket, actor=actor, refund=True)
    order.refresh_from_db()
    assert (result.refunded, result.refund_error) == (Decimal("25.00"), "")
    assert order.status == Order.Status.PAID  # the other ticket stays valid
    assert order.total == Decimal("25.00")
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.state) == (Decimal("25.00"), Refund.State.DONE)
    assert changes.balance_due(order) == Decimal("0")
    assert taken(world) == 1
    assert_counters_agree()


def test_the_cancellation_email_lists_only_the_tickets_the_order_still_had(organizer, world, actor):
    """A ticket removed earlier is not listed again, and the lines add up to the total."""
    order = place(organizer, world, quantity=2, paid=True)
    kept, removed = order.positions.order_by("id")
    changes.remove_position(removed, actor=actor, refund=True)
    services.cancel_order(order, actor=actor)
    message = OutboxMessage.objects.filter(subject__contains="was cancelled").get()
    assert message.params["positions"] == [kept.pk]
    assert message.text().count("(25.00 EUR)") == 1


def test_remove_without_refund_leaves_a_credit(organizer, world, actor):
    order = place(organizer, world, quantity=2, paid=True)
    changes.remove_position(order.positions.first(), actor=actor)
    order.refresh_from_db()
    assert changes.balance_due(order) == Decimal("-25.00")
    assert not Refund.objects.filter(order=order).exists()


def test_the_last_ticket_cannot_be_removed(organizer, world, actor):
    order = place(organizer, world, quantity=2)
    first, last = order.positions.order_by("id")
    changes.remove_position(first, actor=actor)
    before = state(order)
    with pytest.raises(OrderError) as exc:
        changes.remove_position(last, actor=actor)
    assert exc.value.code == "last_position"
    assert "cancel the order" in exc.value.message
    with pytest.raises(OrderError) as again:
        changes.remove_position(first, actor=actor)
    assert again.value.code == "already_removed"
    assert state(order) == before
    assert taken(world) == 1
    assert_counters_agree()


def test_removed_place_can_be_sold_again_and_the_order_paid(organizer, world, actor):
    order = place(organizer, world, quantity=5)
    changes.remove_position(order.positions.first(), actor=actor)
    other = place(organizer, world, quantity=1)
    assert taken(world) == 5
    services.mark_paid(order, provider="cash", amount=Decimal("100.00"), actor=actor)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert other.status == Order.Status.PENDING
    assert_counters_agree()


def test_cancelling_an_order_after_a_removal_releases_the_rest_once(organizer, world, actor):
    order = place(organizer, world, quantity=3)
    changes.remove_position(order.positions.first(), actor=actor)
    services.cancel_order(order, actor=actor)
    assert taken(world) == 0
    assert_counters_agree()


# --- answers ------------------------------------------------------------------------------


@pytest.fixture
def questions(world):
    product = world["product"]
    return {
        "diet": Question.objects.create(product=product, label={"en": "Diet"}, required=True),
        "age": Question.objects.create(product=product, label={"en": "Age"}, kind="number"),
        "born": Question.objects.create(product=product, label={"en": "Born"}, kind="date"),
        "terms": Question.objects.create(
            product=product, label={"en": "Terms"}, kind="boolean", required=True
        ),
    }


def test_change_answers_validates_and_audits(organizer, world, actor, questions):
    order = place(organizer, world, quantity=1, paid=True)
    ticket = order.positions.get()
    q = {name: str(question.pk) for name, question in questions.items()}
    changes.change_answers(
        ticket,
        actor=actor,
        name="Bob",
        answers={q["diet"]: " vegan ", q["age"]: "42", q["born"]: "1980-02-29", q["terms"]: "on"},
    )
    ticket.refresh_from_db()
    assert ticket.attendee_name == "Bob"
    assert ticket.answers == {
        q["diet"]: "vegan",
        q["age"]: "42",
        q["born"]: "1980-02-29",
        q["terms"]: True,
    }
    assert AuditLogEntry.objects.filter(action="order.attendee_changed").count() == 1


def test_invalid_answers_change_nothing(organizer, world, actor, questions):
    order = place(organizer, world, quantity=1)
    ticket = order.positions.get()
    q = {name: str(question.pk) for name, question in questions.items()}
    with pytest.raises(ValidationFailed) as exc:
        changes.change_answers(
            ticket,
            actor=actor,
            name="Bob",
            answers={q["diet"]: "", q["age"]: "old", q["born"]: "1980-02-30", "999": "x"},
        )
    assert exc.value.errors == {
        "answers": ["This product does not ask this question."],
        f"q{q['diet']}": ["This field is required."],
        f"q{q['age']}": ["Enter a number."],
        f"q{q['born']}": ["Enter a valid date (YYYY-MM-DD)."],
        f"q{q['terms']}": ["This field is required."],
    }
    ticket.refresh_from_db()
    assert (ticket.attendee_name, ticket.answers) == ("", {})
    assert not AuditLogEntry.objects.filter(action="order.attendee_changed").exists()


def test_clean_answers_accepts_what_the_shop_stores(world, questions):
    stored = {
        str(questions["diet"].pk): "vegan",
        str(questions["age"].pk): "42.5000",
        str(questions["born"].pk): "2000-01-01",
        str(questions["terms"].pk): True,
    }
    assert clean_answers(questions.values(), stored, languages=["en"]) == stored


def test_a_late_payment_does_not_bring_a_removed_ticket_back(organizer, world, actor):
    order = place(organizer, world, quantity=3)
    removed = order.positions.order_by("id").first()
    changes.remove_position(removed, actor=actor)
    later = order.expires_at + datetime.timedelta(minutes=1)
    assert services.expire_orders(now=later) == 1
    assert taken(world) == 0
    services.mark_paid(order, provider="cash", amount=Decimal("50.00"), now=later)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    removed.refresh_from_db()
    assert removed.cancelled is True
    assert order.positions.filter(cancelled=False).count() == 2
    assert taken(world) == 2
    assert_counters_agree()


def test_a_goodwill_refund_is_no_debt_and_refunding_a_credit_settles_it(organizer, world, actor):
    from rideau.orders.payments.services import refund_order

    order = place(organizer, world, quantity=2, paid=True)
    refund_order(order, amount=Decimal("10.00"), actor=actor)
    order.refresh_from_db()
    assert changes.balance_due(order) == Decimal("0")
    changes.remove_position(order.positions.first(), actor=actor)
    order.refresh_from_db()
    assert changes.balance_due(order) == Decimal("-15.00")  # 25 removed, 10 already given
    refund_order(order, amount=Decimal("15.00"), actor=actor)
    order.refresh_from_db()
    assert (order.status, changes.balance_due(order)) == (Order.Status.PAID, Decimal("0"))


def test_removing_a_ticket_bought_together_in_a_cart_frees_its_place_only(organizer, world, actor):
    """A cart holds a line's places in one hold that its tickets share; removing one ticket
    splits that hold first, so the other tickets keep their places."""
    from django.db import transaction

    with transaction.atomic():
        (cart,) = inventory.take(
            organizer=organizer,
            items=[inventory.HoldRequest(quantity=3, date=world["date"], rate=world["full"])],
            # from the moment the test runs (NOW is the module's import: a long suite reaches
            # this test more than 15 minutes later, when such a cart would have expired)
            expires_at=timezone.now() + datetime.timedelta(minutes=15),
            owner_ref="cart:test",
        )
    order = services.place_order(
        organizer,
        event=world["event"],
        lines=[OrderLine(rate=world["full"], quantity=3, date=world["date"])],
        buyer=Buyer(email="ana@example.net"),
        holds=[cart],
    )
    tickets = list(order.positions.order_by("id"))
    assert {t.hold_id for t in tickets} == {cart.pk}
    assert taken(world) == 3

    changes.remove_position(tickets[1], actor=actor)

    assert taken(world) == 2
    assert_counters_agree()
    live = list(order.positions.filter(cancelled=False).order_by("id").select_related("hold"))
    assert [t.pk for t in live] == [tickets[0].pk, tickets[2].pk]
    assert all(t.hold.state == Hold.State.HELD and t.hold.quantity == 1 for t in live)
    assert len({t.hold_id for t in live}) == 2
    removed = Position.objects.select_related("hold").get(pk=tickets[1].pk)
    assert (removed.hold.state, removed.hold.quantity) == (Hold.State.RELEASED, 1)
    assert AuditLogEntry.objects.filter(action="hold.split").count() == 3

    # paying later confirms exactly the two remaining places
    order.refresh_from_db()
    services.mark_paid(order, provider="cash", amount=order.total, actor=actor)
    assert (
        Hold.objects.filter(pk__in=[t.hold_id for t in live], state=Hold.State.CONFIRMED).count()
        == 2
    )
    assert taken(world) == 2
    assert_counters_agree()
