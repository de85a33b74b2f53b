"""The one home of the sales rules (`orders.sellable`): the read side shows exactly what the
write gate accepts, and the public-event lookup is the same for every surface."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from rideau.core.access import Actor
from rideau.events.models import Event
from rideau.inventory import services as inventory
from rideau.orders import sellable
from rideau.orders.errors import OrderError
from rideau.orders.services import OrderLine
from tests.factories import EventDateFactory, EventFactory, ProductFactory, RateFactory, member

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def world(organizer):
    event = EventFactory(organizer=organizer, slug="gala", visibility=Event.Visibility.PUBLIC)
    actor = Actor(user=member(organizer))
    dates = {
        "past": EventDateFactory(event=event, start=NOW - datetime.timedelta(days=2)),
        "now": EventDateFactory(event=event, start=NOW),
        "soon": EventDateFactory(event=event, start=NOW + datetime.timedelta(days=3)),
        "cancelled": EventDateFactory(
            event=event, start=NOW + datetime.timedelta(days=4), is_cancelled=True
        ),
    }
    ticket = ProductFactory(event=event, organizer=organizer, name={"en": "Ticket"})
    season = ProductFactory(event=event, organizer=organizer, kind="pass", name={"en": "Pass"})
    voucher = ProductFactory(
        event=event, organizer=organizer, kind="gift_voucher", name={"en": "Gift"}
    )
    rates = {
        "ticket": RateFactory(product=ticket, price=Decimal("20")),
        "pass": RateFactory(product=season, price=Decimal("90")),
        "gift": RateFactory(product=voucher, price=Decimal("50")),
    }
    for date in dates.values():
        inventory.create_quota(
            actor=actor, organizer=organizer, name=str(date.pk), size=9, date=date
        )
    return {"event": event, "dates": dates, "rates": rates}


def gate_accepts(world, date, rate) -> bool:
    try:
        sellable.check_lines(world["event"], [OrderLine(rate=rate, date=date)], NOW)
    except OrderError:
        return False
    return True


def test_the_read_side_offers_exactly_what_the_write_gate_accepts(world):
    offer = sellable.on_offer(world["event"], now=NOW, every_rate=True, cancelled=True)

    assert [d.pk for d in offer.dates] == [
        world["dates"]["soon"].pk,
        world["dates"]["cancelled"].pk,
    ]
    assert offer.rates == [world["rates"]["ticket"]]  # passes and gift vouchers: not here
    for date in world["dates"].values():
        for rate in world["rates"].values():
            offered = date in offer.dates and rate in offer.rates and offer.on_sale(date, rate)
            assert offered == gate_accepts(world, date, rate), (date, rate)


@pytest.mark.parametrize(
    ("date", "rate", "code"),
    [
        ("past", "ticket", "date_started"),
        ("now", "ticket", "date_started"),
        ("soon", "pass", "not_a_ticket"),
        ("soon", "gift", "not_a_ticket"),
        ("cancelled", "ticket", "date_cancelled"),
    ],
)
def test_the_write_gate_says_why(world, date, rate, code):
    line = OrderLine(rate=world["rates"][rate], date=world["dates"][date])

    with pytest.raises(OrderError) as refused:
        sellable.check_lines(world["event"], [line], NOW)

    assert refused.value.code == code


@pytest.mark.parametrize(
    ("visibility", "token", "opened", "found"),
    [
        (Event.Visibility.PUBLIC, "", (), True),
        (Event.Visibility.DRAFT, "", (), False),
        (Event.Visibility.PRIVATE, "", (), False),
        (Event.Visibility.PRIVATE, "wrong", (), False),
        (Event.Visibility.PRIVATE, "right", (), True),
        (Event.Visibility.PRIVATE, "", "opened", True),
    ],
)
def test_one_public_event_lookup(organizer, visibility, token, opened, found):
    event = EventFactory(organizer=organizer, slug="gala", visibility=visibility)
    token = event.private_token if token == "right" else token
    opened = [event.pk] if opened else []

    result = sellable.public_event(organizer.slug, "gala", token=token, opened=opened)

    assert (result == event) is found


def test_the_widget_lists_no_pass_and_no_started_date(client: Client, world):
    response = client.get(f"/{world['event'].organizer.slug}/gala/widget/")

    assert response.status_code == 200
    assert [d.pk for d in response.context["dates"]] == [world["dates"]["soon"].pk]
    assert [rate for _product, rate in response.context["rates"]] == [world["rates"]["ticket"]]


def test_the_overview_uses_the_same_windows(world):
    from rideau.orders.overview import SalesState, sales_windows

    dates = [world["dates"]["past"], world["dates"]["soon"]]
    windows = sales_windows(world["event"], dates, now=NOW)

    states = {w.rate.pk: w.state for w in windows.rates}
    assert states[world["rates"]["ticket"].pk] == SalesState.OPEN
    assert states[world["rates"]["pass"].pk] == SalesState.INACTIVE  # not sold as a ticket
    assert [w.state for w in windows.dates] == [SalesState.CLOSED, SalesState.OPEN]
    assert windows.dates[0].closes == world["dates"]["past"].start
