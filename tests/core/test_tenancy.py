import pytest
from django.db import IntegrityError
from django.http import Http404

from rideau.core import access, audit
from rideau.core.access import Actor
from rideau.core.errors import PermissionDenied, RideauError, ValidationFailed
from rideau.core.models import ApiToken, AuditLogEntry, Organizer, Team, User, hash_token
from rideau.core.roles import ROLE_PERMISSIONS, Perm, Role
from rideau.core.services import add_team_member, create_api_token, create_organizer, create_team
from tests.factories import OrganizerFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.mark.argon2  # the production hashers (other tests use MD5 for speed)
def test_passwords_are_hashed_with_argon2():
    user = User.objects.create_user("Alice@Example.org", "a-long-password-123")
    assert user.email == "alice@example.org"
    assert user.password.startswith("argon2$")
    assert user.check_password("a-long-password-123")


def test_user_email_is_unique_case_insensitively():
    User.objects.create_user("bob@example.org", "x-long-password-1")
    with pytest.raises(IntegrityError):
        User.objects.create(email="BOB@example.org")


def test_create_organizer_makes_an_owner_team_and_logs_it():
    owner = UserFactory()
    org = create_organizer(name="Opéra", slug="opera", owner=owner, languages=["fr", "en"])
    assert list(org.teams.values_list("role", flat=True)) == [Role.OWNER]
    assert Actor(user=owner).permissions(org) == ROLE_PERMISSIONS[Role.OWNER]
    entry = AuditLogEntry.objects.get(action="organizer.created")
    assert entry.organizer == org
    assert entry.actor == owner
    assert entry.after["slug"] == "opera"


def test_create_organizer_rejects_bad_fields_and_writes_nothing():
    owner = UserFactory()
    with pytest.raises(ValidationFailed) as exc:
        create_organizer(
            name="X", slug="Bad Slug!", owner=owner, timezone="Mars/Olympus", languages=["xx"]
        )
    assert set(exc.value.errors) == {"slug", "timezone", "languages"}
    assert Organizer.objects.count() == 0
    assert Team.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "perm", "allowed"),
    [
        (Role.OWNER, Perm.MANAGE_TEAMS, True),
        (Role.ADMIN, Perm.CHANGE_ORGANIZER, True),
        (Role.EVENT_MANAGER, Perm.CHANGE_EVENTS, True),
        (Role.EVENT_MANAGER, Perm.CHANGE_ORGANIZER, False),
        (Role.BOX_OFFICE, Perm.CHANGE_ORDERS, True),
        (Role.BOX_OFFICE, Perm.CHANGE_EVENTS, False),
        (Role.CHECKIN, Perm.CHECKIN, True),
        (Role.CHECKIN, Perm.VIEW_ORDERS, False),
        (Role.MARKETING, Perm.CHANGE_CONTACTS, True),
        (Role.MARKETING, Perm.VIEW_ORDERS, False),
        (Role.READ_ONLY, Perm.VIEW, True),
        (Role.READ_ONLY, Perm.CHANGE_EVENTS, False),
    ],
)
def test_role_permissions(role, perm, allowed):
    org = OrganizerFactory()
    user = member(org, role)
    assert Actor(user=user).has(org, perm) is allowed


def test_membership_of_one_organizer_gives_nothing_on_another():
    org, other = OrganizerFactory(), OrganizerFactory()
    user = member(org, Role.OWNER)
    actor = Actor(user=user)
    assert actor.permissions(other) == frozenset()
    assert list(access.organizers_for(actor)) == [org]
    with pytest.raises(Http404):
        access.get_organizer_for(actor, other.slug)
    assert access.get_organizer_for(actor, org.slug) == org


def test_member_without_permission_gets_permission_denied():
    org = OrganizerFactory()
    actor = Actor(user=member(org, Role.READ_ONLY))
    with pytest.raises(PermissionDenied):
        access.get_organizer_for(actor, org.slug, Perm.CHANGE_EVENTS)


def test_roles_of_several_teams_add_up():
    org = OrganizerFactory()
    user = member(org, Role.CHECKIN)
    Team.objects.create(organizer=org, name="Marketing", role=Role.MARKETING).members.add(user)
    perms = Actor(user=user).permissions(org)
    assert perms == ROLE_PERMISSIONS[Role.CHECKIN] | ROLE_PERMISSIONS[Role.MARKETING]


def test_inactive_user_has_no_permissions():
    org = OrganizerFactory()
    user = member(org, Role.OWNER)
    user.is_active = False
    user.save()
    assert Actor(user=user).permissions(org) == frozenset()


def test_api_token_is_stored_hashed_and_scoped_to_its_team():
    org, other = OrganizerFactory(), OrganizerFactory()
    owner = member(org, Role.OWNER)
    team = Team.objects.create(organizer=org, name="Integrations", role=Role.READ_ONLY)
    token, raw = create_api_token(actor=Actor(user=owner), team=team, name="ci")
    assert raw.startswith("rdu_")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.token_hash == hash_token(raw)
    assert raw not in {stored.token_hash, stored.hint, stored.name}
    token_actor = Actor(token=stored)
    assert token_actor.permissions(org) == ROLE_PERMISSIONS[Role.READ_ONLY]
    assert token_actor.permissions(other) == frozenset()
    entry = AuditLogEntry.objects.get(action="api_token.created")
    assert raw not in str(entry.after)


def test_only_owners_touch_the_owner_team():
    org = OrganizerFactory()
    member(org, Role.OWNER)
    admin = member(org, Role.ADMIN)
    with pytest.raises(RideauError) as exc:
        create_team(actor=Actor(user=admin), organizer=org, name="Owners 2", role=Role.OWNER)
    assert exc.value.code == "owner_only"
    owners = org.teams.get(role=Role.OWNER)
    with pytest.raises(RideauError):
        add_team_member(actor=Actor(user=admin), team=owners, user=UserFactory())
    assert owners.members.count() == 1
    # a token acts with its team's role: an administrator would otherwise mint an owner's
    with pytest.raises(RideauError) as exc:
        create_api_token(actor=Actor(user=admin), team=owners, name="mine now")
    assert (exc.value.code, exc.value.field) == ("owner_only", "team")
    assert not ApiToken.objects.exists()


def test_create_team_duplicate_name_is_a_field_level_error():
    org = OrganizerFactory()
    owner = member(org, Role.OWNER)
    create_team(actor=Actor(user=owner), organizer=org, name="Box office", role=Role.BOX_OFFICE)
    with pytest.raises(ValidationFailed) as exc:
        create_team(actor=Actor(user=owner), organizer=org, name="box office ", role=Role.CHECKIN)
    assert list(exc.value.errors) == ["name"]
    assert org.teams.filter(name="Box office").count() == 1


def test_audit_snapshot_leaves_secrets_out_and_diff_keeps_changes():
    user = UserFactory(totp_secret="JBSWY3DPEHPK3PXP")
    snap = audit.snapshot(user)
    assert "password" not in snap
    assert "totp_secret" not in snap
    before, after = audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3})
    assert (before, after) == ({"b": 2}, {"b": 3})


def test_organizer_slug_cannot_shadow_site_urls():
    with pytest.raises(ValidationFailed) as exc:
        create_organizer(name="Sneaky", slug="control", owner=UserFactory())
    assert list(exc.value.errors) == ["slug"]
    assert Organizer.objects.count() == 0
