"""A season of seated events with an automatic and a choice pass (SPEC D1)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from rideau.catalog.models import Rate
from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate
from rideau.passes import services
from rideau.passes.models import PassProduct, Season
from rideau.venues.models import SeatingPlan
from tests.factories import EventDateFactory, EventFactory, QuotaFactory
from tests.inventory.conftest import seated_plan


@dataclass
class World:
    organizer: Organizer
    season: Season
    plan: SeatingPlan
    events: list[Event]
    dates: list[EventDate]
    automatic: PassProduct
    choice: PassProduct

    @property
    def auto_rate(self) -> Rate:
        return self.automatic.product.rates.get(position=0, name__en="Full")

    @property
    def choice_rate(self) -> Rate:
        return self.choice.product.rates.get(name__en="Full")


def make_world(organizer, actor, *, events=3, rows=None, quota=100) -> World:
    plan = seated_plan(organizer, rows or {"A": 5, "B": 5})
    start = timezone.now() + datetime.timedelta(days=20)
    season = services.create_season(
        organizer,
        actor=actor,
        name="2026–27",
        starts=start.date(),
        ends=(start + datetime.timedelta(days=300)).date(),
    )
    evs, dates = [], []
    for i in range(events):
        event = EventFactory(organizer=organizer, name={"en": f"Play {i}"})
        date = EventDateFactory(
            event=event, start=start + datetime.timedelta(days=7 * i), location=plan.location
        )
        QuotaFactory(date=date, size=quota)
        evs.append(event)
        dates.append(date)
    season.events.set(evs)
    automatic = services.create_pass_product(
        organizer,
        actor=actor,
        data=services.PassProductInput(
            name="Season pass",
            season=season,
            events=evs,
            rates=[services.RateInput(name="Full", price=Decimal("90.00"))],
            holder_fields=["last_name", "first_name", "email", "mobile", "photo"],
            resale_methods=["donate", "transfer", "credit"],
        ),
    )
    choice = services.create_pass_product(
        organizer,
        actor=actor,
        data=services.PassProductInput(
            name="Pick 2",
            season=season,
            events=evs,
            mode=PassProduct.Mode.CHOICE,
            choices=2,
            rates=[services.RateInput(name="Full", price=Decimal("40.00"))],
            resale_methods=["credit", "transfer"],
        ),
    )
    return World(organizer, season, plan, evs, dates, automatic, choice)


@pytest.fixture
def world(organizer, actor) -> World:
    return make_world(organizer, actor)
