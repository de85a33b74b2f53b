"""Differential test: the engine's two implementations never drift apart (ADR 0020).

Two identical worlds (an organiser, an event with a date and a session, two rates, four
quotas of the property test's shapes — several quotas per place, a session quota, a
quota tied to sessions); every step of a random sequence runs in both, the one-round-trip
implementation (`inventory.lean`, PostgreSQL) in the first and the ORM implementation in
the second: takes of one or two items with or without a deadline, orders through
`orders.services.place_order` (its tickets ride with the holds), confirm, release,
time passing (expired holds reclaimed by the next full take, or by the periodic job),
resize, staff override, transfer, and a gate that keeps freed places for people waiting.
After every step both worlds must agree on every outcome (success, or the error code and
the quota it names), every counter (`taken`, `overbooked`, `size`, per quota), the holds
by state and kind, the tickets, the audit trail's actions, and each counter must equal
its recount; an order's rows written before its places (contact, order, payment, e-mail,
domain events, its audit entry: `inventory.batch()`) must be equal and refer to each other.
"""

import datetime
from collections import Counter

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from rideau.contacts.models import Contact
from rideau.core.access import Actor
from rideau.core.models import AuditLogEntry, DomainEventRecord
from rideau.inventory import hooks, lean, queries, services
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, Quota
from rideau.inventory.services import HoldRequest
from rideau.messaging.models import OutboxMessage
from rideau.orders import services as orders
from rideau.orders.errors import OrderError
from rideau.orders.models import Order, Payment, Position
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

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="the one-round-trip implementation is PostgreSQL's",
    ),
]

LEAN, ORM = 0, 1
used = Counter()  # how the lean implementation answered, over the whole run


class World:
    def __init__(self):
        self.organizer = OrganizerFactory()
        event = EventFactory(organizer=self.organizer)
        product = ProductFactory(event=event, max_per_order=10)
        self.staff = Actor(user=member(self.organizer))
        self.date = EventDateFactory(event=event, start=NOW + datetime.timedelta(days=30))
        self.session = SessionFactory(event=event, date=self.date)
        self.event = event
        self.rates = {"full": RateFactory(product=product), "reduced": RateFactory(product=product)}
        self.quotas = {
            "event": QuotaFactory(
                organizer=self.organizer, date=None, event=event, size=12, covers_sessions=True
            ),
            "hall": QuotaFactory(date=self.date, size=8),
            "reduced": QuotaFactory(
                organizer=self.organizer, date=None, rate=self.rates["reduced"], size=3
            ),
            "talk": QuotaFactory(organizer=self.organizer, date=None, session=self.session, size=3),
        }
        self.names = {q.pk: name for name, q in self.quotas.items()}

    def item(self, rate: str, quantity: int) -> HoldRequest:
        if rate == "session":
            return HoldRequest(quantity=quantity, session=self.session)
        return HoldRequest(quantity=quantity, date=self.date, rate=self.rates[rate])

    def state(self) -> dict:
        quotas = {
            self.names[pk]: (size, taken, over, recounted, over_recounted)
            for pk, size, taken, over, recounted, over_recounted in queries.recount(
                Quota.objects.filter(organizer=self.organizer)
            ).values_list("pk", "size", "taken", "overbooked", "recounted", "recounted_overbooked")
        }
        for size, taken, over, recounted, over_recounted in quotas.values():
            assert (taken, over) == (recounted, over_recounted)
            assert 0 <= over <= taken <= size + over
        holds = Counter(
            Hold.objects.filter(organizer=self.organizer).values_list("state", "kind", "quantity")
        )
        tickets = Counter(
            Position.objects.filter(order__organizer=self.organizer).values_list(
                "rate__price", "hold__state", "cancelled"
            )
        )
        actions = Counter(
            AuditLogEntry.objects.filter(organizer=self.organizer).values_list("action", flat=True)
        )
        return {
            "quotas": quotas,
            "holds": holds,
            "tickets": tickets,
            "actions": actions,
            **self.order_rows(),
        }

    def order_rows(self) -> dict:
        """The rows an order writes before its places (contact, order, payment, e-mail,
        domain events, its audit entry), each checked to refer to the right rows."""
        found = Order.objects.filter(organizer=self.organizer)
        by_pk = {o.pk: o for o in found.select_related("contact")}
        for order in by_pk.values():
            assert order.contact.email.lower() == order.email.lower()
            assert set(
                Hold.objects.filter(owner_ref=f"order:{order.pk}").values_list("pk", flat=True)
            ) == set(order.positions.values_list("hold_id", flat=True))
        for entry in AuditLogEntry.objects.filter(organizer=self.organizer, action="order.placed"):
            assert entry.after["id"] == int(entry.object_id)
            assert by_pk[int(entry.object_id)].contact_id == entry.after["contact_id"]
        events = []
        for record in DomainEventRecord.objects.filter(organizer_id=self.organizer.pk):
            order = by_pk[record.payload["order_id"]]
            assert record.payload["contact_id"] == order.contact_id
            assert record.payload["code"] == order.code
            events.append((record.name, order.email))
        mails = []
        for message in OutboxMessage.objects.filter(organizer=self.organizer):
            order = by_pk[int(message.reference.removeprefix("order:"))]
            assert order.code in message.subject
            mails.append((message.subject.replace(order.code, "…"), message.attachments.count()))
        return {
            "orders": Counter(found.values_list("status", "total", "email", "contact__email")),
            "payments": Counter(
                Payment.objects.filter(order__organizer=self.organizer).values_list("amount")
            ),
            "contacts": Counter(
                Contact.objects.filter(organizer=self.organizer).values_list(
                    "email", "first_name", "last_name"
                )
            ),
            "events": Counter(events),
            "mails": Counter(mails),
        }


def outcome(world: World, run) -> tuple:
    """What a step answered, comparable across worlds (ids mapped to quota names)."""
    try:
        result = run()
    except (InventoryError, OrderError) as exc:
        quota = exc.params.get("quota_id")
        return ("error", exc.code, world.names.get(quota) if quota else None), None
    except IntegrityError:  # an order's idempotency key already taken
        return ("error", "integrity"), None
    return ("ok", result if isinstance(result, int) else None), result


class DifferentialMachine(RuleBasedStateMachine):
    holds = Bundle("holds")

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.worlds = (World(), World())
        self.now = NOW
        self.waiting = False
        self._gate = hooks.listening(check=self.gate)
        self._gate.__enter__()

    def teardown(self):
        self._gate.__exit__(None, None, None)
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def gate(self, quota_ids: set[int]) -> set[int]:
        """People wait for the hall while `waiting` is on: places freed there are theirs."""
        if not self.waiting:
            return set()
        return {w.quotas["hall"].pk for w in self.worlds} & quota_ids

    def both(self, step) -> list:
        """Run `step(world)` in each world with its implementation; the outcomes agree."""
        results = []
        for index, world in enumerate(self.worlds):
            with override_settings(RIDEAU_LEAN_TAKE=index == LEAN), transaction.atomic():
                results.append(outcome(world, lambda w=world: step(w)))
        assert results[LEAN][0] == results[ORM][0], (results[LEAN][0], results[ORM][0])
        return [result for _outcome, result in results]

    @rule(
        target=holds,
        lines=st.lists(
            st.tuples(st.sampled_from(["full", "reduced", "session"]), st.integers(1, 4)),
            min_size=1,
            max_size=2,
        ),
        ttl=st.sampled_from([None, 2, 5, 10]),
    )
    def take(self, lines, ttl):
        expires_at = None if ttl is None else self.now + datetime.timedelta(minutes=ttl)
        results = self.both(
            lambda w: services.take(
                organizer=w.organizer,
                items=[w.item(rate, quantity) for rate, quantity in lines],
                expires_at=expires_at,
                owner_ref="machine",
                now=self.now,
            )
        )
        if results[LEAN] is None:
            return None
        return tuple(
            (lean_hold.pk, orm_hold.pk) for lean_hold, orm_hold in zip(*results, strict=True)
        )

    @rule(
        rate=st.sampled_from(["full", "reduced"]),
        quantity=st.integers(1, 3),
        paid=st.booleans(),
        # a new buyer or a known one (any case), attendees who become contacts, and
        # idempotency keys that an earlier order may hold already
        buyer=st.sampled_from(["ana@example.net", "ANA@example.net", "bo@example.net"]),
        attendee=st.sampled_from(["", "cy@example.net", "ana@example.net"]),
        key=st.sampled_from([None, "k1", "k2"]),
    )
    def order(self, rate, quantity, paid, buyer, attendee, key):
        people = [orders.Attendee(name="Cy Dee", email=attendee)] if attendee else []
        results = self.both(
            lambda w: orders.place_order(
                w.organizer,
                event=w.event,
                lines=[
                    orders.OrderLine(
                        rate=w.rates[rate], date=w.date, quantity=quantity, attendees=people
                    )
                ],
                buyer=orders.Buyer(email=buyer, name="Ana Lopez"),
                paid=paid,
                now=self.now,
                idempotency_key=key,
            )
        )
        if results[LEAN] is not None:
            lean_order, orm_order = results
            assert lean_order.positions.count() == orm_order.positions.count() == quantity
            assert all(p.hold_id for p in lean_order.positions.all())

    @rule(pair=holds)
    def confirm(self, pair):
        if pair is None:
            return
        self.both(
            lambda w: services.confirm(
                [Hold(pk=pks[self.worlds.index(w)]) for pks in pair], now=self.now
            )
        )

    @rule(pair=consumes(holds))
    def release(self, pair):
        if pair is None:
            return
        self.both(
            lambda w: services.release(
                [Hold(pk=pks[self.worlds.index(w)]) for pks in pair],
                owner_ref="machine",
                now=self.now,
            )
        )

    @rule(minutes=st.integers(1, 15), run_periodic_job=st.booleans())
    def advance_time(self, minutes, run_periodic_job):
        self.now += datetime.timedelta(minutes=minutes)
        if run_periodic_job:
            # one job for both worlds: it reclaims every organiser's expired holds
            services.release_expired_holds(now=self.now)

    @rule()
    def toggle_waiting(self):
        self.waiting = not self.waiting

    @rule(quota=st.sampled_from(["event", "hall", "reduced", "talk"]), change=st.integers(-3, 4))
    def resize(self, quota, change):
        self.both(
            lambda w: services.resize_quota(
                w.quotas[quota],
                size=max(0, Quota.objects.get(pk=w.quotas[quota].pk).size + change),
                now=self.now,
            )
        )

    @rule(target=holds, quantity=st.integers(1, 2), rate=st.sampled_from(["full", "session"]))
    def override(self, quantity, rate):
        results = self.both(
            lambda w: services.overbook(
                organizer=w.organizer,
                items=[w.item(rate, quantity)],
                actor=w.staff,
                reason="machine",
                owner_ref="machine",
                now=self.now,
            )
        )
        return tuple((a.pk, b.pk) for a, b in zip(*results, strict=True))

    @rule(pair=holds, new_owner=st.sampled_from(["resale:1", "renewal:2"]))
    def transfer(self, pair, new_owner):
        if pair is None:
            return
        self.both(
            lambda w: services.transfer(
                [Hold(pk=pks[self.worlds.index(w)]) for pks in pair],
                owner_ref=new_owner,
                now=self.now,
            )
        )

    @invariant()
    def both_worlds_agree(self):
        lean_state, orm_state = (world.state() for world in self.worlds)
        assert lean_state == orm_state


@pytest.mark.django_db
def test_the_lean_and_the_orm_implementations_agree_on_every_step(monkeypatch):
    answer = lean.take

    def counting(**kwargs):
        result = answer(**kwargs)
        used[result.refused or "written"] += 1
        return result

    monkeypatch.setattr(lean, "take", counting)
    run_state_machine_as_test(
        DifferentialMachine,
        settings=hypothesis_settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    # every answer of the lean implementation was exercised: it wrote, it handed a full
    # quota over to the ORM implementation (which reclaimed, gated or refused), and an
    # order's taken idempotency key over to the ORM writes (which raised)
    assert used["written"] > 0 and used[lean.FULL] > 0 and used[lean.CONFLICT] > 0, used
