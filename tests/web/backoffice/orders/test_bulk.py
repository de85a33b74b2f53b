"""Bulk changes of orders from the orders list: a job with progress, audited per order."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rideau.core import jobs as core_jobs
from rideau.core.access import Actor
from rideau.core.errors import PermissionDenied, ValidationFailed
from rideau.core.models import AuditLogEntry, Job
from rideau.core.roles import Role
from rideau.inventory.models import Quota
from rideau.inventory.queries import check_integrity
from rideau.messaging.models import OutboxMessage
from rideau.orders import jobs
from rideau.orders.models import Order, Payment
from tests.factories import OrderFactory, member

from ..conftest import place

pytestmark = pytest.mark.django_db
LIST = "/control/theatre/orders/"
BULK = LIST + "bulk/"


def run(job: Job) -> Job:
    core_jobs.run_job.call(job.pk)
    job.refresh_from_db()
    return job


def latest_job() -> Job:
    return Job.objects.get(kind=jobs.BULK_ORDERS)


def test_mark_selected_orders_paid(organizer, shop, owner_client):
    first = place(organizer, shop, quantity=2, email="a@example.net")
    second = place(organizer, shop, email="b@example.net")
    paid = place(organizer, shop, paid=True, email="c@example.net")
    untouched = place(organizer, shop, email="d@example.net")
    response = owner_client.post(
        BULK,
        {
            "orders": [first.pk, second.pk, paid.pk],
            "action": "mark_paid",
            "scope": "selected",
            "provider": "bank_transfer",
        },
    )
    job = latest_job()
    assert response.status_code == 302
    assert response["Location"] == f"/control/theatre/jobs/{job.pk}/"
    assert (job.organizer, job.event, job.params["orders"]) == (
        organizer,
        None,
        sorted([first.pk, second.pk, paid.pk]),
    )
    job = run(job)
    assert job.status == Job.Status.DONE
    assert (job.progress, job.total) == (3, 3)
    assert job.result == {
        "done": 2,
        "skipped": {"Only an order waiting for payment can be marked paid.": 1},
    }
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == Order.Status.PAID
    assert statuses[untouched.pk] == Order.Status.PENDING
    assert Payment.objects.filter(order=first, provider="bank_transfer").count() == 1
    assert AuditLogEntry.objects.filter(action="order.paid").count() == 2
    assert check_integrity()[1] == []
    page = owner_client.get(f"/control/theatre/jobs/{job.pk}/").content.decode()
    assert "2 orders done" in page
    assert "1 skipped:" in page
    assert "Only an order waiting for payment can be marked paid. (1)" in page


def test_cancel_all_orders_matching_the_filter(organizer, shop, owner_client):
    pending = [place(organizer, shop, email=f"p{i}@example.net") for i in range(3)]
    paid = place(organizer, shop, paid=True, email="paid@example.net")
    outbox = OutboxMessage.objects.count()
    response = owner_client.post(
        BULK,
        {
            "status": "pending",
            "orders": [paid.pk],  # ignored: the scope is the filter
            "action": "cancel",
            "scope": "all",
            "reason": "Show moved",
        },
    )
    assert response.status_code == 302
    job = run(latest_job())
    assert job.result == {"done": 3, "skipped": {}}
    assert set(
        Order.objects.filter(pk__in=[o.pk for o in pending]).values_list("status", flat=True)
    ) == {Order.Status.CANCELLED}
    assert Order.objects.get(pk=paid.pk).status == Order.Status.PAID
    assert Quota.objects.get(date=shop["first"]).taken == 1
    assert OutboxMessage.objects.count() == outbox  # notify was not ticked
    entries = AuditLogEntry.objects.filter(action="order.cancelled")
    assert [e.after["reason"] for e in entries] == ["Show moved"] * 3
    assert check_integrity()[1] == []


def test_resend_tickets_skips_unpaid_orders(organizer, shop, owner_client):
    paid = place(organizer, shop, paid=True)
    pending = place(organizer, shop, email="b@example.net")
    outbox = OutboxMessage.objects.count()
    owner_client.post(
        BULK, {"orders": [paid.pk, pending.pk], "action": "resend", "scope": "selected"}
    )
    job = run(latest_job())
    assert job.result == {"done": 1, "skipped": {"Only a paid order has tickets to send.": 1}}
    assert OutboxMessage.objects.count() == outbox + 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "mark_paid", "scope": "selected", "provider": ""}, "Choose how the orders"),
        ({"action": "cancel", "scope": "selected"}, "Select at least one order."),
        ({"action": "", "scope": "selected"}, "This field is required."),
        ({"action": "explode", "scope": "selected"}, "Select a valid choice."),
    ],
)
def test_bad_bulk_input_starts_nothing(organizer, shop, owner_client, data, message):
    order = place(organizer, shop)
    body = {**data}
    if "Select at least" not in message:
        body["orders"] = [order.pk]
    response = owner_client.post(BULK, body)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Job.objects.exists()
    assert response.context["orders"][0] == order  # the list is shown again


def test_other_organisers_orders_are_ignored(organizer, other_organizer, shop, owner_client):
    other = OrderFactory(event__organizer=other_organizer)
    response = owner_client.post(
        BULK, {"orders": [other.pk], "action": "cancel", "scope": "selected"}
    )
    assert response.status_code == 422
    assert not Job.objects.exists()
    assert Order.objects.get(pk=other.pk).status == Order.Status.PENDING


def test_read_only_members_cannot_start_a_bulk_change(organizer, shop, client_for):
    order = place(organizer, shop)
    reader_user = member(organizer, Role.READ_ONLY, email="reader@example.org")
    reader = client_for(reader_user)
    assert "bulk-actions" not in reader.get(LIST).content.decode()
    response = reader.post(BULK, {"orders": [order.pk], "action": "cancel", "scope": "selected"})
    assert response.status_code == 403
    assert not Job.objects.exists()
    with pytest.raises(PermissionDenied):
        jobs.start_bulk_orders(
            organizer, actor=Actor(user=reader_user), action="cancel", order_ids=[order.pk]
        )


def test_a_member_removed_before_the_run_changes_nothing(organizer, shop):
    staff = member(organizer, Role.BOX_OFFICE, email="box@example.org")
    order = place(organizer, shop)
    job = jobs.start_bulk_orders(
        organizer, actor=Actor(user=staff), action="cancel", order_ids=[order.pk]
    )
    staff.teams.clear()
    job = run(job)
    assert job.result == {"done": 0, "skipped": {"You do not have permission to do this.": 1}}
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING


def test_start_validates_the_orders(organizer, actor):
    with pytest.raises(ValidationFailed) as exc:
        jobs.start_bulk_orders(organizer, actor=actor, action="cancel", order_ids=[])
    assert exc.value.errors == {"orders": ["Select at least one order."]}


def test_a_rerun_goes_on_after_the_last_order_done(organizer, shop, actor):
    orders = [place(organizer, shop, email=f"p{i}@example.net") for i in range(3)]
    job = jobs.start_bulk_orders(
        organizer,
        actor=actor,
        action="mark_paid",
        provider="cash",
        order_ids=[o.pk for o in orders],
    )
    jobs._apply(Order.objects.get(pk=job.params["orders"][0]), job.params, actor)
    Job.objects.filter(pk=job.pk).update(progress=1, result={"done": 1, "skipped": {}})
    job = run(job)
    assert job.result == {"done": 3, "skipped": {}}
    assert Payment.objects.count() == 3


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_with_bulk_form_query_count_does_not_grow(organizer, shop, owner_client):
    place(organizer, shop)
    one = _count(owner_client, LIST)
    place(organizer, shop, rate="reduced")
    place(organizer, shop, date="second", quantity=3, paid=True)
    three = _count(owner_client, LIST)
    response = owner_client.get(LIST)
    assert len(response.context["orders"]) == 3
    assert response.content.decode().count('name="orders"') == 3
    assert one == three


def test_bulk_form_keeps_the_filter(organizer, shop, owner_client):
    place(organizer, shop)
    content = owner_client.get(LIST, {"status": "pending", "q": "ana"}).content.decode()
    assert '<input type="hidden" name="status" value="pending">' in content
    assert '<input type="hidden" name="q" value="ana">' in content


def test_all_matching_a_broken_search_changes_nothing(organizer, shop, owner_client):
    place(organizer, shop)
    response = owner_client.post(
        BULK, {"created_from": "not-a-date", "action": "cancel", "scope": "all"}
    )
    assert response.status_code == 422
    assert "The search is not valid: correct it first." in response.content.decode()
    assert not Job.objects.exists()


def test_get_goes_back_to_the_list(owner_client, organizer):
    response = owner_client.get(BULK)
    assert (response.status_code, response["Location"]) == (302, LIST)
