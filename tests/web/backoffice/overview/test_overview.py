"""The event overview: visibility in one click, sales report per rate and date, chart, links."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.events.models import Event
from rideau.orders.models import Order
from rideau.orders.queries import sales_per_day, sales_report
from tests.factories import member

from ..conftest import place

pytestmark = pytest.mark.django_db
URL = "/control/theatre/events/hamlet/"


def test_sales_report_per_rate_per_date_and_total(organizer, shop):
    place(organizer, shop, quantity=2, paid=True)  # 2 × full, first date
    place(organizer, shop, rate="reduced", paid=True)  # 1 × reduced, first date
    place(organizer, shop, date="second", quantity=3, paid=True)  # 3 × full, second date
    place(organizer, shop, date="second", quantity=4)  # pending: not sold
    cancelled = place(organizer, shop, date="second", paid=True)
    Order.objects.filter(pk=cancelled.pk).update(status=Order.Status.CANCELLED)

    report = sales_report(shop["event"])
    first, second = report.dates
    assert first.date == shop["first"]
    assert [(line.label, line.count, line.revenue) for line in first.lines] == [
        ("Seat – Full", 2, Decimal("50.00")),
        ("Seat – Reduced", 1, Decimal("15.00")),
    ]
    assert (second.count, second.revenue) == (3, Decimal("75.00"))
    assert [(line.label, line.count, line.revenue) for line in report.total.lines] == [
        ("Seat – Full", 5, Decimal("125.00")),
        ("Seat – Reduced", 1, Decimal("15.00")),
    ]
    assert (report.total.count, report.total.revenue) == (6, Decimal("140.00"))
    assert report.currency == "EUR"

    days, series = sales_per_day(shop["event"])
    assert len(days) == 1
    assert series == {"Full": [(5, Decimal("125.00"))], "Reduced": [(1, Decimal("15.00"))]}


def test_overview_page_shows_report_chart_and_links(organizer, shop, owner_client):
    place(organizer, shop, quantity=2, paid=True)
    place(organizer, shop, rate="reduced", date="second", paid=True)
    response = owner_client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count('<svg class="sales-chart"') == 1
    # one bar per rate sold on the one day of sales
    assert len(re.findall(r"<rect [^>]*><title>", content)) == 2
    assert "Full" in content and "Reduced" in content
    assert "http://testserver/theatre/hamlet/tickets/" in content
    assert "&lt;iframe src=&quot;http://testserver/theatre/hamlet/widget/&quot;" in content
    assert response.context["report"].total.count == 3
    # the key figures on top: tickets sold and revenue (2 × 25.00 + 15.00)
    assert 'Tickets sold</span><strong class="kpi-value">3<' in content
    assert 'Revenue</span><strong class="kpi-value">65.00 EUR<' in content


def test_overview_without_sales(organizer, shop, owner_client):
    response = owner_client.get(URL)
    assert response.status_code == 200
    assert "No ticket sold yet." in response.content.decode()
    assert response.context["chart"] == ""


def _count(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_overview_query_count_does_not_grow_with_orders(organizer, shop, owner_client):
    place(organizer, shop, paid=True)
    one = _count(owner_client)
    place(organizer, shop, rate="reduced", paid=True)
    place(organizer, shop, date="second", paid=True)
    three = _count(owner_client)
    assert one == three


def _on_sale_now(page: str) -> str:
    label = '<span class="kpi-label">On sale now</span><strong class="kpi-value">'
    return page.split(label)[1].split("<")[0]


def test_visibility_changes_in_one_click(organizer, shop, owner, owner_client):
    assert shop["event"].visibility == Event.Visibility.DRAFT
    assert _on_sale_now(owner_client.get(URL).content.decode()) == "No"  # a draft sells nothing
    response = owner_client.post(f"{URL}visibility/", {"visibility": "public"})
    assert response.status_code == 302
    assert Event.objects.get(pk=shop["event"].pk).visibility == Event.Visibility.PUBLIC
    entry = AuditLogEntry.objects.get(action="event.updated", object_id=str(shop["event"].pk))
    assert entry.actor == owner
    assert entry.after == {"visibility": "public"}
    assert _on_sale_now(owner_client.get(URL).content.decode()) == "Yes"
    bad = owner_client.post(f"{URL}visibility/", {"visibility": "everywhere"}, follow=True)
    assert "Choose a visibility." in bad.content.decode()
    assert Event.objects.get(pk=shop["event"].pk).visibility == Event.Visibility.PUBLIC


def test_visibility_change_needs_the_events_permission(organizer, shop, client_for):
    client = client_for(member(organizer, Role.BOX_OFFICE))
    page = client.get(URL)
    assert page.status_code == 200
    assert "Make it:" not in page.content.decode()
    assert client.post(f"{URL}visibility/", {"visibility": "public"}).status_code == 403
    assert Event.objects.get(pk=shop["event"].pk).visibility == Event.Visibility.DRAFT


def test_another_organisers_event_is_404(organizer, other_organizer, shop, client_for):
    rival = client_for(member(other_organizer, Role.OWNER, email="rival@example.org"))
    assert rival.get(URL).status_code == 404
    assert rival.get("/control/rival/events/hamlet/").status_code == 404


def test_widget_is_framable_and_shows_public_prices_only(organizer, shop, client):
    Event.objects.filter(pk=shop["event"].pk).update(visibility="public")
    response = client.get("/theatre/hamlet/widget/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    content = response.content.decode()
    assert "Seat – Full" in content and "25.00 EUR" in content
    assert 'href="http://testserver/theatre/hamlet/tickets/" target="_blank"' in content
    # every other page stays unframable
    assert client.get("/theatre/hamlet/tickets/")["X-Frame-Options"] == "DENY"
    assert client.post("/theatre/hamlet/widget/").status_code == 405


def test_widget_of_a_draft_or_private_event(organizer, shop, client):
    assert client.get("/theatre/hamlet/widget/").status_code == 404  # draft
    event = Event.objects.get(pk=shop["event"].pk)
    event.visibility = Event.Visibility.PRIVATE
    event.save()
    assert client.get("/theatre/hamlet/widget/").status_code == 404
    assert client.get("/theatre/hamlet/widget/", {"token": "wrong"}).status_code == 404
    ok = client.get("/theatre/hamlet/widget/", {"token": event.private_token})
    assert ok.status_code == 200
    assert f"tickets/?token={event.private_token}" in ok.content.decode()


def test_the_chart_keeps_its_revenue_scale_inside_and_speaks_french():
    import datetime
    from decimal import Decimal

    from django.utils import translation

    from rideau.web.backoffice.overview.charts import WIDTH, sales_chart

    days = [datetime.date(2031, 1, 1), datetime.date(2031, 1, 2)]
    series = {"Full": [(40, Decimal("1280.00")), (7, Decimal("232.00"))]}
    svg = str(sales_chart(days, series, currency="EUR"))
    # the scale label ends at the right edge of the drawing, not past it
    label = re.search(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end"[^>]*>1,512 EUR<', svg)
    assert label is not None, svg
    assert float(label.group(1)) <= WIDTH
    assert "Revenue so far (dashed line, right scale)" in svg
    with translation.override("fr"):
        french = str(sales_chart(days, series, currency="EUR"))
    assert "Billets vendus par jour et recettes" in french
    assert "1 512 EUR" in french or "1\u202f512 EUR" in french or "1\xa0512 EUR" in french
