"""A listed resale place in a cart or an unpaid order (SPEC D7, ADR 0022): the cart — or the
order waiting for payment — holds a claim on the place with its deadline (the engine's
`claim`, no place counted twice); the listing is sold, its holder told and paid, only when
the order is paid; an emptied or expired cart, or an order cancelled or expired unpaid,
leaves the listing on offer again, with no job run (DESIGN rule 2)."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from rideau.checkin.services import scan
from rideau.documents.seats import seat_labels
from rideau.events.models import EventDate
from rideau.inventory import services as inventory
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota, SeatHold
from rideau.inventory.queries import check_integrity
from rideau.messaging.models import OutboxMessage
from rideau.orders import carts, sellable
from rideau.orders import services as orders
from rideau.orders.errors import OrderError
from rideau.orders.models import Order
from rideau.passes import resale, services
from rideau.passes.errors import PassError
from rideau.passes.models import PassTicket, Resale
from rideau.web.shop.views import CARTS_KEY
from tests.factories import CheckinListFactory, ProductFactory, RateFactory
from tests.passes.conftest import make_world

pytestmark = pytest.mark.django_db

BUYER = orders.Buyer(email="bob@example.net", name="Bob Martin")


def fresh(date) -> EventDate:
    return EventDate.objects.select_related("event", "location").get(pk=date.pk)


def left(date, rate, now=None) -> int | None:
    offer = sellable.on_offer(fresh(date).event, now=now)
    return offer.left(next(d for d in offer.dates if d.pk == date.pk), rate)


def sold_out_with_a_listing(world, method="credit"):
    """The first date sold out (its quota's size = its places taken) with one pass ticket
    of it on resale, and an ordinary rate of its event."""
    p = services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=orders.Buyer(email="ana@example.net"),
        paid=True,
        provider="cash",
    )
    ticket = p.tickets.select_related("position__hold", "date").order_by("date__start").first()
    [listing] = resale.list_tickets(p, tickets=[ticket], method=method)
    quota = Quota.objects.get(date=ticket.date)
    Quota.objects.filter(pk=quota.pk).update(size=quota.taken)
    rate = RateFactory(product=ProductFactory(event=ticket.event), price=Decimal("30.00"))
    return p, ticket, listing, rate


def add(world, date, rate, *, token="", n=1, now=None, seats=()):
    date = fresh(date)
    return carts.add_to_cart(
        world.organizer,
        date.event,
        token=token,
        items=[carts.CartItem(rate=rate, date=date, quantity=n, seats=seats)],
        now=now,
    )


def place_unpaid(world, date, rate) -> Order:
    """An order of one ticket, waiting for payment (the shop API's, a bank transfer's)."""
    return orders.place_order(
        world.organizer,
        event=date.event,
        lines=[orders.OrderLine(rate=rate, date=date)],
        buyer=BUYER,
    )


@pytest.fixture
def unseated(organizer, actor):
    return make_world(organizer, actor, seated=False)


def test_a_cart_holds_a_sold_out_dates_listed_place_and_pays_it(unseated):
    p, ticket, listing, rate = sold_out_with_a_listing(unseated)
    assert left(ticket.date, rate) == 1  # the tickets page offers it

    token = add(unseated, ticket.date, rate)

    [claim] = carts.get_cart(unseated.organizer, ticket.event, token).holds
    assert claim.claims_id == ticket.position.hold_id and claim.owner_ref == f"cart:{token}"
    assert not claim.quota_links.exists()  # counted once: by the holder's place
    listing.refresh_from_db()
    assert listing.state == Resale.State.LISTED  # claimed, not sold
    assert left(ticket.date, rate) == 0
    with pytest.raises(InventoryError):  # a second cart finds nothing left
        add(unseated, ticket.date, rate)

    order = carts.check_out(
        unseated.organizer, ticket.event, token=token, buyer=BUYER, attendees=[], provider=""
    )
    listing.refresh_from_db()
    assert order.status == Order.Status.PENDING and listing.state == Resale.State.LISTED
    assert not OutboxMessage.objects.filter(reference__startswith="resale:")  # not told yet

    orders.mark_paid(order, provider="cash", amount=order.total)

    position = order.positions.get()
    assert position.hold_id == ticket.position.hold_id  # the very place
    listing.refresh_from_db()
    assert listing.state == Resale.State.SOLD and listing.buyer_order_id == order.pk
    p.refresh_from_db()
    assert p.credit == Decimal("30.00")
    assert OutboxMessage.objects.filter(reference=f"resale:{listing.pk}:sold", to=[p.email])
    assert Hold.objects.get(pk=claim.pk).state == Hold.State.RELEASED
    checkin_list = CheckinListFactory(event=ticket.event, any_day=True)
    assert scan(checkin_list=checkin_list, secret=ticket.position.secret, actor=None).result == (
        "cancelled"
    )
    assert scan(checkin_list=checkin_list, secret=position.secret, actor=None).result == "valid"
    assert fresh(ticket.date).offered_back == 0
    assert check_integrity()[1] == []


def test_an_emptied_or_expired_cart_leaves_the_listing_on_offer_with_no_job(unseated):
    _p, ticket, listing, rate = sold_out_with_a_listing(unseated)
    token = add(unseated, ticket.date, rate)
    [line] = carts.get_cart(unseated.organizer, ticket.event, token).lines
    assert line.resale == 1

    carts.remove_line(unseated.organizer, ticket.event, token=token, key=line.key)
    assert left(ticket.date, rate) == 1

    add(unseated, ticket.date, rate)  # another cart claims it, and lets its deadline pass
    later = timezone.now() + datetime.timedelta(minutes=carts.cart_minutes(), seconds=1)
    assert left(ticket.date, rate, now=later) == 1  # on offer again, nothing reclaimed yet
    token = add(unseated, ticket.date, rate, now=later)

    [claim] = carts.get_cart(unseated.organizer, ticket.event, token, now=later).holds
    assert claim.claims_id == ticket.position.hold_id
    assert Hold.objects.filter(claims=claim.claims_id, state=Hold.State.EXPIRED).count() == 1
    listing.refresh_from_db()
    assert listing.state == Resale.State.LISTED
    assert check_integrity()[1] == []


@pytest.mark.parametrize("ending", ["cancelled", "expired"])
def test_an_unpaid_order_gives_the_listing_back_and_the_holder_keeps_the_place(unseated, ending):
    p, ticket, listing, rate = sold_out_with_a_listing(unseated)
    date = fresh(ticket.date)
    order = place_unpaid(unseated, date, rate)
    assert order.positions.get().hold.claims_id == ticket.position.hold_id
    listing.refresh_from_db()
    assert listing.state == Resale.State.LISTED
    assert left(date, rate) == 0

    if ending == "cancelled":
        orders.cancel_order(order)
    else:
        assert order.expires_at is not None
        orders.expire_orders(now=order.expires_at + datetime.timedelta(seconds=1))

    listing.refresh_from_db()
    assert listing.state == Resale.State.LISTED
    assert left(date, rate) == 1
    ticket.refresh_from_db()
    assert ticket.state == PassTicket.State.ON_RESALE
    assert Hold.objects.get(pk=ticket.position.hold_id).owner_ref == (
        f"order:{ticket.position.order_id}"
    )
    p.refresh_from_db()
    assert p.credit == 0
    assert not OutboxMessage.objects.filter(reference__startswith="resale:")
    assert check_integrity()[1] == []


def test_a_late_payment_after_another_buyer_claimed_the_place_is_refused(unseated):
    _p, ticket, listing, rate = sold_out_with_a_listing(unseated)
    date = fresh(ticket.date)
    late = place_unpaid(unseated, date, rate)
    assert late.expires_at is not None
    after = late.expires_at + datetime.timedelta(seconds=1)
    token = add(unseated, date, rate, now=after)  # the place is on offer again: claimed

    with pytest.raises(OrderError) as err:
        orders.mark_paid(late, provider="cash", amount=late.total, now=after)

    assert err.value.code == "places_gone"  # the caller refunds
    [claim] = carts.get_cart(unseated.organizer, date.event, token, now=after).holds
    assert claim.claims_id == ticket.position.hold_id
    listing.refresh_from_db()
    assert listing.state == Resale.State.LISTED


def test_a_claimed_listing_cannot_be_withdrawn_until_the_claim_ends(unseated):
    _p, ticket, listing, rate = sold_out_with_a_listing(unseated)
    token = add(unseated, ticket.date, rate)

    with pytest.raises(PassError) as err:
        resale.withdraw(listing)
    assert err.value.code == "being_bought"

    [line] = carts.get_cart(unseated.organizer, ticket.event, token).lines
    carts.remove_line(unseated.organizer, ticket.event, token=token, key=line.key)
    resale.withdraw(listing)
    listing.refresh_from_db()
    assert listing.state == Resale.State.WITHDRAWN


def test_a_pay_later_purchase_from_the_resale_list_tells_the_holder_only_once_paid(unseated):
    p, ticket, listing, rate = sold_out_with_a_listing(unseated)

    order = resale.buy(listing, rate=rate, buyer=BUYER, provider="bank_transfer")

    listing.refresh_from_db()
    assert order.status == Order.Status.PENDING and listing.state == Resale.State.LISTED
    assert order.positions.get().hold.claims_id == ticket.position.hold_id
    assert not OutboxMessage.objects.filter(reference__startswith="resale:")
    with pytest.raises(PassError):  # nobody else buys it meanwhile
        resale.buy(listing, rate=rate, buyer=orders.Buyer(email="eve@example.net"))

    orders.mark_paid(order, provider="bank_transfer", amount=order.total)

    listing.refresh_from_db()
    assert listing.state == Resale.State.SOLD and listing.buyer_order_id == order.pk
    assert order.positions.get().hold_id == ticket.position.hold_id
    assert OutboxMessage.objects.filter(reference=f"resale:{listing.pk}:sold", to=[p.email])
    assert check_integrity()[1] == []


def test_the_engine_keeps_one_live_claim_per_place(unseated):
    _p, ticket, _listing, rate = sold_out_with_a_listing(unseated)
    place = Hold.objects.get(pk=ticket.position.hold_id)
    now = timezone.now()
    soon = now + datetime.timedelta(minutes=5)
    first = inventory.claim(place, owner_ref="cart:a", expires_at=soon, rate=rate, now=now)

    with pytest.raises(InventoryError) as err:
        inventory.claim(place, owner_ref="cart:b", expires_at=soon, rate=rate, now=now)
    assert err.value.code == "hold_claimed"
    with pytest.raises(InventoryError):  # a claim is not claimed
        inventory.claim(first, owner_ref="cart:b", expires_at=soon, rate=rate, now=now)

    after = soon + datetime.timedelta(seconds=1)
    second = inventory.claim(
        place,
        owner_ref="cart:b",
        expires_at=after + datetime.timedelta(minutes=5),
        rate=rate,
        now=after,
    )
    first.refresh_from_db()
    assert first.state == Hold.State.EXPIRED and second.state == Hold.State.HELD
    with pytest.raises(InventoryError) as err:  # settling an expired claim changes nothing
        inventory.settle(first, now=after)
    assert err.value.code in ("hold_expired", "hold_released")
    assert Hold.objects.get(pk=place.pk).owner_ref == place.owner_ref
    assert check_integrity()[1] == []


# --- the seat map (a seated date) --------------------------------------------------------


@pytest.fixture
def seated(organizer, actor):
    return make_world(organizer, actor, seated=True)


def test_a_listed_seat_is_chosen_on_the_seat_map_and_sold_to_the_buyer(seated):
    p, ticket, listing, rate = sold_out_with_a_listing(seated, method="credit")
    seat = SeatHold.objects.get(hold=ticket.position.hold, active=True).seat
    client = Client()
    url = f"/{seated.organizer.slug}/{ticket.event.slug}/tickets/seats/{ticket.date_id}/"

    page = client.get(url).content.decode()
    added = client.post(url, {"seat": [str(seat.pk)], "rate": str(rate.pk), "action": "add"})

    assert "seat-resale" in page and f'value="{seat.pk}"' in page
    assert page.count(" disabled") < page.count('class="seat')  # the listed seat is free
    assert added.status_code == 302, added.content.decode()[:2000]
    token = client.session[CARTS_KEY][str(ticket.event_id)]
    cart = carts.get_cart(seated.organizer, ticket.event, token)
    assert cart.lines[0].seats == [seat.label]
    order = carts.check_out(
        seated.organizer, ticket.event, token=token, buyer=BUYER, attendees=[], provider=""
    )
    pending = order.positions.get()
    assert seat_labels([pending]) == {pending.pk: seat.label}  # shown while unpaid too
    orders.mark_paid(order, provider="cash", amount=order.total)

    position = order.positions.get()
    assert SeatHold.objects.get(hold=position.hold, active=True).seat == seat
    listing.refresh_from_db()
    assert listing.state == Resale.State.SOLD
    p.refresh_from_db()
    assert p.credit == Decimal("30.00")
    checkin_list = CheckinListFactory(event=ticket.event, any_day=True)
    assert scan(checkin_list=checkin_list, secret=ticket.position.secret, actor=None).result == (
        "cancelled"
    )
    assert check_integrity()[1] == []


def test_a_listed_seat_on_a_date_with_room_goes_to_the_one_who_picks_it(seated):
    _p, ticket, listing, rate = sold_out_with_a_listing(seated)
    Quota.objects.filter(date=ticket.date).update(size=100)  # fresh seats left too
    seat = SeatHold.objects.get(hold=ticket.position.hold, active=True).seat

    token = add(seated, ticket.date, rate, seats=[seat])

    [claim] = carts.get_cart(seated.organizer, ticket.event, token).holds
    assert claim.claims_id == ticket.position.hold_id
    listing.refresh_from_db()
    assert listing.state == Resale.State.LISTED


def test_the_tickets_page_puts_a_sold_out_dates_listed_place_in_the_cart(unseated):
    _p, ticket, _listing, rate = sold_out_with_a_listing(unseated)
    client = Client()
    url = f"/{unseated.organizer.slug}/{ticket.event.slug}/tickets/"
    assert f'name="q-{ticket.date_id}-{rate.pk}"' in client.get(url).content.decode()

    added = client.post(url, {f"q-{ticket.date_id}-{rate.pk}": "1"})
    cart = client.get(url + "cart/").content.decode()

    assert added.status_code == 302 and added["Location"].endswith("/cart/")
    assert "Including 1 resale place" in cart
    token = client.session[CARTS_KEY][str(ticket.event_id)]
    [claim] = carts.get_cart(unseated.organizer, ticket.event, token).holds
    assert claim.claims_id == ticket.position.hold_id
    refused = Client().post(url, {f"q-{ticket.date_id}-{rate.pk}": "1"})
    assert refused.status_code == 422  # nothing left for another cart, nothing taken
    assert Hold.objects.filter(claims__isnull=False).count() == 1


def test_the_api_answers_a_withdrawal_of_a_claimed_listing_with_a_conflict(unseated):
    from rideau.core.roles import Role
    from tests.api.conftest import ApiClient, make_token

    _p, ticket, listing, rate = sold_out_with_a_listing(unseated)
    add(unseated, ticket.date, rate)
    api = ApiClient(make_token(unseated.organizer, Role.OWNER))

    response = api.post(f"/organizers/{unseated.organizer.slug}/resales/{listing.pk}/withdraw")

    assert response.status_code == 409
    assert "paying for this ticket" in response.content.decode()
    listing.refresh_from_db()
    assert listing.state == Resale.State.LISTED


def test_an_expired_cart_claims_its_listed_seat_again_at_checkout(seated):
    _p, ticket, listing, rate = sold_out_with_a_listing(seated)
    seat = SeatHold.objects.get(hold=ticket.position.hold, active=True).seat
    token = add(seated, ticket.date, rate, seats=[seat])
    later = timezone.now() + datetime.timedelta(minutes=carts.cart_minutes(), seconds=1)

    order = carts.check_out(
        seated.organizer,
        ticket.event,
        token=token,
        buyer=BUYER,
        attendees=[],
        provider="",
        now=later,
    )

    claim = order.positions.get().hold
    assert claim.claims_id == ticket.position.hold_id and claim.is_expired(later) is False
    assert Hold.objects.filter(claims=claim.claims_id, state=Hold.State.EXPIRED).count() == 1
    orders.mark_paid(order, provider="cash", amount=order.total, now=later)
    listing.refresh_from_db()
    assert listing.state == Resale.State.SOLD
    assert check_integrity()[1] == []
