"""The back office's menu offers each member the pages their role opens, and no other: a
read-only member was offered the box office, ticket control and settings, which only said
"access denied"."""

import re

import pytest
from django.test import Client

from rideau.core.roles import Role
from tests.factories import member

pytestmark = pytest.mark.django_db


def menu_links(client: Client, organizer) -> list[str]:
    page = client.get(f"/control/{organizer.slug}/").content.decode()
    menu = page.split('class="bo-menu', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="(/control/[^"]+)"', menu)


@pytest.mark.parametrize("role", [Role.OWNER, Role.READ_ONLY, Role.BOX_OFFICE, Role.CHECKIN])
def test_every_menu_link_opens_for_the_member_who_sees_it(organizer, role):
    client = Client()
    client.force_login(member(organizer, role, email=f"{role}@example.org"))
    links = menu_links(client, organizer)
    assert links
    for href in links:
        assert client.get(href, follow=True).status_code == 200, f"{role}: {href}"


def test_a_read_only_member_is_not_offered_the_settings(organizer):
    reader, owner = Client(), Client()
    reader.force_login(member(organizer, Role.READ_ONLY, email="reader@example.org"))
    owner.force_login(member(organizer, Role.OWNER, email="boss@example.org"))
    settings_page = f"/control/{organizer.slug}/settings/"
    assert settings_page in menu_links(owner, organizer)
    assert settings_page not in menu_links(reader, organizer)


def test_the_new_event_button_only_for_who_may_create_one(organizer):
    reader, owner = Client(), Client()
    reader.force_login(member(organizer, Role.READ_ONLY, email="reader@example.org"))
    owner.force_login(member(organizer, Role.OWNER, email="boss@example.org"))
    new_event = f'href="/control/{organizer.slug}/events/new/"'
    for page in (f"/control/{organizer.slug}/", f"/control/{organizer.slug}/events/"):
        assert new_event in owner.get(page).content.decode()
        assert new_event not in reader.get(page).content.decode()
