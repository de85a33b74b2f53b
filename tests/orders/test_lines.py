"""Lines without places and orders without one event; the write gate respects Product.kind."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rideau.catalog.models import Event, Product
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota
from rideau.inventory.queries import check_integrity
from rideau.orders.errors import OrderError
from rideau.orders.services import Buyer, OrderLine, place_order
from tests.factories import (
    EventDateFactory,
    EventFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
)

pytestmark = pytest.mark.django_db
SOON = timezone.now() + datetime.timedelta(days=10)
BUYER = Buyer(email="ana@example.net")


def show(organizer, size=5):
    event = EventFactory(organizer=organizer, visibility=Event.Visibility.PUBLIC)
    date = EventDateFactory(event=event, start=SOON)
    quota = QuotaFactory(date=date, size=size)
    rate = RateFactory(product=ProductFactory(event=event))
    return event, date, quota, rate


def eventless(organizer, kind, price="30.00"):
    product = ProductFactory(event=None, organizer=organizer, kind=kind)
    return RateFactory(product=product, price=Decimal(price))


def test_a_gift_voucher_line_takes_no_place(organizer):
    event, date, quota, ticket = show(organizer)
    voucher = eventless(organizer, Product.Kind.GIFT_VOUCHER)

    order = place_order(
        organizer,
        event=event,
        lines=[OrderLine(rate=ticket, date=date), OrderLine(rate=voucher, quantity=2)],
        buyer=BUYER,
    )

    holds = [p.hold_id for p in order.positions.order_by("pk")]
    assert holds[0] is not None and holds[1:] == [None, None]
    assert Quota.objects.get(pk=quota.pk).taken == 1
    assert order.total == Decimal("85.00")
    assert check_integrity() == (1, [])


def test_an_order_of_gift_vouchers_only_needs_no_quota(organizer):
    voucher = eventless(organizer, Product.Kind.GIFT_VOUCHER)

    order = place_order(organizer, lines=[OrderLine(rate=voucher)], buyer=BUYER)

    assert (order.event_id, order.positions.get().hold_id) == (None, None)
    assert not Hold.objects.exists()


def test_an_order_of_several_events(organizer):
    _first, first_date, first_quota, first_rate = show(organizer)
    _second, second_date, second_quota, second_rate = show(organizer)

    order = place_order(
        organizer,
        lines=[
            OrderLine(rate=first_rate, date=first_date),
            OrderLine(rate=second_rate, quantity=2),  # its event's one date
        ],
        buyer=BUYER,
    )

    assert order.event_id is None
    assert [p.date_id for p in order.positions.order_by("pk")] == [
        first_date.pk,
        second_date.pk,
        second_date.pk,
    ]
    first_quota.refresh_from_db()
    second_quota.refresh_from_db()
    assert (first_quota.taken, second_quota.taken) == (1, 2)


def test_an_order_of_one_events_lines_keeps_its_event(organizer):
    event, date, _quota, rate = show(organizer)

    order = place_order(organizer, lines=[OrderLine(rate=rate, date=date)], buyer=BUYER)

    assert order.event_id == event.pk


def test_lines_of_another_organiser_are_refused(organizer, other_organizer):
    _event, date, _quota, rate = show(other_organizer)

    with pytest.raises(OrderError) as err:
        place_order(organizer, lines=[OrderLine(rate=rate, date=date)], buyer=BUYER)

    assert err.value.code == "invalid_rate"


def test_a_pass_is_never_sold_as_a_plain_ticket(organizer):
    """Regression: a product of kind pass was sold as an admission ticket for a date."""
    event, date, _quota, _rate = show(organizer)
    festival_pass = RateFactory(product=ProductFactory(event=event, kind=Product.Kind.PASS))

    with pytest.raises(OrderError) as err:
        place_order(
            organizer, event=event, lines=[OrderLine(rate=festival_pass, date=date)], buyer=BUYER
        )

    assert (err.value.code, err.value.field) == ("not_a_ticket", "rate")


def test_a_pass_takes_one_of_the_passes_on_sale(organizer):
    pass_rate = eventless(organizer, Product.Kind.PASS, price="120.00")
    passes = QuotaFactory(organizer=organizer, date=None, product=pass_rate.product, size=1)

    order = place_order(organizer, lines=[OrderLine(rate=pass_rate)], buyer=BUYER)
    with pytest.raises(InventoryError) as err:
        place_order(organizer, lines=[OrderLine(rate=pass_rate)], buyer=BUYER)

    assert order.positions.get().hold.quotas.get() == passes
    assert err.value.code == "sold_out"


def test_the_one_ticket_rush_path_costs_no_more_statements(organizer):
    event, date, _quota, rate = show(organizer, size=100)
    place_order(organizer, event=event, lines=[OrderLine(rate=rate, date=date)], buyer=BUYER)

    with CaptureQueriesContext(connection) as queries:
        place_order(organizer, event=event, lines=[OrderLine(rate=rate, date=date)], buyer=BUYER)

    # as before lines without places and orders of several events, plus the domain events row;
    # on PostgreSQL the contact, order, e-mail, domain event and the engine's part are one
    # statement (ADR 0020, tests/perf)
    assert len(queries) == (3 if connection.vendor == "postgresql" else 17)
