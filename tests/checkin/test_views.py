import zoneinfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from rideau.checkin import services
from rideau.checkin.models import Checkin, CheckinList
from rideau.core.access import Actor
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from tests.factories import EventFactory, ProductFactory, member

pytestmark = pytest.mark.django_db


def lists_url(organizer):
    return f"/control/{organizer.slug}/checkin/"


def scanner_url(checkin_list):
    return f"/checkin/{checkin_list.access_code}/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- back office ---------------------------------------------------------------------------


def test_the_lists_page_shows_lists_counts_and_access_codes(world, owner_client):
    ticket = world.ticket()
    services.scan(checkin_list=world.checkin_list, secret=ticket.secret, actor=None)

    response = owner_client.get(lists_url(world.organizer))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Main entrance" in page
    assert world.checkin_list.access_code in page
    assert '<td data-label="Present" class="checkin-present">1</td>' in page
    assert "All products" in page
    assert "entry once" in page


def _queries_for_lists(organizer, client, n: int) -> int:
    event = EventFactory(organizer=organizer)
    product = ProductFactory(event=event, organizer=organizer)
    owner = organizer.teams.get().members.get()
    for i in range(n - CheckinList.objects.filter(organizer=organizer).count()):
        services.create_checkin_list(
            actor=Actor(user=owner),
            organizer=organizer,
            event=event,
            name=f"Door {i}",
            products=[product],
            dates=list(event.dates.all()),
        )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(lists_url(organizer))
    assert response.status_code == 200
    assert response.content.decode().count('class="checkin-present"') == n
    return len(queries)


def test_the_lists_page_makes_as_many_queries_for_1_and_3_lists(organizer, owner_client):
    one = _queries_for_lists(organizer, owner_client, 1)
    three = _queries_for_lists(organizer, owner_client, 3)

    assert one == three


def test_another_organisers_owner_gets_404_and_a_door_member_cannot_change(world, other_organizer):
    rival = client_for(member(other_organizer, Role.OWNER))
    door = client_for(member(world.organizer, Role.CHECKIN))
    edit = f"{lists_url(world.organizer)}{world.checkin_list.pk}/"

    assert rival.get(lists_url(world.organizer)).status_code == 404
    assert rival.get(edit).status_code == 404
    assert rival.post(edit + "regenerate/").status_code == 404
    assert door.get(lists_url(world.organizer)).status_code == 200
    assert door.get(edit).status_code == 403
    assert door.post(edit + "regenerate/").status_code == 403
    assert door.post(lists_url(world.organizer) + "new/", {"name": "x"}).status_code == 403
    assert CheckinList.objects.get().access_code == world.checkin_list.access_code


def test_creating_a_list_shows_field_errors_then_saves(world, owner_client):
    stranger = ProductFactory(
        event=EventFactory(organizer=world.organizer), organizer=world.organizer
    )
    url = lists_url(world.organizer) + "new/"

    empty = owner_client.post(url, {"event": world.event.pk, "name": ""})
    foreign = owner_client.post(
        url, {"event": world.event.pk, "name": "Balcony", "products": [stranger.pk]}
    )
    assert (empty.status_code, foreign.status_code) == (200, 200)
    assert empty.context["form"].errors == {"name": ["This field is required."]}
    assert foreign.context["form"].errors == {
        "products": ["Choose products of the list's event only."]
    }
    assert CheckinList.objects.count() == 1

    response = owner_client.post(
        url,
        {
            "event": world.event.pk,
            "name": "Balcony",
            "products": [world.vip.product.pk],
            "dates": [world.second.pk],
            "allow_multiple_entries": "on",
        },
    )

    assert response.status_code == 302
    balcony = CheckinList.objects.get(name="Balcony")
    assert (balcony.event, balcony.allow_multiple_entries) == (world.event, True)
    assert list(balcony.products.all()) == [world.vip.product]
    assert list(balcony.dates.all()) == [world.second]
    assert AuditLogEntry.objects.filter(action="checkin_list.created").count() == 2


def test_editing_a_list_and_making_a_new_access_code(world, owner_client):
    url = f"{lists_url(world.organizer)}{world.checkin_list.pk}/"
    old = world.checkin_list.access_code

    assert owner_client.get(url).status_code == 200
    response = owner_client.post(url, {"name": "Front door", "dates": [world.first.pk]})
    assert response.status_code == 302
    regenerated = owner_client.post(url + "regenerate/")

    assert regenerated.status_code == 302
    fresh = CheckinList.objects.get()
    assert (fresh.name, list(fresh.dates.all())) == ("Front door", [world.first])
    assert fresh.access_code != old
    assert Client().get(f"/checkin/{old}/").status_code == 404
    assert Client().get(scanner_url(fresh)).status_code == 200


# --- the scanner ---------------------------------------------------------------------------


def test_the_scanner_needs_no_login_and_keeps_the_code_private(world):
    response = Client().get(scanner_url(world.checkin_list))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Cyrano" in page
    assert "Main entrance" in page
    assert "rideau/vendor/jsQR-1.4.0.js" in page
    assert 'data-present="0"' in page
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_manual_entry_shows_valid_then_already_used(world):
    ticket = world.ticket()
    client = Client()

    first = client.post(scanner_url(world.checkin_list), {"secret": ticket.secret, "nonce": "a"})
    second = client.post(
        scanner_url(world.checkin_list),
        {"secret": f"  {ticket.secret}\n", "nonce": "b"},
        headers={"HX-Request": "true"},
    )

    assert first.status_code == 200
    assert 'data-result="valid"' in first.content.decode()
    assert "scan-valid" in first.content.decode()
    # the whole page (a form sent before htmx took it over) shows one live count, not two
    assert first.content.decode().count('id="checkin-count"') == 1
    assert "hx-swap-oob" not in first.content.decode()
    fragment = second.content.decode()
    assert 'data-result="already_used"' in fragment
    assert "Already used" in fragment
    assert "First entry at" in fragment
    assert "<html" not in fragment
    assert 'hx-swap-oob="true"' in fragment
    assert 'data-present="1"' in fragment
    assert list(Checkin.objects.order_by("id").values_list("result", flat=True)) == [
        "valid",
        "already_used",
    ]


def test_a_re_sent_scan_counts_once(world):
    ticket = world.ticket()
    client = Client()

    for _ in range(2):
        response = client.post(
            scanner_url(world.checkin_list),
            {"secret": ticket.secret, "nonce": "same"},
            headers={"HX-Request": "true"},
        )
        assert 'data-result="valid"' in response.content.decode()
    assert Checkin.objects.count() == 1


def test_an_empty_code_is_a_field_error_and_scans_nothing(world):
    response = Client().post(scanner_url(world.checkin_list), {"secret": ""})

    assert response.status_code == 200
    assert response.context["form"].errors == {"secret": ["This field is required."]}
    assert Checkin.objects.count() == 0


def test_the_live_count(world):
    for i in range(2):
        ticket = world.ticket(email=f"fan{i}@example.net")
        services.scan(checkin_list=world.checkin_list, secret=ticket.secret, actor=None)

    response = Client().get(scanner_url(world.checkin_list) + "count/")

    assert response.status_code == 200
    assert 'data-present="2"' in response.content.decode()
    assert "2</strong> attendees in" in response.content.decode()


def test_wrong_codes_are_rate_limited(world):
    client = Client()
    for i in range(services.WRONG_CODE_LIMIT):
        assert client.get(f"/checkin/wrong-{i}/").status_code == 404

    refused = client.get(scanner_url(world.checkin_list))

    assert refused.status_code == 429
    assert refused["Retry-After"] == str(services.WRONG_CODE_WINDOW)
    other_device = Client(REMOTE_ADDR="10.1.2.3")
    assert other_device.get(scanner_url(world.checkin_list)).status_code == 200


@pytest.fixture
def _english_after():
    """A request in French leaves French active in this thread: give the next test English."""
    yield
    translation.activate("en")


def test_the_scanner_shows_the_tickets_date_in_the_events_zone_and_refuses_another_date(
    world, _english_after
):
    from django.utils import formats, timezone

    world.organizer.timezone = "America/Los_Angeles"
    world.organizer.save()
    tonight = world.ticket()
    other_night = world.ticket(date=world.second, email="bo@example.net")
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")

    shown = client.post(scanner_url(world.checkin_list), {"secret": tonight.secret}).content
    refused = client.post(scanner_url(world.checkin_list), {"secret": other_night.secret})

    local = timezone.localtime(world.first.start, zoneinfo.ZoneInfo("America/Los_Angeles"))
    with translation.override("fr"):
        expected = formats.date_format(local, "DATETIME_FORMAT")
    assert expected in shown.decode()
    text = refused.content.decode()
    assert 'data-result="wrong_date"' in text
    assert "Billet pour une autre date" in text


def _seated_ticket(world):
    from tests.inventory.conftest import seated_plan

    plan = seated_plan(world.organizer, {"B": 14})
    world.first.location = plan.location
    world.first.save()
    return world.ticket()


def test_the_scanner_shows_the_seat_once_worded_in_french(world, _english_after):
    ticket = _seated_ticket(world)

    shown = Client(HTTP_ACCEPT_LANGUAGE="fr").post(
        scanner_url(world.checkin_list), {"secret": ticket.secret}
    )

    assert '<strong data-testid="scan-seat">Rang B, siège 1</strong>' in shown.content.decode()


def test_a_cancelled_ticket_shows_no_seat(world):
    from rideau.orders import services as orders

    ticket = _seated_ticket(world)
    orders.cancel_order(ticket.order, actor=world.actor, notify=False)

    shown = Client().post(scanner_url(world.checkin_list), {"secret": ticket.secret})

    page = shown.content.decode()
    assert 'data-result="cancelled"' in page
    assert "scan-seat" not in page and "Row B" not in page


def test_already_used_gives_the_first_entrys_date_when_it_was_not_today(world):
    import datetime

    from django.utils import formats, timezone

    services.update_checkin_list(
        world.checkin_list, actor=world.actor, name="Main entrance", any_day=True
    )
    ticket = world.ticket()
    days_ago = timezone.now() - datetime.timedelta(days=3)
    services.scan(checkin_list=world.checkin_list, secret=ticket.secret, actor=None, now=days_ago)
    client = Client()

    again = client.post(scanner_url(world.checkin_list), {"secret": ticket.secret}).content.decode()

    local = timezone.localtime(days_ago, zoneinfo.ZoneInfo(world.organizer.timezone))
    assert 'data-result="already_used"' in again
    assert f"First entry on {formats.date_format(local, 'DATETIME_FORMAT')}" in again


def test_an_unpaid_ticket_sends_its_holder_to_the_box_office_with_the_order_code(world):
    """The till takes the payment of an order still to pay (its Orders tab finds the code)."""
    ticket = world.ticket(paid=False, email="late@example.net")

    shown = Client().post(scanner_url(world.checkin_list), {"secret": ticket.secret})

    page = shown.content.decode()
    assert 'data-result="unpaid"' in page
    assert f"The box office takes the payment: order {ticket.order.code}." in page
