"""Back-office venues and locations."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rideau.venues.models import Location, Venue
from tests.factories import LocationFactory, VenueFactory

pytestmark = pytest.mark.django_db


def test_add_a_venue(organizer, owner_client):
    response = owner_client.post(
        f"/control/{organizer.slug}/venues/",
        {"venue-name": "Grand Hall", "venue-city": "Ottawa", "venue-capacity": "900"},
    )
    venue = Venue.objects.get(organizer=organizer)
    assert response.status_code == 302
    assert response["Location"] == f"/control/{organizer.slug}/venues/{venue.pk}/"
    assert (venue.name, venue.city, venue.capacity) == ("Grand Hall", "Ottawa", 900)


def test_a_venue_needs_a_name(organizer, owner_client):
    response = owner_client.post(f"/control/{organizer.slug}/venues/", {"venue-name": ""})
    assert response.status_code == 200
    assert response.context["form"].errors == {"name": ["This field is required."]}
    assert Venue.objects.count() == 0


def test_edit_venue_and_nest_locations(organizer, owner_client):
    venue = VenueFactory(organizer=organizer, name="Old name")
    base = f"/control/{organizer.slug}/venues/{venue.pk}/"
    response = owner_client.post(base, {"form": "venue", "venue-name": "New name"})
    assert response.status_code == 302
    venue.refresh_from_db()
    assert venue.name == "New name"
    owner_client.post(
        base, {"form": "location", "location-kind": "building", "location-name": "Main"}
    )
    building = Location.objects.get(venue=venue)
    response = owner_client.post(
        base,
        {
            "form": "location",
            "location-kind": "room",
            "location-name": "Studio",
            "location-parent": str(building.pk),
            "location-capacity": "120",
        },
    )
    assert response.status_code == 302
    room = Location.objects.get(name="Studio")
    assert (room.parent_id, room.capacity) == (building.pk, 120)
    # a layout cannot sit directly in a building: the model's nesting rule, on the field
    response = owner_client.post(
        base,
        {
            "form": "location",
            "location-kind": "layout",
            "location-name": "Cabaret",
            "location-parent": str(building.pk),
        },
    )
    assert response.status_code == 200
    assert list(response.context["location_form"].errors) == ["parent"]
    assert Location.objects.filter(venue=venue).count() == 2


def test_delete_location_and_venue(organizer, owner_client):
    room = LocationFactory(venue__organizer=organizer)
    venue = room.venue
    base = f"/control/{organizer.slug}/venues/{venue.pk}/"
    assert owner_client.post(f"{base}locations/{room.pk}/delete/").status_code == 302
    assert Location.objects.count() == 0
    assert owner_client.post(f"{base}delete/").status_code == 302
    assert Venue.objects.count() == 0


def test_another_organisers_venue_is_not_found(organizer, other_organizer, owner_client):
    theirs = LocationFactory(venue__organizer=other_organizer)
    base = f"/control/{organizer.slug}/venues/{theirs.venue_id}/"
    assert owner_client.get(base).status_code == 404
    assert owner_client.post(f"{base}delete/").status_code == 404
    assert owner_client.post(f"{base}locations/{theirs.pk}/delete/").status_code == 404
    assert Location.objects.count() == 1


def test_venue_pages_queries_do_not_grow_with_rows(organizer, owner_client):
    def count(rows: int) -> tuple[int, int]:
        Venue.objects.all().delete()
        venues = [VenueFactory(organizer=organizer) for _ in range(rows)]
        building = LocationFactory(venue=venues[0], kind=Location.Kind.BUILDING)
        for _ in range(rows):
            LocationFactory(venue=venues[0], parent=building)
        with CaptureQueriesContext(connection) as listing:
            assert owner_client.get(f"/control/{organizer.slug}/venues/").status_code == 200
        with CaptureQueriesContext(connection) as detail:
            url = f"/control/{organizer.slug}/venues/{venues[0].pk}/"
            assert owner_client.get(url).status_code == 200
        return len(listing), len(detail)

    assert count(1) == count(3)
