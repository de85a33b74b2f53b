import pytest

from rideau.checkin import services
from rideau.checkin.models import Checkin, CheckinList
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from tests.api.conftest import ApiClient, make_token
from tests.factories import EventDateFactory, EventFactory, ProductFactory

pytestmark = pytest.mark.django_db


def scans_url(checkin_list):
    return f"/checkin/{checkin_list.access_code}/scans"


def test_scan_with_the_access_code_valid_then_already_used(world):
    ticket = world.ticket()
    api = ApiClient()

    first = api.post(scans_url(world.checkin_list), {"secret": ticket.secret, "nonce": "n1"})
    second = api.post(scans_url(world.checkin_list), {"secret": ticket.secret, "nonce": "n2"})

    assert first.status_code == 200
    assert first.json() == {
        "result": "valid",
        "ok": True,
        "message": "Valid ticket",
        "attendee_name": "Ana Lopez",
        "order_code": ticket.order.code,
        "date": first.json()["date"],
        "seat": "",
        "first_entry_at": None,
        "replayed": False,
        "present": 1,
    }
    assert first.json()["date"].startswith(world.first.start.strftime("%Y-%m-%dT%H:%M:%S."))
    body = second.json()
    assert (body["result"], body["ok"], body["present"]) == ("already_used", False, 1)
    assert body["first_entry_at"] is not None


def test_a_re_sent_nonce_counts_once(world):
    ticket = world.ticket()
    api = ApiClient()

    answers = [
        api.post(scans_url(world.checkin_list), {"secret": ticket.secret, "nonce": "n1"}).json()
        for _ in range(3)
    ]

    assert [(a["result"], a["replayed"]) for a in answers] == [
        ("valid", False),
        ("valid", True),
        ("valid", True),
    ]
    assert Checkin.objects.count() == 1


def test_unknown_and_unpaid_tickets(world):
    pending = world.ticket(paid=False)
    api = ApiClient()

    unknown = api.post(scans_url(world.checkin_list), {"secret": "nope"})
    unpaid = api.post(scans_url(world.checkin_list), {"secret": pending.secret})

    assert (unknown.status_code, unknown.json()["result"]) == (200, "unknown")
    assert (unpaid.status_code, unpaid.json()["result"]) == (200, "unpaid")
    assert Checkin.objects.count() == 1


def test_a_wrong_access_code_is_404_then_429(world):
    api = ApiClient()
    for _ in range(services.WRONG_CODE_LIMIT):
        assert api.post("/checkin/guess/scans", {"secret": "x"}).status_code == 404

    response = api.post(scans_url(world.checkin_list), {"secret": "x"})

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


def test_invalid_bodies_are_422(world):
    api = ApiClient()

    assert api.post(scans_url(world.checkin_list), {}).status_code == 422
    assert api.post(scans_url(world.checkin_list), {"secret": "a\x00b"}).status_code == 422
    assert (
        api.post(scans_url(world.checkin_list), {"secret": "s", "nonce": "n" * 65}).status_code
        == 422
    )
    assert Checkin.objects.count() == 0


def test_staff_scan_with_a_token(world, other_organizer):
    ticket = world.ticket()
    door = ApiClient(make_token(world.organizer, Role.CHECKIN))
    marketing = ApiClient(make_token(world.organizer, Role.MARKETING))
    rival = ApiClient(make_token(other_organizer, Role.OWNER))
    url = f"/organizers/{world.organizer.slug}/checkin-lists/{world.checkin_list.pk}/scans"

    assert rival.post(url, {"secret": ticket.secret}).status_code == 404
    assert marketing.post(url, {"secret": ticket.secret}).status_code == 403
    assert Checkin.objects.count() == 0
    response = door.post(url, {"secret": ticket.secret})

    assert (response.status_code, response.json()["result"]) == (200, "valid")
    assert Checkin.objects.count() == 1


def test_the_lists_with_their_counts(world, other_organizer):
    ticket = world.ticket()
    services.scan(checkin_list=world.checkin_list, secret=ticket.secret, actor=None)
    door = ApiClient(make_token(world.organizer, Role.CHECKIN))

    response = door.get(f"/organizers/{world.organizer.slug}/checkin-lists")

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "results": [
            {
                "id": world.checkin_list.pk,
                "name": "Main entrance",
                "event": world.event.slug,
                "products": [],
                "dates": [],
                "any_day": False,
                "allow_multiple_entries": False,
                "present": 1,
                "access_code": world.checkin_list.access_code,
            }
        ],
    }
    # as on the back office's lists page: only members who may check in see the lists
    reader = ApiClient(make_token(world.organizer, Role.READ_ONLY))
    refused = reader.get(f"/organizers/{world.organizer.slug}/checkin-lists")
    assert refused.status_code == 403
    assert world.checkin_list.access_code not in refused.content.decode()
    rival = ApiClient(make_token(other_organizer, Role.OWNER))
    assert rival.get(f"/organizers/{world.organizer.slug}/checkin-lists").status_code == 404


def test_a_nonce_reused_with_another_ticket_is_refused(world):
    """Issue 10 item 4: a nonce is bound to its ticket. Reused with a bogus secret or with
    another real ticket, it is a 409: no first attendee's name, nothing recorded."""
    first = world.ticket()
    second = world.ticket(email="bob@example.net")
    api = ApiClient()
    url = scans_url(world.checkin_list)
    assert api.post(url, {"secret": first.secret, "nonce": "n1"}).json()["result"] == "valid"

    bogus = api.post(url, {"secret": "not-a-ticket", "nonce": "n1"})
    other = api.post(url, {"secret": second.secret, "nonce": "n1"})

    for response in (bogus, other):
        assert response.status_code == 409
        assert response.json()["code"] == "nonce_reused"
        assert "Ana" not in response.content.decode()
    assert Checkin.objects.count() == 1
    # the second ticket is checked in with a fresh nonce
    fresh = api.post(url, {"secret": second.secret, "nonce": "n2"}).json()
    assert (fresh["result"], fresh["present"]) == ("valid", 2)


def test_staff_scans_bind_the_nonce_too(world, organizer):
    first = world.ticket()
    second = world.ticket(email="bob@example.net")
    staff = ApiClient(make_token(organizer, Role.CHECKIN))
    url = f"/organizers/{organizer.slug}/checkin-lists/{world.checkin_list.pk}/scans"
    assert staff.post(url, {"secret": first.secret, "nonce": "s1"}).status_code == 200

    response = staff.post(url, {"secret": second.secret, "nonce": "s1"})

    assert response.status_code == 409
    assert not Checkin.objects.filter(position=second).exists()


def test_the_scanner_page_shows_a_reused_nonce_as_refused(world, client):
    first = world.ticket()
    second = world.ticket(email="bob@example.net")
    url = f"/checkin/{world.checkin_list.access_code}/"
    client.post(url, {"secret": first.secret, "nonce": "p1"}, HTTP_HX_REQUEST="true")

    response = client.post(url, {"secret": second.secret, "nonce": "p1"}, HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert 'data-result="nonce_reused"' in page
    assert "scan-refused" in page
    assert not Checkin.objects.filter(position=second).exists()


# --- creating lists --------------------------------------------------------------------------


def lists_url(organizer) -> str:
    return f"/organizers/{organizer.slug}/checkin-lists"


@pytest.fixture
def api(organizer):
    return ApiClient(make_token(organizer, Role.EVENT_MANAGER))


def test_staff_create_a_list_of_some_products_and_dates(world, api):
    body = {
        "event": world.event.slug,
        "name": "VIP door",
        "products": [world.vip.product_id],
        "dates": [world.second.pk],
        "allow_multiple_entries": True,
    }

    response = api.post(lists_url(world.organizer), body)

    assert response.status_code == 201, response.content
    created = CheckinList.objects.get(name="VIP door")
    assert response.json() == {
        "id": created.pk,
        "name": "VIP door",
        "event": world.event.slug,
        "products": [world.vip.product_id],
        "dates": [world.second.pk],
        "any_day": False,
        "allow_multiple_entries": True,
        "present": 0,
        "access_code": created.access_code,
    }
    assert created.access_code and created.access_code != world.checkin_list.access_code
    entry = AuditLogEntry.objects.get(action="checkin_list.created", object_id=str(created.pk))
    assert entry.actor_token is not None
    listed = api.get(lists_url(world.organizer)).json()
    assert [row["name"] for row in listed["results"]] == ["Main entrance", "VIP door"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"event": "no-such-event"}, "event"),
        ({"products": [999999]}, "products"),
        ({"dates": [True]}, "dates"),
    ],
)
def test_bad_input_is_a_field_error_and_creates_nothing(world, api, change, field):
    body = {"event": world.event.slug, "name": "Side door", **change}

    response = api.post(lists_url(world.organizer), body)

    assert response.status_code == 422, response.content
    assert {tuple(e["loc"][:2]) for e in response.json()["detail"]} == {("body", field)}
    assert CheckinList.objects.count() == 1


def test_products_and_dates_of_another_event_are_refused(world, api):
    other = EventFactory(organizer=world.organizer)
    product = ProductFactory(event=other, organizer=world.organizer)
    date = EventDateFactory(event=other)
    body = {
        "event": world.event.slug,
        "name": "Mixed",
        "products": [product.pk],
        "dates": [date.pk],
    }

    response = api.post(lists_url(world.organizer), body)

    assert response.status_code == 422
    assert sorted(e["loc"][1] for e in response.json()["detail"]) == ["dates", "products"]
    assert CheckinList.objects.count() == 1


def test_only_event_managers_create_lists_and_another_organiser_gets_404(world, other_organizer):
    body = {"event": world.event.slug, "name": "Side door"}
    door = ApiClient(make_token(world.organizer, Role.CHECKIN))
    rival = ApiClient(make_token(other_organizer, Role.OWNER))

    assert door.post(lists_url(world.organizer), body).status_code == 403
    assert rival.post(lists_url(world.organizer), body).status_code == 404
    # naming A's event from B's own space: unknown there
    own = rival.post(lists_url(other_organizer), body)
    assert (own.status_code, own.json()["detail"][0]["loc"]) == (422, ["body", "event"])
    assert CheckinList.objects.count() == 1
