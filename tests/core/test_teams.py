"""Team membership services: adding and removing members, the owners' rules, the audit."""

import pytest

from rideau.core.access import Actor
from rideau.core.errors import PermissionDenied, RideauError, ValidationFailed
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.core.services import add_team_member, create_team, remove_team_member
from tests.factories import OrganizerFactory, TeamFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganizerFactory()


def test_add_member_twice_is_refused_on_the_email_field(org):
    owner = member(org, Role.OWNER)
    team = TeamFactory(organizer=org, role=Role.BOX_OFFICE)
    user = UserFactory(email="cash@example.org")
    add_team_member(actor=Actor(user=owner), team=team, user=user)
    with pytest.raises(RideauError) as exc:
        add_team_member(actor=Actor(user=owner), team=team, user=user)
    assert (exc.value.code, exc.value.field) == ("already_member", "email")
    assert "cash@example.org" in exc.value.message
    assert AuditLogEntry.objects.filter(action="team.member_added").count() == 1


def test_remove_member_is_audited(org):
    owner = member(org, Role.OWNER)
    team = TeamFactory(organizer=org, role=Role.READ_ONLY)
    user = UserFactory(email="books@example.org")
    team.members.add(user)
    remove_team_member(actor=Actor(user=owner), team=team, user=user)
    assert not team.members.filter(pk=user.pk).exists()
    entry = AuditLogEntry.objects.get(action="team.member_removed")
    assert (entry.actor, entry.organizer, entry.before) == (
        owner,
        org,
        {"user": "books@example.org"},
    )


def test_the_last_owner_cannot_be_removed(org):
    owner = member(org, Role.OWNER)
    owners = org.teams.get(role=Role.OWNER)
    with pytest.raises(RideauError) as exc:
        remove_team_member(actor=Actor(user=owner), team=owners, user=owner)
    assert exc.value.code == "last_owner"
    assert "add another owner first" in exc.value.message
    assert owners.members.filter(pk=owner.pk).exists()
    # with a second owner, either may go; an inactive owner does not count as one
    second = UserFactory(is_active=False)
    owners.members.add(second)
    with pytest.raises(RideauError):
        remove_team_member(actor=Actor(user=owner), team=owners, user=owner)
    second.is_active = True
    second.set_unusable_password()  # invited, never chose a password: cannot log in yet
    second.save()
    with pytest.raises(RideauError):
        remove_team_member(actor=Actor(user=owner), team=owners, user=owner)
    second.set_password("a-long-enough-passphrase")
    second.save()
    remove_team_member(actor=Actor(user=owner), team=owners, user=owner)
    assert list(owners.members.all()) == [second]


def test_an_owner_in_two_owner_teams_may_leave_one(org):
    owner = member(org, Role.OWNER)
    founders = TeamFactory(organizer=org, role=Role.OWNER, members=[owner])
    remove_team_member(actor=Actor(user=owner), team=founders, user=owner)
    assert not founders.members.exists()


def test_only_owners_remove_from_the_owners_team(org):
    owner = member(org, Role.OWNER)
    admin = member(org, Role.ADMIN)
    owners = org.teams.get(role=Role.OWNER)
    owners.members.add(UserFactory())
    with pytest.raises(RideauError) as exc:
        remove_team_member(actor=Actor(user=admin), team=owners, user=owner)
    assert exc.value.code == "owner_only"
    assert owners.members.count() == 2


def test_members_without_manage_teams_change_nothing(org):
    member(org, Role.OWNER)
    team = TeamFactory(organizer=org, role=Role.READ_ONLY)
    for role in (Role.BOX_OFFICE, Role.READ_ONLY, Role.EVENT_MANAGER):
        staff = member(org, role)
        team.members.add(staff)
        with pytest.raises(PermissionDenied):
            add_team_member(actor=Actor(user=staff), team=team, user=UserFactory())
        with pytest.raises(PermissionDenied):
            remove_team_member(actor=Actor(user=staff), team=team, user=staff)
        with pytest.raises(PermissionDenied):
            create_team(actor=Actor(user=staff), organizer=org, name=f"By {role}", role=role)


def test_removing_someone_not_in_the_team_is_refused(org):
    owner = member(org, Role.OWNER)
    team = TeamFactory(organizer=org, role=Role.READ_ONLY)
    with pytest.raises(RideauError) as exc:
        remove_team_member(actor=Actor(user=owner), team=team, user=UserFactory())
    assert exc.value.code == "not_member"


def test_create_team_needs_a_name(org):
    owner = member(org, Role.OWNER)
    with pytest.raises(ValidationFailed) as exc:
        create_team(actor=Actor(user=owner), organizer=org, name="  ", role=Role.READ_ONLY)
    assert list(exc.value.errors) == ["name"]
    team = create_team(actor=Actor(user=owner), organizer=org, name=" Door ", role=Role.CHECKIN)
    assert (team.name, team.role) == ("Door", Role.CHECKIN)
    assert AuditLogEntry.objects.filter(action="team.created").count() == 1
