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
    plan: SeatingPlan | None
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


def make_world(organizer, actor, *, events=3, rows=None, quota=100, seated=True) -> World:
    plan = seated_plan(organizer, rows or {"A": 5, "B": 5}) if seated else None
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
            event=event,
            start=start + datetime.timedelta(days=7 * i),
            location=plan.location if plan else None,
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
            choices=min(2, events),
            rates=[services.RateInput(name="Full", price=Decimal("40.00"))],
            resale_methods=["credit", "transfer"],
        ),
    )
    return World(organizer, season, plan, evs, dates, automatic, choice)


@pytest.fixture
def world(organizer, actor) -> World:
    return make_world(organizer, actor)


def cross_org_objects(organizer, user) -> dict:
    """One of each passes object of `organizer`, for the cross-organiser walk: a season, an
    automatic pass sold (with tickets), a ticket on resale, a renewal campaign, an update."""
    from rideau.core.access import Actor
    from rideau.orders.services import Buyer
    from rideau.passes import renewals, resale, updates

    actor = Actor(user=user)
    world = make_world(organizer, actor, events=2, seated=False)
    p = services.sell_pass(
        organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Canary", first_name="Private"),
        buyer=Buyer(email=f"holder@{organizer.slug}.example"),
        paid=True,
        provider="cash",
    )
    [listing] = resale.list_tickets(p, tickets=[p.tickets.first()], method="credit")
    next_season = services.create_season(
        organizer,
        actor=actor,
        name="Next",
        starts=world.season.ends,
        ends=world.season.ends + datetime.timedelta(days=200),
    )
    target = services.create_pass_product(
        organizer,
        actor=actor,
        data=services.PassProductInput(
            name="Next pass",
            season=next_season,
            events=world.events[:1],
            rates=[services.RateInput(name="Full", price=Decimal("10"))],
        ),
    )
    campaign = renewals.create_campaign(
        organizer,
        actor=actor,
        name="Renewal",
        from_product=world.automatic,
        to_products=[target],
    )
    job = updates.start_update(world.automatic, actor=actor)
    return {
        "passes.Season": world.season,
        "passes.PassProduct": world.automatic,
        "passes.Pass": p,
        "passes.PassTicket": p.tickets.first(),
        "passes.Resale": listing,
        "passes.RenewalCampaign": campaign,
        "passes.Renewal": campaign.renewals.first(),
        "core.Job": job,  # "Update the passes", a kind of core.jobs
    }


@pytest.fixture
def next_season(world, organizer, actor):
    """A later season of two events in the same room (same seating plan), with an automatic
    pass: (its pass product, its dates)."""
    start = world.dates[-1].start + datetime.timedelta(days=120)
    season = services.create_season(
        organizer,
        actor=actor,
        name="2027–28",
        starts=start.date(),
        ends=(start + datetime.timedelta(days=200)).date(),
    )
    events, dates = [], []
    for i in range(2):
        event = EventFactory(organizer=organizer, name={"en": f"New play {i}"})
        date = EventDateFactory(
            event=event,
            start=start + datetime.timedelta(days=7 * i),
            location=world.plan.location,  # the same room, the same seating plan
        )
        QuotaFactory(date=date, size=100)
        events.append(event)
        dates.append(date)
    product = services.create_pass_product(
        organizer,
        actor=actor,
        data=services.PassProductInput(
            name="Season pass 27",
            season=season,
            events=events,
            rates=[services.RateInput(name="Full", price=Decimal("95.00"))],
        ),
    )
    return product, dates
