"""A small contacts base, an e-mail and an SMS template, and helpers to play a journey."""

import re
import urllib.parse

import pytest
from django.test import Client
from django.utils import timezone

from rideau.contacts.models import Contact
from rideau.messaging import templates
from rideau.messaging.delivery import deliver_due_messages
from rideau.messaging.models import OutboxMessage
from rideau.scenarios import services

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Firefox/126.0"


@pytest.fixture
def people(organizer):
    names = ["ada", "bob", "cyd", "dee"]
    return {
        name: Contact.objects.create(
            organizer=organizer,
            email=f"{name}@example.org",
            first_name=name.title(),
            phone=f"+3361234567{index}",
            consent_email=True,
            consent_sms=True,
        )
        for index, name in enumerate(names)
    }


@pytest.fixture
def email_template(organizer, actor):
    return templates.create_template(
        organizer,
        actor=actor,
        name="Season opening",
        subject={"en": "Hello {{ first_name }}", "fr": "Bonjour {{ first_name }}"},
        body_text={"en": "Hello {{ first_name }}, see https://example.org/season"},
        body_html={
            "en": '<p>Hello {{ first_name | "friend" }}, '
            '<a href="https://example.org/season">see the season</a></p>'
        },
    )


@pytest.fixture
def sms_template(organizer, actor):
    return templates.create_template(
        organizer,
        actor=actor,
        name="Reminder",
        channel="sms",
        body_text={"en": "{{ first_name }}, 2 seats left: https://example.org/s"},
    )


@pytest.fixture
def everyone(organizer, actor):
    return services.create_segment(
        organizer,
        actor=actor,
        name="Everyone who agreed",
        conditions=[{"field": "consent_email", "value": True}],
    )


def deliver_all() -> int:
    sent = 0
    while report := deliver_due_messages():
        if not report.claimed:
            break
        sent += report.sent
    return sent


def age_sent_messages() -> None:
    """As if the messages had been sent a while ago (signals within seconds are machines')."""
    OutboxMessage.objects.filter(sent_at__isnull=False).update(
        sent_at=timezone.now() - timezone.timedelta(minutes=5)
    )


def links_of(received) -> dict[str, str]:
    """The tracked URLs (paths) of a received e-mail: open pixel, click, honeypot, unsubscribe."""
    html = received.message.get_body(("html",)).get_content()
    urls = re.findall(r'(?:href|src)="([^"]+)"', html)
    paths = [urllib.parse.urlsplit(u).path for u in urls]
    found = {}
    for path in paths:
        kind = path.split("/")[2]
        found[{"o": "open", "c": "click", "h": "honeypot", "u": "unsubscribe"}[kind]] = path
    found["unsubscribe"] = urllib.parse.urlsplit(
        received.message["List-Unsubscribe"].strip().strip("<>")
    ).path
    return found


def visit(path: str, *, agent: str = BROWSER, address: str = "203.0.113.7", method="get"):
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    return getattr(client, method)(path)
