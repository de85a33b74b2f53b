"""After delivery: SMS delivery receipts (the gateway's signed status callback, over real
HTTP) and late e-mail bounces (RFC 3464 reports sent back to a VERP address)."""

import datetime
import io
import sys
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from rideau.contacts.models import Contact
from rideau.messaging import feedback
from rideau.messaging.models import OutboxMessage
from rideau.scenarios import engine, queries, services

from .conftest import deliver_all
from .test_delivery import TwilioLike, sms_gateway  # noqa: F401 (the fixture)

TOKEN = "secret"  # the auth token in the sms_gateway fixture's SMS_URL


def _one_step_scenario(organizer, actor, segment, template, *, then_delivered=False):
    scenario = services.create_scenario(
        organizer, actor=actor, name="Receipts", segment_id=segment.pk
    )
    step = services.add_step(scenario, actor=actor, template_id=template.pk)
    if then_delivered:  # an hour later, the same to "the contacts delivered by step 1"
        services.add_step(
            scenario,
            actor=actor,
            template_id=template.pk,
            launch="delay",
            delay=1,
            unit="hours",
            target="delivered",
            target_position=1,
        )
    services.start_scenario(scenario, actor=actor)
    engine.run_due_steps()
    return scenario, step


def _post_status(url: str, fields: dict[str, str], *, token: str = TOKEN) -> requests.Response:
    signature = feedback.twilio_signature(url, fields, token)
    return requests.post(url, data=fields, headers={"X-Twilio-Signature": signature}, timeout=30)


@pytest.mark.django_db(transaction=True)
def test_sms_receipts_over_http_update_the_message_and_the_statistics(
    live_server,
    settings,
    organizer,
    actor,
    people,
    everyone,
    sms_template,
    sms_gateway,  # noqa: F811
):
    settings.SITE_URL = live_server.url
    scenario, _step = _one_step_scenario(
        organizer, actor, everyone, sms_template, then_delivered=True
    )
    assert deliver_all() == 4
    callback = sms_gateway[0]["StatusCallback"]
    assert callback == f"{live_server.url}/m/sms-status/"
    ada, bob, cyd = (OutboxMessage.objects.get(contact=people[n]) for n in ("ada", "bob", "cyd"))

    # the example of Twilio's request-validation documentation keeps us honest
    documented = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert feedback.twilio_signature(url, documented, "12345") == "RSOYDt4T1cUTdK1PDd93/VVr8B8="

    forged = requests.post(
        callback,
        data={"MessageSid": ada.provider_id, "MessageStatus": "delivered"},
        headers={"X-Twilio-Signature": "forged"},
        timeout=30,
    )
    assert forged.status_code == 403
    wrong_key = _post_status(
        callback, {"MessageSid": ada.provider_id, "MessageStatus": "delivered"}, token="guess"
    )
    assert wrong_key.status_code == 403
    assert OutboxMessage.objects.get(pk=ada.pk).delivered_at is None

    def status(message, value, **extra):
        fields = {"MessageSid": message.provider_id, "MessageStatus": value, "AccountSid": "AC123"}
        response = _post_status(callback, fields | extra)
        assert response.status_code == 204

    status(ada, "sent")
    status(ada, "delivered")
    status(ada, "sent")  # late and out of order: "delivered" stays
    status(bob, "undelivered", ErrorCode="30003")
    status(cyd, "failed", ErrorCode="30006")

    ada.refresh_from_db()
    bob.refresh_from_db()
    assert (ada.provider_status, ada.delivered_at is not None) == ("delivered", True)
    assert (bob.provider_status, bob.bounced_at is not None) == ("undelivered", True)
    assert "30003" in bob.last_error
    stats = queries.step_statistics(scenario)[0]
    assert (stats.sent, stats.delivered, stats.bounced) == (4, 1, 2)
    # the second step, for "the contacts delivered by step 1", reaches Ada only
    engine.run_due_steps(now=timezone.now() + datetime.timedelta(hours=2))
    second = scenario.steps.get(position=2)
    assert list(
        OutboxMessage.objects.filter(reference=second.reference).values_list("contact", flat=True)
    ) == [people["ada"].pk]


def _dsn(
    *,
    to: str,
    original: Message,
    status: str = "5.1.1",
    action: str = "failed",
    diagnostic: str = "smtp; 550 5.1.1 <dee@example.org>: Recipient address rejected",
) -> bytes:
    """A bounce as Postfix writes it (RFC 3464): a human part, the machine-readable
    delivery status, and the headers of the message that bounced."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "MAILER-DAEMON@mx.example.net (Mail Delivery System)"
    report["To"] = to
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report.attach(
        MIMEText("I'm sorry to have to inform you that your message could not\nbe delivered.\n")
    )
    per_message = Message()
    per_message["Reporting-MTA"] = "dns; mx.example.net"
    per_recipient = Message()
    per_recipient["Final-Recipient"] = "rfc822; dee@example.org"
    per_recipient["Action"] = action
    per_recipient["Status"] = status
    per_recipient["Diagnostic-Code"] = diagnostic
    delivery_status = MIMEBase("message", "delivery-status")
    delivery_status.set_payload([per_message, per_recipient])
    report.attach(delivery_status)
    headers = MIMEText("".join(f"{k}: {v}\n" for k, v in original.items()), "rfc822-headers")
    report.attach(headers)
    return report.as_bytes()


@pytest.mark.django_db
def test_a_late_hard_bounce_marks_the_message_and_the_contact_undeliverable(
    organizer, actor, people, everyone, email_template, smtp_server, settings, tmp_path
):
    settings.RIDEAU_BOUNCE_ADDRESS = "bounces@mail.rideau.example"
    scenario, _step = _one_step_scenario(organizer, actor, everyone, email_template)
    assert deliver_all() == 4
    received = {r.rcpt_tos[0]: r for r in smtp_server.wait_for(4)}
    dee = received["dee@example.org"]
    # the envelope sender (Return-Path) names the message; people still see the sender
    message = OutboxMessage.objects.get(contact=people["dee"])
    assert dee.mail_from == feedback.bounce_address(message.pk)
    assert dee.mail_from.startswith(f"bounces+{message.pk}-")
    assert dee.message["From"] == settings.DEFAULT_FROM_EMAIL

    maildir = tmp_path / "bounces"
    for folder in ("new", "cur", "tmp"):
        (maildir / folder).mkdir(parents=True)
    (maildir / "new" / "1.mx").write_bytes(_dsn(to=dee.mail_from, original=dee.message))
    # a delay report (4.x.x) for Ada changes nothing but the message's last words
    ada = received["ada@example.org"]
    (maildir / "new" / "2.mx").write_bytes(
        _dsn(
            to=ada.mail_from,
            original=ada.message,
            status="4.2.2",
            action="delayed",
            diagnostic="smtp; 452 4.2.2 Mailbox full",
        )
    )
    # a report naming a message it may not (bad signature) is ignored
    forged = dee.mail_from.replace(f"+{message.pk}-", f"+{message.pk + 1}-")
    (maildir / "new" / "3.mx").write_bytes(_dsn(to=forged, original=EmailMessage()))
    out = io.StringIO()
    call_command("ingest_bounces", maildir=str(maildir), stdout=out)
    assert "3 reports read" in out.getvalue()
    assert sorted(p.name for p in (maildir / "new").iterdir()) == []

    message.refresh_from_db()
    assert message.bounced_at is not None and "5.1.1" in message.last_error
    assert Contact.objects.get(pk=people["dee"].pk).email_undeliverable_at is not None
    ada_message = OutboxMessage.objects.get(contact=people["ada"])
    assert ada_message.bounced_at is None and "4.2.2" in ada_message.last_error
    assert Contact.objects.get(pk=people["ada"].pk).email_undeliverable_at is None
    [stats] = queries.step_statistics(scenario)
    assert (stats.sent, stats.delivered, stats.bounced) == (4, 3, 1)

    # no more campaign e-mail to Dee: a new scenario reaches the three others only
    _again, second = _one_step_scenario(organizer, actor, everyone, email_template)
    assert set(
        OutboxMessage.objects.filter(reference=second.reference).values_list(
            "contact__first_name", flat=True
        )
    ) == {"Ada", "Bob", "Cyd"}


@pytest.mark.django_db
def test_a_piped_bounce_without_verp_is_matched_by_the_quoted_message_id(
    organizer, people, monkeypatch
):
    message = OutboxMessage.objects.create(
        organizer=organizer,
        contact=people["dee"],
        to=["dee@example.org"],
        from_email="news@example.org",
        subject="Season",
        body_text="Hi",
        status=OutboxMessage.Status.SENT,
    )
    original = EmailMessage()
    original["Message-ID"] = message.message_id
    original["To"] = "dee@example.org"
    raw = _dsn(to="bounces@mail.rideau.example", original=original)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    call_command("ingest_bounces", stdout=out)
    assert f"message {message.pk}: bounced (5.1.1)" in out.getvalue()
    assert OutboxMessage.objects.get(pk=message.pk).bounced_at is not None
    assert Contact.objects.get(pk=people["dee"].pk).email_undeliverable_at is not None


@pytest.mark.django_db
def test_a_new_address_clears_undeliverable(organizer, actor, people):
    from rideau.contacts.services import update_contact

    dee = people["dee"]
    Contact.objects.filter(pk=dee.pk).update(email_undeliverable_at=timezone.now())
    dee.refresh_from_db()
    update_contact(dee, actor=actor, first_name="Dee")
    assert Contact.objects.get(pk=dee.pk).email_undeliverable_at is not None
    update_contact(dee, actor=actor, email="dee@new.example")
    assert Contact.objects.get(pk=dee.pk).email_undeliverable_at is None
