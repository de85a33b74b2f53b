"""Listed places sold first by the event's ordinary checkout (SPEC D7): a buyer of an event's
ticket gets a pass holder's listed place of that date (the same seat, the very hold) before
any fresh place, on every path through `place_order` — API and box office (no cart) and the
web shop's cart — the proceeds going to the holder as chosen; the read side counts them."""

from decimal import Decimal

import pytest

from rideau.core.domain_events import process_events
from rideau.events.models import EventDate
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota, SeatHold
from rideau.inventory.queries import check_integrity
from rideau.messaging.models import OutboxMessage
from rideau.orders import carts, sellable
from rideau.orders import services as orders
from rideau.orders.models import Order, SalesChannel
from rideau.passes import resale, services
from rideau.passes.models import PassTicket, Resale
from tests.factories import ProductFactory, QuotaFactory, RateFactory
from tests.passes.conftest import make_world

pytestmark = pytest.mark.django_db

HOLDER = orders.Buyer(email="ana@example.net", name="Ana Lopez")
OTHER = orders.Buyer(email="bob@example.net", name="Bob Martin")


def sell(world, email="ana@example.net"):
    return services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=orders.Buyer(email=email),
        paid=True,
        provider="cash",
    )


def first_ticket(p) -> PassTicket:
    return p.tickets.select_related("position__hold", "date").order_by("date__start").first()


def fresh(date) -> EventDate:
    return EventDate.objects.select_related("event").get(pk=date.pk)


def buy_ticket(world, ticket, rate, *, buyer=OTHER, quantity=1, paid=True, **kwargs) -> Order:
    date = fresh(ticket.date)
    return orders.place_order(
        world.organizer,
        event=date.event,
        lines=[orders.OrderLine(rate=rate, date=date, quantity=quantity)],
        buyer=buyer,
        paid=paid,
        provider="cash" if paid else "",
        **kwargs,
    )


@pytest.fixture
def listed(world):
    p = sell(world)
    ticket = first_ticket(p)
    [listing] = resale.list_tickets(p, tickets=[ticket], method="credit")
    rate = RateFactory(product=ProductFactory(event=ticket.event), price=Decimal("30.00"))
    return p, ticket, listing, rate


def test_the_ordinary_checkout_hands_the_listed_place_over_first(world, listed):
    p, ticket, listing, rate = listed
    seat = SeatHold.objects.get(hold=ticket.position.hold, active=True).seat_id
    assert fresh(ticket.date).offered_back == 1

    order = buy_ticket(world, ticket, rate)

    new = order.positions.get()
    assert new.hold_id == ticket.position.hold_id  # the very hold: the same seat
    assert SeatHold.objects.get(hold=new.hold, active=True).seat_id == seat
    assert Hold.objects.get(pk=new.hold_id).owner_ref == f"order:{order.pk}"
    assert new.secret != ticket.position.secret
    listing.refresh_from_db()
    assert listing.state == Resale.State.SOLD and listing.buyer_order_id == order.pk
    assert listing.amount == Decimal("30.00")
    ticket.refresh_from_db()
    ticket.position.refresh_from_db()
    assert ticket.state == PassTicket.State.RESOLD and ticket.position.cancelled
    p.refresh_from_db()
    assert p.credit == Decimal("30.00")  # the holder chose credit; the buyer paid
    assert OutboxMessage.objects.filter(reference=f"resale:{listing.pk}:sold", to=[p.email])
    assert fresh(ticket.date).offered_back == 0
    assert check_integrity()[1] == []


def test_a_second_buyer_gets_a_fresh_place(world, listed):
    _p, ticket, _listing, rate = listed
    first = buy_ticket(world, ticket, rate)
    taken = Quota.objects.get(date=ticket.date).taken

    second = buy_ticket(world, ticket, rate, buyer=HOLDER)

    assert second.positions.get().hold_id != first.positions.get().hold_id
    assert Quota.objects.get(date=ticket.date).taken == taken + 1


def test_a_sold_out_date_still_sells_its_listed_place_and_shows_it(world, listed):
    _p, ticket, _listing, rate = listed
    Quota.objects.filter(date=ticket.date).update(size=Quota.objects.get(date=ticket.date).taken)
    offer = sellable.on_offer(fresh(ticket.date).event)
    date = next(d for d in offer.dates if d.pk == ticket.date_id)
    assert offer.left(date, rate) == 1  # the read side: the listed place is on sale

    order = buy_ticket(world, ticket, rate)

    assert order.positions.get().hold_id == ticket.position.hold_id
    with pytest.raises(InventoryError) as err:
        buy_ticket(world, ticket, rate, buyer=HOLDER)
    assert err.value.code == "sold_out"
    offer = sellable.on_offer(fresh(ticket.date).event)
    assert offer.left(next(d for d in offer.dates if d.pk == ticket.date_id), rate) == 0


def test_a_category_with_a_quota_of_its_own_is_not_served_by_a_listed_place(world, listed):
    _p, ticket, listing, _rate = listed
    balcony = RateFactory(product=ProductFactory(event=ticket.event), price=Decimal("50.00"))
    QuotaFactory(date=ticket.date, product=balcony.product, size=5)
    offer = sellable.on_offer(fresh(ticket.date).event)
    date = next(d for d in offer.dates if d.pk == ticket.date_id)
    assert offer.left(date, balcony) == 5

    order = buy_ticket(world, ticket, balcony)

    assert order.positions.get().hold_id != ticket.position.hold_id
    listing.refresh_from_db()
    assert listing.state == Resale.State.LISTED


def test_the_oldest_listing_goes_first_and_the_rest_are_fresh(world):
    first, second = sell(world, "a@example.net"), sell(world, "b@example.net")
    older = resale.list_tickets(first, tickets=[first_ticket(first)], method="donate")[0]
    newer = resale.list_tickets(second, tickets=[first_ticket(second)], method="credit")[0]
    ticket = first_ticket(first)
    rate = RateFactory(product=ProductFactory(event=ticket.event), price=Decimal("30.00"))

    order = buy_ticket(world, ticket, rate, quantity=3)

    holds = set(order.positions.values_list("hold_id", flat=True))
    assert {older.ticket.position.hold_id, newer.ticket.position.hold_id} <= holds
    assert len(holds) == 3
    assert Resale.objects.filter(state=Resale.State.SOLD).count() == 2


def test_a_pending_buyer_credits_the_holder_only_once_paid(world, listed):
    p, ticket, _listing, rate = listed

    order = buy_ticket(world, ticket, rate, paid=False)

    p.refresh_from_db()
    assert order.status == Order.Status.PENDING and p.credit == 0
    orders.mark_paid(order, provider="cash", amount=order.total)
    process_events()
    p.refresh_from_db()
    assert p.credit == Decimal("30.00")


def test_the_box_office_sells_the_listed_place_first(world, listed):
    _p, ticket, _listing, rate = listed
    rate.channels = [SalesChannel.BOX_OFFICE]
    rate.save()

    order = buy_ticket(world, ticket, rate, channel=SalesChannel.BOX_OFFICE)

    assert order.positions.get().hold_id == ticket.position.hold_id


def test_a_withdrawn_listing_is_not_sold_and_the_counter_follows(world, listed):
    _p, ticket, listing, rate = listed
    resale.withdraw(listing)
    assert fresh(ticket.date).offered_back == 0

    order = buy_ticket(world, ticket, rate)

    assert order.positions.get().hold_id != ticket.position.hold_id
    ticket.refresh_from_db()
    assert ticket.state == PassTicket.State.VALID


def test_the_web_shop_cart_claims_the_listed_place_first(organizer, actor):
    world = make_world(organizer, actor, seated=False)
    p = sell(world)
    ticket = first_ticket(p)
    [listing] = resale.list_tickets(p, tickets=[ticket], method="credit")
    rate = RateFactory(product=ProductFactory(event=ticket.event), price=Decimal("30.00"))
    date = fresh(ticket.date)
    taken = Quota.objects.get(date=date).taken
    token = carts.add_to_cart(
        organizer, date.event, token="", items=[carts.CartItem(rate=rate, date=date, quantity=2)]
    )
    assert Quota.objects.get(date=date).taken == taken + 1  # one fresh place, one claimed

    order = carts.check_out(
        organizer, date.event, token=token, buyer=OTHER, attendees=[], provider="cash"
    )
    orders.mark_paid(order, provider="cash", amount=order.total)

    holds = set(order.positions.values_list("hold_id", flat=True))
    assert ticket.position.hold_id in holds and len(holds) == 2
    assert Quota.objects.get(date=date).taken == taken + 1
    assert not Hold.objects.filter(owner_ref=carts.owner_ref(token), state=Hold.State.HELD)
    listing.refresh_from_db()
    assert listing.state == Resale.State.SOLD
    assert (
        carts.check_out(
            organizer, date.event, token=token, buyer=OTHER, attendees=[], provider="cash"
        )
        == order
    )  # idempotent as before
    assert check_integrity()[1] == []


def test_dates_without_listings_ask_no_supplier(world, monkeypatch):
    date = fresh(world.dates[0])
    rate = RateFactory(product=ProductFactory(event=date.event), price=Decimal("30.00"))
    asked = []
    monkeypatch.setattr(resale.LISTED_PLACES, "hand_over", lambda *a, **k: asked.append(1) or {})
    monkeypatch.setattr(resale.LISTED_PLACES, "offered", lambda *a, **k: asked.append(2) or [])

    line = orders.OrderLine(rate=rate, date=date)
    order = orders.place_order(world.organizer, event=date.event, lines=[line], buyer=OTHER)
    sellable.on_offer(date.event)

    assert order.positions.get().hold_id is not None
    assert asked == []  # `offered_back` is 0: the rush path costs nothing more (tests/perf)


def test_the_shop_api_shows_and_sells_the_listed_place_of_a_sold_out_date(world, listed):
    from django.core.cache import cache
    from django.test import Client

    _p, ticket, _listing, rate = listed
    Quota.objects.filter(date=ticket.date).update(size=Quota.objects.get(date=ticket.date).taken)
    cache.clear()
    client = Client()
    shop = f"/api/v1/shop/{world.organizer.slug}/{ticket.event.slug}"

    availability = client.get(shop + "/availability").json()
    body = {
        "lines": [{"rate": rate.pk, "quantity": 1, "date": ticket.date_id}],
        "buyer": {"email": "bob@example.net", "name": "Bob Martin"},
    }
    placed = client.post(shop + "/orders", data=body, content_type="application/json")

    left = [
        r["available"]
        for d in availability["dates"]
        if d["date"] == ticket.date_id
        for r in d["rates"]
        if r["rate"] == rate.pk
    ]
    assert left == [1]
    assert placed.status_code == 201, placed.content
    order = Order.objects.get(code=placed.json()["code"])
    # waiting for payment, the order claims the place; paid, it gets it (the same hold)
    assert order.positions.get().hold.claims_id == ticket.position.hold_id
    orders.mark_paid(order, provider="cash", amount=order.total)
    assert order.positions.get().hold_id == ticket.position.hold_id
