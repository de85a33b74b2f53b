"""The Teams page: create a team, add someone by e-mail (invited or told), remove a member,
who may do it, and another organiser's ids."""

import html
import re

import pytest
from django.test import Client

from rideau.core.models import AuditLogEntry, Team, User
from rideau.core.roles import Role
from rideau.messaging.models import OutboxMessage
from tests.factories import TeamFactory, UserFactory, member

pytestmark = pytest.mark.django_db

TEAMS = "/control/theatre/teams/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _add(team) -> str:
    return f"{TEAMS}{team.pk}/members/"


def _remove(team, user) -> str:
    return f"{TEAMS}{team.pk}/members/{user.pk}/remove/"


@pytest.fixture
def box_office(organizer):
    return TeamFactory(organizer=organizer, name="Box office", role=Role.BOX_OFFICE)


def test_the_page_shows_the_forms_and_buttons_to_managers(organizer, owner_client, box_office):
    page = owner_client.get(TEAMS).content.decode()
    assert 'action="/control/theatre/teams/new/"' in page
    assert f'action="{_add(box_office)}"' in page
    assert f'id="id_team{box_office.pk}_email"' in page  # one input id per team's form
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "every id once: each label names its own input"
    owners = organizer.teams.get(role=Role.OWNER)
    owner = owners.members.get()
    assert f'hx-post="{_remove(owners, owner)}"' in page
    assert "hx-confirm=" in page


def test_add_an_existing_user(organizer, owner_client, box_office):
    known = UserFactory(email="cashier@example.org")
    response = owner_client.post(_add(box_office), {"email": "Cashier@Example.org"}, follow=True)
    assert response.redirect_chain == [(TEAMS, 302)]
    assert "cashier@example.org is added to the team “Box office”" in response.content.decode()
    assert list(box_office.members.all()) == [known]
    message = OutboxMessage.objects.get()
    assert message.to == ["cashier@example.org"]
    assert message.subject == "You now have access to Théâtre du Rideau"
    assert AuditLogEntry.objects.filter(action="team.member_added").count() == 1


def test_invite_a_new_user_who_sets_a_password_and_logs_in(
    organizer, owner_client, box_office, settings
):
    settings.SITE_URL = "https://tickets.example"
    response = owner_client.post(_add(box_office), {"email": "door@example.org"}, follow=True)
    # the same words as for a known address: whether it had a login is not the page's to tell
    assert (
        "door@example.org is added to the team “Box office” and got an e-mail saying so"
        in response.content.decode()
    )
    assert "invited, no password yet" in owner_client.get(TEAMS).content.decode()
    invited = User.objects.get(email="door@example.org")
    assert not invited.has_usable_password()

    message = OutboxMessage.objects.get(to=["door@example.org"])
    assert "testserver" not in message.body_text  # links on SITE_URL, not the request's host
    # the link is a credential: in no organiser's mailbox (read-only staff read it)
    assert message.organizer_id is None
    mailbox = owner_client.get(f"/control/{organizer.slug}/mailbox/").content.decode()
    assert "door@example.org" not in mailbox
    links = re.findall(
        r"https://tickets\.example(/control/password-reset/\S+/\S+/)", message.body_text
    )
    assert len(links) == 1
    client = Client()
    set_password_url = client.get(links[0])["Location"]
    password = "a-new-colleague-passphrase"
    response = client.post(set_password_url, {"new_password1": password, "new_password2": password})
    assert response["Location"] == "/control/password-reset/done/"
    response = client.post("/control/login/", {"email": "door@example.org", "password": password})
    assert response.status_code == 302
    assert client.get("/control/theatre/orders/").status_code == 200  # the box office's role
    assert Client().get(links[0]).context["validlink"] is False  # the link works once


def test_invite_again_while_no_password_is_chosen(organizer, owner_client, box_office):
    owner_client.post(_add(box_office), {"email": "late@example.org"})
    late = User.objects.get(email="late@example.org")
    response = owner_client.post(f"{TEAMS}{box_office.pk}/members/{late.pk}/invite/", follow=True)
    assert "A new invitation is on its way to late@example.org." in response.content.decode()
    assert OutboxMessage.objects.filter(to=["late@example.org"]).count() == 2


def test_field_errors_in_the_users_language(organizer, owner, box_office):
    box_office.members.add(owner)
    client = _client(owner)
    response = client.post(_add(box_office), {"email": "nope"})
    assert response.status_code == 422
    errors = next(t for t in response.context["teams"] if t.pk == box_office.pk).member_form.errors
    assert errors["email"] == ["Enter a valid email address."]
    response = client.post(_add(box_office), {"email": owner.email}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 422
    errors = next(t for t in response.context["teams"] if t.pk == box_office.pk).member_form.errors
    assert errors["email"] == [f"{owner.email} est déjà membre de cette équipe."]
    assert "déjà membre" in response.content.decode()
    assert OutboxMessage.objects.count() == 0


def test_a_non_owner_cannot_add_to_the_owners(organizer, owner):
    admin = member(organizer, Role.ADMIN)
    owners = organizer.teams.get(role=Role.OWNER)
    response = _client(admin).post(_add(owners), {"email": "new@example.org"})
    assert response.status_code == 422
    assert "Only owners may create or change the owners' team." in html.unescape(
        response.content.decode()
    )
    assert owners.members.count() == 1
    assert not User.objects.filter(email="new@example.org").exists()


def test_remove_a_member(organizer, owner_client, box_office):
    cashier = UserFactory(email="cashier@example.org")
    box_office.members.add(cashier)
    response = owner_client.post(_remove(box_office, cashier), follow=True)
    assert "cashier@example.org is no longer a member of the team “Box office”" in (
        response.content.decode()
    )
    assert not box_office.members.exists()
    assert AuditLogEntry.objects.get(action="team.member_removed").before == {
        "user": "cashier@example.org"
    }


def test_the_last_owner_cannot_be_removed(organizer, owner, owner_client):
    owners = organizer.teams.get(role=Role.OWNER)
    response = owner_client.post(_remove(owners, owner), follow=True)
    page = html.unescape(response.content.decode())
    assert "is the organiser's last owner and cannot be removed" in page
    assert list(owners.members.all()) == [owner]
    assert not AuditLogEntry.objects.filter(action="team.member_removed").exists()


def test_create_a_team(organizer, owner_client):
    response = owner_client.post(
        f"{TEAMS}new/", {"name": "Accounting", "role": Role.READ_ONLY}, follow=True
    )
    assert "The team “Accounting” is created" in response.content.decode()
    team = organizer.teams.get(name="Accounting")
    assert team.role == Role.READ_ONLY
    response = owner_client.post(f"{TEAMS}new/", {"name": " ", "role": Role.READ_ONLY})
    assert response.status_code == 422
    assert response.context["team_form"].errors["name"] == ["This field is required."]
    response = owner_client.post(f"{TEAMS}new/", {"name": "accounting", "role": Role.CHECKIN})
    assert response.context["team_form"].errors["name"] == ["A team with this name already exists."]
    assert organizer.teams.count() == 2


def test_an_admin_cannot_create_an_owners_team(organizer):
    admin = member(organizer, Role.ADMIN)
    response = _client(admin).post(f"{TEAMS}new/", {"name": "Bosses", "role": Role.OWNER})
    assert response.status_code == 422
    assert response.context["team_form"].errors["role"] == [
        "Only owners may create or change the owners' team."
    ]
    assert not Team.objects.filter(name="Bosses").exists()


@pytest.mark.parametrize("role", [Role.READ_ONLY, Role.BOX_OFFICE])
def test_staff_without_the_permission_get_403(organizer, box_office, role):
    staff = member(organizer, role)
    client = _client(staff)
    page = client.get(TEAMS).content.decode()
    assert "/teams/new/" not in page and "/members/" not in page  # no forms, no buttons
    victim = UserFactory()
    box_office.members.add(victim)
    for url, data in [
        (f"{TEAMS}new/", {"name": "Mine", "role": Role.OWNER}),
        (_add(box_office), {"email": "friend@example.org"}),
        (_remove(box_office, victim), {}),
        (f"{TEAMS}{box_office.pk}/members/{victim.pk}/invite/", {}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert list(box_office.members.all()) == [victim]
    assert not Team.objects.filter(name="Mine").exists()
    assert OutboxMessage.objects.count() == 0


def test_get_is_not_allowed(owner_client, box_office):
    assert owner_client.get(_add(box_office)).status_code == 405
    assert owner_client.get(f"{TEAMS}new/").status_code == 405


def test_another_organisers_team_and_member_ids_give_404(organizer, other_organizer, owner_client):
    rival_owner = member(other_organizer, Role.OWNER)
    rival_team = other_organizer.teams.get()
    box_office = TeamFactory(organizer=organizer, role=Role.BOX_OFFICE)
    assert owner_client.post(_add(rival_team), {"email": "spy@example.org"}).status_code == 404
    assert owner_client.post(_remove(rival_team, rival_owner)).status_code == 404
    # a member of the rival's team, named under one of this organiser's teams
    assert owner_client.post(_remove(box_office, rival_owner)).status_code == 404
    url = f"{TEAMS}{rival_team.pk}/members/{rival_owner.pk}/invite/"
    assert owner_client.post(url).status_code == 404
    assert list(rival_team.members.all()) == [rival_owner]
    assert not User.objects.filter(email="spy@example.org").exists()


def test_a_known_address_without_a_password_gets_no_link_from_another_organiser(
    organizer, other_organizer, owner_client, box_office
):
    """Alice, invited by another organiser and not yet active, is added here: she is told,
    but no password link is written for her by this organiser."""
    from rideau.core.models import Team

    alice = User.objects.create_user("alice@example.org", None)
    Team.objects.create(organizer=other_organizer, name="Staff", role=Role.READ_ONLY).members.add(
        alice
    )
    owner_client.post(_add(box_office), {"email": "alice@example.org"})
    [notice] = OutboxMessage.objects.filter(to=["alice@example.org"])
    assert "password-reset" not in notice.body_text
    assert "You have not chosen your password yet" in notice.body_text
