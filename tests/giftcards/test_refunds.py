"""A gift voucher cannot be refunded once spent, nor spent once refunded (ADR 0034).

The tester's report: a 25 voucher sold with a ticket and paid by card (order A), spent on
order B, then A refunded in full (53 back, the spent 25 included) and B refunded (25 back
on the voucher), and the voucher spent again on order C."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from rideau.core.models import AuditLogEntry
from rideau.giftcards import services
from rideau.giftcards.errors import GiftVoucherError
from rideau.giftcards.models import Entry, GiftVoucher
from rideau.orders import changes
from rideau.orders import services as orders
from rideau.orders.models import Order, Refund
from rideau.orders.payments.errors import PaymentError
from rideau.orders.payments.services import refund_order, refundable_amount
from rideau.orders.services import Buyer, OrderLine
from tests.factories import EventDateFactory, EventFactory, QuotaFactory, RateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def show(organizer):
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event)
    QuotaFactory(date=date, size=10)
    return event, date


def ticket_rate(organizer, show, price):
    event, _date = show
    return RateFactory(product__event=event, product__organizer=organizer, price=Decimal(price))


def voucher_and_ticket(organizer, show, free_rate, email="alice@example.org"):
    """A 25 voucher and a 28 ticket, paid 53 by card (its vouchers not issued yet)."""
    _event, date = show
    return orders.place_order(
        organizer,
        lines=[
            OrderLine(rate=free_rate, amount=Decimal("25")),
            OrderLine(rate=ticket_rate(organizer, show, "28"), date=date),
        ],
        buyer=Buyer(email=email, name="Alice"),
        provider="demo_card",
        paid=True,
    )


@pytest.fixture
def order_a(organizer, show, free_rate, settings):
    """A 25 voucher and a 28 ticket, paid 53 by card; the voucher issued."""
    settings.RIDEAU_DEMO_PAYMENTS = True
    order = voucher_and_ticket(organizer, show, free_rate)
    assert order.total == Decimal("53")
    services.issue_for_order(order)
    return order


def voucher_of(order) -> GiftVoucher:
    return GiftVoucher.objects.get(order=order)


def pending_order(organizer, show, price, email="bob@example.org"):
    event, date = show
    return orders.place_order(
        organizer,
        event=event,
        lines=[OrderLine(rate=ticket_rate(organizer, show, price), date=date)],
        buyer=Buyer(email=email, name="Bob"),
        provider="cash",
    )


def spend(organizer, show, voucher, price, *, rest="cash"):
    """A ticket of `price` paid with the voucher (as much as it covers), the rest in cash."""
    order, _entry = services.pay_order(pending_order(organizer, show, price), code=voucher.code)
    if order.status == Order.Status.PENDING:
        order = orders.mark_paid(order, provider=rest, amount=orders.amount_due(order))
    return order


def kinds(voucher):
    return list(voucher.entries.values_list("kind", "amount"))


def test_the_testers_scenario_spent_value_is_kept_and_the_voucher_stays_dead(
    organizer, actor, show, order_a
):
    voucher = voucher_of(order_a)
    order_b = spend(organizer, show, voucher, "32")
    assert order_b.status == Order.Status.PAID

    # refunding A gives back what its ticket cost, not the 25 spent on B
    assert refundable_amount(order_a) == Decimal("28")
    with pytest.raises(PaymentError) as too_much:
        refund_order(order_a, amount=Decimal("53"), actor=actor)
    assert (too_much.value.code, too_much.value.field) == ("voucher_spent", "amount")
    assert "25.00" in too_much.value.message and "28.00" in too_much.value.message
    assert Refund.objects.filter(order=order_a).count() == 0

    refunds = refund_order(order_a, actor=actor, reason="show cancelled")

    assert [(r.amount, r.state) for r in refunds] == [(Decimal("28"), Refund.State.DONE)]
    order_a.refresh_from_db()
    assert order_a.status == Order.Status.REFUNDED  # nothing else can be refunded: it ends
    voucher.refresh_from_db()
    assert voucher.balance == 0 and voucher.voided_at is not None  # in the same transaction
    assert refundable_amount(order_a) == 0

    # refunding B cannot put the 25 back on the voucher: staff pay it back by hand
    refunds_b = refund_order(order_b, actor=actor, reason="ill")

    by_method = {r.payment.provider: r for r in refunds_b}
    assert by_method["gift_voucher"].amount == Decimal("25")
    assert by_method["gift_voucher"].state == Refund.State.DONE
    assert by_method["gift_voucher"].manual
    assert by_method["gift_voucher"].reference == f"giftvoucher-voided:{voucher.pk}"
    order_b.refresh_from_db()
    assert order_b.status == Order.Status.REFUNDED
    voucher.refresh_from_db()
    assert voucher.balance == 0
    assert kinds(voucher) == [("issued", Decimal("25")), ("redeemed", Decimal("-25"))]

    # the order's page tells staff which refund they pay back themselves
    staff = Client()
    staff.force_login(actor.user)
    page = staff.get(f"/control/{organizer.slug}/orders/{order_b.pk}/").content.decode()
    assert "paid back by hand (Gift voucher)" in page

    # and it buys nothing on C
    order_c = pending_order(organizer, show, "10", email="carol@example.org")
    with pytest.raises(GiftVoucherError) as refused:
        services.pay_order(order_c, code=voucher.code)
    assert refused.value.code == "voided"
    assert order_c.payments.count() == 0


def test_a_partly_spent_voucher_loses_the_rest_when_its_order_is_refunded(
    organizer, actor, show, order_a
):
    voucher = voucher_of(order_a)
    services.redeem(voucher, amount=Decimal("10"), order=pending_order(organizer, show, "10"))

    refunds = refund_order(order_a, actor=actor)

    assert sum(r.amount for r in refunds) == Decimal("43")  # 53 less the 10 spent
    voucher.refresh_from_db()
    assert (voucher.balance, voucher.is_voided) == (0, True)
    assert kinds(voucher)[-1] == ("voided", Decimal("-15"))
    assert Entry.objects.filter(voucher=voucher, kind="voided").get().balance_after == 0
    assert AuditLogEntry.objects.filter(action="giftcards.voided").count() == 1
    order_a.refresh_from_db()
    assert order_a.status == Order.Status.REFUNDED


def test_a_partial_refund_beyond_the_ticket_comes_off_the_voucher(organizer, actor, order_a):
    voucher = voucher_of(order_a)

    refund_order(order_a, amount=Decimal("30"), actor=actor)

    order_a.refresh_from_db()
    assert order_a.status == Order.Status.PAID  # a partial refund: the ticket stays valid
    voucher.refresh_from_db()
    assert (voucher.balance, voucher.is_voided) == (Decimal("23"), False)  # 30 − 28 taken
    assert refundable_amount(order_a) == Decimal("23")
    # what is left of the voucher is still the buyer's to spend
    services.redeem(voucher, amount=Decimal("23"))
    assert refundable_amount(order_a) == 0


def test_a_refund_within_the_ticket_leaves_the_voucher_alone(organizer, actor, order_a):
    refund_order(order_a, amount=Decimal("28"), actor=actor)

    voucher = voucher_of(order_a)
    assert (voucher.balance, voucher.is_voided) == (Decimal("25"), False)


def test_a_spent_voucher_alone_is_not_refundable_and_says_why(
    organizer, actor, show, free_rate, settings
):
    order = orders.place_order(
        organizer,
        lines=[OrderLine(rate=free_rate, amount=Decimal("20"))],
        buyer=Buyer(email="alice@example.org"),
        provider="cash",
        paid=True,
    )
    services.issue_for_order(order)
    spend(organizer, show, voucher_of(order), "20")

    with translation.override("fr"), pytest.raises(PaymentError) as exc:
        refund_order(order, actor=actor)

    assert (exc.value.code, exc.value.field) == ("voucher_spent", "amount")
    assert "20,00" in exc.value.message  # the amount as French writes it
    assert refundable_amount(order) == 0
    assert Refund.objects.filter(order=order).count() == 0


def test_cancelling_voids_the_voucher_at_once_and_the_refund_is_capped(
    organizer, actor, show, order_a
):
    voucher = voucher_of(order_a)
    spend(organizer, show, voucher, "5")

    orders.cancel_order(order_a, actor=actor)

    voucher.refresh_from_db()  # no worker needed
    assert (voucher.balance, voucher.is_voided) == (0, True)
    assert refundable_amount(order_a) == Decimal("48")
    refund_order(order_a, actor=actor)
    order_a.refresh_from_db()
    assert order_a.status == Order.Status.REFUNDED


def test_removing_a_spent_voucher_line_refunds_only_its_unspent_part(
    organizer, actor, show, order_a
):
    voucher = voucher_of(order_a)
    spend(organizer, show, voucher, "10")

    removal = changes.remove_position(voucher.position, actor=actor, refund=True)

    assert removal.refunded == Decimal("15") and not removal.refund_error
    voucher.refresh_from_db()
    assert (voucher.balance, voucher.is_voided) == (0, True)
    order_a.refresh_from_db()
    assert order_a.status == Order.Status.PAID  # the ticket stays
    assert changes.balance_due(order_a) == 0  # the spent 10 is not owed to the buyer
    assert refundable_amount(order_a) == Decimal("28")


def test_spend_then_refund_and_refund_then_spend_each_end_one_way(
    organizer, actor, show, free_rate, order_a
):
    """The two orders of a spend racing the refund of the voucher's order (the locks make
    them one or the other; tests/giftcards/test_concurrency.py races them on PostgreSQL)."""
    # spend first: the refund keeps the spent value
    voucher = voucher_of(order_a)
    spend(organizer, show, voucher, "25")
    assert sum(r.amount for r in refund_order(order_a, actor=actor)) == Decimal("28")

    # refund first: the spend finds the voucher cancelled, nothing changes
    other = orders.place_order(
        organizer,
        lines=[OrderLine(rate=free_rate, amount=Decimal("25"))],
        buyer=Buyer(email="dan@example.org"),
        provider="cash",
        paid=True,
    )
    services.issue_for_order(other)
    second = voucher_of(other)
    assert sum(r.amount for r in refund_order(other, actor=actor)) == Decimal("25")
    target = pending_order(organizer, show, "25")
    with pytest.raises(GiftVoucherError) as exc:
        services.pay_order(target, code=second.code)
    assert exc.value.code == "voided"
    second.refresh_from_db()
    assert second.balance == 0 and target.payments.count() == 0


def test_back_office_and_api_refuse_the_spent_part_on_the_amount_field(
    organizer, show, order_a, owner_client
):
    from tests.api.conftest import ApiClient, make_token

    spend(organizer, show, voucher_of(order_a), "25")

    page = owner_client.get(f"/control/{organizer.slug}/orders/{order_a.pk}/")
    assert page.context["refundable"] == Decimal("28")
    form = owner_client.post(
        f"/control/{organizer.slug}/orders/{order_a.pk}/refund/", {"amount": "53.00"}
    )
    assert form.status_code == 422
    assert "already been spent" in form.context["refund_form"].errors["amount"][0]

    api = ApiClient(make_token(organizer))
    answer = api.post(f"/organizers/{organizer.slug}/orders/{order_a.code}/refund", {"amount": 53})
    assert answer.status_code == 422, answer.json()
    assert answer.json()["detail"][0]["loc"] == ["body", "amount"]
    assert "already been spent" in answer.json()["detail"][0]["msg"]
    assert Refund.objects.filter(order=order_a).count() == 0


def test_a_partial_refund_before_the_vouchers_were_issued_still_comes_off_the_voucher(
    organizer, actor, show, free_rate, settings
):
    """The vouchers are issued by the `OrderPaid` handler: a refund made before it ran (the
    worker down) left the voucher to be issued later at its full 25 — the 2 refunded
    beyond the ticket were then both given back and spendable."""
    from rideau.core.domain_events import process_events

    settings.RIDEAU_DEMO_PAYMENTS = True
    order = voucher_and_ticket(organizer, show, free_rate)
    assert not GiftVoucher.objects.exists()  # the handler has not run

    refund_order(order, amount=Decimal("30"), actor=actor)
    process_events()

    voucher = voucher_of(order)
    assert voucher.balance == Decimal("23")  # issued at 25, 2 taken off by the refund
    assert GiftVoucher.objects.count() == 1


def test_the_cards_mail_after_an_early_refund_carries_only_what_survives_it(
    organizer, actor, show, free_rate, settings, django_capture_on_commit_callbacks
):
    """Issued by the refund to measure them, the cards are mailed once it commits: none when
    the refund cancelled them, the voucher's balance when it took a share."""
    from rideau.messaging.models import OutboxMessage

    settings.RIDEAU_DEMO_PAYMENTS = True
    full = voucher_and_ticket(organizer, show, free_rate, "full@example.org")
    part = voucher_and_ticket(organizer, show, free_rate, "part@example.org")
    cards = OutboxMessage.objects.filter(subject__startswith="Your gift voucher")
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(full, actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(part, amount=Decimal("30"), actor=actor)

    assert list(cards.values_list("to", flat=True)) == [["part@example.org"]]
    assert "23.00 EUR, valid until" in cards.get().body_text
