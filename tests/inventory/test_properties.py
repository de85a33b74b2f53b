"""Property-based test: random take / confirm / release / expire / resize sequences.

A plain Python model tracks which places are live (confirmed, or held before their
deadline) and predicts exactly when the engine must succeed or refuse. After every step:
`0 <= taken <= size` for every quota, and `taken` equals its recount from the holds.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from rideau.inventory import queries, services
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota
from rideau.inventory.services import HoldRequest
from tests.factories import (
    EventDateFactory,
    EventFactory,
    OrganizerFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
)

from .conftest import NOW


@dataclass
class ModelHold:
    pk: int
    quantity: int
    quotas: tuple[str, ...]
    state: str  # held / confirmed / released
    expires_at: datetime.datetime | None

    def live(self, now: datetime.datetime) -> bool:
        if self.state == "confirmed":
            return True
        return self.state == "held" and self.expires_at is not None and self.expires_at > now


class CapacityMachine(RuleBasedStateMachine):
    holds = Bundle("holds")

    def __init__(self):
        super().__init__()
        # each example runs in its own savepoint, rolled back in teardown()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        organizer = OrganizerFactory()
        event = EventFactory(organizer=organizer)
        product = ProductFactory(event=event)
        self.organizer = organizer
        self.date = EventDateFactory(event=event)
        self.rates = {"full": RateFactory(product=product), "reduced": RateFactory(product=product)}
        self.quotas = {
            "event": QuotaFactory(organizer=organizer, date=None, event=event, size=12),
            "hall": QuotaFactory(date=self.date, size=8),
            "reduced": QuotaFactory(
                organizer=organizer, date=None, rate=self.rates["reduced"], size=3
            ),
        }
        self.sizes = {name: q.size for name, q in self.quotas.items()}
        self.applies = {"full": ("event", "hall"), "reduced": ("event", "hall", "reduced")}
        self.model: dict[int, ModelHold] = {}
        self.now = NOW

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def live(self, quota: str) -> int:
        return sum(
            h.quantity for h in self.model.values() if quota in h.quotas and h.live(self.now)
        )

    @rule(
        target=holds,
        quantity=st.integers(1, 4),
        rate=st.sampled_from(["full", "reduced"]),
        ttl=st.sampled_from([None, 2, 5, 10]),
    )
    def take(self, quantity, rate, ttl):
        quotas = self.applies[rate]
        expected_ok = all(self.sizes[q] - self.live(q) >= quantity for q in quotas)
        expires_at = None if ttl is None else self.now + datetime.timedelta(minutes=ttl)
        try:
            with transaction.atomic():
                [hold] = services.take(
                    organizer=self.organizer,
                    items=[HoldRequest(quantity=quantity, date=self.date, rate=self.rates[rate])],
                    expires_at=expires_at,
                    owner_ref="machine",
                    now=self.now,
                )
        except InventoryError as exc:
            assert exc.code == "sold_out"
            assert not expected_ok
            full = next(q for q in quotas if self.quotas[q].pk == exc.params["quota_id"])
            assert self.sizes[full] - self.live(full) < quantity
            return None
        assert expected_ok
        state = "held" if ttl is not None else "confirmed"
        self.model[hold.pk] = ModelHold(hold.pk, quantity, quotas, state, expires_at)
        return hold.pk

    @rule(pk=holds)
    def confirm(self, pk):
        if pk is None:
            return
        mine = self.model[pk]
        try:
            services.confirm([Hold(pk=pk)], now=self.now)
        except InventoryError as exc:
            expected = "hold_released" if mine.state == "released" else "hold_expired"
            assert exc.code == expected
            assert not mine.live(self.now)
            return
        assert mine.live(self.now)
        mine.state, mine.expires_at = "confirmed", None

    @rule(pk=consumes(holds))
    def release(self, pk):
        if pk is None:
            return
        mine = self.model[pk]
        before = Hold.objects.get(pk=pk).state
        released = services.release([Hold(pk=pk)], now=self.now)
        after = Hold.objects.get(pk=pk).state
        if before in Hold.ACTIVE_STATES:
            assert (released, after) == (1, Hold.State.RELEASED)
        else:  # reclaimed after its deadline: releasing again changes nothing
            assert (released, after) == (0, before)
            assert not mine.live(self.now)
        assert services.release([Hold(pk=pk)], now=self.now) == 0
        mine.state = "released"

    @rule(minutes=st.integers(1, 15), run_periodic_job=st.booleans())
    def advance_time(self, minutes, run_periodic_job):
        self.now += datetime.timedelta(minutes=minutes)
        if not run_periodic_job:
            return
        services.release_expired_holds(now=self.now)
        assert services.release_expired_holds(now=self.now) == 0
        for quota, db in self.quotas.items():
            db.refresh_from_db()
            assert db.taken == self.live(quota)

    @rule(quota=st.sampled_from(["event", "hall", "reduced"]), change=st.integers(-3, 4))
    def resize(self, quota, change):
        size = max(0, self.sizes[quota] + change)
        try:
            services.resize_quota(self.quotas[quota], size=size, now=self.now)
        except InventoryError as exc:
            assert exc.code == "below_taken"
            assert size < self.live(quota)
            return
        assert size >= self.live(quota)
        self.sizes[quota] = size

    @invariant()
    def counters_within_bounds_equal_to_recount_and_cover_live_places(self):
        names = {quota.pk: name for name, quota in self.quotas.items()}
        rows = queries.recount(Quota.objects.filter(organizer=self.organizer)).values_list(
            "pk", "size", "taken", "recounted"
        )
        for pk, size, taken, recounted in rows:
            assert 0 <= taken <= size, (pk, taken, size)
            assert taken == recounted, (pk, taken, recounted)
            assert size == self.sizes[names[pk]]
            assert taken >= self.live(names[pk])


@pytest.mark.slow
@pytest.mark.django_db
def test_capacity_engine_state_machine():
    run_state_machine_as_test(
        CapacityMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
