"""Inviting a colleague to a team by e-mail: the user, the membership, the outbox e-mail."""

import re

import pytest

from rideau.accounts.staff import invite_to_team, resend_invitation
from rideau.core.access import Actor
from rideau.core.errors import PermissionDenied, RideauError, ValidationFailed
from rideau.core.models import AuditLogEntry, User
from rideau.core.roles import Role
from rideau.messaging.models import OutboxMessage
from tests.factories import OrganizerFactory, TeamFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganizerFactory(name="Opéra de Lune", slug="lune")


@pytest.fixture
def owner(org):
    return member(org, Role.OWNER, email="boss@example.org", full_name="Ana Boss")


def test_a_new_address_gets_a_user_without_password_and_an_invitation(org, owner, settings):
    settings.SITE_URL = "https://tickets.example"
    team = TeamFactory(organizer=org, name="Box office", role=Role.BOX_OFFICE)
    user, created = invite_to_team(
        actor=Actor(user=owner), team=team, email=" New@Example.org ", language="fr"
    )
    assert created
    assert (user.email, user.locale, user.has_usable_password()) == (
        "new@example.org",
        "fr",
        False,
    )
    assert list(team.members.all()) == [user]
    message = OutboxMessage.objects.get()
    assert (message.organizer, message.to, message.reply_to) == (
        None,  # the password link is a credential: in no organiser's mailbox
        ["new@example.org"],
        ["boss@example.org"],
    )
    assert message.subject == "Invitation à Opéra de Lune sur Rideau"  # the invitee's language
    assert "Ana Boss" in message.body_text and "Billetterie" in message.body_text
    links = re.findall(
        r"https://tickets\.example/control/password-reset/\S+/\S+/", message.body_text
    )
    assert len(links) == 1
    entry = AuditLogEntry.objects.get(action="team.member_added")
    assert entry.after == {"user": "new@example.org"}


def test_a_known_address_is_added_and_told(org, owner):
    known = UserFactory(email="known@example.org", locale="en")
    team = TeamFactory(organizer=org, name="Accounting", role=Role.READ_ONLY)
    user, created = invite_to_team(
        actor=Actor(user=owner), team=team, email="KNOWN@example.org", language="fr"
    )
    assert (user, created) == (known, False)
    message = OutboxMessage.objects.get()
    assert message.subject == "You now have access to Opéra de Lune"
    assert "“Accounting” (Read-only)" in message.body_text
    assert "/control/lune/" in message.body_text
    assert "password-reset" not in message.body_text


def test_refusals_write_nothing(org, owner):
    admin = member(org, Role.ADMIN)
    reader = member(org, Role.READ_ONLY)
    owners = org.teams.get(role=Role.OWNER)
    with pytest.raises(ValidationFailed) as exc:
        invite_to_team(actor=Actor(user=owner), team=owners, email="not an address", language="en")
    assert list(exc.value.errors) == ["email"]
    with pytest.raises(RideauError) as exc:
        invite_to_team(actor=Actor(user=owner), team=owners, email=owner.email, language="en")
    assert exc.value.code == "already_member"
    with pytest.raises(RideauError) as exc:
        invite_to_team(actor=Actor(user=admin), team=owners, email="x@example.org", language="en")
    assert exc.value.code == "owner_only"
    with pytest.raises(PermissionDenied):
        invite_to_team(actor=Actor(user=reader), team=owners, email="y@example.org", language="en")
    assert not User.objects.filter(email__in=["x@example.org", "y@example.org"]).exists()
    assert OutboxMessage.objects.count() == 0


def test_an_invitation_is_sent_again_only_to_who_has_no_password(org, owner):
    team = TeamFactory(organizer=org, role=Role.CHECKIN)
    user, _created = invite_to_team(
        actor=Actor(user=owner), team=team, email="door@example.org", language="en"
    )
    resend_invitation(actor=Actor(user=owner), team=team, user=user)
    assert OutboxMessage.objects.count() == 2
    assert AuditLogEntry.objects.filter(action="team.invitation_sent").count() == 1
    with pytest.raises(RideauError) as exc:
        resend_invitation(actor=Actor(user=owner), team=team, user=owner)
    assert exc.value.code == "not_member"
    user.set_password("a-long-password-123")
    user.save()
    with pytest.raises(RideauError) as exc:
        resend_invitation(actor=Actor(user=owner), team=team, user=user)
    assert exc.value.code == "already_active"
