"""The back office's home (issue 9): today's sales as tiles, the next dates with their
places left, the latest orders and work waiting; sales hidden from members who may not see
orders."""

import datetime

import pytest
from django.utils import timezone

from rideau.core.models import Job
from rideau.core.roles import Role
from rideau.messaging.models import OutboxMessage
from rideau.orders import jobs
from rideau.orders.models import Order
from tests.factories import member

from ..conftest import place

pytestmark = pytest.mark.django_db
URL = "/control/theatre/"


def test_the_home_shows_todays_sales_next_dates_latest_orders_and_work(
    organizer, owner, shop, owner_client
):
    place(organizer, shop, quantity=2, paid=True, name="Ana Lopez")  # 2 × 25.00 today
    place(organizer, shop, rate="reduced", paid=True, email="bo@example.org", name="Bo")
    pending = place(organizer, shop, date="second", quantity=3, email="cy@example.org")
    yesterday = place(organizer, shop, paid=True, email="old@example.org")
    two_days_ago = timezone.now() - datetime.timedelta(days=2)
    Order.objects.filter(pk=yesterday.pk).update(paid_at=two_days_ago, created=two_days_ago)
    Job.objects.create(organizer=organizer, kind=jobs.EXPORT_CSV, created_by=owner)
    Job.objects.create(
        organizer=organizer, kind=jobs.EXPORT_XLSX, status=Job.Status.DONE, created_by=owner
    )

    response = owner_client.get(URL)

    assert response.status_code == 200
    board = response.context["board"]
    assert (board.sales_today, board.orders_today, board.tickets_today) == (65, 2, 3)
    assert board.pending_orders == 1
    assert [(u.date, u.sold, u.left, u.capacity) for u in board.upcoming] == [
        (shop["first"], 4, 46, 50),
        (shop["second"], 3, 47, 50),
    ]
    assert board.recent_orders[0] == pending
    assert len(board.recent_orders) == 4
    assert [job.kind for job in board.jobs] == [jobs.EXPORT_CSV]  # the done one is not work
    html = response.content.decode()
    assert "Sales today" in html
    assert "65.00 EUR" in html
    assert "46 left" in html
    assert pending.code in html
    assert "Buyers export (CSV)" in html
    assert 'href="/control/theatre/events/"' in html  # the events list has its own page


def test_failed_emails_are_a_task(organizer, owner_client):
    OutboxMessage.objects.create(
        organizer=organizer,
        from_email="box@example.org",
        to=["x@example.net"],
        subject="Your tickets",
        status=OutboxMessage.Status.FAILED,
    )

    html = owner_client.get(URL).content.decode()

    assert "E-mails not delivered" in html
    assert "kpi-alert" in html


def test_members_who_may_not_see_orders_see_the_dates_only(
    organizer, shop, client_for, owner_client
):
    order = place(organizer, shop, quantity=2, paid=True)
    reader = client_for(member(organizer, Role.CHECKIN))

    response = reader.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "48 left" in html
    assert "Sales today" not in html
    assert order.code not in html
    assert "sold" not in html
    assert response.context["board"].recent_orders == []


def test_the_home_speaks_french(organizer, owner_client):
    html = owner_client.get(URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Ventes du jour" in html
    assert "Prochaines dates" in html
