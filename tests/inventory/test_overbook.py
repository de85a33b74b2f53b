"""Staff overbooking: an explicit, audited override beyond a quota's size, counted apart."""

import pytest
from django.db import transaction

from rideau.core.access import Actor
from rideau.core.errors import PermissionDenied, ValidationFailed
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.inventory import hooks, queries, services
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import HoldQuota, Quota
from rideau.inventory.services import HoldRequest
from tests.factories import QuotaFactory, member

from .conftest import NOW

pytestmark = pytest.mark.django_db


def sell(show, owner="order:1", quantity=1):
    with transaction.atomic():
        [hold] = services.take(
            organizer=show.organizer,
            items=[HoldRequest(quantity=quantity, date=show.date)],
            expires_at=None,
            owner_ref=owner,
            now=NOW,
        )
    return hold


def overbook(show, actor, quantity=1, reason="Wheelchair companion"):
    with transaction.atomic():
        [hold] = services.overbook(
            organizer=show.organizer,
            items=[HoldRequest(quantity=quantity, date=show.date)],
            actor=actor,
            reason=reason,
            owner_ref="order:staff",
            now=NOW,
        )
    return hold


def counters(quota) -> tuple[int, int, int]:
    quota.refresh_from_db()
    return quota.size, quota.taken, quota.overbooked


def test_staff_take_a_place_beyond_a_full_quota_counted_apart(show, actor):
    hall = QuotaFactory(date=show.date, size=2)
    sell(show, quantity=2)

    hold = overbook(show, actor)

    assert counters(hall) == (2, 3, 1)
    assert HoldQuota.objects.get(hold=hold).overbooked
    assert queries.check_integrity() == (1, [])
    note = AuditLogEntry.objects.get(action="hold.override")
    assert note.after["reason"] == "Wheelchair companion"
    assert note.actor == actor.user
    with pytest.raises(InventoryError) as err:
        sell(show, owner="order:2")
    assert err.value.code == "sold_out"


def test_an_override_with_room_left_is_an_ordinary_place(show, actor):
    hall = QuotaFactory(date=show.date, size=5)

    hold = overbook(show, actor, quantity=2)

    assert counters(hall) == (5, 2, 0)
    assert not HoldQuota.objects.get(hold=hold).overbooked


def test_places_freed_while_overbooked_produce_no_offer(show, actor):
    hall = QuotaFactory(date=show.date, size=2)
    first, second = sell(show, "order:1"), sell(show, "order:2")
    extra = overbook(show, actor)
    heard = []

    with hooks.listening(listener=heard.append):
        services.release([first], now=NOW)  # 2 of 2 still taken: nothing to offer
        assert heard == []
        services.release([extra], now=NOW)  # the overbooked place leaves: one free
        services.release([second], now=NOW)

    assert [f.room for f in heard] == [{hall.pk: 1}, {hall.pk: 2}]
    assert counters(hall) == (2, 0, 0)
    assert queries.check_integrity() == (1, [])


def test_an_override_needs_the_permission_and_a_reason(show, actor):
    QuotaFactory(date=show.date, size=0)
    box_office = Actor(user=member(show.organizer, Role.BOX_OFFICE))

    with pytest.raises(PermissionDenied):
        overbook(show, box_office)
    with pytest.raises(ValidationFailed) as err:
        overbook(show, actor, reason="  ")

    assert list(err.value.errors) == ["reason"]
    assert Quota.objects.get().taken == 0


def test_a_quota_shrinks_to_what_it_sells_but_not_below_its_sold_places(show, actor):
    hall = QuotaFactory(date=show.date, size=3)
    sell(show, quantity=3)
    overbook(show, actor)

    services.resize_quota(hall, size=3)  # 4 taken, 1 of them beyond: allowed
    with pytest.raises(InventoryError):
        services.resize_quota(hall, size=2)

    assert counters(hall) == (3, 4, 1)


def test_integrity_recounts_the_overbooked_places_and_repairs_them(show, actor):
    hall = QuotaFactory(date=show.date, size=1)
    sell(show)
    overbook(show, actor)
    Quota.objects.filter(pk=hall.pk).update(overbooked=2, taken=3)

    _checked, drifts = queries.check_integrity()
    repaired, left = services.repair_drifts()

    assert {(d.kind, d.stored, d.recounted) for d in drifts} == {
        ("quota", 3, 2),
        ("overbooked", 2, 1),
    }
    assert (len(repaired), left) == (2, [])
    assert counters(hall) == (1, 2, 1)
