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


def test_a_date_no_quota_applies_to_is_not_on_sale(world):
    """Regression: the API's availability said such a date was on sale (its windows are
    open) while every order on it was refused (no_quota)."""
    bare = EventDateFactory(event=world["event"], start=NOW + datetime.timedelta(days=5))
    rate = world["rates"]["ticket"]

    offer = sellable.on_offer(world["event"], now=NOW, every_rate=True)

    assert offer.date_on_sale(bare)  # its windows are open…
    assert offer.left(bare, rate) is None  # …but no quota applies
    assert not offer.on_sale(bare, rate)
    assert not offer.date_sold(bare)
    assert offer.date_sold(world["dates"]["soon"])


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


def test_the_compiled_shop_shape_offers_what_the_orm_one_does(world, organizer):
    """`on_offer` with its defaults (the tickets step, the pages) runs compiled queries;
    with `every_rate` and `cancelled` the ORM's: the same rates and dates, filtered alike."""
    event = world["event"]
    ticket = world["rates"]["ticket"].product
    RateFactory(product=ticket, active=False)
    RateFactory(product=ProductFactory(event=event, organizer=organizer, active=False))
    RateFactory(product=ticket, audience_restricted=True)
    later = RateFactory(product=ticket, price=Decimal("15"))
    shop = sellable.on_offer(event, now=NOW)
    general = sellable.on_offer(event, now=NOW, every_rate=True, cancelled=True)
    assert shop.rates == [world["rates"]["ticket"], later]
    assert shop.rates == [
        rate
        for rate in general.rates
        if rate.active and rate.product.active and sellable.rate_on_sale(rate, NOW)
    ]
    assert shop.dates == [date for date in general.dates if not date.is_cancelled]
    assert shop.dates == [world["dates"]["soon"]]
    assert shop.dates[0].event is event and shop.rates[0].product == ticket
    assert shop.grid[(world["dates"]["soon"].pk, later.pk)] == 9
    assert shop.grid == {
        key: n
        for key, n in general.grid.items()
        if key[1] in {r.pk for r in shop.rates} and key[0] in {d.pk for d in shop.dates}
    }
