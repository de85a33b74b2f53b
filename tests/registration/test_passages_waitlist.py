"""The event's waitlist at an event with passes (SPEC A1, A9; ADR 0023): the entry carries
the pass chosen, and a promotion — an offer accepted or a direct registration — registers
with it: the event's place and every session's of the pass, in one take, all or nothing. A
pass whose session is full (or that clashes with the person's agenda) is skipped for that
place and keeps its position; a place freed in one of its sessions promotes it."""

import pytest

from rideau.events.models import Event
from rideau.inventory import services as engine
from rideau.inventory.models import Hold, Quota
from rideau.inventory.queries import check_integrity
from rideau.messaging.models import OutboxMessage
from rideau.registration import passages, queries, services
from rideau.registration.errors import RegistrationError
from rideau.registration.models import Registration, WaitlistEntry
from rideau.registration.waitlists import position
from tests.factories import EventFactory

from .conftest import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def summit(organizer, actor):
    """Event-wide capacity 2; a keynote (5), two parallel workshops (1 each); pass A is the
    keynote and workshop A, pass B the keynote and workshop B."""
    event = EventFactory(organizer=organizer, kind=Event.Kind.ONSITE, visibility="public")
    Quota.objects.create(organizer=organizer, event=event, name="Summit", size=2)
    event.keynote = make_session(event, actor, hours=(0, 1), capacity=5, title="Keynote")
    event.ws_a = make_session(event, actor, hours=(2, 3), capacity=1, title="Workshop A")
    event.ws_b = make_session(event, actor, hours=(2, 3), capacity=1, title="Workshop B")
    event.pass_a = passages.create_passage(
        event, actor=actor, name="Track A", sessions=[event.keynote, event.ws_a]
    )
    event.pass_b = passages.create_passage(
        event, actor=actor, name="Track B", sessions=[event.keynote, event.ws_b]
    )
    return event


def _direct(event, actor):
    services.update_settings(event, actor=actor, waitlist=True, promotion="direct", offer_hours=24)


def _full(event):
    """Ada (pass A) and Bob (pass B) fill the event."""
    ada = services.register_event(event, email="ada@example.org", passage=event.pass_a)
    bob = services.register_event(event, email="bob@example.org", passage=event.pass_b)
    assert queries.event_places_left(event) == 0
    return ada, bob


def _sessions_of(email, event):
    return sorted(
        Registration.objects.filter(
            contact__email=email, event=event, state="registered", session__isnull=False
        ).values_list("session_id", flat=True)
    )


def test_the_event_waitlist_needs_a_pass_at_an_event_with_passes(summit):
    _full(summit)
    with pytest.raises(RegistrationError) as none:
        services.join_waitlist(summit, email="cy@example.org")
    assert none.value.code == "choose_passage"
    with pytest.raises(RegistrationError) as foreign:
        services.join_waitlist(summit, email="cy@example.org", passage=10**6)
    assert foreign.value.code == "invalid_passage"
    entry = services.join_waitlist(summit, email="cy@example.org", passage=summit.pass_a.pk)
    assert entry.passage == summit.pass_a
    assert WaitlistEntry.objects.count() == 1


def test_an_offer_holds_the_event_and_every_session_and_accepting_registers_with_the_pass(
    summit,
):
    ada, _bob = _full(summit)
    entry = services.join_waitlist(summit, email="cy@example.org", passage=summit.pass_a)

    services.cancel(ada)  # the event's place and Ada's sessions, in one release

    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.OFFERED
    offered = Hold.objects.filter(owner_ref=f"offer:{entry.pk}", state=Hold.State.HELD)
    assert sorted(h.session_id or 0 for h in offered) == sorted(
        [0, summit.keynote.pk, summit.ws_a.pk]
    )
    assert all(h.kind == Hold.Kind.OFFER for h in offered)
    mail = OutboxMessage.objects.filter(to=["cy@example.org"]).latest("pk")
    assert "Track A" in mail.text() and "Workshop A" in mail.text()

    registration = services.accept_offer(entry)

    assert registration.session is None and registration.passage == summit.pass_a
    assert _sessions_of("cy@example.org", summit) == sorted([summit.keynote.pk, summit.ws_a.pk])
    rows = Registration.objects.filter(contact=registration.contact, state="registered")
    assert {r.passage_id for r in rows} == {summit.pass_a.pk}
    assert all(r.hold.state == Hold.State.CONFIRMED for r in rows)
    assert queries.places_left([summit.ws_a]) == {summit.ws_a.pk: 0}
    assert check_integrity()[1] == []


def test_a_direct_promotion_registers_with_the_pass(summit, actor):
    _direct(summit, actor)
    _ada, bob = _full(summit)
    services.join_waitlist(summit, email="cy@example.org", passage=summit.pass_b)

    services.cancel(bob)

    assert _sessions_of("cy@example.org", summit) == sorted([summit.keynote.pk, summit.ws_b.pk])
    cy = Registration.objects.get(contact__email="cy@example.org", session=None)
    assert cy.passage == summit.pass_b and cy.hold.state == Hold.State.CONFIRMED
    assert (
        "now registered" in OutboxMessage.objects.filter(to=["cy@example.org"]).latest("pk").text()
    )
    assert check_integrity()[1] == []


def test_a_full_pass_session_skips_the_entry_which_keeps_its_place_in_line(summit, actor):
    """Cy waits with pass A, Dan with pass B. Bob (pass B) cancels: workshop A is still
    Ada's, so Cy is skipped (nothing taken for Cy) and Dan gets the place; Cy stays first
    in line and gets the next place that fits."""
    _direct(summit, actor)
    ada, bob = _full(summit)
    cy = services.join_waitlist(summit, email="cy@example.org", passage=summit.pass_a)
    dan = services.join_waitlist(summit, email="dan@example.org", passage=summit.pass_b)

    services.cancel(bob)

    cy.refresh_from_db()
    dan.refresh_from_db()
    assert cy.state == WaitlistEntry.State.WAITING and position(cy) == 1
    assert dan.state == WaitlistEntry.State.REGISTERED
    assert _sessions_of("dan@example.org", summit) == sorted([summit.keynote.pk, summit.ws_b.pk])
    # not half-registered: no row, no hold for Cy
    assert not Registration.objects.filter(contact__email="cy@example.org").exists()
    assert not Hold.objects.filter(owner_ref__in=[f"offer:{cy.pk}", f"agenda:{cy.contact_id}"])

    services.cancel(ada)

    cy.refresh_from_db()
    assert cy.state == WaitlistEntry.State.REGISTERED
    assert _sessions_of("cy@example.org", summit) == sorted([summit.keynote.pk, summit.ws_a.pk])
    assert check_integrity()[1] == []


def test_a_full_pass_opens_the_waitlist_and_a_session_place_freed_later_promotes_it(summit, actor):
    """The event has room but pass A's workshop is full: Cy may wait with pass A (not with
    pass B, which has room); the workshop growing promotes the event's waitlist."""
    _direct(summit, actor)
    services.register_event(summit, email="ada@example.org", passage=summit.pass_a)
    with pytest.raises(RegistrationError) as room:
        services.join_waitlist(summit, email="cy@example.org", passage=summit.pass_b)
    assert room.value.code == "not_full"
    cy = services.join_waitlist(summit, email="cy@example.org", passage=summit.pass_a)

    workshop = Quota.objects.get(session=summit.ws_a)
    engine.resize_quota(workshop, size=2, actor=actor)

    cy.refresh_from_db()
    assert cy.state == WaitlistEntry.State.REGISTERED
    assert _sessions_of("cy@example.org", summit) == sorted([summit.keynote.pk, summit.ws_a.pk])
    assert queries.event_places_left(summit) == 0
    assert check_integrity()[1] == []


def test_a_promotion_never_creates_a_time_clash_with_a_pass(summit, actor):
    """Cy is registered by staff to workshop B, which overlaps workshop A: the pass A place
    goes to Dan behind; Cy keeps position 1."""
    _direct(summit, actor)
    ada, _bob = _full(summit)
    services.staff_register(summit.ws_b, actor=actor, email="cy@example.org", override_reason="VIP")
    cy = services.join_waitlist(summit, email="cy@example.org", passage=summit.pass_a)
    services.join_waitlist(summit, email="dan@example.org", passage=summit.pass_a)

    services.cancel(ada)

    cy.refresh_from_db()
    assert cy.state == WaitlistEntry.State.WAITING and position(cy) == 1
    assert _sessions_of("cy@example.org", summit) == [summit.ws_b.pk]
    assert _sessions_of("dan@example.org", summit) == sorted([summit.keynote.pk, summit.ws_a.pk])
    with pytest.raises(RegistrationError) as clash:
        services.invite(cy, actor=actor)
    assert clash.value.code == "clash_pass"


def test_leaving_with_a_pass_offer_releases_every_place_to_the_next(summit):
    ada, _bob = _full(summit)
    cy = services.join_waitlist(summit, email="cy@example.org", passage=summit.pass_a)
    dan = services.join_waitlist(summit, email="dan@example.org", passage=summit.pass_a)
    services.cancel(ada)
    cy.refresh_from_db()
    assert cy.state == WaitlistEntry.State.OFFERED

    services.remove_from_waitlist(cy)

    assert not Hold.objects.filter(owner_ref=f"offer:{cy.pk}", state=Hold.State.HELD).exists()
    dan.refresh_from_db()
    assert dan.state == WaitlistEntry.State.OFFERED
    assert Hold.objects.filter(owner_ref=f"offer:{dan.pk}", state=Hold.State.HELD).count() == 3
    assert check_integrity()[1] == []


def test_an_expired_pass_offer_goes_to_the_next_in_line(summit):
    import datetime

    from django.utils import timezone

    ada, _bob = _full(summit)
    cy = services.join_waitlist(summit, email="cy@example.org", passage=summit.pass_a)
    dan = services.join_waitlist(summit, email="dan@example.org", passage=summit.pass_a)
    services.cancel(ada)

    engine.release_expired_holds(timezone.now() + datetime.timedelta(hours=25))

    cy.refresh_from_db()
    dan.refresh_from_db()
    assert cy.state == WaitlistEntry.State.EXPIRED
    assert dan.state == WaitlistEntry.State.OFFERED
    with pytest.raises(RegistrationError):
        services.accept_offer(cy)
    assert check_integrity()[1] == []


def test_a_pass_people_wait_for_cannot_be_deleted(summit, actor):
    from rideau.core.errors import ValidationFailed

    keynote_only = passages.create_passage(
        summit, actor=actor, name="Keynote", sessions=[summit.keynote]
    )
    _full(summit)
    services.join_waitlist(summit, email="cy@example.org", passage=keynote_only)
    with pytest.raises(ValidationFailed) as exc:
        passages.delete_passage(keynote_only, actor=actor)
    assert "wait" in exc.value.errors["passage"][0]


def test_nobody_waits_for_a_pass_that_has_room(summit):
    """Someone waiting for a full pass keeps nothing (ADR 0023): another pass with room is
    registered to, not waited for (the button sat beside every pass once one was full)."""
    services.register_event(summit, email="ada@example.org", passage=summit.pass_a)  # A full
    cy = services.join_waitlist(summit, email="cy@example.org", passage=summit.pass_a)
    assert cy.state == WaitlistEntry.State.WAITING
    with pytest.raises(RegistrationError) as room:
        services.join_waitlist(summit, email="dan@example.org", passage=summit.pass_b)
    assert room.value.code == "not_full"
    assert not WaitlistEntry.objects.filter(contact__email="dan@example.org").exists()
