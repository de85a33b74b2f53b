"""take / confirm / release / expire / resize, and places counting against several quotas."""

import datetime

import pytest
from django.db import transaction

from rideau.core.errors import PermissionDenied, ValidationFailed
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.inventory import queries, services
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota
from rideau.inventory.services import HoldRequest
from tests.factories import (
    EventDateFactory,
    EventFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
    member,
)

from .conftest import NOW

LATER = NOW + datetime.timedelta(minutes=15)


def take(show, quantity=1, *, rate=None, expires_at=LATER, now=NOW, owner_ref="cart-1"):
    with transaction.atomic():
        return services.take(
            organizer=show.organizer,
            items=[HoldRequest(quantity=quantity, date=show.date, rate=rate or show.full)],
            expires_at=expires_at,
            owner_ref=owner_ref,
            now=now,
        )


def taken(quota: Quota) -> int:
    quota.refresh_from_db()
    return quota.taken


def test_take_counts_places_and_writes_a_temporary_hold(show):
    hall = QuotaFactory(date=show.date, size=10)

    [hold] = take(show, 3)

    assert taken(hall) == 3
    assert hold.state == Hold.State.HELD
    assert hold.expires_at == LATER
    assert hold.quantity == 3
    assert list(hold.quotas.values_list("pk", flat=True)) == [hall.pk]
    assert AuditLogEntry.objects.filter(action="hold.taken", object_id=str(hold.pk)).count() == 1


def test_take_without_deadline_is_confirmed_at_once(show):
    QuotaFactory(date=show.date, size=10)

    [hold] = take(show, 2, expires_at=None)

    assert hold.state == Hold.State.CONFIRMED
    assert hold.expires_at is None


def test_take_refuses_more_than_left_and_changes_nothing(show):
    hall = QuotaFactory(date=show.date, size=5, name="Hall")
    take(show, 4)

    with pytest.raises(InventoryError) as err:
        take(show, 2)

    assert err.value.code == "sold_out"
    assert err.value.params["quota"] == "Hall"
    assert err.value.status == 409
    assert err.value.message == "Not enough places left for “Hall”."
    assert taken(hall) == 4
    assert Hold.objects.count() == 1


def test_a_refusal_caught_by_the_caller_leaves_nothing_behind(show):
    hall = QuotaFactory(date=show.date, size=10, name="Hall")
    reduced = QuotaFactory(organizer=show.organizer, date=None, rate=show.reduced, size=1)

    with transaction.atomic():
        try:
            services.take(
                organizer=show.organizer,
                items=[
                    HoldRequest(quantity=2, date=show.date, rate=show.full),
                    HoldRequest(quantity=2, date=show.date, rate=show.reduced),
                ],
                expires_at=LATER,
                owner_ref="cart",
                now=NOW,
            )
        except InventoryError as exc:
            assert exc.code == "sold_out"
        [hold] = services.take(
            organizer=show.organizer,
            items=[HoldRequest(quantity=2, date=show.date, rate=show.full)],
            expires_at=LATER,
            owner_ref="cart",
            now=NOW,
        )

    assert list(Hold.objects.values_list("pk", flat=True)) == [hold.pk]
    assert (taken(hall), taken(reduced)) == (2, 0)
    assert AuditLogEntry.objects.filter(action="hold.taken").count() == 1
    assert queries.check_integrity() == (2, [])


def test_take_fills_a_quota_exactly(show):
    hall = QuotaFactory(date=show.date, size=5)

    take(show, 5)

    assert taken(hall) == 5
    with pytest.raises(InventoryError) as err:
        take(show, 1)
    assert err.value.code == "sold_out"


def test_a_place_counts_against_every_matching_quota(show):
    hall = QuotaFactory(date=show.date, size=300, name="Hall")
    reduced = QuotaFactory(
        organizer=show.organizer, date=show.date, rate=show.reduced, size=2, name="Reduced"
    )

    take(show, 2, rate=show.reduced)
    take(show, 5, rate=show.full)

    assert taken(hall) == 7
    assert taken(reduced) == 2
    with pytest.raises(InventoryError) as err:
        take(show, 1, rate=show.reduced)
    assert err.value.params["quota"] == "Reduced"
    assert taken(hall) == 7
    left = queries.availability(organizer=show.organizer, date=show.date, rate=show.full, now=NOW)
    assert left == 293
    left = queries.availability(
        organizer=show.organizer, date=show.date, rate=show.reduced, now=NOW
    )
    assert left == 0


def test_a_full_wide_quota_stops_the_narrow_one_too(show):
    hall = QuotaFactory(date=show.date, size=3, name="Hall")
    reduced = QuotaFactory(
        organizer=show.organizer, date=None, rate=show.reduced, size=50, name="Reduced"
    )
    take(show, 3, rate=show.full)

    with pytest.raises(InventoryError) as err:
        take(show, 1, rate=show.reduced)

    assert err.value.params["quota"] == "Hall"
    assert taken(hall) == 3
    assert taken(reduced) == 0


def test_find_quotas_matches_each_scope(show):
    other_date = EventDateFactory(event=show.event)
    other_event_date = EventDateFactory(event=EventFactory(organizer=show.organizer))
    per_event = QuotaFactory(organizer=show.organizer, date=None, event=show.event, size=900)
    per_date = QuotaFactory(date=show.date, size=300)
    per_rate = QuotaFactory(organizer=show.organizer, date=None, rate=show.reduced, size=50)
    per_product = QuotaFactory(organizer=show.organizer, date=None, product=show.product)
    QuotaFactory(date=other_date)
    QuotaFactory(date=other_event_date)

    found = queries.find_quotas(
        organizer=show.organizer, date=show.date, product=show.product, rate=show.reduced
    )
    assert list(found) == [per_event, per_date, per_rate, per_product]
    found = queries.find_quotas(organizer=show.organizer, date=show.date, rate=show.full)
    assert list(found) == [per_event, per_date, per_product]


def test_quotas_of_another_organiser_never_apply(show, other_organizer):
    QuotaFactory(organizer=other_organizer, date=show.date, size=10)

    with pytest.raises(InventoryError) as err:
        take(show, 1)

    assert err.value.code == "no_quota"
    assert Hold.objects.count() == 0


def test_items_of_another_organiser_are_refused(show, other_organizer):
    QuotaFactory(date=show.date, size=10)
    foreign_rate = RateFactory(
        product=ProductFactory(event=EventFactory(organizer=other_organizer))
    )

    with pytest.raises(InventoryError) as err, transaction.atomic():
        services.take(
            organizer=show.organizer,
            items=[HoldRequest(quantity=1, date=show.date, rate=foreign_rate)],
            expires_at=LATER,
            owner_ref="cart",
            now=NOW,
        )

    assert err.value.code == "invalid_item"
    assert Hold.objects.count() == 0


@pytest.mark.parametrize("quantity", [0, -1, 501, True])
def test_invalid_quantities_are_refused(show, quantity):
    QuotaFactory(date=show.date, size=1000)

    with pytest.raises(InventoryError) as err:
        take(show, quantity)

    assert err.value.code == "invalid_quantity"
    assert err.value.field == "quantity"
    assert err.value.message == "Choose between 1 and 500 places."
    assert Hold.objects.count() == 0


def test_a_deadline_in_the_past_is_refused(show):
    QuotaFactory(date=show.date, size=10)

    with pytest.raises(InventoryError) as err:
        take(show, 1, expires_at=NOW - datetime.timedelta(seconds=1))

    assert err.value.code == "invalid_expiry"


@pytest.mark.django_db(transaction=True)
def test_take_outside_a_transaction_is_a_programming_error():
    date = EventDateFactory()
    QuotaFactory(date=date, size=10)

    with pytest.raises(transaction.TransactionManagementError):
        services.take(
            organizer=date.event.organizer,
            items=[HoldRequest(quantity=1, date=date)],
            expires_at=None,
            owner_ref="x",
        )

    assert Hold.objects.count() == 0


def test_several_items_are_taken_together_or_not_at_all(show):
    hall = QuotaFactory(date=show.date, size=10, name="Hall")
    reduced = QuotaFactory(
        organizer=show.organizer, date=None, rate=show.reduced, size=1, name="Reduced"
    )

    with pytest.raises(InventoryError), transaction.atomic():
        services.take(
            organizer=show.organizer,
            items=[
                HoldRequest(quantity=3, date=show.date, rate=show.full),
                HoldRequest(quantity=2, date=show.date, rate=show.reduced),
            ],
            expires_at=LATER,
            owner_ref="cart",
            now=NOW,
        )

    assert taken(hall) == 0
    assert taken(reduced) == 0
    assert Hold.objects.count() == 0
    holds = take(show, 1, rate=show.reduced)
    assert taken(hall) == 1
    assert [h.quantity for h in holds] == [1]


def test_confirm_makes_a_hold_permanent_and_is_idempotent(show):
    hall = QuotaFactory(date=show.date, size=10)
    [hold] = take(show, 2)

    services.confirm([hold], now=NOW)
    services.confirm([hold], now=NOW)

    hold.refresh_from_db()
    assert hold.state == Hold.State.CONFIRMED
    assert hold.expires_at is None
    assert taken(hall) == 2
    assert AuditLogEntry.objects.filter(action="hold.confirmed").count() == 1
    # a confirmed hold never expires
    assert services.release_expired_holds(now=NOW + datetime.timedelta(days=365)) == 0
    assert taken(hall) == 2


def test_confirm_after_the_deadline_is_refused(show):
    hall = QuotaFactory(date=show.date, size=10)
    [hold] = take(show, 2)

    with pytest.raises(InventoryError) as err:
        services.confirm([hold], now=LATER)

    assert err.value.code == "hold_expired"
    hold.refresh_from_db()
    assert hold.state == Hold.State.HELD
    assert taken(hall) == 2


def test_confirm_a_released_hold_is_refused(show):
    QuotaFactory(date=show.date, size=10)
    [hold] = take(show, 2)
    services.release([hold], now=NOW)

    with pytest.raises(InventoryError) as err:
        services.confirm([hold], now=NOW)

    assert err.value.code == "hold_released"


def test_release_gives_places_back_once(show):
    hall = QuotaFactory(date=show.date, size=10)
    reduced = QuotaFactory(organizer=show.organizer, date=None, rate=show.reduced, size=5)
    [hold] = take(show, 3, rate=show.reduced)
    services.confirm([hold], now=NOW)

    assert services.release([hold], now=NOW) == 1
    assert services.release([hold], now=NOW) == 0

    assert hold.state == Hold.State.RELEASED
    assert taken(hall) == 0
    assert taken(reduced) == 0
    assert AuditLogEntry.objects.filter(action="hold.released").count() == 1


def test_expired_holds_are_reclaimed_when_a_quota_is_full(show):
    hall = QuotaFactory(date=show.date, size=4)
    [old] = take(show, 3, expires_at=NOW + datetime.timedelta(minutes=5))
    take(show, 1, expires_at=None, owner_ref="order-1")

    with pytest.raises(InventoryError):
        take(show, 2, now=NOW + datetime.timedelta(minutes=4))
    [new] = take(show, 2, now=NOW + datetime.timedelta(minutes=5))

    old.refresh_from_db()
    assert old.state == Hold.State.EXPIRED
    assert new.state == Hold.State.HELD
    assert taken(hall) == 3
    assert AuditLogEntry.objects.filter(action="hold.expired").count() == 1


def test_reclaiming_frees_every_quota_of_the_expired_hold(show):
    hall = QuotaFactory(date=show.date, size=2, name="Hall")
    reduced = QuotaFactory(
        organizer=show.organizer, date=None, rate=show.reduced, size=10, name="Reduced"
    )
    take(show, 2, rate=show.reduced)

    take(show, 2, rate=show.full, now=LATER, expires_at=LATER + datetime.timedelta(minutes=15))

    assert taken(hall) == 2
    assert taken(reduced) == 0


def test_availability_counts_expired_holds_as_free(show):
    QuotaFactory(date=show.date, size=10)
    take(show, 4)

    before = queries.availability(organizer=show.organizer, date=show.date, now=NOW)
    after = queries.availability(organizer=show.organizer, date=show.date, now=LATER)

    assert before == 6
    assert after == 10
    assert queries.availability(organizer=show.organizer, date=EventDateFactory()) is None


def test_availability_is_one_query(show, django_assert_num_queries):
    QuotaFactory(date=show.date, size=10)
    QuotaFactory(organizer=show.organizer, date=None, rate=show.full, size=5)

    with django_assert_num_queries(1):
        left = queries.availability(organizer=show.organizer, date=show.date, rate=show.full)

    assert left == 5


def test_release_expired_holds_is_batched_and_idempotent(show):
    hall = QuotaFactory(date=show.date, size=20)
    for i in range(5):
        take(show, 2, owner_ref=f"cart-{i}")
    take(show, 1, expires_at=NOW + datetime.timedelta(hours=1), owner_ref="late")

    assert services.release_expired_holds(now=LATER, batch_size=2) == 5
    assert services.release_expired_holds(now=LATER, batch_size=2) == 0

    assert taken(hall) == 1
    assert Hold.objects.filter(state=Hold.State.EXPIRED).count() == 5


def test_periodic_job_is_registered():
    from rideau.core.periodic import discover_jobs

    names = [job.name for job in discover_jobs()]

    assert "inventory.release_expired_holds" in names


def test_resize_quota_never_goes_below_taken(show, actor):
    hall = QuotaFactory(date=show.date, size=10)
    take(show, 6, expires_at=None)

    with pytest.raises(InventoryError) as err:
        services.resize_quota(hall, size=5, actor=actor)
    assert err.value.code == "below_taken"
    assert err.value.params == {"taken": 6}
    assert Quota.objects.get(pk=hall.pk).size == 10

    services.resize_quota(hall, size=6, actor=actor)
    assert Quota.objects.get(pk=hall.pk).size == 6
    assert AuditLogEntry.objects.filter(action="quota.resized").count() == 1


def test_resize_reclaims_expired_holds_first(show):
    hall = QuotaFactory(date=show.date, size=10)
    take(show, 6)

    services.resize_quota(hall, size=0, now=LATER)

    hall.refresh_from_db()
    assert (hall.size, hall.taken) == (0, 0)


@pytest.mark.parametrize("size", [-1, "3", True])
def test_resize_refuses_bad_sizes(show, size):
    hall = QuotaFactory(date=show.date, size=10)

    with pytest.raises(InventoryError) as err:
        services.resize_quota(hall, size=size)

    assert err.value.code == "invalid_size"
    assert Quota.objects.get(pk=hall.pk).size == 10


def test_resize_needs_the_permission(show):
    hall = QuotaFactory(date=show.date, size=10)
    from rideau.core.access import Actor

    checkin = Actor(user=member(show.organizer, Role.CHECKIN))

    with pytest.raises(PermissionDenied):
        services.resize_quota(hall, size=20, actor=checkin)

    assert Quota.objects.get(pk=hall.pk).size == 10


def test_create_quota_checks_scopes(show, actor, other_organizer):
    quota = services.create_quota(
        actor=actor, organizer=show.organizer, name="Reduced", size=50, rate=show.reduced
    )
    assert (quota.size, quota.taken, quota.rate_id) == (50, 0, show.reduced.pk)
    assert AuditLogEntry.objects.filter(action="quota.created").count() == 1

    with pytest.raises(ValidationFailed) as err:
        services.create_quota(actor=actor, organizer=show.organizer, name="Nothing", size=5)
    assert list(err.value.errors) == ["__all__"]

    foreign = EventDateFactory(event=EventFactory(organizer=other_organizer))
    with pytest.raises(ValidationFailed) as err:
        services.create_quota(
            actor=actor, organizer=show.organizer, name="Theirs", size=5, date=foreign
        )
    assert list(err.value.errors) == ["date"]
    assert Quota.objects.count() == 1


def test_a_session_quota_counts_registrations(show):
    from tests.factories import SessionFactory

    talk = SessionFactory(event=show.event, date=show.date, capacity=2)
    room = QuotaFactory(organizer=show.organizer, date=None, session=talk, size=2, name="Room")

    with transaction.atomic():
        services.take(
            organizer=show.organizer,
            items=[HoldRequest(quantity=2, session=talk)],
            expires_at=None,
            owner_ref="attendee-1",
            now=NOW,
        )
    with pytest.raises(InventoryError) as err, transaction.atomic():
        services.take(
            organizer=show.organizer,
            items=[HoldRequest(quantity=1, session=talk)],
            expires_at=None,
            owner_ref="attendee-2",
            now=NOW,
        )

    assert err.value.params["quota"] == "Room"
    assert taken(room) == 2


def test_deleting_an_organiser_deletes_its_holds(show):
    QuotaFactory(date=show.date, size=10)
    take(show, 2)

    show.organizer.delete()

    assert (Hold.objects.count(), Quota.objects.count()) == (0, 0)


def test_extend_hands_a_cart_hold_over_without_moving_counters(show):
    hall = QuotaFactory(date=show.date, size=10)
    [hold] = take(show, 2)
    later = NOW + datetime.timedelta(minutes=45)

    with transaction.atomic():
        [extended] = services.extend([hold], expires_at=later, owner_ref="order:7", now=NOW)

    hold.refresh_from_db()
    assert (hold.state, hold.expires_at, hold.owner_ref) == (Hold.State.HELD, later, "order:7")
    assert extended.owner_ref == "order:7"
    assert taken(hall) == 2
    assert AuditLogEntry.objects.filter(action="hold.extended").count() == 1


@pytest.mark.parametrize("ending", ["expired", "released", "confirmed"])
def test_extend_refuses_holds_that_are_no_longer_temporary(show, ending):
    hall = QuotaFactory(date=show.date, size=10)
    [hold] = take(show, 2)
    now = NOW
    if ending == "expired":
        now = LATER
    elif ending == "released":
        services.release([hold], now=NOW)
    else:
        services.confirm([hold], now=NOW)

    with pytest.raises(InventoryError) as err:
        services.extend(
            [hold], expires_at=now + datetime.timedelta(hours=1), owner_ref="order:7", now=now
        )

    assert err.value.code == ("hold_expired" if ending == "expired" else "hold_released")
    hold.refresh_from_db()
    assert hold.owner_ref == "cart-1"
    assert taken(hall) == (0 if ending == "released" else 2)
    assert AuditLogEntry.objects.filter(action="hold.extended").count() == 0
