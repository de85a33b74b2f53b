"""Every registration e-mail — subject and text — is in the contact's language, whoever's
request (a member of staff, a visitor in another language, the worker) sends it."""

import pytest
from django.utils import translation

from rideau.messaging.models import OutboxMessage
from rideau.registration import services
from tests.factories import ContactFactory

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


def _no_language(organizer, email):
    """A contact who never said their language (imported, added by staff or the API)."""
    return ContactFactory(organizer=organizer, email=email, first_name="Jean", language="")


def test_a_contact_without_a_language_is_written_to_in_the_organisers_first(conference, actor):
    conference.organizer.languages = ["fr", "en"]
    conference.organizer.save(update_fields=["languages"])
    talk = make_session(conference, actor, capacity=1)
    other = make_session(conference, actor, hours=(2, 3), capacity=5)
    (taken,) = services.register(
        conference, email="in@example.org", sessions=[talk.pk]
    ).registrations
    _no_language(conference.organizer, "jean@example.org")
    _no_language(conference.organizer, "paul@example.org")

    with translation.override("en"):  # staff, in English
        services.staff_register(other, actor=actor, email="jean@example.org")
        services.join_waitlist(talk, actor=actor, email="paul@example.org")
        OutboxMessage.objects.filter(to=["paul@example.org"]).delete()
        services.cancel(taken, actor=actor)

    confirmation = OutboxMessage.objects.get(to=["jean@example.org"])
    assert confirmation.subject.startswith("Votre programme pour")
    assert confirmation.text().startswith("Bonjour Jean")
    offer = OutboxMessage.objects.get(to=["paul@example.org"])
    assert offer.subject.startswith("Une place vous attend à")
    assert "Une place s’est libérée" in offer.text()


def test_a_contact_in_a_language_the_organiser_does_not_use_gets_its_first(conference, actor):
    talk = make_session(conference, actor, capacity=5)
    conference.organizer.languages = ["fr"]
    conference.organizer.save(update_fields=["languages"])
    ContactFactory(organizer=conference.organizer, email="ann@example.org", language="en")

    services.staff_register(talk, actor=actor, email="ann@example.org")

    assert OutboxMessage.objects.get(to=["ann@example.org"]).subject.startswith(
        "Votre programme pour"
    )
