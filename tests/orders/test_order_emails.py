"""The buyer's e-mail about an order is written when the outbox sends it (ADR 0031): by
then the order may have moved on, and the text must still be true."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rideau.inventory import services as inventory
from rideau.messaging.models import OutboxMessage
from rideau.orders import services
from rideau.orders.services import Buyer, OrderLine
from tests.factories import EventDateFactory, EventFactory, ProductFactory, RateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_order(organizer, actor):
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event, start=timezone.now() + datetime.timedelta(days=10))
    rate = RateFactory(product=ProductFactory(event=event, organizer=organizer))
    inventory.create_quota(actor=actor, organizer=organizer, name="Hall", size=5, date=date)
    return services.place_order(
        organizer,
        event=event,
        lines=[OrderLine(rate=rate, quantity=1)],
        buyer=Buyer(email="ana@example.net", name="Ana Lopez"),
    )


def placed_message(order) -> OutboxMessage:
    return OutboxMessage.objects.filter(reference=f"order:{order.pk}").order_by("id").first()


def test_the_placed_email_asks_for_payment_while_the_order_waits_for_it(pending_order):
    text = placed_message(pending_order).text()
    assert f"We have received your order {pending_order.code}." in text
    assert "please pay before then" in text


def test_a_placed_email_sent_after_the_payment_asks_for_nothing(pending_order, actor):
    message = placed_message(pending_order)  # queued, not yet sent
    services.mark_paid(
        pending_order, provider="cash", amount=Decimal(pending_order.total), actor=actor
    )
    text = message.text()
    assert f"We have received your order {pending_order.code}." in text
    assert "held until" not in text and "please pay" not in text


def test_the_placed_subject_asks_for_payment_while_the_order_waits_for_it(pending_order):
    message = placed_message(pending_order)

    subject, _text = message.rendered()

    assert subject == f"Your order {pending_order.code}: waiting for payment"
    assert message.subject == subject  # what the back office lists before it is sent


def test_a_placed_email_sent_after_the_payment_has_a_subject_that_asks_for_nothing(
    pending_order, actor, smtp_server
):
    from rideau.messaging.delivery import deliver_due_messages

    message = placed_message(pending_order)
    services.mark_paid(
        pending_order, provider="cash", amount=Decimal(pending_order.total), actor=actor
    )

    assert deliver_due_messages().sent == 2  # the "placed" e-mail, then the tickets
    subjects = sorted(str(r.message["Subject"]) for r in smtp_server.wait_for(2))
    assert subjects == sorted(
        [
            f"We have received your order {pending_order.code}",
            f"Your tickets, order {pending_order.code}",
        ]
    )
    message.refresh_from_db()
    assert message.subject == f"We have received your order {pending_order.code}"


def test_the_subject_is_in_the_orders_language(pending_order, actor):
    type(pending_order).objects.filter(pk=pending_order.pk).update(locale="fr")
    message = placed_message(pending_order)
    services.mark_paid(
        pending_order, provider="cash", amount=Decimal(pending_order.total), actor=actor
    )

    subject, text = message.rendered()

    assert subject == f"Nous avons bien reçu votre commande {pending_order.code}"
    assert f"Nous avons bien reçu votre commande {pending_order.code}." in text


def test_the_email_names_the_show_and_links_to_the_order(pending_order, settings):
    """Which show the tickets are for, and the order's page (pay, PDF, any time)."""
    text = placed_message(pending_order).text()
    event_name = pending_order.event.name["en"]
    assert f"- {event_name}: " in text
    link = f"{settings.SITE_URL}/{pending_order.organizer.slug}/order/{pending_order.code}/"
    assert f"Pay and follow your order here:\n{link}{pending_order.secret}/" in text
