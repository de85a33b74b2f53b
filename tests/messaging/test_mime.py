"""The campaign fast path writes the same message the `email` package would build."""

import email
import email.policy

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

from rideau.contacts.models import Contact
from rideau.messaging import delivery, mime
from rideau.messaging.models import MessageTemplate, OutboxMessage
from rideau.messaging.services import queue_campaign_messages

pytestmark = pytest.mark.django_db


def _parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


@pytest.fixture
def campaign_message(organizer, settings):
    settings.RIDEAU_BOUNCE_ADDRESS = "bounces@mail.example.org"
    contact = Contact.objects.create(
        organizer=organizer, email="emile@example.org", first_name="Émile", consent_email=True
    )
    template = MessageTemplate.objects.create(
        organizer=organizer,
        name="Saison",
        subject={"fr": "Bonjour {{ first_name }}, la saison 2026–2027 est là"},
        body_text={"fr": "Bonjour {{ first_name }},\r\n.\nvoir https://example.org/saison"},
        body_html={
            "fr": "<p>Bonjour {{ first_name }}, "
            '<a href="https://example.org/saison">la saison</a></p>'
        },
    )
    with transaction.atomic():
        queue_campaign_messages(
            organizer=organizer,
            template=template,
            recipients=[(contact.pk, contact.email, "fr")],
            reference="r",
            dedupe_prefix="r:",
            from_email="Théâtre du Rideau <news@rideau.example>",
        )
    return OutboxMessage.objects.select_related("template", "contact", "organizer").get()


def test_the_fast_path_and_the_email_package_give_the_same_message(campaign_message):
    links: dict[str, int] = {}
    envelope, data = delivery.campaign_bytes(campaign_message, links=links)
    built: EmailMultiAlternatives = delivery.build_email(campaign_message, links=links)
    fast, usual = _parse(data), _parse(built.message().as_bytes(linesep="\r\n"))

    assert envelope == built.from_email  # the VERP address
    assert envelope.startswith("bounces+")
    for name in (
        "Subject",
        "From",
        "To",
        "Message-ID",
        "X-Rideau-Idempotency-Key",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
    ):
        # (the email package folds a long encoded Subject after "Subject:": a leading space)
        assert str(fast[name]) == str(usual[name]).strip(), name
    assert fast["Subject"] == "Bonjour Émile, la saison 2026–2027 est là"
    assert fast["From"].addresses[0].display_name == "Théâtre du Rideau"
    for kind in ("plain", "html"):
        assert fast.get_body((kind,)).get_content() == usual.get_body((kind,)).get_content()
    assert "Émile" in fast.get_body(("html",)).get_content()
    assert fast["Date"]
    assert not fast.defects and not fast.get_body(("plain",)).defects
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF only


@pytest.mark.parametrize(
    "change",
    [
        {"text": "a" * 1200},  # a line SMTP would refuse: quoted-printable, the usual way
        {"to": "émile@exämple.org"},  # an address that is not ASCII
        {"headers": {"X-Bad": "one\ntwo"}},
    ],
)
def test_outside_the_simple_shape_the_fast_path_steps_aside(change):
    arguments = {
        "from_header": "news@rideau.example",
        "to": "ada@example.org",
        "subject": "Hello",
        "headers": {},
        "text": "Hi",
        "html": "",
        "boundary": "b",
    } | change
    assert mime.campaign_bytes(**arguments) is None


def test_a_campaign_goes_out_through_the_fast_path(campaign_message, smtp_server):
    assert delivery.deliver_due_messages().sent == 1
    [received] = smtp_server.wait_for(1)
    assert received.message["Subject"] == "Bonjour Émile, la saison 2026–2027 est là"
    assert received.mail_from.startswith("bounces+")
    assert received.message_id == campaign_message.message_id
    assert "/m/c/" in received.message.get_body(("html",)).get_content()  # tracked
