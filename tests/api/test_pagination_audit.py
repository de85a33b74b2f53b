import pytest

from rideau.core.models import ApiToken, AuditLogEntry
from tests.factories import ContactFactory, EventFactory

pytestmark = pytest.mark.django_db
ORG = "/organizers/theatre"


def test_limit_offset_pagination_is_stable(api, organizer):
    for slug in ["e-c", "e-a", "e-e", "e-b", "e-d"]:
        EventFactory(organizer=organizer, slug=slug)
    first = api.get(f"{ORG}/events?limit=2").json()
    second = api.get(f"{ORG}/events?limit=2&offset=2").json()
    last = api.get(f"{ORG}/events?limit=2&offset=4").json()
    beyond = api.get(f"{ORG}/events?limit=2&offset=10").json()
    assert [first["count"], second["count"], last["count"], beyond["count"]] == [5, 5, 5, 5]
    pages = [[e["slug"] for e in page["results"]] for page in (first, second, last, beyond)]
    assert pages == [["e-a", "e-b"], ["e-c", "e-d"], ["e-e"], []]
    assert len(api.get(f"{ORG}/events").json()["results"]) == 5


def test_default_and_maximum_page_size(api, organizer):
    ContactFactory.create_batch(55, organizer=organizer)
    default = api.get(f"{ORG}/contacts").json()
    assert default["count"] == 55
    assert len(default["results"]) == 50
    assert len(api.get(f"{ORG}/contacts?limit=200").json()["results"]) == 55
    too_big = api.get(f"{ORG}/contacts?limit=201")
    assert too_big.status_code == 422
    assert too_big.json()["detail"][0]["loc"] == ["query", "limit"]


def test_api_writes_are_audited_with_the_token_as_actor(api, organizer, owner_token):
    created = api.post(f"{ORG}/events", {"slug": "hamlet", "name": "Hamlet"}).json()
    api.patch(f"{ORG}/events/hamlet", {"visibility": "public", "capacity": 300})
    api.delete(f"{ORG}/events/hamlet")
    # the capacity became the event's quota, audited as such
    assert AuditLogEntry.objects.filter(action="quota.created", actor_token__isnull=False).exists()
    entries = list(AuditLogEntry.objects.exclude(action__startswith="quota.").order_by("id"))
    assert [e.action for e in entries] == ["event.created", "event.updated", "event.deleted"]
    token = ApiToken.objects.get(team__organizer=organizer)
    assert all(e.actor_token == token and e.actor is None for e in entries)
    assert all(e.organizer == organizer for e in entries)
    assert all(e.object_id == str(created["id"]) for e in entries)
    assert entries[0].before is None
    assert entries[0].after["slug"] == "hamlet"
    assert entries[1].before == {"visibility": "draft", "capacity": None}
    assert entries[1].after == {"visibility": "public", "capacity": 300}
    assert entries[2].before["slug"] == "hamlet"
    assert entries[2].after is None
