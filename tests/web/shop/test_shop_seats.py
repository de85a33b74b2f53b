"""Chosen seats in the shop: the seat map, holding exactly the seats picked, the order's seats."""

import datetime

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rideau.core.access import Actor
from rideau.documents.tickets import render_tickets_pdf
from rideau.inventory import services as inventory
from rideau.inventory.models import Hold, SeatHold
from rideau.inventory.queries import check_integrity
from rideau.messaging.delivery import render_content
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order
from rideau.venues.models import Location, Seat
from rideau.venues.services import SectionSpec, save_seating_plan, seats_from_sections
from rideau.web.shop.views import CARTS_KEY
from tests.factories import LocationFactory, VenueFactory, member

pytestmark = pytest.mark.django_db


def make_plan(organizer, sections):
    venue = VenueFactory(organizer=organizer)
    room = LocationFactory(venue=venue, kind=Location.Kind.ROOM, name="Hall")
    layout = LocationFactory(venue=venue, parent=room, kind=Location.Kind.LAYOUT, name="Seated")
    owner = member(organizer, email=f"plan-{layout.pk}@example.org")
    return save_seating_plan(
        layout,
        actor=Actor(user=owner),
        name="Hall",
        seats=seats_from_sections(
            [SectionSpec(name=name, rows=rows, seats_per_row=n) for name, rows, n in sections]
        ),
    )


@pytest.fixture
def plan(shop):
    plan = make_plan(shop.organizer, [("Stalls", "A-B", 4)])
    date = shop.dates[0]
    date.location = plan.location
    date.save()
    quota = shop.quotas[0]
    quota.size = 8
    quota.save()
    return plan


def seat(plan, row, number, section="Stalls") -> Seat:
    return Seat.objects.get(plan=plan, section=section, row=row, number=number)


def seats_url(shop, date=None) -> str:
    return shop.url(f"seats/{(date or shop.dates[0]).pk}")


def test_the_tickets_page_links_seated_dates_to_their_map(client, shop, plan):
    text = client.get(shop.url() + f"?date={shop.dates[0].pk}").content.decode()
    other = client.get(shop.url() + f"?date={shop.dates[1].pk}").content.decode()

    assert seats_url(shop) in text
    assert "Choose your seats on the plan" not in other  # the other date is unnumbered
    assert client.get(seats_url(shop, shop.dates[1])).status_code == 404


def test_the_seat_map_has_one_labelled_checkbox_per_seat(client, shop, plan):
    taken_seat = seat(plan, "A", 2)
    with transaction.atomic():
        inventory.take(
            organizer=shop.organizer,
            items=[
                inventory.HoldRequest(
                    date=shop.dates[0], rate=shop.full, product=shop.product, seats=[taken_seat]
                )
            ],
            expires_at=None,
            owner_ref="order:1",
        )

    response = client.get(seats_url(shop))

    text = response.content.decode()
    assert response.status_code == 200
    assert text.count('type="checkbox" class="seat" name="seat"') == 8
    assert 'aria-label="Row B, seat 3 — section Stalls"' in text
    assert (
        f'value="{taken_seat.pk}" aria-label="Row A, seat 2 — section Stalls (taken)" '
        f'title="Row A, seat 2 — section Stalls" disabled'
    ) in text
    assert "7 seats free" in text
    assert response.context["rates"] == [(shop.full, 7), (shop.reduced, 7)]


def test_adding_chosen_seats_holds_exactly_those_seats(client, shop, plan):
    picked = [seat(plan, "B", 1), seat(plan, "B", 2)]

    response = client.post(
        seats_url(shop), {"seat": [str(s.pk) for s in picked], "rate": str(shop.full.pk)}
    )

    assert response.status_code == 302
    assert response["Location"] == shop.url("cart")
    token = client.session[CARTS_KEY][str(shop.event.pk)]
    holds = list(Hold.objects.filter(owner_ref=f"cart:{token}").order_by("pk"))
    assert [h.quantity for h in holds] == [1, 1]  # one hold, one seat, per ticket
    assert {sh.seat_id for sh in SeatHold.objects.filter(active=True)} == {s.pk for s in picked}
    shop.quotas[0].refresh_from_db()
    assert shop.quotas[0].taken == 2
    cart = client.get(shop.url("cart"))
    assert "Row B, seat 1 — section Stalls, Row B, seat 2 — section Stalls" in (
        cart.content.decode()
    )
    # the map now shows those seats as taken for everyone else
    other = Client()
    text = other.get(seats_url(shop)).content.decode()
    assert text.count(" disabled></foreignObject>") == 2


def test_a_rate_per_seat(client, shop, plan):
    a1, a2 = seat(plan, "A", 1), seat(plan, "A", 2)

    step = client.post(
        seats_url(shop),
        {"seat": [str(a1.pk), str(a2.pk)], "rate": str(shop.full.pk), "action": "rates"},
    )

    assert step.status_code == 200
    text = step.content.decode()
    assert f'name="rate-{a1.pk}"' in text
    assert f'name="rate-{a2.pk}"' in text
    assert Hold.objects.count() == 0

    response = client.post(
        seats_url(shop),
        {
            "seat": [str(a1.pk), str(a2.pk)],
            "rate": str(shop.full.pk),
            "per_seat": "1",
            f"rate-{a1.pk}": str(shop.full.pk),
            f"rate-{a2.pk}": str(shop.reduced.pk),
            "action": "add",
        },
    )

    assert response.status_code == 302
    rates = {sh.seat_id: sh.hold.rate_id for sh in SeatHold.objects.select_related("hold").all()}
    assert rates == {a1.pk: shop.full.pk, a2.pk: shop.reduced.pk}


def test_a_seat_taken_meanwhile_is_named_and_nothing_is_held(client, shop, plan):
    b1, b2 = seat(plan, "B", 1), seat(plan, "B", 2)
    rival = Client()
    rival.post(seats_url(shop), {"seat": [str(b2.pk)], "rate": str(shop.full.pk)})
    assert Hold.objects.count() == 1

    response = client.post(
        seats_url(shop), {"seat": [str(b1.pk), str(b2.pk)], "rate": str(shop.full.pk)}
    )

    assert response.status_code == 422
    assert response.context["choice"].non_field_errors == [
        "Seat “Stalls Row B, seat 2” is no longer available."
    ]
    assert Hold.objects.filter(state=Hold.State.HELD).count() == 1  # the rival's only
    assert SeatHold.objects.filter(active=True).count() == 1
    shop.quotas[0].refresh_from_db()
    assert shop.quotas[0].taken == 1
    # the buyer's other pick stays selected, the lost seat is shown taken
    text = response.content.decode()
    assert f'value="{b1.pk}" aria-label="Row B, seat 1 — section Stalls" ' in text
    assert f'value="{b1.pk}" aria-label="Row B, seat 1 — section Stalls" title=' in text
    assert 'title="Row B, seat 1 — section Stalls" checked' in text
    assert 'title="Row B, seat 2 — section Stalls" disabled' in text
    assert check_integrity()[1] == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rate": "RATE"}, "Choose at least one seat on the plan."),
        ({"seat": ["999999"], "rate": "RATE"}, "This seat is not on this date's plan."),
        ({"seat": ["x"], "rate": "RATE"}, "This seat is not on this date's plan."),
        ({"seat": ["SEAT"]}, "Choose a rate."),
        ({"seat": ["SEAT"], "rate": "OTHER"}, "Choose a rate."),
    ],
)
def test_bad_input_is_a_clear_error_and_holds_nothing(client, shop, plan, data, message):
    other_plan_seat = make_plan(shop.organizer, [("", "Z", 1)]).seats.get()
    values = {
        "RATE": str(shop.full.pk),
        "OTHER": str(shop.full.pk + 1000),
        "SEAT": str(seat(plan, "A", 1).pk),
    }
    posted = {
        key: [values.get(v, v) for v in value] if isinstance(value, list) else values[value]
        for key, value in data.items()
    }

    response = client.post(seats_url(shop), posted)

    assert response.status_code == 422
    errors = [m for messages in response.context["choice"].errors.values() for m in messages]
    assert errors == [message]
    assert Hold.objects.count() == 0
    # a seat of another plan is refused the same way
    response = client.post(
        seats_url(shop), {"seat": [str(other_plan_seat.pk)], "rate": str(shop.full.pk)}
    )
    assert response.context["choice"].errors == {"seat": ["This seat is not on this date's plan."]}


def test_more_seats_than_the_product_allows_is_refused(client, shop, plan):
    picked = [str(s.pk) for s in Seat.objects.filter(plan=plan)[:5]]  # max_per_order is 4

    response = client.post(seats_url(shop), {"seat": picked, "rate": str(shop.full.pk)})

    assert response.status_code == 422
    assert response.context["choice"].non_field_errors == [
        "At most 4 tickets of “Admission” per order."
    ]
    assert Hold.objects.count() == 0


def test_more_seats_than_places_on_sale_is_refused(client, shop, plan):
    shop.quotas[0].size = 1
    shop.quotas[0].save()
    picked = [str(seat(plan, "A", 1).pk), str(seat(plan, "A", 2).pk)]

    response = client.post(seats_url(shop), {"seat": picked, "rate": str(shop.full.pk)})

    assert response.status_code == 422
    assert response.context["choice"].non_field_errors == [
        "Only 1 place left at the rate “Full price”."
    ]
    assert Hold.objects.count() == 0


def test_best_available_remains_on_the_tickets_page(client, shop, plan):
    response = client.post(shop.url(), {f"q-{shop.dates[0].pk}-{shop.full.pk}": "2"})

    assert response.status_code == 302
    seats = {str(sh.seat.label) for sh in SeatHold.objects.select_related("seat")}
    assert seats == {"Row A, seat 2 — section Stalls", "Row A, seat 3 — section Stalls"}


def test_the_order_page_and_tickets_show_each_seat(client, shop, plan, settings):
    picked = [seat(plan, "B", 3), seat(plan, "B", 4)]
    client.post(seats_url(shop), {"seat": [str(s.pk) for s in picked], "rate": str(shop.full.pk)})
    data = {"email": "ada@example.net", "name": "Ada", "provider": "bank_transfer"}
    data.update({"a0-name": "Guest 1", "a1-name": "Guest 2"})

    response = client.post(shop.url("checkout"), data)

    order = Order.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert page.count('class="seat-label"') == 2
    assert "Row B, seat 3 — section Stalls" in page
    assert "Row B, seat 4 — section Stalls" in page
    positions = list(order.positions.order_by("pk"))
    assert len({p.hold_id for p in positions}) == 2
    assert render_tickets_pdf(order, positions).startswith(b"%PDF")
    # the "waiting for payment" e-mail names the seats too (rendered when it is sent)
    text = render_content(OutboxMessage.objects.get(reference=f"order:{order.pk}")).text
    assert "Row B, seat 3 — section Stalls" in text
    assert "Row B, seat 4 — section Stalls" in text
    Order.objects.filter(pk=order.pk).update(locale="fr")  # in the buyer's language
    text = render_content(OutboxMessage.objects.get(reference=f"order:{order.pk}")).text
    assert "Rang B, siège 3 — zone Stalls" in text


def test_best_available_tickets_get_one_seat_each(shop, plan):
    from rideau.documents.seats import seat_labels
    from rideau.orders.services import Buyer, OrderLine, place_order

    with transaction.atomic():
        holds = inventory.take(
            organizer=shop.organizer,
            items=[
                inventory.HoldRequest(
                    quantity=3,
                    date=shop.dates[0],
                    rate=shop.full,
                    product=shop.product,
                    best_available=True,
                )
            ],
            expires_at=timezone.now() + datetime.timedelta(minutes=5),
            owner_ref="cart:best",
        )
    order = place_order(
        shop.organizer,
        event=shop.event,
        lines=[OrderLine(rate=shop.full, date=shop.dates[0], quantity=3)],
        buyer=Buyer(email="b@example.net"),
        holds=holds,
    )
    positions = list(order.positions.prefetch_related("hold__seat_holds__seat"))

    labels = seat_labels(positions)

    assert sorted(labels.values()) == [
        "Row A, seat 1 — section Stalls",
        "Row A, seat 2 — section Stalls",
        "Row A, seat 3 — section Stalls",
    ]

    # removing one of these tickets frees its own seat and nobody else's
    from rideau.orders import changes

    middle = sorted(positions, key=lambda p: p.pk)[1]
    changes.remove_position(middle, actor=Actor(user=member(shop.organizer)))
    live = list(order.positions.filter(cancelled=False).prefetch_related("hold__seat_holds__seat"))
    after = seat_labels(live)
    assert sorted(after.values()) == sorted(
        label for pk, label in labels.items() if pk != middle.pk
    )
    free = SeatHold.objects.filter(seat__in=Seat.objects.filter(plan=plan), active=True)
    assert free.count() == 2
    assert check_integrity()[1] == []


def test_seat_map_queries_do_not_grow_with_sections(client, shop):
    def count(sections: int) -> int:
        plan = make_plan(shop.organizer, [(f"S{i}", "A-C", 5) for i in range(sections)])
        date = shop.dates[0]
        date.location = plan.location
        date.save()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(seats_url(shop))
        assert response.status_code == 200
        assert len(response.context["map"].sections) == sections
        return len(queries)

    assert count(1) == count(3)


def test_a_private_or_past_date_has_no_seat_page(client, shop, plan):
    date = shop.dates[0]
    date.start = timezone.now() - datetime.timedelta(days=1)
    date.save()
    assert client.get(seats_url(shop)).status_code == 404


def test_an_expired_cart_keeps_its_chosen_seats_at_checkout(client, shop, plan):
    from rideau.documents.seats import seat_labels
    from rideau.orders import carts
    from rideau.orders.services import Attendee, Buyer

    picked = [seat(plan, "B", 3), seat(plan, "B", 4)]
    client.post(seats_url(shop), {"seat": [str(s.pk) for s in picked], "rate": str(shop.full.pk)})
    token = client.session[CARTS_KEY][str(shop.event.pk)]
    later = timezone.now() + datetime.timedelta(minutes=30)  # the cart's deadline has passed

    order = carts.check_out(
        shop.organizer,
        shop.event,
        token=token,
        buyer=Buyer(email="late@example.net"),
        attendees=[Attendee(name="A"), Attendee(name="B")],
        provider="bank_transfer",
        now=later,
    )

    positions = list(order.positions.prefetch_related("hold__seat_holds__seat"))
    assert sorted(seat_labels(positions).values()) == [
        "Row B, seat 3 — section Stalls",
        "Row B, seat 4 — section Stalls",
    ]
    assert SeatHold.objects.filter(active=True).count() == 2
    assert check_integrity()[1] == []


def test_an_expired_cart_whose_seat_was_sold_meanwhile_places_nothing(client, shop, plan):
    from rideau.inventory.errors import InventoryError
    from rideau.orders import carts
    from rideau.orders.services import Attendee, Buyer

    b3 = seat(plan, "B", 3)
    client.post(seats_url(shop), {"seat": [str(b3.pk)], "rate": str(shop.full.pk)})
    token = client.session[CARTS_KEY][str(shop.event.pk)]
    later = timezone.now() + datetime.timedelta(minutes=30)
    with transaction.atomic():
        inventory.take(
            organizer=shop.organizer,
            items=[
                inventory.HoldRequest(
                    date=shop.dates[0], rate=shop.full, product=shop.product, seats=[b3]
                )
            ],
            expires_at=None,
            owner_ref="order:rival",
            now=later,
        )

    with pytest.raises(InventoryError) as refused:
        carts.check_out(
            shop.organizer,
            shop.event,
            token=token,
            buyer=Buyer(email="late@example.net"),
            attendees=[Attendee(name="A")],
            provider="bank_transfer",
            now=later,
        )

    assert refused.value.message == "Seat “Stalls Row B, seat 3” is no longer available."
    assert not Order.objects.exists()
    assert check_integrity()[1] == []


def test_an_order_placed_without_a_cart_gets_a_seat_for_each_ticket(shop, plan):
    """API and box-office orders on a seated date take numbered seats too: the counter and
    the seat map never disagree."""
    from rideau.orders.services import Buyer, OrderLine, place_order

    order = place_order(
        shop.organizer,
        event=shop.event,
        lines=[OrderLine(rate=shop.full, quantity=2, date=shop.dates[0])],
        buyer=Buyer(email="box@example.org", name="Box Office"),
        channel="box_office",
        paid=True,
    )
    seats = SeatHold.objects.filter(hold__owner_ref=f"order:{order.pk}", active=True)
    assert seats.count() == 2
    assert {s.seat.row for s in seats} == {"A"}  # the best row first
    assert check_integrity()[1] == []

    # the back office shows each ticket's seat
    staff = Client()
    staff.force_login(member(shop.organizer, email="staff-seats@example.org"))
    page = staff.get(f"/control/{shop.organizer.slug}/orders/{order.pk}/").content.decode()
    for seat_hold in seats:
        assert f'<small class="seat-label">{seat_hold.seat.label}</small>' in page
