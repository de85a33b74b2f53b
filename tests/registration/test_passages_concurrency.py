"""Attendees racing on PostgreSQL for two event passes that share a small workshop: the
workshop is never overbooked, and a refused pass keeps nothing (no event place, no other
session's place). The control run replaces the engine's take with a naive read, check and
later write, item by item: the same race overbooks the workshop."""

import datetime
import time
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rideau.core.errors import RideauError
from rideau.events.models import Event
from rideau.inventory import hooks
from rideau.inventory import services as engine
from rideau.inventory.models import Hold, HoldQuota, Quota
from rideau.inventory.queries import check_integrity, find_quotas
from rideau.registration import holds, passages, services
from rideau.registration.models import Registration
from tests.factories import EventFactory
from tests.inventory.test_concurrency import run_buyers

from .conftest import make_session

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]

RACERS = 40
WORKSHOP = 5


@pytest.fixture
def summit(organizer, actor):
    event = EventFactory(organizer=organizer, kind=Event.Kind.ONSITE, visibility="public")
    Quota.objects.create(organizer=organizer, event=event, name="Summit", size=1000)
    keynote = make_session(event, actor, hours=(0, 1), capacity=100, title="Keynote")
    workshop = make_session(event, actor, hours=(2, 3), capacity=WORKSHOP, title="Workshop")
    closing = make_session(event, actor, hours=(4, 5), capacity=100, title="Closing")
    event.workshop, event.keynote, event.closing = workshop, keynote, closing
    event.morning = passages.create_passage(
        event, actor=actor, name="Morning", sessions=[keynote, workshop]
    )
    event.afternoon = passages.create_passage(
        event, actor=actor, name="Afternoon", sessions=[workshop, closing]
    )
    return event


def _register(summit, i: int) -> str:
    passage = summit.morning if i % 2 else summit.afternoon
    try:
        services.register_event(summit, email=f"racer{i}@example.org", passage=passage.pk)
    except RideauError as exc:
        return exc.code
    return "ok"


def _taken(session_or_event) -> int:
    if isinstance(session_or_event, Event):
        return Quota.objects.get(event=session_or_event, session=None).taken
    return Quota.objects.get(session=session_or_event).taken


def test_racers_for_two_passes_never_overbook_and_a_refused_pass_keeps_nothing(summit):
    results = run_buyers(lambda i: _register(summit, i), n=RACERS)

    assert results.count("ok") == WORKSHOP
    assert results.count("full") == RACERS - WORKSHOP
    registered = Registration.objects.filter(event=summit, state="registered")
    assert registered.filter(session=summit.workshop).count() == WORKSHOP
    assert registered.filter(session=None).count() == WORKSHOP
    morning = registered.filter(session=None, passage=summit.morning).count()
    assert _taken(summit) == WORKSHOP  # no event place kept by a refused pass
    assert _taken(summit.workshop) == WORKSHOP
    assert (_taken(summit.keynote), _taken(summit.closing)) == (morning, WORKSHOP - morning)
    assert check_integrity()[1] == []


def test_control_a_naive_take_item_by_item_overbooks_the_workshop(summit, monkeypatch):
    def naive_take(*, organizer, items, owner_ref, now=None, actor=None, **_ignored):
        # read and check every counter first, write later: no lock, no conditional update
        checked = []
        for item in items:
            quotas = list(find_quotas(organizer=organizer, session=item.session, event=item.event))
            for quota in quotas:
                if quota.taken + item.quantity > quota.size:
                    raise engine.InventoryError("sold_out", quota=quota.name)
            checked.append((item, quotas))
        time.sleep(0.005)  # other work between the check and the write
        holds = []
        for item, quotas in checked:
            hold = Hold.objects.create(
                organizer_id=organizer.pk,
                owner_ref=owner_ref,
                quantity=item.quantity,
                session=item.session,
                state=Hold.State.CONFIRMED,
            )
            for quota in quotas:
                HoldQuota.objects.create(hold=hold, quota=quota)
                Quota.objects.filter(pk=quota.pk).update(taken=quota.taken + item.quantity)
            holds.append(hold)
        return holds

    # the places a registration keeps are taken through `holds`
    monkeypatch.setattr(holds, "engine", SimpleNamespace(take=naive_take, overbook=engine.overbook))
    results = run_buyers(lambda i: _register(summit, i), n=RACERS)

    workshop = Registration.objects.filter(session=summit.workshop, state="registered")
    assert workshop.count() > WORKSHOP
    assert results.count("ok") > WORKSHOP


# --- a pass's places freed while people wait with it in the event's waitlist ------------


def _expired_pass_offer(organizer, actor):
    """An event without an event-wide capacity, a one-place workshop in pass "Morning". Ada
    holds the workshop with the pass and cancels: Cy, first in the event's waitlist with
    the pass, is offered its places; Dan waits behind with the same pass. Cy's offer has
    just expired (its holds not reclaimed yet)."""
    event = EventFactory(organizer=organizer, kind=Event.Kind.ONSITE, visibility="public")
    keynote = make_session(event, actor, hours=(0, 1), capacity=100, title="Keynote")
    workshop = make_session(event, actor, hours=(2, 3), capacity=1, title="Workshop")
    morning = passages.create_passage(
        event, actor=actor, name="Morning", sessions=[keynote, workshop]
    )
    ada = services.register_event(event, email="ada@example.org", passage=morning)
    cy = services.join_waitlist(event, email="cy@example.org", passage=morning)
    services.cancel(ada)
    cy.refresh_from_db()
    assert cy.state == "offered"
    dan = services.join_waitlist(event, email="dan@example.org", passage=morning)
    Hold.objects.filter(owner_ref=f"offer:{cy.pk}").update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    return event, morning, workshop, dan


def _newcomers(event, morning) -> list[str]:
    def one(i: int) -> str:
        if i == RACERS // 2:  # the periodic job runs in the middle of the rush
            with transaction.atomic():
                engine.release_expired_holds()
            return "job"
        try:
            services.register_event(event, email=f"new{i}@example.org", passage=morning)
        except RideauError as exc:
            return exc.code
        return "ok"

    results = run_buyers(one, n=RACERS + 1)
    engine.release_expired_holds()
    return results


def test_a_pass_place_freed_goes_to_the_event_waitlist_with_the_pass_not_to_newcomers(
    organizer, actor
):
    event, morning, workshop, dan = _expired_pass_offer(organizer, actor)

    results = _newcomers(event, morning)

    assert results.count("ok") == 0
    dan.refresh_from_db()
    assert dan.state == "offered"  # the event's place and every session's of the pass
    assert Hold.objects.filter(owner_ref=f"offer:{dan.pk}", state="held").count() == 2
    assert _taken(workshop) == 1
    assert check_integrity()[1] == []


def test_control_without_the_hook_and_gate_a_newcomer_takes_the_pass_place(
    organizer, actor, monkeypatch
):
    event, morning, workshop, dan = _expired_pass_offer(organizer, actor)
    monkeypatch.setattr(hooks, "_gates", [])
    monkeypatch.setattr(hooks, "_listeners", [])

    results = _newcomers(event, morning)

    assert results.count("ok") == 1
    dan.refresh_from_db()
    assert dan.state == "waiting"
    assert _taken(workshop) == 1
    assert check_integrity()[1] == []


# --- buyers racing for a ticket sold with a pass (ADR 0023) -------------------------------


def _sold_with_a_pass(organizer, actor):
    from decimal import Decimal

    from tests.factories import ProductFactory, RateFactory

    event = EventFactory(organizer=organizer, kind=Event.Kind.ONSITE, visibility="public")
    Quota.objects.create(organizer=organizer, event=event, name="Summit", size=1000)
    workshop = make_session(event, actor, hours=(2, 3), capacity=WORKSHOP, title="Workshop")
    product = ProductFactory(event=event, organizer=organizer, max_per_order=1)
    rate = RateFactory(product=product, price=Decimal("10.00"))
    passages.create_passage(
        event, actor=actor, name="Workshop day", sessions=[workshop], products=[product]
    )
    rate.product.refresh_from_db()
    return event, rate, workshop


def _buyers(event, rate) -> list[str]:
    from rideau.orders.services import Buyer, OrderLine, place_order

    def one(i: int) -> str:
        try:
            place_order(
                event.organizer,
                event=event,
                lines=[OrderLine(rate=rate, quantity=1)],
                buyer=Buyer(email=f"buyer{i}@example.org"),
                channel="box_office",
                provider="cash",
                paid=True,
            )
        except RideauError as exc:
            return exc.code
        return "ok"

    return run_buyers(one, n=RACERS)


def test_buyers_racing_for_a_ticket_sold_with_a_pass_never_overbook_its_session(organizer, actor):
    from rideau.orders.models import Order

    event, rate, workshop = _sold_with_a_pass(organizer, actor)

    results = _buyers(event, rate)

    assert results.count("ok") == WORKSHOP
    assert results.count("sold_out") == RACERS - WORKSHOP
    assert Order.objects.filter(event=event).count() == WORKSHOP  # no order without its session
    assert Registration.objects.filter(session=workshop, state="registered").count() == WORKSHOP
    assert _taken(workshop) == WORKSHOP
    assert check_integrity()[1] == []


def test_control_without_the_companion_tickets_sell_past_the_session(organizer, actor, monkeypatch):
    from rideau.orders import hooks as order_hooks
    from rideau.orders.models import Order

    event, rate, workshop = _sold_with_a_pass(organizer, actor)
    monkeypatch.setattr(order_hooks, "_companions", [])

    results = _buyers(event, rate)

    assert results.count("ok") == RACERS
    assert Order.objects.filter(event=event).count() == RACERS > WORKSHOP
    assert _taken(workshop) == 0  # the tickets grant no session at all
