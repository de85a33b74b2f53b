"""Kinds of hold as a field, and the forecast of places coming back."""

import datetime

import pytest
from django.db import transaction

from rideau.inventory import queries, services
from rideau.inventory.models import Hold, kind_of_owner
from rideau.inventory.services import HoldRequest
from tests.factories import QuotaFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db


def take(show, owner, *, minutes=None, quantity=1, kind=None):
    with transaction.atomic():
        [hold] = services.take(
            organizer=show.organizer,
            items=[HoldRequest(quantity=quantity, date=show.date)],
            expires_at=None if minutes is None else NOW + datetime.timedelta(minutes=minutes),
            owner_ref=owner,
            now=NOW,
            kind=kind,
        )
    return hold


@pytest.mark.parametrize(
    ("owner", "kind"),
    [
        ("cart:abc", "cart"),
        ("order:12", "order"),
        ("offer:alice", "offer"),
        ("reservation:9", "reservation"),
        ("prehold:sub-3", "prehold"),
        ("option:staff", "option"),
        ("overbooked:x", "order"),  # only an override makes an overbooked hold
        ("demo:gala", "order"),
    ],
)
def test_the_old_owner_conventions_map_to_kinds(owner, kind):
    assert kind_of_owner(owner) == kind


def test_holds_carry_their_kind_through_their_life(show, actor):
    QuotaFactory(date=show.date, size=1)
    cart = take(show, "cart:abc", minutes=10)
    assert cart.kind == Hold.Kind.CART

    services.extend(
        [cart],
        expires_at=NOW + datetime.timedelta(minutes=30),
        owner_ref="order:1",
        kind=Hold.Kind.ORDER,
        now=NOW,
    )
    services.transfer([cart], owner_ref="reservation:2", kind=Hold.Kind.RESERVATION, now=NOW)
    with transaction.atomic():
        [extra] = services.overbook(
            organizer=show.organizer,
            items=[HoldRequest(quantity=1, date=show.date)],
            actor=actor,
            reason="Press",
            owner_ref="order:press",
            now=NOW,
        )

    assert Hold.objects.get(pk=cart.pk).kind == Hold.Kind.RESERVATION
    assert extra.kind == Hold.Kind.OVERBOOKED
    assert list(queries.live_holds(show.organizer, kind="overbooked")) == [extra]


def test_the_forecast_lists_places_coming_back_by_hour_quota_and_kind(show):
    hall = QuotaFactory(date=show.date, size=50, name="Hall")
    take(show, "cart:a", minutes=10, quantity=2)
    take(show, "cart:b", minutes=20, quantity=1)
    take(show, "offer:alice", minutes=90, quantity=1)
    take(show, "order:1", quantity=5)  # confirmed: not coming back
    take(show, "cart:gone", minutes=1)  # past its deadline at the time asked: free already

    forecast = queries.coming_back(
        organizer=show.organizer, event=show.event, now=NOW + datetime.timedelta(minutes=2)
    )

    noon, one = NOW.replace(minute=0), NOW.replace(hour=13, minute=0)
    assert [(f.at, f.quota, f.kind, f.places) for f in forecast] == [
        (noon, "Hall", "cart", 3),
        (one, "Hall", "offer", 1),
    ]
    assert all(f.quota_id == hall.pk for f in forecast)


@pytest.mark.parametrize("kind", ["overbooked", "gift"])
def test_take_refuses_kinds_it_does_not_make(show, kind):
    from rideau.inventory.errors import InventoryError

    QuotaFactory(date=show.date, size=5)

    with pytest.raises(InventoryError) as err:
        take(show, "order:1", kind=kind)

    assert (err.value.code, err.value.field) == ("invalid_item", "kind")
