"""The back-office check-in list form: a service's refusal lands on the field it concerns and
writes nothing (the page maps it with the shared toolkit)."""

import pytest

from rideau.checkin.models import CheckinList
from tests.checkin.conftest import make_world
from tests.factories import EventDateFactory, EventFactory

pytestmark = pytest.mark.django_db


def test_a_date_of_another_event_is_refused_on_its_field(organizer, actor, owner_client):
    world = make_world(organizer, actor)
    other = EventFactory(organizer=organizer, name={"en": "Phèdre"})
    stray = EventDateFactory(event=other)
    before = CheckinList.objects.count()

    response = owner_client.post(
        f"/control/{organizer.slug}/checkin/new/",
        {"event": world.event.pk, "name": "Side door", "dates": [stray.pk]},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["dates"] == ["Choose dates of the list's event only."]
    assert CheckinList.objects.count() == before


def test_a_valid_list_is_created(organizer, actor, owner_client):
    world = make_world(organizer, actor)

    response = owner_client.post(
        f"/control/{organizer.slug}/checkin/new/",
        {"event": world.event.pk, "name": "Side door", "dates": [world.first.pk]},
    )

    assert response.status_code == 302
    created = CheckinList.objects.get(name="Side door")
    assert list(created.dates.all()) == [world.first]
