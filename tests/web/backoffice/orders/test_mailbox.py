"""The back office's mailbox: every message of the organiser with its delivery state, the
body and attachments viewable, and each order page listing its own messages."""

import datetime

import pypdfium2
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rideau.core.roles import Role
from rideau.messaging.delivery import deliver_due_messages
from rideau.messaging.models import OutboxMessage
from rideau.messaging.services import queue_email
from tests.factories import OrganizerFactory, member

from ..conftest import place

pytestmark = pytest.mark.django_db


def url(organizer, *parts) -> str:
    return "/".join([f"/control/{organizer.slug}/mailbox", *map(str, parts)]) + "/"


def test_the_mailbox_lists_each_state_and_filters(organizer, owner, client_for, settings):
    settings.RIDEAU_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with transaction.atomic():
        sent = queue_email(
            organizer=organizer, to=["sent@example.net"], subject="Sent one", text=""
        )
    deliver_due_messages()
    with transaction.atomic():
        queued = queue_email(organizer=organizer, to=["q@example.net"], subject="Queued", text="")
        retrying = queue_email(organizer=organizer, to=["r@example.net"], subject="Retry", text="")
        failed = queue_email(organizer=organizer, to=["f@example.net"], subject="Failed", text="")
        OutboxMessage.objects.filter(pk=retrying.pk).update(attempts=2, last_error="refused")
        OutboxMessage.objects.filter(pk=failed.pk).update(status="failed", attempts=8)
        other = OrganizerFactory(slug="other")
        queue_email(organizer=other, to=["x@example.net"], subject="Not ours", text="")
    client = client_for(owner)

    page = client.get(url(organizer)).content.decode()

    for message, state in [(sent, "sent"), (queued, "queued"), (retrying, "retrying")]:
        assert message.subject in page
        assert f'data-state="{state}"' in page
    assert 'data-state="failed"' in page
    assert "Retrying (2 failed attempts)" in page
    assert "Not ours" not in page
    only_retrying = client.get(url(organizer), {"state": "retrying"}).content.decode()
    assert url(organizer, retrying.pk) in only_retrying
    assert url(organizer, queued.pk) not in only_retrying
    by_address = client.get(url(organizer), {"q": "f@example"}).content.decode()
    assert url(organizer, failed.pk) in by_address
    assert url(organizer, sent.pk) not in by_address
    bad = client.get(url(organizer), {"state": "lost"})
    assert bad.status_code == 422
    assert "Select a valid choice" in bad.content.decode()
    detail = client.get(url(organizer, retrying.pk)).content.decode()
    assert "refused" in detail and "next attempt" in detail


def test_an_orders_mail_its_body_and_pdf_from_the_order_page(
    organizer, owner, shop, client_for, settings
):
    settings.RIDEAU_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    order = place(organizer, shop, paid=True, quantity=2)
    deliver_due_messages()
    client = client_for(owner)

    order_page = client.get(f"/control/{organizer.slug}/orders/{order.pk}/").content.decode()

    [message] = OutboxMessage.objects.filter(reference=f"order:{order.pk}")
    assert url(organizer, message.pk) in order_page
    assert 'data-state="sent"' in order_page
    detail = client.get(url(organizer, message.pk)).content.decode()
    assert order.code in detail
    assert "Thank you for your order" in detail  # the body
    pdf_link = message.attachments.get(mimetype="application/pdf")
    response = client.get(url(organizer, message.pk, "attachments", pdf_link.pk))
    assert response["Content-Type"] == "application/pdf"
    text = pypdfium2.PdfDocument(response.content)[0].get_textpage().get_text_range()
    assert order.code in text


def test_a_message_about_something_erased_since_still_opens(organizer, owner, client_for):
    """A text rendered when shown (ADR 0031) whose contact or order is gone: a note, no 500."""
    message = queue_email(
        to=["gone@example.org"],
        subject="Your agenda",
        deferred_text=(
            "rideau.registration.emails.registration_email_text",
            {"template": "confirmation", "contact_id": 999_999, "event_id": 999_999},
        ),
        organizer=organizer,
    )

    response = client_for(owner).get(url(organizer, message.pk))

    assert response.status_code == 200
    assert "can no longer be shown" in response.content.decode()


def test_the_mailbox_reads_a_fixed_number_of_queries(organizer, owner, client_for):
    client = client_for(owner)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(organizer)).status_code == 200
        return len(ctx)

    with transaction.atomic():
        queue_email(organizer=organizer, to=["a@example.net"], subject="One", text="")
    one = count()
    with transaction.atomic():
        for i in range(20):
            queue_email(organizer=organizer, to=[f"{i}@example.net"], subject="Many", text="")
    assert count() == one


def test_mail_left_waiting_says_the_worker_does_not_run(organizer, owner, client_for):
    """A message due minutes ago and still waiting: the page says the worker seems down
    (a fresh one, or another organiser's old one, says nothing)."""
    client = client_for(owner)
    with transaction.atomic():
        fresh = queue_email(organizer=organizer, to=["a@example.net"], subject="New", text="")
        old = queue_email(
            organizer=OrganizerFactory(slug="other"), to=["b@example.net"], subject="O", text=""
        )
    OutboxMessage.objects.filter(pk=old.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    assert "does not seem to be running" not in client.get(url(organizer)).content.decode()
    OutboxMessage.objects.filter(pk=fresh.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    assert "does not seem to be running" in client.get(url(organizer)).content.decode()


def test_the_door_team_may_not_read_the_mailbox(organizer, client_for):
    """Messages hold buyers' addresses and orders: staff who may see orders only."""
    door = member(organizer, Role.CHECKIN, email="door@example.org")
    reader = member(organizer, Role.READ_ONLY, email="reader@example.org")
    assert client_for(door).get(url(organizer)).status_code == 403
    assert client_for(reader).get(url(organizer)).status_code == 200
