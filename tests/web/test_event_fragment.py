"""The public event page without the page cache (a logged-in buyer, or a fresh page): its
body is rendered once and shared for `RIDEAU_PUBLIC_FRAGMENT_SECONDS`; the query count of
both renderings is pinned, and a change of what the body shows is seen at once."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rideau.partners.models import Partner
from tests.factories import EventDateFactory, EventFactory, ProductFactory, RateFactory, member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragments_kept")]

# a full rendering: the event, its dates, its lowest price, its partners by level, and
# whether the organiser sells gift vouchers (the footer)
FULL_RENDERING = 5
# the body from the fragment cache: the event (who may see it) only
FROM_FRAGMENT = 1


@pytest.fixture
def event(organizer):
    event = EventFactory(organizer=organizer, slug="hamlet", name={"en": "Hamlet"})
    EventDateFactory(event=event)
    product = ProductFactory(event=event, organizer=organizer)
    RateFactory(product=product, price=Decimal("25.00"))
    return event


def _get(client: Client, url: str = "/theatre/hamlet/"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_body_is_rendered_once_then_costs_one_query(event):
    first, full = _get(Client())
    second, cached = _get(Client())
    assert "Hamlet" in first and "25.00" in first
    assert (full, cached) == (FULL_RENDERING, FROM_FRAGMENT)
    assert _article(first) == _article(second)


def _article(page: str) -> str:
    return page[page.index("<article") : page.index("</article>")]


def test_a_logged_in_visitor_gets_the_shared_body_and_a_change_shows_at_once(organizer, event):
    buyer = Client()
    buyer.force_login(member(organizer, email="buyer@example.org"))
    page, _queries = _get(buyer)
    assert "25.00" in page
    rate = event.products.get().rates.get()
    rate.price = Decimal("19.00")
    rate.save()
    Partner.objects.create(
        organizer=organizer, event=event, name="Imprimerie Lune", slug="lune", public=True
    )
    page, _queries = _get(buyer)
    assert "19.00" in page and "25.00" not in page
    assert "Imprimerie Lune" in page


def test_a_staff_preview_of_a_draft_is_never_shared(organizer, event, settings):
    event.visibility = "draft"
    event.save()
    staff = Client()
    staff.force_login(member(organizer))
    page, _queries = _get(staff)
    assert "Hamlet" in page
    assert _get(staff)[1] > FROM_FRAGMENT  # rendered again, not from the fragment cache
    assert Client().get("/theatre/hamlet/").status_code == 404
