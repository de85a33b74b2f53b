"""A trade fair with two partners, each with an administrator, and attendees."""

import datetime
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from rideau.core.access import Actor
from rideau.events.models import Event
from rideau.partners import services
from rideau.partners.models import Partner, PartnerLevel, TeamMember
from rideau.web.portal.session import SESSION_KEY
from tests.factories import ContactFactory, EventFactory


@dataclass
class Fair:
    event: Event
    gold: PartnerLevel
    acme: Partner
    globex: Partner
    acme_admin: TeamMember
    globex_admin: TeamMember
    actor: Actor


def log_in_portal(client: Client, member: TeamMember) -> None:
    """Log `client` in to the member's partner portal, like `force_login` for staff."""
    session = client.session
    entries = dict(session.get(SESSION_KEY, {}))
    entries[str(member.partner_id)] = member.pk
    session[SESSION_KEY] = entries
    session.save()


@pytest.fixture
def fair(organizer, actor) -> Fair:
    event = EventFactory(organizer=organizer, slug="expo", name={"en": "Expo", "fr": "Expo"})
    services.update_settings(event, actor=actor, open_portal=True)
    gold = services.save_level(event, actor=actor, name="Gold", team_limit=3)
    acme = services.create_partner(
        event,
        actor=actor,
        name="Acme",
        slug="acme",
        level=gold,
        admin_email="wile@acme.example",
        admin_first_name="Wile",
        admin_last_name="Coyote",
    )
    globex = services.create_partner(
        event,
        actor=actor,
        name="Globex",
        slug="globex",
        admin_email="hank@globex.example",
        admin_first_name="Hank",
    )
    return Fair(
        event=event,
        gold=gold,
        acme=acme,
        globex=globex,
        acme_admin=acme.team.get(),
        globex_admin=globex.team.get(),
        actor=actor,
    )


@pytest.fixture
def acme_client(fair) -> Client:
    client = Client()
    log_in_portal(client, fair.acme_admin)
    return client


def listed_attendee(fair: Fair, email: str = "ada@example.org", *, listed: bool = True):
    from rideau.partners import meetings

    contact = ContactFactory(organizer=fair.event.organizer, email=email, first_name="Ada")
    meetings.set_listing(fair.event, contact, listed=listed, shares_details=listed)
    return contact


def slot_for(fair: Fair, partner: Partner, *, days: int = 10):
    from rideau.partners import meetings

    member = partner.team.filter(role="admin").first()
    space = partner.spaces.first() or meetings.add_space(partner, member=member, name="Stand")
    start = (timezone.now() + datetime.timedelta(days=days)).replace(second=0, microsecond=0)
    return meetings.add_slots(
        space, member=member, start=start, end=start + datetime.timedelta(minutes=30)
    )[0]
