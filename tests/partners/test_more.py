"""Badges admitted at check-in, discount code uses (B11), hosted sessions' counts (B8),
contact sharing (B12) and sales contacts managing their meetings (B4)."""

import pytest
from django.test import Client

from rideau.accounts.models import Account
from rideau.checkin import services as checkin
from rideau.core.errors import ValidationFailed
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import SalesChannel
from rideau.orders.services import Buyer, OrderLine, place_order
from rideau.partners import leads, meetings, portal, queries, services
from rideau.partners.badges import badge_code
from rideau.partners.errors import PartnerError
from rideau.registration.models import Registration
from tests.accounts.conftest import log_in_account, make_orders
from tests.factories import (
    CheckinListFactory,
    ContactFactory,
    SessionFactory,
    VoucherFactory,
)

from .conftest import listed_attendee, slot_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def cyrano(organizer, actor):
    """Make_orders' event (Ada holds paid tickets) with one partner."""
    world = make_orders(organizer)
    event = world.paid.event
    partner = services.create_partner(
        event, actor=actor, name="Acme", slug="acme", admin_email="wile@acme.example"
    )
    return world, event, partner


def test_a_team_member_with_a_ticket_gets_a_badge_the_check_in_admits(cyrano, actor):
    world, event, partner = cyrano
    ada = services.add_member(partner, actor=actor, email="ada@school.example", role="attendee")
    checkin_list = CheckinListFactory(event=event)

    code = badge_code(ada)
    at_the_door = world.paid.positions.first().date.start  # within the entry window
    result = checkin.scan(checkin_list=checkin_list, secret=code, actor=None, now=at_the_door)

    assert code in {p.secret for p in world.paid.positions.all()}
    assert result.result == "valid"
    assert badge_code(partner.team.get(role="admin")) == partner.team.get(role="admin").badge_code


def test_discount_code_uses_show_buyer_attendee_and_presence(cyrano, actor, organizer):
    world, event, partner = cyrano
    voucher = VoucherFactory(organizer=organizer, code="ACME10")
    services.assign_voucher(partner, actor=actor, voucher=voucher)
    date = event.dates.first()
    rate = world.paid.positions.first().rate
    order = place_order(
        organizer,
        event=event,
        lines=[OrderLine(rate=rate, quantity=1, date=date)],
        buyer=Buyer(email="bob@example.net", name="Bob Buyer"),
        channel=SalesChannel.BOX_OFFICE,
        provider="cash",
        paid=True,
        voucher_code="ACME10",
    )
    position = order.positions.get()
    position.attendee_name = "Carla Attendee"
    position.save()
    checkin.scan(
        checkin_list=CheckinListFactory(event=event),
        secret=position.secret,
        actor=None,
        now=date.start,
    )

    anonymous = queries.voucher_uses(partner)
    meetings.set_listing(event, order.contact, listed=True)  # Bob consents, keeps his e-mail
    uses = queries.voucher_uses(partner)

    assert [(u["code"], u["buyer"], u["attendee"], u["present"]) for u in anonymous] == [
        ("ACME10", "—", "—", True)
    ]
    assert [(u["code"], u["buyer"], u["attendee"], u["present"]) for u in uses] == [
        ("ACME10", "Bob Buyer", "Carla Attendee", True)
    ]
    assert (uses[0]["buyer_email"], uses[0]["attendee_email"]) == ("", "")
    assert (
        queries.voucher_uses(
            services.create_partner(
                event, actor=actor, name="Other", slug="other", admin_email="o@other.example"
            )
        )
        == []
    )


def test_hosted_sessions_count_registered_and_present_and_take_speakers(fair, actor):
    session = SessionFactory(event=fair.event, capacity=None)
    hosted = services.host_session(fair.acme, actor=actor, session=session)
    for i in range(3):
        contact = ContactFactory(organizer=fair.event.organizer, email=f"p{i}@example.org")
        Registration.objects.create(
            organizer=fair.event.organizer,
            event=fair.event,
            session=session,
            contact=contact,
            attended=i == 0,
        )
    sales = services.add_member(fair.acme, actor=actor, email="s@acme.example", role="sales")

    portal.update_hosted_session(
        hosted, member=fair.acme_admin, pitch="Our case study", speakers=[sales]
    )
    [row] = queries.hosted_sessions(fair.acme)

    assert (row.registered, row.present) == (3, 1)
    assert [s.pk for s in row.speakers.all()] == [sales.pk]
    with pytest.raises(ValidationFailed):
        portal.update_hosted_session(
            hosted, member=fair.acme_admin, pitch="", speakers=[fair.globex_admin]
        )


def test_an_attendee_who_shares_details_with_one_partner_is_a_lead_of_that_partner_only(
    fair, actor
):
    services.update_settings(fair.event, actor=actor, leads_open=True)
    guest = services.add_member(fair.globex, actor=actor, email="g@globex.example")
    meetings.write_to_partner(
        fair.acme, contact=guest.contact, message="Call me about lights", share=True
    )

    lead = leads.scan(fair.acme, member=fair.acme_admin, code=guest.badge_code)
    with pytest.raises(PartnerError, match="not_listed"):
        leads.scan(fair.globex, member=fair.globex_admin, code=guest.badge_code)
    data = queries.leads_data(fair.acme)

    assert lead.contact == guest.contact
    assert [(s.contact.email, s.message) for s in data.shares] == [
        ("g@globex.example", "Call me about lights")
    ]


def test_a_message_without_sharing_from_an_unlisted_attendee_stays_hidden(fair):
    quiet = ContactFactory(organizer=fair.event.organizer, email="quiet@example.org")
    meetings.write_to_partner(fair.acme, contact=quiet, message="Just a question", share=False)

    assert queries.leads_data(fair.acme).shares == []


def test_a_sales_contact_allowed_by_the_organiser_manages_meetings_from_the_personal_space(
    fair, actor
):
    sales = services.add_member(
        fair.acme, actor=actor, email="sal@acme.example", role="sales", may_manage_meetings=True
    )
    ada = listed_attendee(fair)
    meeting = meetings.propose(
        fair.acme, member=fair.acme_admin, contact=ada, slot=slot_for(fair, fair.acme)
    )
    client = Client()
    log_in_account(
        client, Account.objects.create(organizer=fair.event.organizer, contact=sales.contact)
    )
    url = f"/{fair.event.organizer.slug}/account/meetings/"

    assert "Meetings of my company" in client.get(url).content.decode()
    client.post(url, {"action": "cancel", "meeting": str(meeting.pk)})

    meeting.refresh_from_db()
    assert meeting.state == "cancelled"


def test_a_sales_contact_without_the_permission_cannot_cancel(fair, actor):
    sales = services.add_member(fair.acme, actor=actor, email="sal@acme.example", role="sales")
    ada = listed_attendee(fair)
    meeting = meetings.propose(
        fair.acme, member=fair.acme_admin, contact=ada, slot=slot_for(fair, fair.acme)
    )

    with pytest.raises(PartnerError):
        meetings.cancel(meeting, member=sales)
    meeting.refresh_from_db()
    assert meeting.state == "proposed"


def test_a_listed_attendee_asks_for_a_meeting_and_the_partner_accepts_it(fair, acme_client):
    services.ensure_tabs(fair.event)
    ada = listed_attendee(fair)
    quiet = listed_attendee(fair, "quiet@example.org", listed=False)
    slot = slot_for(fair, fair.acme)
    client = Client()
    log_in_account(client, Account.objects.create(organizer=fair.event.organizer, contact=ada))
    url = f"/{fair.event.organizer.slug}/account/meetings/"
    assert "Ask a partner for a meeting" in client.get(url).content.decode()

    with pytest.raises(PartnerError, match="not_listed"):
        meetings.request_meeting(slot, contact=quiet)
    client.post(url, {"action": "request", "slot": str(slot.pk), "message": "Demo please"})
    meeting = fair.acme.meetings.get()
    assert (meeting.origin, meeting.state, meeting.message) == (
        "attendee",
        "proposed",
        "Demo please",
    )
    told = OutboxMessage.objects.get(to=["wile@acme.example"])
    assert "Demo please" in told.body_text
    assert "/expo/partners/acme/meetings/" in told.body_text
    with pytest.raises(PartnerError):
        meetings.answer(meeting, contact=ada, accept=True)  # not hers to accept
    acme_client.post(
        f"/{fair.event.organizer.slug}/expo/partners/acme/meetings/",
        {"meeting": str(meeting.pk), "action": "accept"},
    )

    meeting.refresh_from_db()
    slot.refresh_from_db()
    assert meeting.state == "accepted"
    assert slot.meeting == meeting
