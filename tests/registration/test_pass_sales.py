"""A ticket product sold with an event pass (ADR 0023): buying it — shop, API, box office,
all through `orders.place_order` — registers the attendee with the pass's sessions in the
order's transaction; a full session makes the product sold out (read side) and refuses
the order whole (write side); cancelling the order cancels the registrations."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from rideau.core.domain_events import process_events
from rideau.core.errors import ValidationFailed
from rideau.events.models import Event
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota
from rideau.inventory.queries import check_integrity
from rideau.messaging.models import OutboxMessage
from rideau.orders import sellable
from rideau.orders.models import Order
from rideau.orders.services import Attendee, Buyer, OrderLine, cancel_order, place_order
from rideau.registration import passages, queries
from rideau.registration.models import Registration
from tests.api.conftest import ApiClient
from tests.factories import EventFactory, ProductFactory, RateFactory

from .conftest import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def summit(organizer, actor):
    """Event-wide capacity 10 (tickets and registrations), a keynote (5) and a one-place
    workshop; the "Conference" ticket is sold with pass A (keynote + workshop)."""
    cache.clear()
    event = EventFactory(
        organizer=organizer, kind=Event.Kind.ONSITE, visibility="public", slug="summit"
    )
    Quota.objects.create(organizer=organizer, event=event, name="Summit", size=10)
    event.keynote = make_session(event, actor, hours=(0, 1), capacity=5, title="Keynote")
    event.workshop = make_session(event, actor, hours=(2, 3), capacity=1, title="Workshop")
    product = ProductFactory(event=event, organizer=organizer, name={"en": "Conference"})
    event.rate = RateFactory(product=product, price=Decimal("100.00"))
    event.pass_a = passages.create_passage(
        event,
        actor=actor,
        name="Track A",
        sessions=[event.keynote, event.workshop],
        products=[product.pk],
    )
    product.refresh_from_db()
    event.product = product
    return event


def _buy(event, email="ada@example.org", *, attendees=(), quantity=1, paid=True):
    return place_order(
        event.organizer,
        event=event,
        lines=[OrderLine(rate=event.rate, quantity=quantity, attendees=attendees)],
        buyer=Buyer(email=email, name="Ada"),
        channel="box_office" if paid else "web",
        provider="cash" if paid else "",
        paid=paid,
    )


def _sessions(email, event):
    return sorted(
        Registration.objects.filter(
            contact__email=email, event=event, state="registered", session__isnull=False
        ).values_list("session_id", flat=True)
    )


def test_linking_marks_the_product_and_refuses_foreign_or_doubly_linked_products(
    summit, actor, organizer
):
    assert summit.product.grants_sessions is True
    other = ProductFactory(event=EventFactory(organizer=organizer), organizer=organizer)
    with pytest.raises(ValidationFailed) as foreign:
        passages.create_passage(
            summit, actor=actor, name="B", sessions=[summit.keynote], products=[other.pk]
        )
    assert list(foreign.value.errors) == ["products"]
    with pytest.raises(ValidationFailed) as twice:
        passages.create_passage(
            summit, actor=actor, name="B", sessions=[summit.keynote], products=[summit.product]
        )
    assert "one pass at most" in twice.value.errors["products"][0]
    passages.update_passage(
        summit.pass_a,
        actor=actor,
        name="Track A",
        sessions=[summit.keynote, summit.workshop],
        products=[],
    )
    summit.product.refresh_from_db()
    assert summit.product.grants_sessions is False


def test_buying_the_ticket_registers_the_buyer_with_the_pass_in_the_order(summit):
    order = _buy(summit)

    event_row = Registration.objects.get(contact__email="ada@example.org", session=None)
    assert (event_row.passage, event_row.order_id, event_row.hold) == (
        summit.pass_a,
        order.pk,
        None,
    )
    assert _sessions("ada@example.org", summit) == [summit.keynote.pk, summit.workshop.pk]
    assert queries.places_left([summit.workshop]) == {summit.workshop.pk: 0}
    assert Quota.objects.get(event=summit, session=None).taken == 1  # the ticket's place only
    mail = OutboxMessage.objects.filter(to=["ada@example.org"]).order_by("pk")
    assert any("Track A" in m.text() for m in mail)
    assert check_integrity()[1] == []


def test_each_named_attendee_is_registered(summit, actor):
    Quota.objects.filter(session=summit.workshop).update(size=3)
    _buy(
        summit,
        quantity=2,
        attendees=[Attendee(name="Bea", email="bea@example.org"), Attendee(name="Cy")],
    )
    assert _sessions("bea@example.org", summit) == [summit.keynote.pk, summit.workshop.pk]
    buyer = Registration.objects.get(contact__email="ada@example.org", session=None)
    assert buyer.seats == 1


def test_a_full_session_sells_the_product_out_and_refuses_the_order_whole(summit):
    offer = sellable.on_offer(summit)
    assert offer.left(None, summit.rate) == 1  # the workshop's one place
    _buy(summit)
    assert sellable.on_offer(summit).left(None, summit.rate) == 0  # sold out

    with pytest.raises(InventoryError) as exc:
        _buy(summit, email="bob@example.org")

    assert exc.value.code == "sold_out"
    assert Order.objects.count() == 1  # nothing of Bob's order is left
    assert not Registration.objects.filter(contact__email="bob@example.org").exists()
    assert Quota.objects.get(event=summit, session=None).taken == 1
    assert check_integrity()[1] == []


def test_the_public_api_shop_refuses_the_sold_out_ticket(summit):
    _buy(summit)
    body = {
        "lines": [{"rate": summit.rate.pk, "quantity": 1}],
        "buyer": {"email": "bob@example.org", "name": "Bob"},
    }
    response = ApiClient().post(f"/shop/{summit.organizer.slug}/summit/orders", body)
    assert response.status_code == 409, response.json()
    assert Order.objects.count() == 1


def test_cancelling_the_order_cancels_the_registrations_and_frees_the_places(summit):
    order = _buy(summit, paid=False)
    assert _sessions("ada@example.org", summit) == [summit.keynote.pk, summit.workshop.pk]

    cancel_order(order, reason="changed my mind")
    process_events()

    assert not Registration.objects.filter(state="registered").exists()
    assert queries.places_left([summit.workshop]) == {summit.workshop.pk: 1}
    assert not Hold.objects.filter(state=Hold.State.CONFIRMED, session__isnull=False).exists()
    assert check_integrity()[1] == []


def test_an_expired_unpaid_order_gives_the_sessions_back(summit):
    from rideau.orders.services import expire_orders

    order = _buy(summit, paid=False)
    expire_orders(now=timezone.now() + datetime.timedelta(hours=2))
    process_events()

    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert _sessions("ada@example.org", summit) == []


def test_an_order_without_such_a_product_asks_nobody(summit, organizer, django_assert_num_queries):
    plain = ProductFactory(event=summit, organizer=organizer)
    assert plain.grants_sessions is False
    from rideau.orders import hooks

    with django_assert_num_queries(0):
        hooks.companion_limits([RateFactory.build(product=plain)])


def test_the_web_shop_cart_checkout_registers_or_refuses_whole(summit):
    """The web shop's cart holds the ticket's place, the checkout hands it to the order and
    the pass's sessions are taken then (a session filled meanwhile: nothing is sold)."""
    from rideau.orders import carts

    first = carts.add_to_cart(
        summit.organizer, summit, token="", items=[carts.CartItem(rate=summit.rate, quantity=1)]
    )
    second = carts.add_to_cart(
        summit.organizer, summit, token="", items=[carts.CartItem(rate=summit.rate, quantity=1)]
    )
    carts.check_out(
        summit.organizer,
        summit,
        token=first,
        buyer=Buyer(email="ada@example.org"),
        attendees=[Attendee()],
        provider="",
    )
    assert _sessions("ada@example.org", summit) == [summit.keynote.pk, summit.workshop.pk]

    with pytest.raises(InventoryError):
        carts.check_out(
            summit.organizer,
            summit,
            token=second,
            buyer=Buyer(email="bob@example.org"),
            attendees=[Attendee()],
            provider="",
        )
    assert Order.objects.count() == 1
    assert not Registration.objects.filter(contact__email="bob@example.org").exists()
    assert check_integrity()[1] == []
