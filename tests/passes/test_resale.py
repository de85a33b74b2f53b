"""Resale of pass tickets (SPEC D7): same seat to the buyer, the old secret stops scanning,
e-mails, proceeds as chosen, withdrawal until sold, unsold at the date's start."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rideau.checkin.services import scan
from rideau.core.domain_events import process_events
from rideau.core.errors import ValidationFailed
from rideau.inventory.models import SeatHold
from rideau.inventory.queries import check_integrity
from rideau.messaging.models import OutboxMessage
from rideau.orders import services as orders
from rideau.orders.errors import OrderError
from rideau.orders.models import Order
from rideau.orders.payments.services import refund_order
from rideau.passes import resale, services
from rideau.passes.errors import PassError
from rideau.passes.models import Pass, PassTicket, Resale
from tests.factories import CheckinListFactory, ProductFactory, RateFactory

pytestmark = pytest.mark.django_db

HOLDER = orders.Buyer(email="ana@example.net", name="Ana Lopez")
OTHER = orders.Buyer(email="bob@example.net", name="Bob Martin")


@pytest.fixture
def sold(world):
    return services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=HOLDER,
        paid=True,
        provider="cash",
    )


def ticket_rate(event, price="30.00"):
    return RateFactory(product=ProductFactory(event=event), price=Decimal(price))


def first_ticket(p) -> PassTicket:
    return p.tickets.select_related("position", "date").order_by("date__start").first()


def test_a_resold_ticket_goes_to_the_buyer_with_the_same_seat(world, sold):
    ticket = first_ticket(sold)
    seat = SeatHold.objects.get(hold=ticket.position.hold, active=True).seat_id
    [listing] = resale.list_tickets(sold, tickets=[ticket], method="credit")
    checkin_list = CheckinListFactory(event=ticket.event, any_day=True)

    order = resale.buy(
        listing, rate=ticket_rate(ticket.event), buyer=OTHER, paid=True, provider="cash"
    )

    new = order.positions.get()
    assert SeatHold.objects.get(hold=new.hold, active=True).seat_id == seat
    assert new.hold_id == ticket.position.hold_id
    ticket.refresh_from_db()
    assert ticket.state == PassTicket.State.RESOLD
    # the pass's QR code and the old ticket no longer enter this date; the new ticket does
    assert scan(checkin_list=checkin_list, secret=sold.secret, actor=None).result == "unknown"
    assert scan(checkin_list=checkin_list, secret=ticket.position.secret, actor=None).result == (
        "cancelled"
    )
    assert scan(checkin_list=checkin_list, secret=new.secret, actor=None).result == "valid"
    sold.refresh_from_db()
    assert sold.credit == Decimal("30.00")
    [told] = OutboxMessage.objects.filter(reference=f"resale:{listing.pk}:sold", to=[sold.email])
    assert "30.00 EUR was credited on your pass." in told.body_text  # paid: done, not to come
    assert check_integrity()[1] == []


def test_credit_arrives_when_a_pending_buyer_pays(world, sold):
    ticket = first_ticket(sold)
    [listing] = resale.list_tickets(sold, tickets=[ticket], method="credit")
    order = resale.buy(
        listing, rate=ticket_rate(ticket.event), buyer=OTHER, provider="bank_transfer"
    )
    sold.refresh_from_db()
    assert sold.credit == 0

    orders.mark_paid(order, provider="bank_transfer", amount=order.total)
    process_events()
    process_events()

    sold.refresh_from_db()
    assert sold.credit == Decimal("30.00")


def test_bank_transfer_needs_a_valid_iban_and_lands_in_the_payout_list(world, sold):
    ticket = first_ticket(sold)
    with pytest.raises(ValidationFailed) as exc:
        resale.list_tickets(
            sold, tickets=[ticket], method="transfer", iban="FR76 1234", account_holder="Ana"
        )
    assert set(exc.value.errors) == {"iban"}
    assert Resale.objects.count() == 0

    [listing] = resale.list_tickets(
        sold,
        tickets=[ticket],
        method="transfer",
        iban="fr14 2004 1010 0505 0001 3m02 606",
        account_holder="Ana Lopez",
    )
    assert listing.iban == "FR1420041010050500013M02606"
    resale.buy(listing, rate=ticket_rate(ticket.event), buyer=OTHER, paid=True, provider="cash")
    assert [r.pk for r in resale.payouts(world.organizer)] == [listing.pk]


def test_a_method_the_organiser_does_not_offer_is_refused(world):
    p = services.sell_pass(
        world.organizer,
        rate=world.choice_rate,
        holder=services.HolderInput(last_name="L", first_name="A"),
        buyer=HOLDER,
        paid=True,
        provider="cash",
    )
    services.add_choices(p, dates=[world.dates[0]])
    with pytest.raises(ValidationFailed) as exc:
        resale.list_tickets(p, tickets=[first_ticket(p)], method="donate")
    assert set(exc.value.errors) == {"method"}


def test_a_withdrawn_listing_cannot_be_bought_and_the_ticket_is_valid_again(world, sold):
    ticket = first_ticket(sold)
    [listing] = resale.list_tickets(sold, tickets=[ticket], method="credit")

    resale.withdraw(listing)

    with pytest.raises(PassError) as exc:
        resale.buy(listing, rate=ticket_rate(ticket.event), buyer=OTHER, paid=True)
    assert exc.value.code == "not_on_resale"
    ticket.refresh_from_db()
    assert ticket.state == PassTicket.State.VALID
    assert Order.objects.filter(email=OTHER.email).count() == 0
    with pytest.raises(PassError):
        resale.withdraw(listing)


def test_a_sold_listing_cannot_be_withdrawn(world, sold):
    ticket = first_ticket(sold)
    [listing] = resale.list_tickets(sold, tickets=[ticket], method="donate")
    resale.buy(listing, rate=ticket_rate(ticket.event), buyer=OTHER, paid=True, provider="cash")

    with pytest.raises(PassError) as exc:
        resale.withdraw(listing)
    assert exc.value.code == "not_on_resale"


def test_unsold_at_the_date_start_is_withdrawn_with_an_email(world, sold):
    ticket = first_ticket(sold)
    [listing] = resale.list_tickets(sold, tickets=[ticket], method="credit")
    later = ticket.date.start + datetime.timedelta(minutes=1)

    with pytest.raises(OrderError) as exc:  # a started date is not sold, job or no job
        resale.buy(listing, rate=ticket_rate(ticket.event), buyer=OTHER, paid=True, now=later)
    assert exc.value.code == "date_started"
    assert resale.withdraw_started(now=later) == 1
    assert resale.withdraw_started(now=later) == 0

    listing.refresh_from_db()
    assert listing.state == Resale.State.UNSOLD
    assert OutboxMessage.objects.filter(reference=f"resale:{listing.pk}:unsold").count() == 1


def test_credit_pays_an_order_and_never_goes_below_zero(world, sold, actor):
    Pass.objects.filter(pk=sold.pk).update(credit=Decimal("30.00"))
    order = orders.place_order(
        world.organizer,
        lines=[orders.OrderLine(rate=ticket_rate(world.events[0], "25.00"), date=world.dates[0])],
        buyer=HOLDER,
        provider="bank_transfer",
    )
    resale.pay_with_credit(order, sold)
    order.refresh_from_db()
    sold.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert sold.credit == Decimal("5.00")

    second = orders.place_order(
        world.organizer,
        lines=[orders.OrderLine(rate=ticket_rate(world.events[1], "25.00"), date=world.dates[1])],
        buyer=HOLDER,
        provider="bank_transfer",
    )
    with pytest.raises(PassError) as exc:
        resale.pay_with_credit(second, sold)
    assert exc.value.code == "credit_too_low"
    second.refresh_from_db()
    assert second.status == Order.Status.PENDING

    # refunding the order paid with credit gives the credit back (it was a payment no
    # provider knew: the refund failed after being recorded)
    refunds = refund_order(order, actor=actor)
    sold.refresh_from_db()
    order.refresh_from_db()
    assert [r.state for r in refunds] == ["done"]
    assert order.status == Order.Status.REFUNDED and sold.credit == Decimal("30.00")

    # a payment from before the pass was named on it: refunded by hand, never stuck
    third = orders.place_order(
        world.organizer,
        lines=[orders.OrderLine(rate=ticket_rate(world.events[1], "25.00"), date=world.dates[1])],
        buyer=HOLDER,
        provider="bank_transfer",
    )
    resale.pay_with_credit(third, sold)
    third.payments.update(reference="")
    [refund] = refund_order(third, actor=actor)
    assert (refund.state, refund.manual) == ("done", True)
    sold.refresh_from_db()
    assert sold.credit == Decimal("5.00")  # staff give it back themselves
    _ = timezone


def test_a_choice_resold_is_still_a_choice_made(world):
    """The holder got the resale's proceeds: choosing again would give them a free ticket,
    again and again (the resold event included)."""
    from rideau.passes import queries

    p = services.sell_pass(
        world.organizer,
        rate=world.choice_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=HOLDER,
        paid=True,
        provider="cash",
    )
    services.add_choices(p, dates=world.dates[:2])
    assert services.remaining_choices(p) == 0
    ticket = first_ticket(p)
    [listing] = resale.list_tickets(p, tickets=[ticket], method="credit")
    resale.buy(listing, rate=ticket_rate(ticket.event), buyer=OTHER, paid=True, provider="cash")
    p.refresh_from_db()
    assert p.credit == Decimal("30.00")

    assert services.remaining_choices(p) == 0
    assert ticket.event_id not in {d.event_id for d in queries.choosable_dates(p, timezone.now())}
    with pytest.raises(PassError) as exc:
        services.add_choices(p, dates=[ticket.date])
    assert exc.value.code in ("already_chosen", "no_choices_left")
    assert p.tickets.count() == 2
