"""The event overview's end-of-sales information (per date and rate, with the tickets left)
and its ticket-control links (SPEC D8, D12)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rideau.catalog.models import Rate
from rideau.checkin import services as checkin_services
from rideau.core.access import Actor
from rideau.core.roles import Role
from rideau.events.models import EventDate
from rideau.orders.overview import SalesState, sales_windows
from tests.factories import EventDateFactory, member

from ..conftest import NOW, place

pytestmark = pytest.mark.django_db
URL = "/control/theatre/events/hamlet/"


def _row(html: str, table: str, header: str) -> list[str]:
    """The cells (text, tags stripped) of the row of `table` whose header cell starts with
    `header`."""
    body = html.split(f'id="{table}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        if cells and cells[0].startswith(header):
            return cells
    raise AssertionError(f"no row {header!r} in {table}")


def test_windows_per_date_and_rate_with_places_left(organizer, shop):
    place(organizer, shop, quantity=2, paid=True)  # 2 taken on the first date
    place(organizer, shop, rate="reduced", date="second")  # pending orders hold places too
    shop["reduced"].sales_end = NOW + datetime.timedelta(days=2)
    shop["reduced"].save()
    first, second = shop["first"], shop["second"]
    second.sales_end = NOW - datetime.timedelta(hours=1)
    second.save()

    windows = sales_windows(shop["event"], [first, second], now=NOW)

    assert [(w.rate.pk, w.closes, w.state) for w in windows.rates] == [
        (shop["full"].pk, None, SalesState.OPEN),
        (shop["reduced"].pk, NOW + datetime.timedelta(days=2), SalesState.OPEN),
    ]
    one, two = windows.dates
    assert (one.closes, one.state, one.left) == (first.start, SalesState.OPEN, [48, 48])
    assert (two.closes, two.state, two.left) == (second.sales_end, SalesState.CLOSED, [49, 49])


def test_states_not_open_inactive_cancelled_and_past(organizer, shop):
    event = shop["event"]
    event.sales_start = NOW + datetime.timedelta(days=1)
    event.save()
    Rate.objects.filter(pk=shop["reduced"].pk).update(active=False)
    EventDate.objects.filter(pk=shop["second"].pk).update(is_cancelled=True)
    past = EventDateFactory(event=event, start=NOW - datetime.timedelta(days=1))
    dates = list(event.dates.order_by("start"))

    windows = sales_windows(event, dates, now=NOW)

    assert windows.event_state == SalesState.NOT_OPEN
    assert [w.state for w in windows.rates] == [SalesState.OPEN, SalesState.INACTIVE]
    assert [(w.date.pk, w.state) for w in windows.dates] == [
        (past.pk, SalesState.CLOSED),  # it has begun: the shop no longer sells it
        (shop["first"].pk, SalesState.NOT_OPEN),
        (shop["second"].pk, SalesState.CANCELLED),
    ]
    assert windows.dates[0].left == [None, None]  # no quota: not sold that date


def test_overview_shows_end_of_sales_and_tickets_left(organizer, shop, owner_client):
    place(organizer, shop, quantity=3, paid=True)
    EventDate.objects.filter(pk=shop["second"].pk).update(
        sales_end=timezone.now() - datetime.timedelta(minutes=5)
    )
    html = owner_client.get(URL).content.decode()

    assert "End of sales" in html
    assert _row(html, "rate-windows", "Seat – Full")[1:] == [
        "25.00 EUR",
        "With the dates",
        "On sale",
    ]
    first = _row(html, "date-windows", "")  # the first row: the first date
    assert first[2:] == ["On sale", "47", "47"]
    rows = re.findall(r"Sales closed", html.split('id="date-windows"', 1)[1])
    assert len(rows) == 1
    assert "Left: Full" in html and "Left: Reduced" in html


def test_overview_lists_checkin_lists_with_scanner_links(organizer, owner, shop, owner_client):
    door = checkin_services.create_checkin_list(
        actor=Actor(user=owner), organizer=organizer, event=shop["event"], name="Main door"
    )
    html = owner_client.get(URL).content.decode()

    assert "Main door" in html
    assert door.access_code in html
    link = f"http://testserver/checkin/{door.access_code}/"
    assert f'value="{link}"' in html
    assert f'href="{link}"' in html
    assert 'data-copy="scanner-link-' in html
    assert "0 attendees in" in html


def test_access_codes_are_hidden_from_members_who_may_not_check_in(
    organizer, owner, shop, client_for
):
    door = checkin_services.create_checkin_list(
        actor=Actor(user=owner), organizer=organizer, event=shop["event"], name="Main door"
    )
    reader = client_for(member(organizer, Role.READ_ONLY))
    response = reader.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert door.access_code not in html
    assert "Ticket control" not in html.split("</header>", 1)[1]  # outside the site menu
    assert "End of sales" in html


def test_another_organisers_lists_never_show(organizer, other_organizer, shop, owner_client):
    from tests.checkin.conftest import make_world

    rival_owner = member(other_organizer, Role.OWNER, email="rival@example.org")
    rival = make_world(other_organizer, Actor(user=rival_owner))
    html = owner_client.get(URL).content.decode()
    assert rival.checkin_list.access_code not in html
    assert "No check-in list for this event yet." in html


def _count(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_overview_query_count_is_the_same_for_1_and_3_dates_rates_and_lists(
    organizer, owner, shop, owner_client
):
    event = shop["event"]
    EventDate.objects.filter(pk=shop["second"].pk).delete()
    Rate.objects.filter(pk=shop["reduced"].pk).delete()
    checkin_services.create_checkin_list(
        actor=Actor(user=owner), organizer=organizer, event=event, name="Door 0"
    )
    place(organizer, shop, paid=True)
    one = _count(owner_client)

    for i in range(2):
        EventDateFactory(event=event, start=NOW + datetime.timedelta(days=20 + i))
        Rate.objects.create(product=shop["full"].product, name={"en": f"Rate {i}"}, price=5)
        checkin_services.create_checkin_list(
            actor=Actor(user=owner), organizer=organizer, event=event, name=f"Door {i + 1}"
        )
    place(organizer, shop, paid=True)
    three = _count(owner_client)

    response = owner_client.get(URL)
    assert len(response.context["windows"].dates) == 3
    assert len(response.context["windows"].rates) == 3
    assert len(response.context["checkin_lists"]) == 3
    assert one == three


def test_dates_are_paginated(organizer, shop, owner_client):
    for i in range(25):
        EventDateFactory(event=shop["event"], start=NOW + datetime.timedelta(days=30 + i))
    first = owner_client.get(URL)
    assert len(first.context["windows"].dates) == 25
    assert "?dates_page=2" in first.content.decode()
    second = owner_client.get(URL, {"dates_page": 2})
    assert len(second.context["windows"].dates) == 2
    assert owner_client.get(URL, {"dates_page": "x"}).status_code == 200


def test_the_events_list_links_to_the_overview_for_members_who_may_see_orders(
    organizer, shop, owner_client, client_for
):
    link = f'<a href="{URL}">Hamlet</a>'
    assert link in owner_client.get("/control/theatre/events/").content.decode()
    door = client_for(member(organizer, Role.CHECKIN))
    page = door.get("/control/theatre/events/").content.decode()
    assert link not in page
    assert "Hamlet" in page
    assert door.get(URL).status_code == 403
