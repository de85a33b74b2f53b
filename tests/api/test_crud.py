"""Happy paths: list / create / retrieve / update / delete for every resource."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rideau.catalog.models import Product, Rate
from rideau.contacts.models import Contact, CustomField
from rideau.core.models import AuditLogEntry, Organizer
from rideau.events.models import Event, EventDate, Session
from rideau.venues.models import Location, Venue
from tests.factories import EventFactory, LocationFactory, VenueFactory

pytestmark = pytest.mark.django_db
ORG = "/organizers/theatre"


def crud(api, collection: str, create: dict, patch: dict, key: str = "id", others: int = 0):
    """Create, list, retrieve, update and delete one object (next to `others` already in the
    collection); returns the created JSON."""
    created = api.post(collection, create)
    assert created.status_code == 201, created.json()
    obj = created.json()
    url = f"{collection}/{obj[key]}"
    listed = api.get(collection).json()
    assert listed["count"] == 1 + others
    assert obj in listed["results"]
    assert api.get(url).json() == obj
    updated = api.patch(url, patch)
    assert updated.status_code == 200, updated.json()
    for name, value in patch.items():
        assert updated.json()[name] == value
    assert api.get(url if key == "id" else f"{collection}/{updated.json()[key]}").json() == (
        updated.json()
    )
    url = f"{collection}/{updated.json()[key]}"
    deleted = api.delete(url)
    assert deleted.status_code == 204
    assert api.get(url).status_code == 404
    assert api.get(collection).json()["count"] == others
    return obj


def test_organizer_settings(api, organizer):
    response = api.patch(ORG, {"name": "Le Rideau", "languages": ["fr", "en"], "currency": "CHF"})
    assert response.status_code == 200
    assert response.json()["name"] == "Le Rideau"
    organizer.refresh_from_db()
    assert (organizer.name, organizer.languages, organizer.currency) == (
        "Le Rideau",
        ["fr", "en"],
        "CHF",
    )
    entry = AuditLogEntry.objects.get(action="organizer.updated")
    assert entry.before == {
        "name": "Théâtre du Rideau",
        "currency": "EUR",
        "languages": ["en", "fr"],
    }
    refused = api.patch(ORG, {"timezone": "Mars/Olympus", "primary_color": "blue"})
    assert refused.status_code == 422
    assert refused.json() == {
        "detail": [
            {
                "loc": ["body", "timezone"],
                "msg": "Unknown time zone: Mars/Olympus",
                "type": "value_error",
            },
            {
                "loc": ["body", "primary_color"],
                "msg": "Enter a colour such as #1d4ed8.",
                "type": "value_error",
            },
        ]
    }
    assert Organizer.objects.get(pk=organizer.pk).timezone == "Europe/Paris"


def test_venue_crud(api, organizer):
    obj = crud(
        api,
        f"{ORG}/venues",
        {"name": "Opéra", "city": "Lyon", "country": "FR", "capacity": 1100},
        {"name": "Opéra de Lyon", "capacity": 1000},
    )
    assert obj == {
        "id": obj["id"],
        "name": "Opéra",
        "address": "",
        "postcode": "",
        "city": "Lyon",
        "country": "FR",
        "capacity": 1100,
    }
    assert Venue.objects.count() == 0
    actions = list(AuditLogEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["venue.created", "venue.updated", "venue.deleted"]


def test_location_crud(api, organizer):
    venue = VenueFactory(organizer=organizer, capacity=300)
    building = LocationFactory(venue=venue, kind="building", name="A", capacity=None)
    obj = crud(
        api,
        f"{ORG}/venues/{venue.pk}/locations",
        {"kind": "room", "name": "Hall", "parent": building.pk},
        {"name": "Big hall", "capacity": 250},
        others=1,
    )
    assert obj["parent"] == building.pk
    assert obj["capacity"] is None
    assert obj["effective_capacity"] == 300
    assert list(Location.objects.filter(venue=venue)) == [building]


def test_event_crud_by_slug(api, organizer):
    venue = VenueFactory(organizer=organizer)
    obj = crud(
        api,
        f"{ORG}/events",
        {"slug": "hamlet", "name": {"en": "Hamlet", "fr": "Hamlet"}, "venue": venue.pk},
        {"slug": "hamlet-2027", "visibility": "public", "name": {"en": "Hamlet 2027"}},
        key="slug",
    )
    assert obj["venue"] == venue.pk
    assert obj["visibility"] == "draft"
    assert Event.objects.count() == 0


def test_event_date_crud(api, organizer):
    EventFactory(organizer=organizer, slug="hamlet")
    room = LocationFactory(venue=VenueFactory(organizer=organizer), capacity=90)
    obj = crud(
        api,
        f"{ORG}/events/hamlet/dates",
        {
            "start": "2030-05-01T20:00:00+02:00",
            "end": "2030-05-01T22:30:00+02:00",
            "location": room.pk,
        },
        {"capacity": 80, "is_cancelled": True},
    )
    assert obj["start"] == "2030-05-01T18:00:00Z"
    assert obj["location"] == room.pk
    assert EventDate.objects.count() == 0


def test_session_crud_defaults_capacity_from_location(api, organizer):
    EventFactory(organizer=organizer, slug="conf", self_agenda=True)
    room = LocationFactory(venue=VenueFactory(organizer=organizer), capacity=45)
    obj = crud(
        api,
        f"{ORG}/events/conf/sessions",
        {
            "title": {"en": "Keynote"},
            "start": "2030-05-01T09:00:00Z",
            "end": "2030-05-01T10:00:00Z",
            "location": room.pk,
            "speakers": ["Ada Lovelace"],
        },
        {"title": {"en": "Opening keynote"}, "capacity": 40},
    )
    assert obj["capacity"] == 45
    assert obj["speakers"] == ["Ada Lovelace"]
    assert Session.objects.count() == 0


def test_product_and_rate_crud(api, organizer):
    EventFactory(organizer=organizer, slug="hamlet")
    product = crud(
        api,
        f"{ORG}/products",
        {"event": "hamlet", "name": {"en": "Admission"}},
        {"max_per_order": 6, "active": False},
    )
    assert product["event"] == "hamlet"
    assert product["kind"] == "ticket"
    pass_product = api.post(f"{ORG}/products", {"kind": "pass", "name": "Season"}).json()
    rate = crud(
        api,
        f"{ORG}/products/{pass_product['id']}/rates",
        {"name": {"en": "Full price"}, "price": "120.00"},
        {"price": "99.90"},
    )
    assert rate["price"] == "120.00"
    assert rate["product"] == pass_product["id"]
    assert Product.objects.count() == 1
    assert Rate.objects.count() == 0


def test_contact_field_and_contact_crud(api, organizer):
    field = crud(
        api,
        f"{ORG}/contact-fields",
        {"key": "size", "label": {"en": "T-shirt size"}, "kind": "choice", "choices": ["S", "M"]},
        {"choices": ["S", "M", "L"], "required": True},
    )
    assert field["key"] == "size"
    api.post(
        f"{ORG}/contact-fields",
        {"key": "size", "label": "Size", "kind": "choice", "choices": ["S", "M"]},
    )
    contact = crud(
        api,
        f"{ORG}/contacts",
        {
            "email": "ada@example.net",
            "first_name": "Ada",
            "phone": "+44 20 7946 0958",
            "custom": {"size": "M"},
        },
        {"last_name": "Lovelace", "consent_email": True},
    )
    assert contact["phone"] == "+442079460958"
    assert contact["custom"] == {"size": "M"}
    assert Contact.objects.count() == 0
    assert CustomField.objects.count() == 1


def test_contact_search(api, organizer):
    api.post(f"{ORG}/contacts", {"email": "ada@example.net", "last_name": "Lovelace"})
    api.post(f"{ORG}/contacts", {"email": "alan@example.net", "last_name": "Turing"})
    found = api.get(f"{ORG}/contacts?q=LOVE").json()
    assert [c["email"] for c in found["results"]] == ["ada@example.net"]
    assert found["count"] == 1


@pytest.mark.parametrize("n", [1, 3])
def test_list_queries_do_not_grow_with_items(api, organizer, n):
    venue = VenueFactory(organizer=organizer)
    for i in range(n):
        EventFactory(organizer=organizer, venue=venue)
        building = LocationFactory(venue=venue, kind="building", name=f"B{i}")
        LocationFactory(venue=venue, kind="room", parent=building, name=f"R{i}")
    urls = [f"{ORG}/events", f"{ORG}/venues/{venue.pk}/locations", f"{ORG}/products"]
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(url).status_code == 200
        counts.append(len(queries))
    # events: token, last-used stamp, organiser, count, page; locations: token, organiser,
    # venue, count, page; products: token, organiser, count, page
    assert counts == [5, 5, 4]
