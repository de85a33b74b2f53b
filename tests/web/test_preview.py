"""Staff preview draft and private events through the back office's "Public page / Ticket
page / Widget" links: a banner says it is a preview, nobody else sees them, and nothing is
sold on a draft."""

import pytest
from django.core.cache import cache
from django.test import Client

from rideau.events.models import Event
from rideau.inventory.models import Hold
from tests.factories import (
    EventDateFactory,
    EventFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
    member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(organizer):
    cache.clear()
    event = EventFactory(organizer=organizer, slug="next-season", visibility="draft")
    date = EventDateFactory(event=event)
    QuotaFactory(date=date, size=10)
    rate = RateFactory(product=ProductFactory(event=event, organizer=organizer))
    return event, date, rate


def links(event: Event) -> list[str]:
    base = f"/{event.organizer.slug}/{event.slug}/"
    return [base, base + "tickets/", base + "widget/"]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_preview_a_draft_with_a_banner_and_nobody_else_sees_it(
    draft, organizer, owner, other_organizer
):
    event, _date, _rate = draft
    staff = logged_in(owner)
    door = logged_in(member(organizer, "checkin", email="door@example.org"))
    stranger = logged_in(member(other_organizer, email="rival@example.org"))

    for url in links(event):
        for client in (staff, door):
            response = client.get(url)
            assert response.status_code == 200, url
            assert 'data-preview="draft"' in response.content.decode(), url
        assert Client().get(url).status_code == 404, url
        assert stranger.get(url).status_code == 404, url
    # the staff's preview is not kept for the public by the page cache
    assert Client().get(links(event)[0]).status_code == 404


def test_nothing_is_sold_on_a_draft_even_to_staff(draft, owner):
    event, date, rate = draft
    staff = logged_in(owner)

    response = staff.post(links(event)[1], {f"q-{date.pk}-{rate.pk}": "2"})

    assert response.status_code == 422
    assert "preview of a draft event" in response.content.decode()
    assert not Hold.objects.exists()


def test_staff_preview_a_private_event_without_its_link(organizer, owner):
    cache.clear()
    event = EventFactory(organizer=organizer, slug="friends", visibility="private")
    EventDateFactory(event=event)

    for url in links(event):
        response = logged_in(owner).get(url)
        assert response.status_code == 200, url
        assert 'data-preview="private"' in response.content.decode(), url
        assert Client().get(url).status_code == 404, url
    with_link = Client().get(f"{links(event)[0]}?token={event.private_token}")
    assert with_link.status_code == 200
    assert "data-preview" not in with_link.content.decode()
