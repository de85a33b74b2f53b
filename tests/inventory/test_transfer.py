"""Transfer: places change owner without ever being free; the old owner cannot free them."""

import datetime

import pytest
from django.db import transaction

from rideau.core.models import AuditLogEntry
from rideau.inventory import queries, services
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota
from rideau.inventory.services import HoldRequest
from rideau.orders import services as orders
from rideau.orders.services import Buyer, OrderLine
from tests.factories import QuotaFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db


def take(show, owner, minutes=None):
    with transaction.atomic():
        [hold] = services.take(
            organizer=show.organizer,
            items=[HoldRequest(quantity=1, date=show.date)],
            expires_at=None if minutes is None else NOW + datetime.timedelta(minutes=minutes),
            owner_ref=owner,
            now=NOW,
        )
    return hold


def test_a_confirmed_place_changes_owner_without_being_free(show, actor):
    hall = QuotaFactory(date=show.date, size=1)
    hold = take(show, "order:1")

    services.transfer([hold], owner_ref="order:2", from_owner="order:1", actor=actor, now=NOW)

    hold.refresh_from_db()
    assert (hold.owner_ref, hold.state) == ("order:2", Hold.State.CONFIRMED)
    assert Quota.objects.get(pk=hall.pk).taken == 1
    entry = AuditLogEntry.objects.get(action="hold.transferred")
    assert (entry.before, entry.after["owner_ref"]) == ({"owner_ref": "order:1"}, "order:2")


def test_the_previous_owner_can_no_longer_release_it(show):
    QuotaFactory(date=show.date, size=1)
    hold = take(show, "order:1")
    services.transfer([hold], owner_ref="order:2", now=NOW)

    assert services.release([hold], owner_ref="order:1", now=NOW) == 0
    assert services.release([hold], owner_ref="order:2", now=NOW) == 1


def test_a_held_place_moves_with_a_new_deadline(show):
    QuotaFactory(date=show.date, size=1)
    hold = take(show, "cart:a", minutes=10)
    later = NOW + datetime.timedelta(minutes=60)

    services.transfer([hold], owner_ref="reservation:7", expires_at=later, now=NOW)

    hold.refresh_from_db()
    assert (hold.state, hold.expires_at) == (Hold.State.HELD, later)


@pytest.mark.parametrize("ending", ["released", "expired", "not_mine"])
def test_places_no_longer_live_or_not_the_senders_are_refused(show, ending):
    QuotaFactory(date=show.date, size=1)
    hold = take(show, "cart:a", minutes=10)
    now = NOW
    if ending == "released":
        services.release([hold], now=NOW)
    elif ending == "expired":
        now = NOW + datetime.timedelta(minutes=11)

    with pytest.raises(InventoryError) as err:
        services.transfer(
            [hold],
            owner_ref="order:2",
            from_owner="someone-else" if ending == "not_mine" else None,
            now=now,
        )

    assert (
        err.value.code
        == {"released": "hold_released", "expired": "hold_expired", "not_mine": "hold_released"}[
            ending
        ]
    )
    assert Hold.objects.get(pk=hold.pk).owner_ref == "cart:a"


def test_cancelling_the_sellers_order_leaves_a_transferred_ticket(show, actor):
    QuotaFactory(date=show.date, size=5)
    order = orders.place_order(
        show.organizer,
        event=show.event,
        lines=[OrderLine(rate=show.full, quantity=2, date=show.date)],
        buyer=Buyer(email="seller@example.net"),
        paid=True,
    )
    sold, kept = [p.hold for p in order.positions.order_by("pk")]

    services.transfer([sold], owner_ref="order:buyer", from_owner=f"order:{order.pk}", actor=actor)
    orders.cancel_order(order, actor=actor)

    sold.refresh_from_db()
    kept.refresh_from_db()
    assert (sold.state, kept.state) == (Hold.State.CONFIRMED, Hold.State.RELEASED)
    assert queries.check_integrity() == (1, [])
