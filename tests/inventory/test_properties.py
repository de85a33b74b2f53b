"""Property-based test: random take / confirm / release / expire / resize / override /
transfer sequences, with tickets and session registrations, and a listener on freed places.

A plain Python model tracks which places are live (confirmed, or held before their
deadline), which went beyond a quota's size, and who owns them, and predicts exactly when
the engine must succeed or refuse. After every step: `0 <= taken <= size + overbooked`,
`overbooked <= taken`, and both equal their recount from the holds. Every report to the
listener names only quotas with room, and exactly the room the database shows.
"""

import datetime
from dataclasses import dataclass, field

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

from rideau.core.access import Actor
from rideau.inventory import hooks, queries, services
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
    SessionFactory,
    member,
)

from .conftest import NOW


@dataclass
class ModelHold:
    pk: int
    quantity: int
    quotas: tuple[str, ...]
    state: str  # held / confirmed / released
    expires_at: datetime.datetime | None
    owner: str = "machine"
    over: dict[str, int] = field(default_factory=dict)  # places beyond a quota's size

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
        self.staff = Actor(user=member(organizer))
        self.date = EventDateFactory(event=event)
        self.session = SessionFactory(event=event, date=self.date)
        self.rates = {"full": RateFactory(product=product), "reduced": RateFactory(product=product)}
        self.quotas = {
            # tied to sessions by the organiser: registrations count here too
            "event": QuotaFactory(
                organizer=organizer, date=None, event=event, size=12, covers_sessions=True
            ),
            "hall": QuotaFactory(date=self.date, size=8),
            "reduced": QuotaFactory(
                organizer=organizer, date=None, rate=self.rates["reduced"], size=3
            ),
            "talk": QuotaFactory(organizer=organizer, date=None, session=self.session, size=3),
        }
        self.sizes = {name: q.size for name, q in self.quotas.items()}
        self.applies = {
            "full": ("event", "hall"),
            "reduced": ("event", "hall", "reduced"),
            "session": ("event", "talk"),  # never the hall: a registration is no ticket
        }
        self.model: dict[int, ModelHold] = {}
        self.now = NOW
        self.reports: list[hooks.Freed] = []
        self._listening = hooks.listening(listener=self.heard)
        self._listening.__enter__()

    def teardown(self):
        self._listening.__exit__(None, None, None)
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def heard(self, freed: hooks.Freed) -> None:
        """The listener: every quota it hears of has exactly that room, in the database."""
        self.reports.append(freed)
        for pk, room in freed.room.items():
            quota = Quota.objects.get(pk=pk)
            assert room == quota.size - quota.taken > 0, (pk, room, quota.size, quota.taken)
        if self.quotas["talk"].pk in freed.room:
            assert freed.sessions == {self.session.pk}

    def live(self, quota: str) -> int:
        return sum(
            h.quantity for h in self.model.values() if quota in h.quotas and h.live(self.now)
        )

    def live_beyond(self, quota: str) -> int:
        return sum(h.over.get(quota, 0) for h in self.model.values() if h.live(self.now))

    def item(self, rate: str, quantity: int) -> HoldRequest:
        if rate == "session":
            return HoldRequest(quantity=quantity, session=self.session)
        return HoldRequest(quantity=quantity, date=self.date, rate=self.rates[rate])

    @rule(
        target=holds,
        quantity=st.integers(1, 4),
        rate=st.sampled_from(["full", "reduced", "session"]),
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
                    items=[self.item(rate, quantity)],
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
        assert services.release([Hold(pk=pk)], owner_ref="someone-else", now=self.now) == 0
        reports = len(self.reports)
        released = services.release([Hold(pk=pk)], owner_ref=mine.owner, now=self.now)
        after = Hold.objects.get(pk=pk).state
        if before in Hold.ACTIVE_STATES:
            assert (released, after) == (1, Hold.State.RELEASED)
            mine.state = "released"
            with_room = {
                self.quotas[q].pk
                for q in mine.quotas
                if self.sizes[q] > Quota.objects.get(pk=self.quotas[q].pk).taken
            }
            heard = {pk for f in self.reports[reports:] for pk in f.room}
            assert heard == with_room
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

    @rule(quota=st.sampled_from(["event", "hall", "reduced", "talk"]), change=st.integers(-3, 4))
    def resize(self, quota, change):
        size = max(0, self.sizes[quota] + change)
        fits = self.live(quota) <= size + self.live_beyond(quota)
        try:
            services.resize_quota(self.quotas[quota], size=size, now=self.now)
        except InventoryError as exc:
            assert exc.code == "below_taken"
            assert not fits
            return
        assert fits
        self.sizes[quota] = size

    @rule(
        target=holds,
        quantity=st.integers(1, 2),
        rate=st.sampled_from(["full", "reduced", "session"]),
    )
    def override(self, quantity, rate):
        """Staff always get the places; the quotas without room count them beyond."""
        quotas = self.applies[rate]
        # the places that still fit are taken as usual, the others counted beyond
        beyond = {q: quantity - max(0, self.sizes[q] - self.live(q)) for q in quotas}
        beyond = {q: n for q, n in beyond.items() if n > 0}
        with transaction.atomic():
            [hold] = services.overbook(
                organizer=self.organizer,
                items=[self.item(rate, quantity)],
                actor=self.staff,
                reason="machine",
                owner_ref="staff",
                now=self.now,
            )
        got = dict(hold.quota_links.filter(overbooked__gt=0).values_list("quota__pk", "overbooked"))
        assert got == {self.quotas[q].pk: n for q, n in beyond.items()}
        self.model[hold.pk] = ModelHold(
            hold.pk, quantity, quotas, "confirmed", None, owner="staff", over=beyond
        )
        return hold.pk

    @rule(pk=holds, new_owner=st.sampled_from(["resale:1", "renewal:2"]))
    def transfer(self, pk, new_owner):
        if pk is None:
            return
        mine = self.model[pk]
        try:
            services.transfer(
                [Hold(pk=pk)], owner_ref=new_owner, from_owner=mine.owner, now=self.now
            )
        except InventoryError as exc:
            assert exc.code in ("hold_released", "hold_expired")
            assert not mine.live(self.now)
            return
        assert mine.live(self.now)
        mine.owner = new_owner

    @invariant()
    def counters_within_bounds_equal_to_recount_and_cover_live_places(self):
        names = {quota.pk: name for name, quota in self.quotas.items()}
        rows = queries.recount(Quota.objects.filter(organizer=self.organizer)).values_list(
            "pk", "size", "taken", "recounted", "overbooked", "recounted_overbooked"
        )
        for pk, size, taken, recounted, over, over_recounted in rows:
            assert 0 <= taken <= size + over, (pk, taken, size, over)
            assert over <= taken, (pk, over, taken)
            assert taken == recounted, (pk, taken, recounted)
            assert over == over_recounted, (pk, over, over_recounted)
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
