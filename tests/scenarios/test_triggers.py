"""Triggered journeys (SPEC E6): a domain event about a contact starts a scenario for them,
through the generic subscription to every event kind that declares `trigger_label`."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rideau.contacts.models import Contact
from rideau.core.domain_events import handlers_for, process_events
from rideau.orders import services as orders
from rideau.orders.services import Buyer, OrderLine
from rideau.scenarios import engine, queries, services
from rideau.scenarios.models import Enrollment
from tests.factories import (
    EventDateFactory,
    EventFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
)

from .conftest import deliver_all

pytestmark = pytest.mark.django_db


def test_every_trigger_kind_is_listed_and_subscribed():
    process_events()  # discovers the handlers
    names = dict(queries.trigger_choices())
    assert {"order.placed", "order.paid", "registration.waitlist_offer_made"} <= set(names)
    assert "checkin.checked_in" in names
    assert "order.canceled" not in names  # no trigger_label: not a trigger
    for name in names:
        assert "rideau.scenarios.handlers.start_journeys" in handlers_for(name)


def test_an_order_paid_starts_the_journey_once_for_its_buyer(
    organizer, actor, email_template, smtp_server
):
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event, start=timezone.now() + datetime.timedelta(days=5))
    product = ProductFactory(event=event, organizer=organizer)
    QuotaFactory(organizer=organizer, date=date, size=10)
    rate = RateFactory(product=product, price=Decimal("0.00"))
    scenario = services.create_scenario(
        organizer, actor=actor, name="Thank you", trigger="order.paid"
    )
    services.add_step(scenario, actor=actor, template_id=email_template.pk)
    assert services.start_scenario(scenario, actor=actor) == 0  # nobody yet: a trigger waits
    Contact.objects.create(organizer=organizer, email="ana@example.net", consent_email=True)

    for _ in range(2):  # the same buyer twice: one journey
        orders.place_order(
            organizer,
            event=event,
            lines=[OrderLine(rate=rate, quantity=1)],
            buyer=Buyer(email="ana@example.net"),
        )
    process_events()
    engine.run_due_steps()
    deliver_all()

    assert Enrollment.objects.filter(scenario=scenario).count() == 1
    mail = smtp_server.wait_for(3)  # two order confirmations and the journey's e-mail
    [received] = [r for r in mail if r.message["Subject"].startswith("Hello")]
    assert received.rcpt_tos == ["ana@example.net"]
    assert received.message["List-Unsubscribe"]
    confirmations = [r for r in mail if r is not received]
    assert all("List-Unsubscribe" not in r.message for r in confirmations)  # never tracked
    assert all("/m/" not in r.message.get_body(("plain",)).get_content() for r in confirmations)
    enrollment = Enrollment.objects.get(scenario=scenario)
    assert enrollment.source == "order.paid"


def test_a_draft_or_other_organisers_scenario_does_not_start(
    organizer, other_organizer, actor, email_template
):
    draft = services.create_scenario(organizer, actor=actor, name="Draft", trigger="order.paid")
    services.add_step(draft, actor=actor, template_id=email_template.pk)
    contact = Contact.objects.create(organizer=other_organizer, email="x@example.net")
    from rideau.orders.domain_events import OrderPaid

    event = OrderPaid(
        organizer_id=organizer.pk,
        order_id=1,
        code="X",
        event_id=None,
        channel="web",
        email="x@example.net",
        total="0",
        provider="free",
        contact_id=contact.pk,
    )
    assert engine.start_on_event(event) == 0
    assert Enrollment.objects.count() == 0


def test_a_partner_administrator_added_starts_the_journey(organizer, actor, email_template):
    from rideau.partners import services as partners
    from rideau.partners.models import TeamMember

    event = EventFactory(organizer=organizer, slug="expo")
    scenario = services.create_scenario(
        organizer, actor=actor, name="Welcome, partners", trigger="partners.administrator_added"
    )
    services.add_step(scenario, actor=actor, template_id=email_template.pk)
    services.start_scenario(scenario, actor=actor)
    acme = partners.create_partner(
        event, actor=actor, name="Acme", slug="acme", admin_email="wile@acme.example"
    )
    partners.add_member(acme, actor=actor, email="road@acme.example", role=TeamMember.Role.ATTENDEE)
    Contact.objects.filter(organizer=organizer).update(consent_email=True)
    process_events()
    engine.run_due_steps()

    entered = Enrollment.objects.filter(scenario=scenario)
    assert [e.contact.email for e in entered] == ["wile@acme.example"]  # not the attendee
    assert entered.get().source == "partners.administrator_added"
    [stats] = queries.step_statistics(scenario)
    assert stats.queued == 1


def test_a_scenario_starts_from_a_segment_or_an_event_not_both(organizer, actor):
    """With both, the segment was silently ignored (the form says "Or …")."""
    from rideau.core.errors import ValidationFailed

    segment = services.create_segment(organizer, actor=actor, name="Everyone")
    with pytest.raises(ValidationFailed) as both:
        services.create_scenario(
            organizer, actor=actor, name="Both", segment_id=segment.pk, trigger="order.paid"
        )
    assert "not both" in both.value.errors["trigger"][0]
