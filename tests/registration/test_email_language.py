"""Every registration e-mail — subject and text — is in the contact's language, whoever's
request (a member of staff, a visitor in another language, the worker) sends it."""

import pytest
from django.utils import translation

from rideau.messaging.models import OutboxMessage
from rideau.registration import services

from .conftest import make_session

pytestmark = pytest.mark.django_db


def _french(conference, email, **kwargs):
    with translation.override("fr"):
        return services.register(conference, email=email, **kwargs)


def test_an_offer_made_under_english_is_in_french_for_a_french_contact(conference, actor):
    talk = make_session(conference, actor, capacity=1)
    (taken,) = services.register(
        conference, email="in@example.org", sessions=[talk.pk]
    ).registrations
    _french(conference, "marie@example.org", waitlist=[talk.pk])
    OutboxMessage.objects.all().delete()

    with translation.override("en"):
        services.cancel(taken, actor=actor)  # staff, in English

    offer = OutboxMessage.objects.get(to=["marie@example.org"])
    assert offer.subject.startswith("Une place vous attend à")
    assert "Une place s’est libérée" in offer.text()


def test_a_staff_registration_under_english_is_in_french_for_a_french_contact(conference, actor):
    talk = make_session(conference, actor, capacity=5)
    other = make_session(conference, actor, hours=(2, 3), capacity=5)
    _french(conference, "marie@example.org", sessions=[talk.pk])
    OutboxMessage.objects.all().delete()

    with translation.override("en"):
        services.staff_register(other, actor=actor, email="marie@example.org")

    (message,) = OutboxMessage.objects.filter(to=["marie@example.org"])
    assert message.subject.startswith("Votre programme pour")
    assert "Vous êtes inscrit" in message.text() or "inscrit" in message.text()
