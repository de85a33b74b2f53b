"""Per-session waitlists on the engine's freed-place hook (SPEC A7)."""

import datetime

import pytest

from rideau.core.models import DomainEventRecord
from rideau.inventory import services as engine
from rideau.inventory.models import Hold, Quota
from rideau.inventory.queries import check_integrity
from rideau.messaging.models import OutboxMessage
from rideau.programme import services as programme
from rideau.registration import queries, services
from rideau.registration.errors import RegistrationError
from rideau.registration.models import AgendaSettings, Registration, WaitlistEntry

from .conftest import make_session

pytestmark = pytest.mark.django_db


def fill(conference, session, n=1, prefix="in"):
    return [
        services.register(
            conference, email=f"{prefix}{i}@example.org", sessions=[session.pk]
        ).registrations[0]
        for i in range(n)
    ]


def wait(conference, session, email):
    return services.register(conference, email=email, waitlist=[session.pk]).waiting[0]


def test_a_cancellation_offers_the_place_to_the_first_in_line(conference, actor):
    talk = make_session(conference, actor, capacity=1)
    (reg,) = fill(conference, talk)
    first = wait(conference, talk, "first@example.org")
    second = wait(conference, talk, "second@example.org")
    assert queries.my_agenda(second.contact, conference)[1][0].position == 2

    services.cancel(reg)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == WaitlistEntry.State.OFFERED and second.state == "waiting"
    assert first.hold.kind == Hold.Kind.OFFER and first.hold.expires_at == first.offer_expires
    assert Quota.objects.get(session=talk).taken == 1  # never free for a newcomer
    with pytest.raises(RegistrationError):
        services.register(conference, email="late@example.org", sessions=[talk.pk])
    offer = OutboxMessage.objects.get(to=["first@example.org"], subject__contains="waiting for you")
    assert "/agenda/me/" in offer.text()
    assert queries.my_agenda(second.contact, conference)[1][0].position == 1

    registration = services.accept_offer(first)
    assert registration.hold.state == Hold.State.CONFIRMED
    first.refresh_from_db()
    assert first.state == WaitlistEntry.State.REGISTERED
    with pytest.raises(RegistrationError) as exc:
        services.accept_offer(first)
    assert exc.value.code == "offer_gone"
    assert check_integrity()[1] == []


def test_an_expired_offer_passes_to_the_next(conference, actor):
    talk = make_session(conference, actor, capacity=1)
    (reg,) = fill(conference, talk)
    first = wait(conference, talk, "first@example.org")
    second = wait(conference, talk, "second@example.org")
    services.cancel(reg)
    first.refresh_from_db()
    later = first.offer_expires + datetime.timedelta(minutes=1)

    engine.release_expired_holds(now=later)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == WaitlistEntry.State.EXPIRED
    assert second.state == WaitlistEntry.State.OFFERED
    with pytest.raises(RegistrationError):
        services.accept_offer(first)
    assert Quota.objects.get(session=talk).taken == 1
    assert check_integrity()[1] == []


def test_direct_promotion_registers_the_next_person(conference, actor):
    AgendaSettings.objects.create(event=conference, promotion=AgendaSettings.Promotion.DIRECT)
    talk = make_session(conference, actor, capacity=1)
    (reg,) = fill(conference, talk)
    first = wait(conference, talk, "first@example.org")
    services.cancel(reg)
    first.refresh_from_db()
    assert first.state == WaitlistEntry.State.REGISTERED
    assert Registration.objects.get(session=talk, state="registered").contact == first.contact
    assert OutboxMessage.objects.filter(
        to=["first@example.org"], subject__contains="freed up"
    ).exists()


def test_a_promotion_never_creates_a_clash(conference, actor):
    """The clash rule: the first in line, now registered to an overlapping session, is
    skipped for this place and keeps their position; the next one gets it."""
    talk = make_session(conference, actor, capacity=1, hours=(0, 1), title="Talk")
    rival = make_session(conference, actor, capacity=5, hours=(0, 2), title="Rival")
    (reg,) = fill(conference, talk)
    first = wait(conference, talk, "first@example.org")
    second = wait(conference, talk, "second@example.org")
    services.register(conference, email="first@example.org", sessions=[rival.pk])

    services.cancel(reg)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == WaitlistEntry.State.WAITING
    assert second.state == WaitlistEntry.State.OFFERED
    assert queries.my_agenda(first.contact, conference)[1][0].position == 1


def test_a_capacity_increase_offers_the_new_places(conference, actor):
    talk = make_session(conference, actor, capacity=1)
    fill(conference, talk)
    first = wait(conference, talk, "first@example.org")
    programme.update_session(talk, actor=actor, capacity=2)
    first.refresh_from_db()
    assert first.state == WaitlistEntry.State.OFFERED


def test_joining_a_session_with_places_is_refused_and_staff_manage_the_list(conference, actor):
    talk = make_session(conference, actor, capacity=1)
    with pytest.raises(RegistrationError) as exc:
        wait(conference, talk, "eager@example.org")
    assert exc.value.code == "not_full"
    (reg,) = fill(conference, talk)
    entry = services.join_waitlist(talk, actor=actor, email="staff-added@example.org")
    with pytest.raises(RegistrationError) as exc:
        services.join_waitlist(talk, actor=actor, email="staff-added@example.org")
    assert exc.value.code == "already_waiting"
    services.remove_from_waitlist(entry, actor=actor)
    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.REMOVED
    services.cancel(reg)
    # nobody waits any more: the place is free for anyone
    (new,) = fill(conference, talk, prefix="new")
    assert new.hold.state == Hold.State.CONFIRMED


def test_registrations_cancellations_and_offers_are_published_as_domain_events(conference, actor):
    talk = make_session(conference, actor, capacity=1)
    (reg,) = fill(conference, talk)
    wait(conference, talk, "first@example.org")
    services.cancel(reg)
    names = list(DomainEventRecord.objects.order_by("pk").values_list("name", flat=True))
    assert names == [
        "registration.confirmed",
        "registration.canceled",
        "registration.waitlist_offer_made",
    ]


def test_a_ticket_release_costs_one_statement_more_with_waitlists_installed(
    organizer, django_assert_num_queries
):
    """The listener answers ticket reports without a statement: the engine's one read of
    the quotas with room is the only cost of having waitlists installed (9 + 1)."""
    from django.db import transaction

    from rideau.inventory.services import HoldRequest
    from tests.factories import EventDateFactory, EventFactory, QuotaFactory

    date = EventDateFactory(event=EventFactory(organizer=organizer))
    QuotaFactory(date=date, size=5)
    with transaction.atomic():
        (hold,) = engine.take(
            organizer=organizer,
            items=[HoldRequest(quantity=1, date=date)],
            expires_at=None,
            owner_ref="order:1",
        )
    with django_assert_num_queries(10):
        engine.release([hold])


def test_a_group_offer_says_how_many_places_and_greets_by_name(conference, actor, client):
    talk = make_session(conference, actor, capacity=2)
    regs = fill(conference, talk, n=2)
    group = services.join_waitlist(
        talk, email="group@example.org", last_name="Lovelace", seats=2, actor=actor
    )
    OutboxMessage.objects.all().delete()

    services.cancel(regs[0])
    services.cancel(regs[1])

    group.refresh_from_db()
    assert group.state == WaitlistEntry.State.OFFERED
    offer = OutboxMessage.objects.get(to=["group@example.org"])
    assert offer.subject.startswith("2 places are waiting for you at")
    text = offer.text()
    assert text.startswith("Hello Lovelace,")
    assert "2 places freed up" in text and "Accept the places:" in text
    mine = client.get(services.agenda_url(group.contact, conference)).content.decode()
    assert "2 places are kept for you until" in mine and "Accept the places" in mine


def test_a_group_waiting_and_promoted_directly_is_told_its_places(conference, actor, client):
    services.update_settings(
        conference, actor=actor, waitlist=True, promotion="direct", offer_hours=24
    )
    talk = make_session(conference, actor, capacity=2)
    regs = fill(conference, talk, n=2)
    group = services.join_waitlist(
        talk, email="group@example.org", first_name="Ada", seats=2, actor=actor
    )
    mine = client.get(services.agenda_url(group.contact, conference)).content.decode()
    assert "Position 1 on the waitlist. For 2 places, offered together." in mine
    OutboxMessage.objects.all().delete()

    services.cancel(regs[0])
    services.cancel(regs[1])

    promoted = OutboxMessage.objects.get(to=["group@example.org"])
    assert promoted.subject.startswith("2 places freed up for you at")
    assert promoted.text().startswith("Hello Ada,")
    assert "registered for 2 people" in promoted.text()


def test_people_waiting_count_a_group_by_its_size(conference, actor, owner_client):
    from django.urls import reverse

    talk = make_session(conference, actor, capacity=1)
    fill(conference, talk)
    services.join_waitlist(talk, email="group@example.org", seats=3, actor=actor)
    wait(conference, talk, "single@example.org")

    (day,) = queries.agenda_by_day(conference)
    assert day[1][0].waiting == 4
    agenda = reverse("web:agenda", args=[conference.organizer.slug, conference.slug])
    assert "4 people waiting" in owner_client.get(agenda).content.decode()
    staff = owner_client.get(
        reverse("web:registrations", args=[conference.organizer.slug, conference.slug])
    ).content.decode()
    assert '<td data-label="Waiting">4</td>' in staff


def test_an_offer_never_outlasts_the_session_start(conference, actor):
    talk = make_session(conference, actor, capacity=1)  # starts in 20 days
    services.update_settings(
        conference, actor=actor, waitlist=True, promotion="offer", offer_hours=24
    )
    (reg,) = fill(conference, talk)
    first = wait(conference, talk, "first@example.org")
    two_hours_before = talk.start - datetime.timedelta(hours=2)

    services.cancel(reg, now=two_hours_before)

    first.refresh_from_db()
    assert first.state == WaitlistEntry.State.OFFERED
    assert first.offer_expires == talk.start and first.hold.expires_at == talk.start


def test_no_offer_once_the_session_has_started_the_place_stays_free(conference, actor):
    talk = make_session(conference, actor, capacity=1)
    (reg,) = fill(conference, talk)
    first = wait(conference, talk, "first@example.org")
    second = wait(conference, talk, "second@example.org")
    OutboxMessage.objects.all().delete()
    started = talk.start + datetime.timedelta(minutes=5)

    services.cancel(reg, now=started)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == second.state == WaitlistEntry.State.WAITING  # nobody offered
    assert not OutboxMessage.objects.filter(to=["first@example.org"]).exists()
    assert queries.places_left([talk])[talk.pk] == 1  # free at the door
    with pytest.raises(RegistrationError) as exc:
        services.invite(first, actor=actor, now=started)
    assert exc.value.code == "too_late_to_offer"
    assert check_integrity()[1] == []


def test_no_offer_too_shortly_before_the_start_the_place_stays_free(conference, actor, settings):
    settings.RIDEAU_WAITLIST_MIN_OFFER_MINUTES = 60
    talk = make_session(conference, actor, capacity=1)
    (reg,) = fill(conference, talk)
    first = wait(conference, talk, "first@example.org")
    OutboxMessage.objects.all().delete()
    soon = talk.start - datetime.timedelta(minutes=59)

    services.cancel(reg, now=soon)

    first.refresh_from_db()
    assert first.state == WaitlistEntry.State.WAITING  # keeps their position, no offer
    assert not OutboxMessage.objects.filter(to=["first@example.org"]).exists()
    assert queries.places_left([talk])[talk.pk] == 1
    with pytest.raises(RegistrationError) as exc:
        services.invite(first, actor=actor, now=soon)
    assert exc.value.code == "too_late_to_offer" and "60 minutes" in exc.value.message
    first.refresh_from_db()
    assert first.state == WaitlistEntry.State.WAITING and first.hold is None
    # the place is free for whoever registers directly (at the door)
    (walk_in,) = services.register(
        conference, email="door@example.org", sessions=[talk.pk], now=soon
    ).registrations
    assert walk_in.state == Registration.State.REGISTERED
    assert check_integrity()[1] == []


def test_the_minimum_time_to_accept_an_offer_is_a_setting(conference, actor, settings):
    settings.RIDEAU_WAITLIST_MIN_OFFER_MINUTES = 180
    talk = make_session(conference, actor, capacity=1)
    (reg,) = fill(conference, talk)
    first = wait(conference, talk, "first@example.org")

    services.cancel(reg, now=talk.start - datetime.timedelta(hours=2))

    first.refresh_from_db()
    assert first.state == WaitlistEntry.State.WAITING
    settings.RIDEAU_WAITLIST_MIN_OFFER_MINUTES = 0  # off: offers until the start
    services.invite(first, actor=actor, now=talk.start - datetime.timedelta(minutes=5))
    first.refresh_from_db()
    assert first.state == WaitlistEntry.State.OFFERED and first.offer_expires == talk.start


def test_a_direct_promotion_shortly_before_the_start_still_registers(conference, actor, settings):
    settings.RIDEAU_WAITLIST_MIN_OFFER_MINUTES = 60
    services.update_settings(
        conference, actor=actor, waitlist=True, promotion="direct", offer_hours=24
    )
    talk = make_session(conference, actor, capacity=1)
    (reg,) = fill(conference, talk)
    first = wait(conference, talk, "first@example.org")

    services.cancel(reg, now=talk.start - datetime.timedelta(minutes=10))

    first.refresh_from_db()
    assert first.state == WaitlistEntry.State.REGISTERED  # no offer to accept: no minimum


def test_an_offer_that_expires_at_the_start_is_not_passed_on(conference, actor):
    talk = make_session(conference, actor, capacity=1)
    (reg,) = fill(conference, talk)
    first = wait(conference, talk, "first@example.org")
    second = wait(conference, talk, "second@example.org")
    services.cancel(reg, now=talk.start - datetime.timedelta(hours=1))

    engine.release_expired_holds(now=talk.start + datetime.timedelta(minutes=1))

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == WaitlistEntry.State.EXPIRED and second.state == "waiting"
