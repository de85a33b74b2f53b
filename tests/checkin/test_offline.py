"""Offline scanning data (ADR 0007): public keys and ticket ids to refuse, through the check-in
API with an access code or as staff; tenancy; the settings switch; the scanner page."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rideau.checkin import services
from rideau.checkin.models import Checkin
from rideau.core.access import Actor
from rideau.core.models import AuditLogEntry, TicketSigningKey
from rideau.core.roles import Role
from rideau.documents import signing
from rideau.orders import services as orders
from tests.api.conftest import ApiClient, make_token
from tests.checkin.conftest import make_world
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(organizer, actor):
    organizer.signed_ticket_secrets = True
    organizer.save()
    return make_world(organizer, actor)


def offline_url(checkin_list) -> str:
    return f"/checkin/{checkin_list.access_code}/offline"


def tid(position) -> str:
    return signing.decode(position.secret).ticket_id


def test_the_access_code_gives_keys_rules_and_ticket_ids_to_refuse(world, actor):
    valid = world.ticket()
    used = world.ticket(email="used@example.net")
    cancelled = world.ticket(email="gone@example.net")
    unpaid = world.ticket(paid=False, email="later@example.net")
    services.scan(checkin_list=world.checkin_list, secret=used.secret, actor=None)
    orders.cancel_order(cancelled.order, actor=actor)
    key = TicketSigningKey.objects.get(organizer=world.organizer)

    response = ApiClient().get(offline_url(world.checkin_list))

    assert response.status_code == 200
    body = response.json()
    assert body["keys"] == [{"kid": 1, "public_key": key.public_key}]
    assert "private" not in response.content.decode()
    assert body["list_id"] == world.checkin_list.pk
    assert body["event_id"] == world.event.pk
    assert (body["products"], body["dates"], body["allow_multiple_entries"]) == ([], [], False)
    assert body["signed_ticket_secrets"] is True
    assert body["revoked"] == [tid(cancelled)]
    assert body["unpaid"] == [tid(unpaid)]
    assert body["used"] == [tid(used)]
    assert tid(valid) not in body["revoked"] + body["unpaid"] + body["used"]
    assert body["generated_at"]
    assert response["Content-Type"].startswith("application/json")


def test_the_rules_of_a_narrow_list_and_re_entry(world, actor):
    narrow = services.create_checkin_list(
        actor=actor,
        organizer=world.organizer,
        event=world.event,
        name="VIP door",
        products=[world.vip.product],
        dates=[world.second],
        allow_multiple_entries=True,
    )
    ticket = world.ticket(rate=world.vip, date=world.second)
    services.scan(checkin_list=narrow, secret=ticket.secret, actor=None)

    body = ApiClient().get(offline_url(narrow)).json()

    assert body["products"] == [world.vip.product.pk]
    assert body["dates"] == [world.second.pk]
    assert body["allow_multiple_entries"] is True
    assert body["used"] == []  # re-entry: nothing to refuse as used


def test_unsigned_tickets_are_not_listed(organizer, actor):
    world = make_world(organizer, actor)  # the setting is off
    pending = world.ticket(paid=False)

    body = ApiClient().get(offline_url(world.checkin_list)).json()

    assert not signing.looks_signed(pending.secret)
    assert (body["keys"], body["unpaid"], body["signed_ticket_secrets"]) == ([], [], False)


def test_other_events_tickets_are_not_listed(world, organizer, actor):
    other = make_world(organizer, actor)
    other.ticket(paid=False)

    body = ApiClient().get(offline_url(world.checkin_list)).json()

    assert body["unpaid"] == []


def test_a_wrong_access_code_is_404_then_429(world):
    api = ApiClient()
    for _ in range(services.WRONG_CODE_LIMIT):
        assert api.get("/checkin/guess/offline").status_code == 404

    response = api.get(offline_url(world.checkin_list))

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert api.get("/checkin/" + "x" * 65 + "/offline").status_code == 422


def test_staff_get_the_same_data_within_their_organiser(world, other_organizer):
    cancelled = world.ticket()
    orders.cancel_order(cancelled.order)
    url = f"/organizers/{world.organizer.slug}/checkin-lists/{world.checkin_list.pk}/offline"
    door = ApiClient(make_token(world.organizer, Role.CHECKIN))
    marketing = ApiClient(make_token(world.organizer, Role.MARKETING))
    rival = ApiClient(make_token(other_organizer, Role.OWNER))
    # the rival's own list, asked for through our organiser's URL
    rival_world = make_world(other_organizer, Actor(user=member(other_organizer, Role.OWNER)))

    response = door.get(url)

    assert response.status_code == 200
    assert response.json()["revoked"] == [tid(cancelled)]
    assert rival.get(url).status_code == 404
    assert marketing.get(url).status_code == 403
    assert ApiClient().get(url).status_code == 401
    foreign = f"/organizers/{world.organizer.slug}/checkin-lists/{rival_world.checkin_list.pk}"
    assert door.get(foreign + "/offline").status_code == 404


def test_the_signing_keys_endpoint_lists_public_keys_only(world, other_organizer):
    world.ticket()
    other_organizer.signed_ticket_secrets = True
    other_organizer.save()
    signing.ensure_key(other_organizer)
    url = f"/organizers/{world.organizer.slug}/signing-keys"
    door = ApiClient(make_token(world.organizer, Role.CHECKIN))

    response = door.get(url)

    key = TicketSigningKey.objects.get(organizer=world.organizer)
    assert response.status_code == 200
    assert response.json() == {"count": 1, "results": [{"kid": 1, "public_key": key.public_key}]}
    assert key.private_key_encrypted[3:20] not in response.content.decode()
    assert ApiClient(make_token(other_organizer, Role.OWNER)).get(url).status_code == 404
    marketing = ApiClient(make_token(world.organizer, Role.MARKETING))
    assert marketing.get(url).status_code == 403


def test_offline_data_query_count_does_not_grow(world, actor):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = ApiClient().get(offline_url(world.checkin_list))
        assert response.status_code == 200
        return len(queries)

    first = world.ticket()
    orders.cancel_order(first.order, actor=actor)
    services.scan(checkin_list=world.checkin_list, secret=world.ticket().secret, actor=None)
    world.ticket(paid=False)
    one = count_queries()
    for n in range(2):
        gone = world.ticket(email=f"gone{n}@example.net")
        orders.cancel_order(gone.order, actor=actor)
        ticket = world.ticket(email=f"in{n}@example.net")
        services.scan(checkin_list=world.checkin_list, secret=ticket.secret, actor=None)
        world.ticket(paid=False, email=f"later{n}@example.net")
    body = ApiClient().get(offline_url(world.checkin_list)).json()
    assert (len(body["revoked"]), len(body["used"]), len(body["unpaid"])) == (3, 3, 3)

    assert count_queries() == one


def test_a_queued_offline_scan_syncs_once_by_its_nonce(world):
    ticket = world.ticket()
    api = ApiClient()
    url = f"/checkin/{world.checkin_list.access_code}/scans"

    first = api.post(url, {"secret": ticket.secret, "nonce": "offline-1"})
    again = api.post(url, {"secret": ticket.secret, "nonce": "offline-1"})  # the re-sent queue

    assert (first.json()["result"], again.json()["replayed"]) == ("valid", True)
    assert Checkin.objects.count() == 1
    assert ApiClient().get(offline_url(world.checkin_list)).json()["used"] == [tid(ticket)]


def test_the_settings_page_turns_signing_on_and_makes_the_key(organizer, owner_client):
    data = {
        "name": organizer.name,
        "currency": "EUR",
        "timezone": "Europe/Paris",
        "languages": ["en"],
        "primary_color": "#1d4ed8",
        "signed_ticket_secrets": "on",
    }

    page = owner_client.get("/control/theatre/settings/")
    response = owner_client.post("/control/theatre/settings/", data)

    assert 'name="signed_ticket_secrets"' in page.content.decode()
    assert response.status_code == 302
    organizer.refresh_from_db()
    assert organizer.signed_ticket_secrets is True
    assert TicketSigningKey.objects.filter(organizer=organizer).count() == 1
    assert AuditLogEntry.objects.filter(action="signing_key.created").count() == 1
    entry = AuditLogEntry.objects.get(action="organizer.updated")
    assert entry.after["signed_ticket_secrets"] is True

    # turning it off keeps the key (tickets already signed still verify offline)
    data.pop("signed_ticket_secrets")
    assert owner_client.post("/control/theatre/settings/", data).status_code == 302
    organizer.refresh_from_db()
    assert organizer.signed_ticket_secrets is False
    assert TicketSigningKey.objects.filter(organizer=organizer).count() == 1


def test_a_read_only_member_cannot_turn_it_on(organizer):
    client = Client()
    client.force_login(member(organizer, Role.READ_ONLY))

    response = client.post(
        "/control/theatre/settings/",
        {
            "name": organizer.name,
            "currency": "EUR",
            "timezone": "Europe/Paris",
            "languages": ["en"],
            "primary_color": "#1d4ed8",
            "signed_ticket_secrets": "on",
        },
    )

    assert response.status_code == 403
    organizer.refresh_from_db()
    assert organizer.signed_ticket_secrets is False
    assert not TicketSigningKey.objects.exists()


def test_the_scanner_page_carries_the_offline_mode(world):
    page = Client().get(f"/checkin/{world.checkin_list.access_code}/")
    html = page.content.decode()

    assert page.status_code == 200
    assert f'data-offline-url="/api/v1/checkin/{world.checkin_list.access_code}/offline"' in html
    assert 'id="offline-badge"' in html
    assert "rideau/offline-scanner" in html
    assert "Valid (offline)" in html


def test_a_list_of_every_date_gives_each_dates_entry_window(world, actor):
    """The offline scanner refuses a ticket outside its date's day as the server does."""
    body = ApiClient().get(offline_url(world.checkin_list)).json()

    assert body["any_day"] is False
    assert set(body["entry_windows"]) == {str(world.first.pk), str(world.second.pk)}
    opens, closes = services.entry_window(world.second, world.organizer)
    assert body["entry_windows"][str(world.second.pk)] == [
        int(opens.timestamp() * 1000),
        int(closes.timestamp() * 1000),
    ]
    anywhere = services.create_checkin_list(
        actor=actor, organizer=world.organizer, event=world.event, name="Bar", any_day=True
    )
    bound = services.create_checkin_list(
        actor=actor,
        organizer=world.organizer,
        event=world.event,
        name="Night 2",
        dates=[world.second],
    )
    assert ApiClient().get(offline_url(anywhere)).json()["entry_windows"] == {}
    assert ApiClient().get(offline_url(bound)).json()["entry_windows"] == {}
