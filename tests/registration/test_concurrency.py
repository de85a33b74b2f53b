"""Attendees racing on PostgreSQL for a session's last places and for a place freed while
people wait; each with a control run showing the race when the protection is off."""

import datetime
import time

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rideau.core.errors import RideauError
from rideau.inventory import hooks
from rideau.inventory import services as engine
from rideau.inventory.models import Hold, HoldQuota, Quota
from rideau.inventory.queries import check_integrity
from rideau.registration import services, waitlists
from rideau.registration.models import Registration, WaitlistEntry
from rideau.registration.queries import kept_places
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

ATTENDEES = 100
CAPACITY = 30
ALREADY = 20


def _register(conference, session, i: int) -> str:
    try:
        services.register(conference, email=f"racer{i}@example.org", sessions=[session.pk])
    except RideauError as exc:
        return exc.code
    return "ok"


def _nearly_full(conference, actor):
    talk = make_session(conference, actor, capacity=CAPACITY)
    for i in range(ALREADY):
        services.register(conference, email=f"early{i}@example.org", sessions=[talk.pk])
    return talk


def test_attendees_racing_for_the_last_places_never_overbook(conference, actor):
    talk = _nearly_full(conference, actor)

    results = run_buyers(lambda i: _register(conference, talk, i), n=ATTENDEES)

    assert results.count("ok") == CAPACITY - ALREADY
    assert results.count("full") == ATTENDEES - (CAPACITY - ALREADY)
    assert Registration.objects.filter(session=talk, state="registered").count() == CAPACITY
    assert Quota.objects.get(session=talk).taken == CAPACITY
    assert check_integrity()[1] == []


def test_control_a_naive_read_check_write_overbooks(conference, actor, monkeypatch):
    """Proves the test above can fail: with the engine's conditional update replaced by a
    read, a check and a later write, the race overbooks the session."""
    talk = _nearly_full(conference, actor)

    def naive(event, contact, sessions, now, *, rows, also_audit, first=None):
        if first is not None and first.pending:  # the e-mail and the domain event
            first.replay()
        quota = Quota.objects.get(session=sessions[0])
        if quota.taken + 1 > quota.size:
            raise engine.InventoryError("sold_out", quota=quota.name)
        time.sleep(0.005)  # other work between the check and the write
        hold = Hold.objects.create(
            organizer_id=quota.organizer_id,
            owner_ref=f"agenda:{contact.pk}",
            quantity=1,
            session=sessions[0],
            state=Hold.State.CONFIRMED,
        )
        HoldQuota.objects.create(hold=hold, quota=quota)
        Quota.objects.filter(pk=quota.pk).update(taken=quota.taken + 1)
        rows[0].hold = hold
        Registration.objects.bulk_create(rows)
        also_audit.save(force_insert=True)

    monkeypatch.setattr(services, "_take", naive)
    results = run_buyers(lambda i: _register(conference, talk, i), n=ATTENDEES)

    assert Registration.objects.filter(session=talk, state="registered").count() > CAPACITY
    assert results.count("ok") > CAPACITY - ALREADY


# --- a freed place with a waitlist, racing newcomers --------------------------------------


def _expired_offer_and_a_waiting_person(conference, actor):
    """The session's one place is held by an offer whose deadline has just passed; Bea
    waits next in line."""
    talk = make_session(conference, actor, capacity=1)
    (reg,) = services.register(
        conference, email="holder@example.org", sessions=[talk.pk]
    ).registrations
    services.register(conference, email="ann@example.org", waitlist=[talk.pk])
    bea = services.register(conference, email="bea@example.org", waitlist=[talk.pk]).waiting[0]
    services.cancel(reg)  # Ann is offered the place
    ann = WaitlistEntry.objects.get(contact__email="ann@example.org")
    assert ann.state == WaitlistEntry.State.OFFERED
    Hold.objects.filter(pk=ann.hold_id).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    return talk, bea


def _race(conference, talk) -> list[str]:
    def one(i: int) -> str:
        if i == ATTENDEES // 2:  # the periodic job runs in the middle of the rush
            with transaction.atomic():
                engine.release_expired_holds()
            return "job"
        return _register(conference, talk, i)

    results = run_buyers(one, n=ATTENDEES + 1)
    engine.release_expired_holds()
    return results


@pytest.mark.parametrize("round_", range(2))
def test_a_freed_place_goes_to_the_waitlist_not_to_newcomers(conference, actor, round_):
    talk, bea = _expired_offer_and_a_waiting_person(conference, actor)

    results = _race(conference, talk)

    assert results.count("ok") == 0
    bea.refresh_from_db()
    assert bea.state == WaitlistEntry.State.OFFERED
    assert Quota.objects.get(session=talk).taken == 1
    assert check_integrity()[1] == []


def test_without_the_gate_a_single_entry_is_still_served_by_the_listener(
    conference, actor, monkeypatch
):
    """What the gate does NOT protect: with the gate alone off, a single waiting person
    still gets the place, because the engine reports a lazy reclaim to the listener inside
    the newcomer's `take()`, and the listener takes the place for them first."""
    talk, bea = _expired_offer_and_a_waiting_person(conference, actor)
    monkeypatch.setattr(hooks, "_gates", [])

    results = _race(conference, talk)

    assert results.count("ok") == 0
    bea.refresh_from_db()
    assert bea.state == WaitlistEntry.State.OFFERED
    assert check_integrity()[1] == []


def test_control_without_the_hook_and_gate_a_newcomer_takes_the_freed_place(
    conference, actor, monkeypatch
):
    talk, bea = _expired_offer_and_a_waiting_person(conference, actor)
    monkeypatch.setattr(hooks, "_gates", [])
    monkeypatch.setattr(hooks, "_listeners", [])

    results = _race(conference, talk)

    assert results.count("ok") == 1
    bea.refresh_from_db()
    assert bea.state == WaitlistEntry.State.WAITING
    assert check_integrity()[1] == []


# --- a place freed under a waiting group (strict order): kept for it ----------------------


def _expired_offer_and_a_waiting_group(conference, actor):
    """Capacity 2, both taken: one place by an offer whose deadline has just passed. Next in
    line: a group of two, which the one reclaimed place cannot serve (strict order)."""
    talk = make_session(conference, actor, capacity=2)
    (first, _second) = (
        services.register(
            conference, email=f"holder{i}@example.org", sessions=[talk.pk]
        ).registrations[0]
        for i in range(2)
    )
    services.register(conference, email="ann@example.org", waitlist=[talk.pk])
    services.cancel(first)  # Ann is offered the place
    group = services.join_waitlist(talk, email="group@example.org", seats=2, actor=actor)
    ann = WaitlistEntry.objects.get(contact__email="ann@example.org")
    assert ann.state == WaitlistEntry.State.OFFERED
    Hold.objects.filter(pk=ann.hold_id).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    return talk, group


@pytest.mark.parametrize("round_", range(3))
def test_a_place_reclaimed_under_a_waiting_group_is_kept_for_it(conference, actor, round_):
    """Whoever frees the place — the periodic job in the middle of the rush, or the lazy
    reclaim inside a newcomer's `take()` — it is held for the group (`waitlists.keep`), so
    the engine refuses it to every newcomer on its common path."""
    talk, group = _expired_offer_and_a_waiting_group(conference, actor)

    results = _race(conference, talk)

    assert results.count("ok") == 0  # nobody passes the group
    group.refresh_from_db()
    assert group.state == WaitlistEntry.State.WAITING
    assert kept_places([group]) == {group.pk: 1}  # the place waits for the group
    assert Quota.objects.get(session=talk).taken == 2
    assert check_integrity()[1] == []


def test_control_without_keeping_and_the_gate_a_newcomer_passes_the_group(
    conference, actor, monkeypatch
):
    """Nothing kept for the group and no gate: the place freed under it is free on the
    quota, and the first newcomer after the job takes it."""
    talk, _group = _expired_offer_and_a_waiting_group(conference, actor)
    monkeypatch.setattr(waitlists, "keep", lambda *args, **kwargs: 0)
    monkeypatch.setattr(hooks, "_gates", [])

    results = _race(conference, talk)

    assert results.count("ok") == 1
    assert Quota.objects.get(session=talk).taken == 2
    assert check_integrity()[1] == []


# --- event-level registration (SPEC A1): the event's capacity through the engine ----------


def _nearly_full_event(organizer, actor):
    from rideau.events.models import Event
    from tests.factories import EventFactory

    gala = EventFactory(organizer=organizer, kind=Event.Kind.ONSITE)
    Quota.objects.create(organizer=organizer, event=gala, name="Gala", size=CAPACITY)
    services.update_settings(
        gala,
        actor=actor,
        waitlist=True,
        promotion="offer",
        offer_hours=24,
        event_registration=True,
    )
    for i in range(ALREADY):
        services.register_event(gala, email=f"early{i}@example.org")
    return gala


def _register_event(gala, i: int) -> str:
    try:
        services.register_event(gala, email=f"racer{i}@example.org")
    except RideauError as exc:
        return exc.code
    return "ok"


def test_event_level_racers_never_overbook_the_event(organizer, actor):
    gala = _nearly_full_event(organizer, actor)

    results = run_buyers(lambda i: _register_event(gala, i), n=ATTENDEES)

    assert results.count("ok") == CAPACITY - ALREADY
    assert results.count("full") == ATTENDEES - (CAPACITY - ALREADY)
    assert Registration.objects.filter(event=gala, state="registered").count() == CAPACITY
    assert Quota.objects.get(event=gala).taken == CAPACITY
    assert check_integrity()[1] == []


def test_control_event_level_with_a_naive_read_check_write_overbooks(organizer, actor, monkeypatch):
    gala = _nearly_full_event(organizer, actor)

    def naive(*, organizer, items, owner_ref, **_kwargs):
        quota = Quota.objects.get(event=gala)
        if quota.taken + 1 > quota.size:
            raise engine.InventoryError("sold_out", quota=quota.name)
        time.sleep(0.005)  # other work between the check and the write
        hold = Hold.objects.create(
            organizer_id=quota.organizer_id,
            owner_ref=owner_ref,
            quantity=1,
            state=Hold.State.CONFIRMED,
        )
        HoldQuota.objects.create(hold=hold, quota=quota)
        Quota.objects.filter(pk=quota.pk).update(taken=quota.taken + 1)
        return [hold]

    monkeypatch.setattr(services.engine, "take", naive)
    results = run_buyers(lambda i: _register_event(gala, i), n=ATTENDEES)

    assert Registration.objects.filter(event=gala, state="registered").count() > CAPACITY
    assert results.count("ok") > CAPACITY - ALREADY


# --- one new attendee, two requests at once (ADR 0028) -------------------------------------


def _same_new_attendee_twice(conference, actor, monkeypatch) -> tuple[list[str], int]:
    """Two requests of one new address for two sessions that overlap, both past the read
    (no contact yet, an empty agenda) before either writes."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from rideau.registration import queries

    a = make_session(conference, actor, hours=(0, 2), capacity=5, title="Keynote")
    b = make_session(conference, actor, hours=(1, 3), capacity=5, title="Workshop")
    both_read = Barrier(2)
    read = queries.agenda_view

    def agenda_view(*args, **kwargs):
        found = read(*args, **kwargs)
        if found.contact is None:  # each request's first read (not the one read again)
            both_read.wait(timeout=10)
        return found

    monkeypatch.setattr(queries, "agenda_view", agenda_view)

    def one(session) -> str:
        try:
            services.register(conference, email="twice@example.org", sessions=[session.pk])
        except RideauError as exc:
            return exc.code
        finally:
            from django.db import connection

            connection.close()
        return "ok"

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(one, [a, b]))
    return results, Registration.objects.filter(
        contact__email="twice@example.org", state="registered"
    ).count()


def test_one_new_attendee_in_two_requests_at_once_gets_no_clash(conference, actor, monkeypatch):
    """Both read an empty agenda; the contact's unique index makes the second wait for the
    first's commit, then it reads the agenda again and finds the clash."""
    results, registered = _same_new_attendee_twice(conference, actor, monkeypatch)

    assert results == ["clash", "ok"]
    assert registered == 1


def test_control_without_reading_again_the_second_request_makes_a_clash(
    conference, actor, monkeypatch
):
    """Proves the test above can fail: when the contact the other request wrote is taken
    as it is (an upsert), without reading the agenda again, both register."""
    from rideau.contacts.services import ensure_contact

    monkeypatch.setattr(services, "add_contact", ensure_contact)
    results, registered = _same_new_attendee_twice(conference, actor, monkeypatch)

    assert results == ["ok", "ok"]
    assert registered == 2


# --- one known attendee, two requests at once ------------------------------------------------


def _two_at_once(first, second, module, name: str) -> list[str]:
    """Run `first` until it reaches `module.name`, and hold it there; start `second` and
    let it go as far as it can (waiting for a lock the first holds, or through
    `module.name` itself); then let the first go on and commit. Their outcomes, sorted."""
    import threading

    from django.db import connection

    reached, go, second_reached = threading.Event(), threading.Event(), threading.Event()
    original = getattr(module, name)
    results: dict[str, str] = {}

    def hold(*args, **kwargs):
        if threading.current_thread().name == "first":
            reached.set()
            go.wait(timeout=10)
        else:
            second_reached.set()
        return original(*args, **kwargs)

    def run(call) -> None:
        try:
            call()
            results[threading.current_thread().name] = "ok"
        except RideauError as exc:
            results[threading.current_thread().name] = exc.code
        finally:
            connection.close()

    setattr(module, name, hold)
    try:
        one = threading.Thread(target=run, args=[first], name="first")
        two = threading.Thread(target=run, args=[second], name="second")
        one.start()
        assert reached.wait(timeout=10)
        two.start()
        deadline = time.monotonic() + 10
        while not second_reached.is_set() and not _waiting_for_a_lock():
            assert time.monotonic() < deadline, "the second request neither went on nor waited"
            time.sleep(0.01)
        go.set()
        one.join(timeout=20)
        two.join(timeout=20)
    finally:
        setattr(module, name, original)
        go.set()
    return sorted(results.values())


def _same_known_attendee_twice(conference, sessions) -> tuple[list[str], int]:
    """Two requests of one known attendee (a contact with an agenda already), the first
    held right after reading its agenda."""
    from rideau.registration import queries

    def register(session):
        return lambda: services.register(
            conference, email="known@example.org", sessions=[session.pk]
        )

    results = _two_at_once(register(sessions[0]), register(sessions[1]), queries, "agenda_view")
    registered = Registration.objects.filter(
        contact__email="known@example.org", state="registered", session__in=sessions
    ).count()
    return results, registered


def _waiting_for_a_lock() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def _known(conference, actor):
    earlier = make_session(conference, actor, hours=(5, 6), capacity=5, title="Earlier")
    services.register(conference, email="known@example.org", sessions=[earlier.pk])


def _known_with_two_overlapping(conference, actor) -> list:
    _known(conference, actor)
    return [
        make_session(conference, actor, hours=(0, 2), capacity=5, title="Keynote"),
        make_session(conference, actor, hours=(1, 3), capacity=5, title="Workshop"),
    ]


def test_one_known_attendee_sending_one_session_twice_at_once_gets_it_once(conference, actor):
    _known(conference, actor)
    talk = make_session(conference, actor, hours=(0, 2), capacity=5, title="Keynote")

    results, registered = _same_known_attendee_twice(conference, [talk, talk])

    assert results == ["already_registered", "ok"]  # not a database error
    assert registered == 1
    assert check_integrity()[1] == []


def test_one_known_attendee_sending_two_overlapping_sessions_at_once_gets_no_clash(
    conference, actor
):
    results, registered = _same_known_attendee_twice(
        conference, _known_with_two_overlapping(conference, actor)
    )

    assert results == ["clash", "ok"]
    assert registered == 1


def test_control_without_the_attendees_lock_both_overlapping_sessions_register(
    conference, actor, monkeypatch
):
    """Proves the tests above can fail: without the lock the second request reads the
    agenda before the first commits, and the attendee sits in two sessions at once."""
    from rideau.registration import queries

    monkeypatch.setattr(queries, "lock_attendee", lambda event, email: None)
    results, registered = _same_known_attendee_twice(
        conference, _known_with_two_overlapping(conference, actor)
    )

    assert results == ["ok", "ok"]
    assert registered == 2


def test_one_known_attendee_registering_to_the_event_twice_at_once_gets_it_once(organizer, actor):
    from tests.factories import ContactFactory

    gala = _nearly_full_event(organizer, actor)
    ContactFactory(organizer=organizer, email="known@example.org")

    def register():
        services.register_event(gala, email="known@example.org")

    results = _two_at_once(register, register, services.places, "take")

    assert results == ["already_registered", "ok"]  # not a database error
    assert (
        Registration.objects.filter(
            event=gala, contact__email="known@example.org", state="registered"
        ).count()
        == 1
    )
    assert check_integrity()[1] == []


def test_one_known_attendee_joining_a_waitlist_twice_at_once_waits_once(conference, actor):
    from rideau.registration import queries

    _known(conference, actor)
    talk = make_session(conference, actor, hours=(0, 2), capacity=1, title="Keynote")
    services.register(conference, email="first@example.org", sessions=[talk.pk])

    def join():
        services.join_waitlist(talk, email="known@example.org")

    results = _two_at_once(join, join, queries, "places_left")

    assert results == ["already_waiting", "ok"]  # not a database error
    assert (
        WaitlistEntry.objects.filter(session=talk, contact__email="known@example.org").count() == 1
    )
