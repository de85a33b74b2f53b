"""Session-level registration through the capacity engine (SPEC A1–A7)."""

import pytest

from rideau.core.errors import ValidationFailed
from rideau.core.models import AuditLogEntry
from rideau.events.models import Event
from rideau.inventory.models import Hold, Quota
from rideau.inventory.queries import check_integrity
from rideau.messaging.models import OutboxMessage
from rideau.registration import services
from rideau.registration.errors import RegistrationError
from rideau.registration.models import AgendaSettings, Registration, WaitlistEntry
from tests.factories import EventFactory

from .conftest import make_session

pytestmark = pytest.mark.django_db


def quota_of(session):
    return Quota.objects.get(session=session)


def test_register_takes_a_place_through_the_engine_and_mails(conference, actor):
    talk = make_session(conference, actor)
    outcome = services.register(
        conference, email="Ada@Example.org", first_name="Ada", sessions=[talk.pk]
    )
    reg = outcome.registrations[0]
    assert reg.hold.state == Hold.State.CONFIRMED and reg.hold.owner_ref.startswith("agenda:")
    assert quota_of(talk).taken == 1
    assert outcome.contact.email == "Ada@Example.org"
    message = OutboxMessage.objects.get(to=["Ada@Example.org"])
    assert "/agenda/me/" in message.text() and "Talk" in message.text()
    # the same person again (e-mail case-insensitive): the same contact, refused twice
    with pytest.raises(RegistrationError) as exc:
        services.register(conference, email="ada@example.org", sessions=[talk.pk])
    assert exc.value.code == "already_registered"
    assert check_integrity()[1] == []


def test_the_agenda_sent_again_with_one_more_session_adds_that_one(conference, actor):
    """The agenda's form ticks what the attendee holds; adding a session re-sends it all:
    the held one is kept, the new one taken (it was refused as 'already registered')."""
    talk = make_session(conference, actor, hours=(0, 1), title="Talk")
    workshop = make_session(conference, actor, hours=(2, 3), title="Workshop")
    services.register(conference, email="ada@example.org", sessions=[talk.pk])
    outcome = services.register(
        conference, email="ada@example.org", sessions=[talk.pk, workshop.pk]
    )
    assert [r.session for r in outcome.registrations] == [workshop]
    assert quota_of(talk).taken == 1 and quota_of(workshop).taken == 1
    assert check_integrity()[1] == []


def test_overlapping_sessions_are_refused_with_nothing_taken(conference, actor):
    a = make_session(conference, actor, hours=(0, 2), title="Morning keynote")
    b = make_session(conference, actor, hours=(1, 3), title="Workshop")
    c = make_session(conference, actor, hours=(2, 3), title="Panel")
    with pytest.raises(RegistrationError) as exc:
        services.register(conference, email="x@example.org", sessions=[a.pk, b.pk])
    assert exc.value.code == "clash" and "Morning keynote" in exc.value.message
    assert Registration.objects.count() == 0 and quota_of(a).taken == 0
    # back to back is fine; a later choice is checked against the earlier ones
    services.register(conference, email="x@example.org", sessions=[a.pk, c.pk])
    with pytest.raises(RegistrationError) as exc:
        services.register(conference, email="x@example.org", sessions=[b.pk])
    assert exc.value.code == "clash"


def test_a_full_session_refuses_and_offers_its_waitlist(conference, actor):
    talk = make_session(conference, actor, capacity=1)
    services.register(conference, email="a@example.org", sessions=[talk.pk])
    with pytest.raises(RegistrationError) as exc:
        services.register(conference, email="b@example.org", sessions=[talk.pk])
    assert exc.value.code == "full"
    entry = services.register(conference, email="b@example.org", waitlist=[talk.pk]).waiting[0]
    assert entry.state == WaitlistEntry.State.WAITING
    AgendaSettings.objects.create(event=conference, waitlist=False)
    with pytest.raises(RegistrationError) as exc:
        services.register(conference, email="c@example.org", sessions=[talk.pk])
    assert exc.value.code == "full_no_waitlist"
    with pytest.raises(RegistrationError):
        services.register(conference, email="c@example.org", waitlist=[talk.pk])


def test_events_without_self_agenda_and_other_events_sessions_are_refused(organizer, actor):
    plain = EventFactory(organizer=organizer, self_agenda=False)
    other = EventFactory(organizer=organizer, self_agenda=True)
    talk = make_session(other, actor)
    with pytest.raises(RegistrationError) as exc:
        services.register(plain, email="a@example.org", sessions=[talk.pk])
    assert exc.value.code == "not_self_agenda"
    mine = EventFactory(organizer=organizer, self_agenda=True)
    with pytest.raises(RegistrationError) as exc:
        services.register(mine, email="a@example.org", sessions=[talk.pk])
    assert exc.value.code == "invalid_session"
    with pytest.raises(RegistrationError) as exc:
        services.register(other, email="not-an-email", sessions=[talk.pk])
    assert exc.value.field == "email"


@pytest.mark.parametrize("kind", [Event.Kind.WEBINAR, Event.Kind.HYBRID])
def test_webinars_and_hybrid_register_without_capacity(organizer, actor, kind):
    """SPEC A5: capacity and waitlists apply to on-site events only."""
    online = EventFactory(organizer=organizer, self_agenda=True, kind=kind)
    talk = make_session(online, actor, capacity=1)
    for i in range(3):
        services.register(online, email=f"p{i}@example.org", sessions=[talk.pk])
    assert Registration.objects.filter(session=talk, hold=None).count() == 3
    assert quota_of(talk).taken == 0


def test_staff_override_goes_beyond_capacity_and_is_logged(conference, actor):
    talk = make_session(conference, actor, capacity=1)
    services.register(conference, email="a@example.org", sessions=[talk.pk])
    with pytest.raises(ValidationFailed) as exc:
        services.staff_register(talk, actor=actor, email="vip@example.org")
    assert "override_reason" in exc.value.errors
    reg = services.staff_register(
        talk, actor=actor, email="vip@example.org", override_reason="Speaker's guest"
    )
    assert reg.override and reg.hold.kind == Hold.Kind.OVERBOOKED
    quota = quota_of(talk)
    assert (quota.taken, quota.overbooked) == (2, 1)
    assert AuditLogEntry.objects.filter(action="hold.override").exists()
    assert AuditLogEntry.objects.filter(action="registration.added").exists()
    assert check_integrity()[1] == []


def test_a_group_registered_beyond_capacity_counts_only_the_places_that_do_not_fit(
    conference, actor
):
    talk = make_session(conference, actor, capacity=3)
    services.register(conference, email="a@example.org", sessions=[talk.pk])

    services.staff_register(
        talk, actor=actor, email="class@example.org", seats=3, override_reason="School trip"
    )

    quota = quota_of(talk)
    assert (quota.size, quota.taken, quota.overbooked) == (3, 4, 1)  # 2 fitted
    assert check_integrity()[1] == []


def test_cancel_gives_the_place_back(conference, actor):
    talk = make_session(conference, actor, capacity=1)
    reg = services.register(conference, email="a@example.org", sessions=[talk.pk]).registrations[0]
    services.cancel(reg)
    assert quota_of(talk).taken == 0
    reg.refresh_from_db()
    assert reg.state == Registration.State.CANCELLED
    with pytest.raises(RegistrationError):
        services.cancel(reg)
    services.register(conference, email="b@example.org", sessions=[talk.pk])
    assert check_integrity()[1] == []
