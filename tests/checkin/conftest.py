"""A world for ticket control: one event with two dates and two products, paid orders made
through `rideau.orders.services.place_order` (as the box office does), and a check-in list."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from rideau.checkin import services
from rideau.checkin.models import CheckinList
from rideau.core.access import Actor
from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate
from rideau.inventory import services as inventory
from rideau.orders import services as orders
from rideau.orders.models import Order, Position
from rideau.orders.services import Buyer, OrderLine
from tests.factories import EventDateFactory, EventFactory, ProductFactory, RateFactory

NOW = timezone.now()


@dataclass
class World:
    organizer: Organizer
    actor: Actor
    event: Event
    first: EventDate
    second: EventDate
    full: object  # Rate of the "Standard" product
    vip: object  # Rate of the "VIP" product
    checkin_list: CheckinList

    def order(self, *, rate=None, date=None, quantity=1, paid=True, email="ana@example.net"):
        return orders.place_order(
            self.organizer,
            event=self.event,
            lines=[OrderLine(rate=rate or self.full, date=date or self.first, quantity=quantity)],
            buyer=Buyer(email=email, name="Ana Lopez"),
            paid=paid,
            provider="cash" if paid else "",
            channel="box_office",
            now=NOW,
        )

    def ticket(self, **kwargs) -> Position:
        return self.order(**kwargs).positions.get()


def make_world(organizer: Organizer, actor: Actor, **list_kwargs) -> World:
    event = EventFactory(organizer=organizer, name={"en": "Cyrano"})
    # the first date is tonight: its tickets enter a list of every date today
    first = EventDateFactory(event=event, start=NOW + datetime.timedelta(hours=2))
    second = EventDateFactory(event=event, start=NOW + datetime.timedelta(days=11))
    standard = ProductFactory(event=event, organizer=organizer, name={"en": "Standard"})
    vip = ProductFactory(event=event, organizer=organizer, name={"en": "VIP"})
    for date in (first, second):
        inventory.create_quota(actor=actor, organizer=organizer, name="Hall", size=50, date=date)
    checkin_list = services.create_checkin_list(
        actor=actor, organizer=organizer, event=event, name="Main entrance", **list_kwargs
    )
    return World(
        organizer=organizer,
        actor=actor,
        event=event,
        first=first,
        second=second,
        full=RateFactory(product=standard, price=Decimal("25.00")),
        vip=RateFactory(product=vip, price=Decimal("60.00")),
        checkin_list=checkin_list,
    )


@pytest.fixture
def world(organizer, actor) -> World:
    return make_world(organizer, actor)


__all__ = ["NOW", "Order", "World", "make_world"]
