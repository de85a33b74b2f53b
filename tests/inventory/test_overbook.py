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
    assert HoldQuota.objects.get(hold=hold).overbooked == 1
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
    assert HoldQuota.objects.get(hold=hold).overbooked == 0


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


def test_a_group_beyond_a_nearly_full_quota_counts_only_the_places_that_do_not_fit(show, actor):
    hall = QuotaFactory(date=show.date, size=5)
    sell(show, quantity=3)

    group = overbook(show, actor, quantity=3)  # 2 places free: 1 beyond

    assert counters(hall) == (5, 6, 1)
    assert HoldQuota.objects.get(hold=group).overbooked == 1
    assert queries.check_integrity() == (1, [])
    with transaction.atomic():
        services.release([group], actor=None, now=NOW)
    assert counters(hall) == (5, 3, 0)
    assert queries.check_integrity() == (1, [])


def test_several_holds_beyond_share_the_places_that_fit_in_order(show, actor):
    hall = QuotaFactory(date=show.date, size=4)
    sell(show, quantity=1)

    with transaction.atomic():
        first, second = services.overbook(
            organizer=show.organizer,
            items=[
                HoldRequest(quantity=2, date=show.date),
                HoldRequest(quantity=3, date=show.date),
            ],
            actor=actor,
            reason="School groups",
            owner_ref="order:staff",
            now=NOW,
        )

    assert counters(hall) == (4, 6, 2)  # 3 free: the first group fits, 1 of the second
    links = HoldQuota.objects.filter(quota=hall, hold__in=[first, second])
    assert dict(links.values_list("hold_id", "overbooked")) == {first.pk: 0, second.pk: 2}
    assert queries.check_integrity() == (1, [])


def test_a_split_group_keeps_its_places_beyond_and_gives_them_back_one_by_one(show, actor):
    hall = QuotaFactory(date=show.date, size=4)
    sell(show, quantity=2)
    group = overbook(show, actor, quantity=3)  # 2 free: 1 beyond
    assert counters(hall) == (4, 5, 1)

    with transaction.atomic():
        holds = services.split(group)

    assert [HoldQuota.objects.get(hold=h).overbooked for h in holds] == [0, 0, 1]
    assert queries.check_integrity() == (1, [])
    with transaction.atomic():
        services.release([holds[2]], actor=None, now=NOW)
    assert counters(hall) == (4, 4, 0)
    with transaction.atomic():
        services.release(holds[:2], actor=None, now=NOW)
    assert counters(hall) == (4, 2, 0)
    assert queries.check_integrity() == (1, [])


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_counts_every_place_of_a_link_marked_beyond(show, actor):
    """Before 0010 a link said only *whether* its hold went beyond the size; then all of
    its places had. The upgrade counts them, and (on PostgreSQL) the engine's one-statement
    take writes the new kind of link."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    hall = QuotaFactory(date=show.date, size=1)
    sell(show)
    group = overbook(show, actor, quantity=3)
    assert counters(hall) == (1, 4, 3)

    executor = MigrationExecutor(connection)
    old = executor.migrate([("inventory", "0009_hold_kind_kept")]).apps
    assert old.get_model("inventory", "HoldQuota").objects.get(hold_id=group.pk).overbooked is True
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert HoldQuota.objects.get(hold=group).overbooked == 3
    assert queries.check_integrity() == (1, [])
    hall.size = 10
    hall.save(update_fields=["size"])
    placed = sell(show, owner="order:2", quantity=2)
    assert HoldQuota.objects.get(hold=placed).overbooked == 0
    assert counters(hall) == (10, 6, 3)
    assert queries.check_integrity() == (1, [])
