"""Shared setup for the capacity engine tests: a show with a date, a product and rates."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from rideau.catalog.models import Product, Rate
from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate
from rideau.venues.models import Location, Seat, SeatingPlan
from tests.factories import (
    EventDateFactory,
    EventFactory,
    LocationFactory,
    ProductFactory,
    RateFactory,
    SeatFactory,
    SeatingPlanFactory,
    VenueFactory,
)

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)


@dataclass
class Show:
    organizer: Organizer
    event: Event
    date: EventDate
    product: Product
    full: Rate
    reduced: Rate


@pytest.fixture
def show(organizer) -> Show:
    event = EventFactory(organizer=organizer)
    product = ProductFactory(event=event)
    return Show(
        organizer=organizer,
        event=event,
        date=EventDateFactory(event=event, start=timezone.now() + datetime.timedelta(days=30)),
        product=product,
        full=RateFactory(product=product),
        reduced=RateFactory(product=product, name={"en": "Reduced"}),
    )


def seated_plan(organizer: Organizer, rows: dict[str, int]) -> SeatingPlan:
    """A layout with a seating plan: `rows` maps a row name to its number of seats."""
    venue = VenueFactory(organizer=organizer)
    room = LocationFactory(venue=venue, kind=Location.Kind.ROOM, name="Hall")
    layout = LocationFactory(venue=venue, parent=room, kind=Location.Kind.LAYOUT, name="Seated")
    plan = SeatingPlanFactory(location=layout, name="Seated hall")
    for order, (row, count) in enumerate(rows.items()):
        for number in range(1, count + 1):
            SeatFactory(plan=plan, row=row, number=number, row_order=order)
    return plan


def seat(plan: SeatingPlan, row: str, number: int) -> Seat:
    return Seat.objects.get(plan=plan, row=row, number=number)
