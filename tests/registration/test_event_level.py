"""Event-level registration (SPEC A1) with one waitlist per event (A9), the exclusivity of
self-built agendas and event passes (A2), swaps, group entries and their fairness rule,
session check-in, and the segment querysets (A8)."""

import pytest
from django.urls import reverse

from rideau.catalog import services as catalog
from rideau.core.errors import ValidationFailed
from rideau.core.models import AuditLogEntry, DomainEventRecord
from rideau.events import services as events
from rideau.events.models import Event
from rideau.inventory.models import Hold, Quota
from rideau.inventory.queries import check_integrity
from rideau.messaging.models import OutboxMessage
from rideau.programme import services as programme
from rideau.registration import queries, services
from rideau.registration.errors import RegistrationError
from rideau.registration.models import AgendaSettings, Registration, WaitlistEntry
from rideau.registration.queries import kept_places
from rideau.registration.waitlists import position
from tests.factories import EventFactory

from .conftest import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def gala(organizer, actor):
    """An on-site event with event-level registration and an event-wide capacity of 2."""
    event = EventFactory(organizer=organizer, kind=Event.Kind.ONSITE, visibility="public")
    Quota.objects.create(organizer=organizer, event=event, name="Gala", size=2)
    services.update_settings(
        event,
        actor=actor,
        waitlist=True,
        promotion="offer",
        offer_hours=24,
        event_registration=True,
    )
    return event


def test_event_level_registration_takes_the_event_capacity_through_the_engine(gala):
    a = services.register_event(gala, email="a@example.org")
    services.register_event(gala, email="b@example.org")
    assert a.session is None and a.hold.state == Hold.State.CONFIRMED
    assert Quota.objects.get(event=gala).taken == 2
    assert queries.event_places_left(gala) == 0
    with pytest.raises(RegistrationError) as exc:
        services.register_event(gala, email="c@example.org")
    assert exc.value.code == "full"
    with pytest.raises(RegistrationError) as again:
        services.register_event(gala, email="A@example.org")
    assert again.value.code == "already_registered"
    assert "registered to" in OutboxMessage.objects.get(to=["a@example.org"]).text()
    assert check_integrity()[1] == []


def test_the_event_waitlist_offers_freed_places_in_order(gala):
    first_reg = services.register_event(gala, email="a@example.org")
    services.register_event(gala, email="b@example.org")
    first = services.join_waitlist(gala, email="w1@example.org")
    second = services.join_waitlist(gala, email="w2@example.org")
    assert (first.session, position(first), position(second)) == (None, 1, 2)

    services.cancel(first_reg)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == "offered" and second.state == "waiting" and position(second) == 1
    assert first.hold.kind == Hold.Kind.OFFER
    assert Quota.objects.get(event=gala).taken == 2  # never free for a newcomer
    with pytest.raises(RegistrationError):
        services.register_event(gala, email="late@example.org")
    assert OutboxMessage.objects.filter(to=["w1@example.org"], subject__contains="waiting").exists()
    registration = services.accept_offer(first)
    assert registration.session is None and registration.event == gala
    assert DomainEventRecord.objects.filter(
        name="registration.waitlist_offer_made", payload__event_id=gala.pk
    ).exists()
    assert check_integrity()[1] == []


def test_a_ticket_cancellation_on_the_event_capacity_feeds_the_event_waitlist(gala, organizer):
    """One capacity for the event: places freed by any holder go to its waitlist first."""
    from rideau.inventory import services as engine

    hold = engine.take(
        organizer=organizer,
        items=[engine.HoldRequest(quantity=2, event=gala)],
        expires_at=None,
        owner_ref="order:1",
    )[0]
    entry = services.join_waitlist(gala, email="w@example.org")
    engine.release([hold])
    entry.refresh_from_db()
    assert entry.state == "offered"


def test_event_level_pages_register_and_join_the_waitlist(gala, client, owner_client):
    url = reverse("web:agenda", args=[gala.organizer.slug, gala.slug])
    page = client.get(url)
    assert page.status_code == 200 and "2 places left" in page.content.decode()
    done = client.post(url, {"email": "a@example.org", "action": "register"}, follow=True)
    assert "link to your agenda" in done.content.decode()
    assert "/agenda/me/" not in done.content.decode()  # by e-mail only
    client.post(url, {"email": "b@example.org", "action": "register"})
    full = client.get(url).content.decode()
    assert "Join the waitlist" in full
    client.post(url, {"email": "w@example.org", "action": "wait"})
    entry = WaitlistEntry.objects.get()
    mine = client.get(services.agenda_url(entry.contact, gala)).content.decode()
    assert "Position 1 on the waitlist" in mine and "Registered to" not in mine
    bad = client.post(url, {"email": "nope", "action": "wait"})
    assert bad.status_code == 200 and WaitlistEntry.objects.count() == 1

    staff = reverse("web:registrations-event-level", args=[gala.organizer.slug, gala.slug])
    listing = owner_client.get(staff).content.decode()
    assert "a@example.org" in listing and "w@example.org" in listing
    reg = Registration.objects.get(contact__email="a@example.org")
    owner_client.post(staff, {"action": "remove", "id": reg.pk})
    assert WaitlistEntry.objects.get().state == "offered"


def test_a2_a_pass_switches_the_self_built_agenda_off_audited(conference, actor, owner_client):
    catalog.create_product(
        conference.organizer, actor=actor, name="Ticket", event=conference, kind="ticket"
    )
    conference.refresh_from_db()
    assert conference.self_agenda
    catalog.create_product(
        conference.organizer, actor=actor, name="Day pass", event=conference, kind="pass"
    )
    conference.refresh_from_db()
    assert not conference.self_agenda
    assert AuditLogEntry.objects.filter(action="event.self_agenda_off").exists()
    with pytest.raises(ValidationFailed) as exc:
        events.update_event(conference, actor=actor, self_agenda=True)
    assert "passes" in str(exc.value.errors["self_agenda"])
    with pytest.raises(RegistrationError) as refused:
        services.register(conference, email="a@example.org", sessions=[])
    assert refused.value.code == "not_self_agenda"
    page = owner_client.get(
        reverse("web:events-admin-edit", args=[conference.organizer.slug, conference.slug])
    ).content.decode()
    assert "while passes exist" in page


def test_a2_the_page_says_the_setting_was_switched_off(conference, owner_client):
    url = reverse("web:events-admin-rates", args=[conference.organizer.slug, conference.slug])
    answer = owner_client.post(
        url,
        {
            "form": "product",
            "product-name_en": "Pass",
            "product-kind": "pass",
            "product-max_per_order": 10,
            "product-active": "on",
            "product-position": 0,
        },
        follow=True,
    )
    conference.refresh_from_db()
    assert not conference.self_agenda
    assert "can no longer build their own agenda" in answer.content.decode()


def test_event_level_and_self_agenda_are_exclusive(conference, actor):
    with pytest.raises(ValidationFailed):
        services.update_settings(
            conference,
            actor=actor,
            waitlist=True,
            promotion="offer",
            offer_hours=2,
            event_registration=True,
        )
    with pytest.raises(RegistrationError):
        services.join_waitlist(conference, email="a@example.org")


# --- swaps ---------------------------------------------------------------------------------


def test_a_swap_takes_y_and_gives_x_to_x_waitlist_atomically(conference, actor):
    x = make_session(conference, actor, hours=(0, 1), capacity=1, title="X")
    y = make_session(conference, actor, hours=(0, 1), capacity=1, title="Y")  # same time
    (mover,) = services.register(conference, email="m@example.org", sessions=[x.pk]).registrations
    (holder,) = services.register(conference, email="h@example.org", sessions=[y.pk]).registrations
    swap = services.ask_swap(mover, y)
    x_waiting = services.register(conference, email="xw@example.org", waitlist=[x.pk]).waiting[0]

    services.cancel(holder)  # a place frees in Y

    swap.refresh_from_db()
    mover.refresh_from_db()
    x_waiting.refresh_from_db()
    assert swap.state == "registered"  # no clash: X is left in the same transaction
    assert mover.state == "cancelled"
    assert Registration.objects.get(contact=mover.contact, session=y, state="registered")
    assert x_waiting.state == "offered"  # X's freed place went to X's waitlist
    assert Quota.objects.get(session=x).taken == 1 and Quota.objects.get(session=y).taken == 1
    mail = OutboxMessage.objects.get(to=["m@example.org"], subject__contains="freed up")
    assert "“X”" in mail.text()
    assert check_integrity()[1] == []


def test_a_swap_is_refused_for_a_registration_of_another_event(conference, actor, organizer):
    x = make_session(conference, actor, capacity=1)
    other = EventFactory(organizer=organizer, self_agenda=True)
    y = make_session(other, actor, capacity=1)
    (reg,) = services.register(conference, email="m@example.org", sessions=[x.pk]).registrations
    with pytest.raises(RegistrationError):
        services.ask_swap(reg, y)


# --- groups --------------------------------------------------------------------------------


def _filled(conference, actor, *, capacity, taken, promotion, rule=None):
    """A session of `capacity` places, `taken` of them registered, under these settings."""
    services.update_settings(
        conference,
        actor=actor,
        waitlist=True,
        promotion=promotion,
        offer_hours=24,
        group_rule=rule,
    )
    talk = make_session(conference, actor, capacity=capacity)
    regs = [
        services.register(conference, email=f"in{i}@example.org", sessions=[talk.pk]).registrations[
            0
        ]
        for i in range(taken)
    ]
    return talk, regs


def _group_setup(conference, actor, rule):
    talk, regs = _filled(conference, actor, capacity=3, taken=3, promotion="direct", rule=rule)
    group = services.join_waitlist(talk, email="group@example.org", seats=2, actor=actor)
    single = services.join_waitlist(talk, email="single@example.org")
    return talk, regs, group, single


def test_strict_order_nobody_passes_a_waiting_group(conference, actor):
    talk, regs, group, single = _group_setup(conference, actor, AgendaSettings.GroupRule.STRICT)
    services.cancel(regs[0])  # one place: the group needs two
    group.refresh_from_db()
    single.refresh_from_db()
    assert group.state == single.state == "waiting"
    assert queries.places_left([talk])[talk.pk] == 0  # the one place is kept for the group
    assert kept_places([group]) == {group.pk: 1}
    with pytest.raises(RegistrationError):  # newcomers do not pass it either
        services.register(conference, email="new@example.org", sessions=[talk.pk])
    services.cancel(regs[1])  # two places: the group gets both at once
    group.refresh_from_db()
    assert group.state == "registered"
    assert Registration.objects.get(contact=group.contact, session=talk).seats == 2
    assert Quota.objects.get(session=talk).taken == 3
    assert check_integrity()[1] == []


def test_fill_places_first_a_smaller_later_entry_fits(conference, actor):
    _talk, regs, group, single = _group_setup(conference, actor, AgendaSettings.GroupRule.FILL)
    services.cancel(regs[0])
    group.refresh_from_db()
    single.refresh_from_db()
    assert group.state == "waiting" and single.state == "registered"
    assert position(group) == 1  # the group keeps its position
    services.cancel(regs[1])
    group.refresh_from_db()
    assert group.state == "waiting"  # one place only
    services.cancel(regs[2])
    group.refresh_from_db()
    assert group.state == "registered"


def test_a_group_joining_while_places_are_free_has_them_kept(conference, actor):
    """Strict: a group of three joins a session with one place free; the place is held for
    it through the engine (a `kept` hold), so a newcomer finds the session full; when two
    more places free, the group gets its three at once and the kept hold is gone."""
    talk, regs = _filled(conference, actor, capacity=4, taken=3, promotion="offer")
    group = services.join_waitlist(talk, email="group@example.org", seats=3, actor=actor)
    assert group.state == "waiting" and kept_places([group]) == {group.pk: 1}
    kept = Hold.objects.get(owner_ref=f"kept:{group.pk}")
    assert (kept.kind, kept.state, kept.quantity) == (Hold.Kind.KEPT, Hold.State.CONFIRMED, 1)
    with pytest.raises(RegistrationError) as full:
        services.register(conference, email="new@example.org", sessions=[talk.pk])
    assert full.value.code == "full"
    services.cancel(regs[0])
    group.refresh_from_db()
    assert group.state == "waiting" and kept_places([group]) == {group.pk: 2}
    services.cancel(regs[1])
    group.refresh_from_db()
    assert group.state == "offered" and group.hold.quantity == 3
    assert kept_places([group]) == {}
    assert Quota.objects.get(session=talk).taken == 4
    registration = services.accept_offer(group)
    assert registration.seats == 3 and registration.hold.quantity == 3
    assert check_integrity()[1] == []


def test_a_group_joining_where_it_fits_is_served_at_once(conference, actor):
    """Places free for the whole group while someone ahead cannot take them (a clash):
    served in order as the group joins, not kept idle."""
    services.update_settings(
        conference, actor=actor, waitlist=True, promotion="offer", offer_hours=24
    )
    talk = make_session(conference, actor, capacity=1, hours=(0, 1))
    services.register(conference, email="in@example.org", sessions=[talk.pk])
    clashing = make_session(conference, actor, capacity=5, hours=(0, 1), title="Clash")
    services.register(conference, email="ahead@example.org", sessions=[clashing.pk])
    ahead = services.join_waitlist(talk, email="ahead@example.org")
    Quota.objects.filter(session=talk).update(size=3)  # two places appear, nobody reported
    group = services.join_waitlist(talk, email="group@example.org", seats=2, actor=actor)
    ahead.refresh_from_db()
    assert ahead.state == "waiting"  # skipped for the clash, keeps their position
    assert group.state == "offered" and group.hold.quantity == 2
    assert check_integrity()[1] == []


def test_a_removed_group_gives_its_kept_places_to_the_next_in_line(conference, actor):
    talk, regs, group, single = _group_setup(conference, actor, AgendaSettings.GroupRule.STRICT)
    services.cancel(regs[0])
    assert kept_places([group]) == {group.pk: 1}
    services.remove_from_waitlist(group, actor=actor)
    single.refresh_from_db()
    assert single.state == "registered"  # the event promotes directly
    assert kept_places([group]) == {}
    assert Quota.objects.get(session=talk).taken == 3
    assert check_integrity()[1] == []


def test_switching_the_group_rule_frees_or_keeps_the_places(conference, actor):
    talk, regs, group, single = _group_setup(conference, actor, AgendaSettings.GroupRule.STRICT)

    def rule(group_rule):
        services.update_settings(
            conference,
            actor=actor,
            waitlist=True,
            promotion="direct",
            offer_hours=24,
            group_rule=group_rule,
        )

    services.cancel(regs[0])
    assert kept_places([group]) == {group.pk: 1}
    rule(AgendaSettings.GroupRule.FILL)
    single.refresh_from_db()
    assert single.state == "registered" and kept_places([group]) == {}  # fill: smaller fits
    services.cancel(regs[1])  # one place free under the group, fill rule: nobody kept it
    assert queries.places_left([talk])[talk.pk] == 1
    rule(AgendaSettings.GroupRule.STRICT)
    assert kept_places([group]) == {group.pk: 1}
    assert queries.places_left([talk])[talk.pk] == 0
    assert check_integrity()[1] == []


def test_staff_invite_a_group_with_its_kept_places(conference, actor):
    talk, regs, group, _single = _group_setup(conference, actor, AgendaSettings.GroupRule.STRICT)
    services.cancel(regs[0])
    with pytest.raises(RegistrationError) as full:  # one kept place, two needed
        services.invite(group, actor=actor)
    assert full.value.code == "full"
    assert kept_places([group]) == {group.pk: 1}  # the refusal changed nothing
    Quota.objects.filter(session=talk).update(size=4)  # staff-made room, nobody reported
    services.invite(group, actor=actor)
    group.refresh_from_db()
    assert group.state == "offered" and group.hold.quantity == 2
    assert kept_places([group]) == {}
    assert check_integrity()[1] == []


def test_the_session_page_shows_the_places_kept_for_a_group(conference, actor, owner_client):
    talk, regs, _group, _single = _group_setup(conference, actor, AgendaSettings.GroupRule.STRICT)
    services.cancel(regs[0])
    url = reverse(
        "web:registrations-session", args=[conference.organizer.slug, conference.slug, talk.pk]
    )
    page = owner_client.get(url).content.decode()
    assert "1 place kept" in page
    owner_client.cookies["django_language"] = "fr"
    assert "1 place réservée" in owner_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()


def test_staff_registering_a_waiting_group_member_uses_the_kept_places(conference, actor):
    """Staff register the group's contact (one place): a place kept for the group serves
    it, and the entry behind gets the other kept place."""
    talk, regs = _filled(conference, actor, capacity=4, taken=4, promotion="direct")
    trio = services.join_waitlist(talk, email="trio@example.org", seats=3, actor=actor)
    single = services.join_waitlist(talk, email="single@example.org")
    services.cancel(regs[0])
    services.cancel(regs[1])
    assert kept_places([trio]) == {trio.pk: 2}
    services.staff_register(talk, actor=actor, email="trio@example.org")
    trio.refresh_from_db()
    single.refresh_from_db()
    assert trio.state == "registered" and kept_places([trio]) == {}
    assert single.state == "registered"
    assert Quota.objects.get(session=talk).taken == 4
    assert check_integrity()[1] == []


def test_staff_register_a_waiting_group_with_all_its_places(conference, actor, owner_client):
    """*Register* on a group's waitlist entry registers all its places at once: its kept
    places and, the session being full otherwise, beyond capacity with a reason."""
    talk, regs = _filled(conference, actor, capacity=4, taken=4, promotion="offer")
    trio = services.join_waitlist(talk, email="trio@example.org", seats=3, actor=actor)
    services.cancel(regs[0])
    services.cancel(regs[1])
    assert kept_places([trio]) == {trio.pk: 2}
    url = reverse(
        "web:registrations-session", args=[conference.organizer.slug, conference.slug, talk.pk]
    )
    refused = owner_client.post(url, {"action": "promote", "id": trio.pk}, follow=True)
    assert "give a reason to register beyond capacity" in refused.content.decode()
    assert kept_places([trio]) == {trio.pk: 2}  # the refusal changed nothing
    owner_client.post(url, {"action": "promote", "id": trio.pk, "override_reason": "School"})
    trio.refresh_from_db()
    registration = Registration.objects.get(contact=trio.contact, session=talk)
    assert trio.state == "registered" and registration.seats == 3 and registration.override
    assert kept_places([trio]) == {}
    assert Quota.objects.get(session=talk).taken == 5  # one beyond the size of four
    assert check_integrity()[1] == []


def test_staff_add_a_group_from_the_session_page(conference, actor, owner_client):
    talk, _regs = _filled(conference, actor, capacity=4, taken=1, promotion="offer")
    url = reverse(
        "web:registrations-session", args=[conference.organizer.slug, conference.slug, talk.pk]
    )
    page = owner_client.get(url).content.decode()
    assert "Places (a group: all at once)" in page
    owner_client.post(url, {"action": "add", "add-email": "duo@example.org", "add-seats": "2"})
    assert Registration.objects.get(contact__email="duo@example.org").seats == 2
    bad = owner_client.post(url, {"action": "add", "add-email": "x@example.org", "add-seats": "99"})
    assert "less than or equal to 50" in bad.content.decode()
    assert Quota.objects.get(session=talk).taken == 3


def test_an_event_waitlist_group_keeps_the_event_places(gala, actor):
    a = services.register_event(gala, email="a@example.org")
    services.register_event(gala, email="b@example.org")
    group = services.join_waitlist(gala, email="group@example.org", seats=2, actor=actor)
    services.cancel(a)
    assert kept_places([group]) == {group.pk: 1}
    with pytest.raises(RegistrationError) as full:
        services.register_event(gala, email="new@example.org")
    assert full.value.code == "full"
    assert check_integrity()[1] == []


def test_a_group_entry_needs_a_sane_size(conference, actor):
    talk = make_session(conference, actor, capacity=1)
    services.register(conference, email="a@example.org", sessions=[talk.pk])
    with pytest.raises(RegistrationError) as exc:
        services.join_waitlist(talk, email="g@example.org", seats=0)
    assert exc.value.code == "bad_seats"


# --- check-in ------------------------------------------------------------------------------


def test_session_check_in_marks_attendance_and_counts_present(conference, actor, owner_client):
    talk = make_session(conference, actor, capacity=5)
    (reg,) = services.register(conference, email="a@example.org", sessions=[talk.pk]).registrations
    services.register(conference, email="b@example.org", sessions=[talk.pk])
    url = reverse(
        "web:registrations-session", args=[conference.organizer.slug, conference.slug, talk.pk]
    )
    owner_client.post(url, {"action": "present", "id": reg.pk})
    reg.refresh_from_db()
    assert reg.attended
    assert AuditLogEntry.objects.filter(action="registration.attended").exists()
    assert "2 registered · 1 present" in owner_client.get(url).content.decode()
    listing = owner_client.get(
        reverse("web:registrations", args=[conference.organizer.slug, conference.slug])
    ).content.decode()
    assert "Present" in listing
    (row,) = queries.registration_counts(conference)
    assert (row["n"], row["present"]) == (2, 1)
    owner_client.post(url, {"action": "absent", "id": reg.pk})
    reg.refresh_from_db()
    assert not reg.attended


# --- segments (A8) -------------------------------------------------------------------------


def test_segments_select_registered_waitlisted_and_invited_people_in_sql(
    conference, actor, django_assert_num_queries
):
    talk = make_session(conference, actor, capacity=1)
    other = make_session(conference, actor, hours=(3, 4), capacity=5)
    (reg,) = services.register(conference, email="r@example.org", sessions=[talk.pk]).registrations
    services.register(conference, email="o@example.org", sessions=[other.pk])
    services.register(conference, email="w1@example.org", waitlist=[talk.pk])
    services.register(conference, email="w2@example.org", waitlist=[talk.pk])

    def emails(qs):
        with django_assert_num_queries(1):
            return sorted(qs.values_list("email", flat=True))

    assert emails(queries.registered_contacts(session=talk)) == ["r@example.org"]
    assert emails(queries.waitlisted_contacts(session=talk)) == ["w1@example.org", "w2@example.org"]
    assert emails(queries.invited_contacts(session=talk)) == []
    services.cancel(reg)
    assert emails(queries.invited_contacts(session=talk)) == ["w1@example.org"]
    assert emails(queries.segment("waitlisted", session=talk)) == ["w2@example.org"]
    assert emails(queries.registered_contacts(event=conference, any_session=True)) == [
        "o@example.org"
    ]
    assert emails(queries.registered_contacts(event=conference)) == []  # not event-level
    with pytest.raises(ValueError):
        queries.segment("bogus", session=talk)


def test_waitlist_events_declare_a_trigger_label_and_a_contact():
    from rideau.registration.domain_events import RegistrationConfirmed, WaitlistOfferMade

    for kind in (WaitlistOfferMade, RegistrationConfirmed):
        assert str(kind.trigger_label)
        assert "contact_id" in kind.__dataclass_fields__


def test_the_event_page_links_the_event_level_registration(gala, client):
    gala.capacity = 2
    gala.save()
    page = client.get(reverse("web:event", args=[gala.organizer.slug, gala.slug])).content.decode()
    assert reverse("web:agenda", args=[gala.organizer.slug, gala.slug]) in page


def test_an_invitation_needs_free_places_and_growth_offers_in_order(conference, actor):
    talk = make_session(conference, actor, capacity=1)
    (reg,) = services.register(conference, email="a@example.org", sessions=[talk.pk]).registrations
    first = services.register(conference, email="w1@example.org", waitlist=[talk.pk]).waiting[0]
    second = services.register(conference, email="w2@example.org", waitlist=[talk.pk]).waiting[0]
    with pytest.raises(RegistrationError) as full:
        services.invite(second, actor=actor)
    assert full.value.code == "full"
    programme.update_session(talk, actor=actor, capacity=2)  # the first gets the new place
    first.refresh_from_db()
    assert first.state == "offered"
    programme.update_session(talk, actor=actor, capacity=3)
    # the next place made by growing the session goes to the next in line
    second.refresh_from_db()
    assert second.state == "offered"
    third = services.join_waitlist(talk, email="w3@example.org", actor=actor)
    assert third.state == "waiting"
    services.cancel(reg)  # the freed place goes to the third at once
    third.refresh_from_db()
    assert third.state == "offered"


def test_staff_invite_from_the_session_page(conference, actor, owner_client):
    talk = make_session(conference, actor, capacity=1)
    services.register(conference, email="a@example.org", sessions=[talk.pk])
    entry = services.register(conference, email="w@example.org", waitlist=[talk.pk]).waiting[0]
    url = reverse(
        "web:registrations-session", args=[conference.organizer.slug, conference.slug, talk.pk]
    )
    refused = owner_client.post(url, {"action": "invite", "id": entry.pk}, follow=True)
    assert "is full" in refused.content.decode()
    # a place appears without anyone freeing it through the hook: staff-made room
    Quota.objects.filter(session=talk).update(size=2)
    owner_client.post(url, {"action": "invite", "id": entry.pk})
    entry.refresh_from_db()
    assert entry.state == "offered" and entry.hold.kind == Hold.Kind.OFFER
    assert AuditLogEntry.objects.filter(action="waitlist.invited").exists()
    assert OutboxMessage.objects.filter(to=["w@example.org"], subject__contains="waiting").exists()


def test_asking_for_a_move_from_my_agenda(conference, actor, client):
    x = make_session(conference, actor, hours=(0, 1), capacity=5, title="Xavier")
    y = make_session(conference, actor, hours=(0, 1), capacity=1, title="Yolanda")
    (mine,) = services.register(conference, email="m@example.org", sessions=[x.pk]).registrations
    services.register(conference, email="h@example.org", sessions=[y.pk])
    link = services.agenda_url(mine.contact, conference)
    page = client.get(link).content.decode()
    assert "Move me to a full session" in page and "Yolanda" in page
    client.post(link, {"action": "swap", "id": mine.pk, "target": y.pk})
    entry = WaitlistEntry.objects.get(contact=mine.contact)
    assert entry.session == y and entry.swap_from == mine
    assert "You will be moved from" in client.get(link).content.decode()
    assert client.post(link, {"action": "swap", "id": mine.pk, "target": 0}).status_code == 404


def test_the_ical_feed_of_an_event_level_registration_lists_the_event_dates(gala, client):
    from tests.factories import EventDateFactory

    EventDateFactory(event=gala)
    EventDateFactory(event=gala, is_cancelled=True)
    reg = services.register_event(gala, email="a@example.org")
    token = services.agenda_token(reg.contact, gala)
    feed = client.get(reverse("web:agenda-ical", args=[gala.organizer.slug, gala.slug, token]))
    assert feed.status_code == 200
    assert feed.content.decode().count("BEGIN:VEVENT") == 1


def test_joining_the_event_waitlist_confirms_by_e_mail_with_the_position(gala, client):
    services.register_event(gala, email="a@example.org")
    services.register_event(gala, email="b@example.org")
    services.join_waitlist(gala, email="w1@example.org")
    url = reverse("web:agenda", args=[gala.organizer.slug, gala.slug])

    client.post(url, {"email": "w2@example.org", "action": "wait"})

    message = OutboxMessage.objects.get(to=["w2@example.org"])
    assert "waitlist" in message.subject
    text = message.text()
    assert "waitlist of" in text and "position on the waitlist: 2" in text
    entry = WaitlistEntry.objects.get(contact__email="w2@example.org")
    assert services.agenda_url(entry.contact, gala) in text


def test_a_group_on_the_event_waitlist_is_told_its_places(gala, actor):
    services.register_event(gala, email="a@example.org")
    services.register_event(gala, email="b@example.org")

    services.join_waitlist(gala, email="group@example.org", seats=3, actor=actor)

    text = OutboxMessage.objects.get(to=["group@example.org"]).text()
    assert "You wait for 3 places" in text


def test_people_waiting_for_the_event_count_a_group_by_its_size(gala, actor, client):
    services.register_event(gala, email="a@example.org")
    services.register_event(gala, email="b@example.org")
    services.join_waitlist(gala, email="group@example.org", seats=3, actor=actor)
    services.join_waitlist(gala, email="w@example.org")

    assert queries.people_waiting(gala) == 4
    page = client.get(reverse("web:agenda", args=[gala.organizer.slug, gala.slug]))
    assert "4 people waiting" in page.content.decode()


def test_an_event_offer_never_outlasts_the_event_start(gala):
    import datetime

    from tests.factories import EventDateFactory

    date = EventDateFactory(event=gala)
    first_reg = services.register_event(gala, email="a@example.org")
    services.register_event(gala, email="b@example.org")
    first = services.join_waitlist(gala, email="w1@example.org")
    second = services.join_waitlist(gala, email="w2@example.org")

    services.cancel(first_reg, now=date.start - datetime.timedelta(hours=3))

    first.refresh_from_db()
    assert first.state == "offered" and first.offer_expires == date.start
    services.cancel(
        Registration.objects.get(contact__email="b@example.org"),
        now=date.start + datetime.timedelta(minutes=1),
    )
    second.refresh_from_db()
    assert second.state == "waiting"  # the event has begun: no offer
    assert queries.event_places_left(gala) == 1
