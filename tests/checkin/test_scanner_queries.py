"""The scanner page and a scan cost the same number of queries however many attendees are
already in: a door with a thousand people in answers as fast as with one (SPEC D12)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rideau.checkin import services
from rideau.checkin.models import Checkin

pytestmark = pytest.mark.django_db


def _queries(request) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = request()
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def _let_in(world, n: int) -> None:
    """n more attendees scanned in (valid), plus one refused scan each."""
    for _ in range(n):
        ticket = world.ticket()
        services.scan(checkin_list=world.checkin_list, secret=ticket.secret, actor=None)
        services.scan(checkin_list=world.checkin_list, secret=ticket.secret, actor=None)


def _measure(world, client: Client) -> dict[str, int]:
    url = f"/checkin/{world.checkin_list.access_code}/"
    ticket = world.ticket()
    htmx = {"HTTP_HX_REQUEST": "true"}
    counts = {}
    counts["page"], page = _queries(lambda: client.get(url))
    counts["count"], _ = _queries(lambda: client.get(url + "count/"))
    counts["valid"], valid = _queries(
        lambda: client.post(url, {"secret": ticket.secret, "nonce": f"v{ticket.pk}"}, **htmx)
    )
    counts["used"], used = _queries(
        lambda: client.post(url, {"secret": ticket.secret, "nonce": f"u{ticket.pk}"}, **htmx)
    )
    counts["unknown"], _ = _queries(lambda: client.post(url, {"secret": "nope"}, **htmx))
    assert 'data-result="valid"' in valid.content.decode()
    assert 'data-result="already_used"' in used.content.decode()
    counts["present"] = page.context["present"]
    return counts


def test_scanner_page_and_scans_cost_the_same_with_1_and_3_attendees_in(world):
    client = Client()
    client.get(f"/checkin/{world.checkin_list.access_code}/")  # warm: session, caches
    _let_in(world, 1)
    one = _measure(world, client)
    _let_in(world, 1)  # with the one let in by the first measure: 3 in
    three = _measure(world, client)

    assert (one.pop("present"), three.pop("present")) == (1, 3)
    assert one == three
    assert Checkin.objects.filter(result="valid").count() == 4


def test_a_valid_scan_is_a_handful_of_queries(world, django_assert_max_num_queries):
    """Rate limit, list by code, nonce replay, ticket with its order and product, date scope,
    the insert (in a savepoint) and its domain event, the dates admitted now and their
    count: a small fixed number, whatever the list's size."""
    client = Client()
    url = f"/checkin/{world.checkin_list.access_code}/"
    ticket = world.ticket()
    client.get(url)
    with django_assert_max_num_queries(12):
        client.post(url, {"secret": ticket.secret, "nonce": "n1"}, HTTP_HX_REQUEST="true")
