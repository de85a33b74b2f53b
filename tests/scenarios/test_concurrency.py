"""Two workers running a scenario's due step at the same moment on PostgreSQL: each contact
gets the step's message once. A control run without the protections (no row lock on the
enrolments, no shared idempotency key) writes every message twice."""

import threading

import pytest
from django.conf import settings
from django.db import connection
from django.db.models.query import QuerySet

from rideau.contacts.models import Contact
from rideau.core.access import Actor
from rideau.messaging import templates
from rideau.messaging.models import OutboxMessage
from rideau.scenarios import engine, services

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="concurrency is proven on PostgreSQL; SQLite serialises every writer",
    ),
]


@pytest.fixture
def running(organizer, owner):
    actor = Actor(user=owner)
    for n in range(6):
        Contact.objects.create(organizer=organizer, email=f"p{n}@example.org", consent_email=True)
    template = templates.create_template(
        organizer, actor=actor, name="T", subject={"en": "Hi"}, body_text={"en": "Hi"}
    )
    segment = services.create_segment(
        organizer, actor=actor, name="All", conditions=[{"field": "consent_email", "value": True}]
    )
    scenario = services.create_scenario(organizer, actor=actor, name="S", segment_id=segment.pk)
    services.add_step(scenario, actor=actor, template_id=template.pk)
    services.start_scenario(scenario, actor=actor)
    return scenario


def two_workers(monkeypatch) -> None:
    """Both workers read the due enrolments before either writes: the one that holds rows
    waits (up to 3 s) for the other inside its transaction."""
    meeting = threading.Barrier(2, timeout=3)
    recipients = engine._recipients

    def slow_recipients(*args, **kwargs):
        try:
            meeting.wait()
        except threading.BrokenBarrierError:
            pass  # the other worker found nothing to do (rows locked by this one)
        return recipients(*args, **kwargs)

    monkeypatch.setattr(engine, "_recipients", slow_recipients)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            engine.run_due_steps()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_two_workers_write_each_message_once(running, monkeypatch):
    two_workers(monkeypatch)

    assert OutboxMessage.objects.filter(reference__startswith="scenario-step:").count() == 6


def test_control_without_lock_and_key_writes_twice(running, monkeypatch):
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, **kwargs: self)
    queue = engine.queue_campaign_messages

    def without_shared_key(**kwargs):
        kwargs["dedupe_prefix"] += threading.current_thread().name + ":"
        return queue(**kwargs)

    monkeypatch.setattr(engine, "queue_campaign_messages", without_shared_key)
    two_workers(monkeypatch)

    assert OutboxMessage.objects.filter(reference__startswith="scenario-step:").count() == 12
