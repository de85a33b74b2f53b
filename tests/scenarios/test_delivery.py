"""Campaign delivery: the SMS gateway over real HTTP, the campaign queue behind
transactional mail, rate limits, bounces, and the template language's safety."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.db import transaction

from rideau.messaging import templates, templating
from rideau.messaging.delivery import deliver_due_messages
from rideau.messaging.models import OutboxMessage
from rideau.messaging.services import queue_campaign_messages, queue_email

pytestmark = pytest.mark.django_db


class TwilioLike(BaseHTTPRequestHandler):
    """Answers like Twilio's Messages API; refuses numbers ending in 99 with a 400."""

    received: list[dict] = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        form["auth"] = self.headers["Authorization"]
        form["path"] = self.path
        form["key"] = self.headers.get("I-Twilio-Idempotency-Token", "")
        TwilioLike.received.append(form)
        if form["To"].endswith("99"):
            body, status = {"code": 21211, "message": "invalid To"}, 400
        else:
            body, status = {"sid": f"SM{len(TwilioLike.received):032d}"}, 201
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def sms_gateway(settings):
    TwilioLike.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), TwilioLike)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_URL = f"twilio+http://AC123:secret@127.0.0.1:{server.server_port}?from=%2B3360000"
    yield TwilioLike.received
    server.shutdown()


def test_sms_goes_through_the_http_gateway(organizer, people, sms_template, sms_gateway):
    ada, bob = people["ada"], people["bob"]
    bob.phone = "+33612345699"
    bob.save()
    with transaction.atomic():
        queue_campaign_messages(
            organizer=organizer,
            template=sms_template,
            recipients=[(ada.pk, ada.phone, "en"), (bob.pk, bob.phone, "en")],
            reference="test",
            dedupe_prefix="t:",
        )
    report = deliver_due_messages()
    assert (report.sent, report.failed) == (1, 1)
    first = sms_gateway[0]
    assert first["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert first["To"] == ada.phone and first["From"] == "+3360000"
    assert first["Body"].startswith("Ada, 2 seats left: http://")  # the link is tracked
    assert first["auth"].startswith("Basic ")
    sent = OutboxMessage.objects.get(contact=ada)
    assert sent.provider_id == "SM" + "1".zfill(32)
    assert first["key"] == str(sent.key)
    refused = OutboxMessage.objects.get(contact=bob)
    assert refused.status == OutboxMessage.Status.FAILED and refused.bounced_at is not None


def test_a_campaign_never_delays_transactional_mail(
    organizer, people, email_template, smtp_server, settings
):
    settings.RIDEAU_CAMPAIGN_BATCH = 2
    with transaction.atomic():
        queue_campaign_messages(
            organizer=organizer,
            template=email_template,
            recipients=[(c.pk, c.email, "en") for c in people.values()],
            reference="campaign",
            dedupe_prefix="c:",
        )
        queue_email(to=["buyer@example.org"], subject="Your tickets", text="Here.")
    first = deliver_due_messages()
    assert first.sent == 1
    [ticket] = smtp_server.wait_for(1)
    assert ticket.message["Subject"] == "Your tickets"
    assert deliver_due_messages().sent == 2  # then campaign batches of RIDEAU_CAMPAIGN_BATCH


def test_per_organizer_rate_limit_holds_the_rest_for_later(
    organizer, people, email_template, smtp_server, settings
):
    settings.RIDEAU_CAMPAIGN_RATE_PER_ORGANIZER = 2
    settings.RIDEAU_CAMPAIGN_BATCH = 2
    with transaction.atomic():
        queue_campaign_messages(
            organizer=organizer,
            template=email_template,
            recipients=[(c.pk, c.email, "en") for c in people.values()],
            reference="campaign",
            dedupe_prefix="c:",
        )
    assert deliver_due_messages().sent == 2
    assert deliver_due_messages().claimed == 0  # this minute's allowance is used
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count() == 2


def test_fan_out_twice_writes_each_message_once(organizer, people, email_template):
    recipients = [(c.pk, c.email, "en") for c in people.values()]
    with transaction.atomic():
        first = queue_campaign_messages(
            organizer=organizer,
            template=email_template,
            recipients=recipients,
            reference="r",
            dedupe_prefix="s:",
        )
        again = queue_campaign_messages(
            organizer=organizer,
            template=email_template,
            recipients=recipients,
            reference="r",
            dedupe_prefix="s:",
        )
    assert (first, again) == (4, 0)


def test_a_message_is_written_in_one_language_throughout(organizer, actor, people, smtp_server):
    # French in full, English without HTML, German with a text but no subject
    organizer.languages = ["fr", "en", "de"]
    organizer.save()
    template = templates.create_template(
        organizer,
        actor=actor,
        name="Saison",
        subject={"fr": "Bonjour {{ first_name }}", "en": "Hello {{ first_name }}"},
        body_text={"fr": "Bonjour", "en": "Hello", "de": "Hallo"},
        body_html={"fr": "<p>Bonjour</p>"},
    )
    languages = {"ada": "en", "bob": "fr", "cyd": "de", "dee": "es"}
    with transaction.atomic():
        queue_campaign_messages(
            organizer=organizer,
            template=template,
            recipients=[(c.pk, c.email, languages[n]) for n, c in people.items()],
            reference="campaign",
            dedupe_prefix="c:",
        )
    while deliver_due_messages().claimed:
        pass
    received = {r.rcpt_tos[0].split("@")[0]: r.message for r in smtp_server.wait_for(4)}

    def parts(name: str) -> tuple[str, str, str | None]:
        message = received[name]
        html = message.get_body(("html",))
        text = message.get_body(("plain",)).get_content().strip()
        return message["Subject"], text, html.get_content().strip() if html else None

    # English has the subject and the text: all English, and no other language's HTML
    assert parts("ada") == ("Hello Ada", "Hello", None)
    assert parts("bob")[:2] == ("Bonjour Bob", "Bonjour")
    assert parts("bob")[2].startswith("<p>Bonjour</p>")
    # German lacks a subject, Spanish everything: the organiser's language, every part
    for name in ("cyd", "dee"):
        subject, text, html = parts(name)
        assert (subject, text) == (f"Bonjour {name.title()}", "Bonjour")
        assert html.startswith("<p>Bonjour</p>")


def test_the_preview_is_in_one_language_throughout(organizer, actor):
    organizer.languages = ["fr", "en"]
    organizer.save()
    template = templates.create_template(
        organizer,
        actor=actor,
        name="Saison",
        subject={"fr": "Bonjour", "en": "Hello"},
        body_text={"fr": "Bonjour {{ first_name }}", "en": "Hello {{ first_name }}"},
        body_html={"fr": "<p>Bonjour</p>"},
    )
    english = templates.preview(template, "en")
    assert (english["subject"], english["text"], english["html"]) == ("Hello", "Hello Camille", "")
    french = templates.preview(template, "fr")
    assert (french["subject"], french["html"]) == ("Bonjour", "<p>Bonjour</p>")


@pytest.mark.parametrize(
    "text",
    [
        "{{ first_name.__class__ }}",
        "{{ contact.organizer.owner }}",
        "{% for x in y %}",
        "{{ first_name|upper }}",
        "{{ settings.SECRET_KEY }}",
    ],
)
def test_templates_reach_nothing_but_their_placeholders(text):
    with pytest.raises(templating.TemplateSyntaxError):
        templating.compile_text(text)


def test_placeholders_are_escaped_in_html():
    html = templating.render("<p>{{ first_name }}</p>", {"first_name": "<script>"}, escape=True)
    assert html == "<p>&lt;script&gt;</p>"
    assert templating.render('{{ first_name | "friend" }}', {}) == "friend"


def test_sms_length_counter():
    assert templating.sms_length("Hello") == {
        "encoding": "GSM-7",
        "characters": 5,
        "parts": 1,
        "per_part": 160,
    }
    assert templating.sms_length("€" * 80)["characters"] == 160
    assert templating.sms_length("a" * 161)["parts"] == 2
    assert templating.sms_length("Привет")["encoding"] == "UCS-2"
    assert templating.sms_length("ś" * 71)["parts"] == 2


def test_per_sender_rate_limit(organizer, people, email_template, smtp_server, settings):
    settings.RIDEAU_CAMPAIGN_RATE_PER_SENDER = 1
    settings.RIDEAU_CAMPAIGN_BATCH = 1
    with transaction.atomic():
        queue_campaign_messages(
            organizer=organizer,
            template=email_template,
            recipients=[(c.pk, c.email, "en") for c in people.values()],
            reference="campaign",
            dedupe_prefix="c:",
            from_email="news@example.org",
        )
    assert deliver_due_messages().sent == 1
    assert deliver_due_messages().claimed == 0


@pytest.mark.parametrize(
    ("agent", "address", "method", "human", "reason"),
    [
        ("Mozilla/5.0 (Windows NT 10.0) Firefox/126.0", "203.0.113.9", "GET", True, ""),
        ("Mozilla/5.0 (via ggpht.com GoogleImageProxy)", "203.0.113.9", "GET", False, "user-agent"),
        ("Mozilla/5.0", "17.58.101.4", "GET", False, "proxy-address"),  # Apple MPP relay
        ("Mozilla/5.0 (compatible; Barracuda Sentinel)", "203.0.113.9", "GET", False, "user-agent"),
        ("python-requests/2.31", "203.0.113.9", "GET", False, "user-agent"),
        ("Mozilla/5.0 Firefox/126.0", "203.0.113.9", "HEAD", False, "head-request"),
        ("", "203.0.113.9", "GET", False, "no-user-agent"),
    ],
)
def test_signals_are_classified(organizer, agent, address, method, human, reason):
    import datetime

    from django.utils import timezone

    from rideau.messaging.tracking import Signal, classify

    now = timezone.now()
    message = OutboxMessage.objects.create(
        organizer=organizer,
        kind="marketing",
        to=["x@example.org"],
        subject="s",
        sent_at=now - datetime.timedelta(minutes=5),
    )
    assert classify(message, Signal(agent, address, method), now) == (human, reason)
    assert classify(message, Signal(BROWSER_UA, "203.0.113.9"), message.sent_at)[1] == "too-fast"


BROWSER_UA = "Mozilla/5.0 (Windows NT 10.0) Firefox/126.0"
