"""Opens and clicks of marketing messages (SPEC E5), told apart from machines.

- **Tokens**: a tracked message is named in its URLs by a signed token (its id and an
  HMAC), so nobody can forge another message's opens or clicks.
- **No open redirect**: a click URL names a stored `TrackedLink` of the message's
  organiser; the redirect goes to that link's URL, never to a URL from the request.
- **Human or machine**: privacy proxies fetch images (Apple Mail Privacy Protection,
  Gmail's image proxy) and security gateways follow every link (Microsoft Defender,
  Proofpoint, Mimecast, Barracuda…) before any person sees the message. A signal is a
  machine's when its user agent or address is a known proxy or scanner's, when it comes
  within seconds of delivery, when it is a HEAD request, or when the message's invisible
  honeypot link was followed (only a machine can follow it; its burst of clicks goes with
  it). Openers and clickers count human signals; machine ones are kept beside them.
- Transactional messages (tickets, codes) are never tracked: `decorate_html` is only
  called for marketing messages. A tracked message's unsubscribe link stays direct: leaving
  is not a click.
"""

import functools
import hashlib
import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from rideau.contacts.models import Contact
from rideau.contacts.services import set_consent

from .models import OutboxMessage, TrackedLink, TrackingEvent

_SIGNER = signing.Signer(salt="rideau.messaging.tracking")

# within this delay after sending, an open or a click is a machine's (prefetch, scanners)
MACHINE_DELAY = timedelta(seconds=10)
# a click this close to a honeypot click of the same message belongs to the scanner's burst
HONEYPOT_BURST = timedelta(seconds=60)

MACHINE_AGENTS = re.compile(
    r"GoogleImageProxy|ggpht\.com|YahooMailProxy|Outlook-iOS-Android|"
    r"Barracuda|Proofpoint|Mimecast|Symantec|MessageLabs|Trend ?Micro|FireEye|"
    r"Forcepoint|Cisco|IronPort|SafeLinks|Microsoft Office Protocol Discovery|"
    r"python-requests|python-urllib|curl/|Wget|Go-http-client|okhttp|Java/|"
    r"HeadlessChrome|PhantomJS|bot\b|crawler|spider|preview|scanner",
    re.IGNORECASE,
)
# Apple's Mail Privacy Protection relays (17.0.0.0/8) and Google's image proxies
MACHINE_NETWORKS = [
    ipaddress.ip_network(n)
    for n in ("17.0.0.0/8", "66.102.0.0/20", "66.249.80.0/20", "74.125.0.0/16", "64.233.160.0/19")
]

_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"']+")


def token_for(message_id: int) -> str:
    return _SIGNER.sign(str(message_id)).replace(":", ".")


def message_for_token(token: str) -> OutboxMessage | None:
    try:
        pk = int(_SIGNER.unsign(token.replace(".", ":")))
    except (signing.BadSignature, ValueError):
        return None
    return OutboxMessage.objects.filter(pk=pk, kind=OutboxMessage.Kind.MARKETING).first()


@functools.lru_cache(maxsize=8)
def _pattern(name: str, site: str, with_link: bool) -> tuple[str, str, str]:
    """The URL of `name` cut around its token (and link id): `reverse` once, not per
    message (it costs more than rendering the whole message)."""
    args: list = ["TOKEN", 999999999] if with_link else ["TOKEN"]
    url = f"{site}{reverse(name, args=args)}"
    before, _sep, after = url.partition("TOKEN")
    if with_link:
        middle, _sep, tail = after.partition("999999999")
        return before, middle, tail
    return before, after, ""


def _url(name: str, token: str, link: int | None = None) -> str:
    before, middle, tail = _pattern(name, settings.SITE_URL, link is not None)
    return (
        f"{before}{token}{middle}{link}{tail}" if link is not None else f"{before}{token}{middle}"
    )


def open_url(token: str) -> str:
    return _url("web:tracking-open", token)


def click_url(token: str, link_id: int) -> str:
    return _url("web:tracking-click", token, link_id)


def honeypot_url(token: str) -> str:
    return _url("web:tracking-honeypot", token)


def unsubscribe_url(token: str) -> str:
    return _url("web:tracking-unsubscribe", token)


def link_id(organizer_id: int, url: str, cache: dict[str, int] | None = None) -> int:
    """The stored link for `url` (created once per organiser and URL)."""
    cache_key = f"{organizer_id} {url}"
    if cache is not None and cache_key in cache:
        return cache[cache_key]
    digest = hashlib.sha256(url.encode()).hexdigest()
    TrackedLink.objects.bulk_create(
        [TrackedLink(organizer_id=organizer_id, url=url, url_hash=digest)], ignore_conflicts=True
    )
    pk = TrackedLink.objects.values_list("pk", flat=True).get(
        organizer_id=organizer_id, url_hash=digest
    )
    if cache is not None:
        cache[cache_key] = pk
    return pk


def _direct(url: str, token: str) -> bool:
    """The message's own links stay direct, never a tracked click: its unsubscribe link
    (leaving is no interest, and "clickers" steps must not write to who left), its open
    pixel and its honeypot."""
    return url.startswith((unsubscribe_url(token), open_url(token), honeypot_url(token)))


def _tracked(url: str, *, token: str, organizer_id: int, cache: dict[str, int] | None) -> str:
    if _direct(url, token):
        return url
    return click_url(token, link_id(organizer_id, url, cache))


def decorate_html(
    html: str, *, token: str, organizer_id: int, cache: dict[str, int] | None = None
) -> str:
    """Tracked links, the hidden honeypot link and the open pixel, for one message."""

    def rewrite(match: re.Match) -> str:
        target = _tracked(match[3], token=token, organizer_id=organizer_id, cache=cache)
        return f"{match[1]}{match[2]}{target}{match[2]}"

    body = _HREF.sub(rewrite, html)
    extra = (
        f'<a href="{honeypot_url(token)}" style="display:none" aria-hidden="true" '
        f'tabindex="-1"></a><img src="{open_url(token)}" width="1" height="1" alt="" '
        f'style="display:block;border:0">'
    )
    if "</body>" in body:
        return body.replace("</body>", extra + "</body>", 1)
    return body + extra


def decorate_text(
    text: str, *, token: str, organizer_id: int, cache: dict[str, int] | None = None
) -> str:
    """Tracked links in a plain text (the text part of an e-mail, an SMS)."""
    return _URL.sub(
        lambda m: _tracked(m[0], token=token, organizer_id=organizer_id, cache=cache), text
    )


# --- classification ----------------------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    user_agent: str
    address: str
    method: str = "GET"


def classify(message: OutboxMessage, signal: Signal, now: datetime) -> tuple[bool, str]:
    """(human, reason) for an open or a click of `message`."""
    if signal.method == "HEAD":
        return False, "head-request"
    if not signal.user_agent:
        return False, "no-user-agent"
    if MACHINE_AGENTS.search(signal.user_agent):
        return False, "user-agent"
    try:
        address = ipaddress.ip_address(signal.address)
    except ValueError:
        address = None
    if address is not None and any(address in network for network in MACHINE_NETWORKS):
        return False, "proxy-address"
    if message.sent_at is not None and now - message.sent_at < MACHINE_DELAY:
        return False, "too-fast"
    if TrackingEvent.objects.filter(
        message=message, kind=TrackingEvent.Kind.HONEYPOT, at__gte=now - HONEYPOT_BURST
    ).exists():
        return False, "honeypot-burst"
    return True, ""


def _track(
    message: OutboxMessage,
    signal: Signal,
    kind: str,
    *,
    now: datetime,
    human: bool,
    reason: str,
    link: TrackedLink | None = None,
) -> None:
    TrackingEvent.objects.create(
        message=message,
        kind=kind,
        link=link,
        at=now,
        human=human,
        reason=reason,
        user_agent=signal.user_agent[:300],
    )


@transaction.atomic
def record_open(message: OutboxMessage, signal: Signal) -> bool:
    now = timezone.now()
    human, reason = classify(message, signal, now)
    _track(message, signal, TrackingEvent.Kind.OPEN, now=now, human=human, reason=reason)
    field = "opened_at" if human else "machine_opened_at"
    OutboxMessage.objects.filter(pk=message.pk, **{f"{field}__isnull": True}).update(**{field: now})
    return human


@transaction.atomic
def record_click(message: OutboxMessage, link: TrackedLink, signal: Signal) -> bool:
    now = timezone.now()
    human, reason = classify(message, signal, now)
    _track(
        message, signal, TrackingEvent.Kind.CLICK, now=now, human=human, reason=reason, link=link
    )
    if human:
        # a person who clicked has opened, even with images blocked
        OutboxMessage.objects.filter(pk=message.pk, opened_at__isnull=True).update(opened_at=now)
        OutboxMessage.objects.filter(pk=message.pk, clicked_at__isnull=True).update(clicked_at=now)
    else:
        OutboxMessage.objects.filter(pk=message.pk, machine_clicked_at__isnull=True).update(
            machine_clicked_at=now
        )
    return human


@transaction.atomic
def record_honeypot(message: OutboxMessage, signal: Signal) -> None:
    """Only a machine follows the invisible link: it and its recent burst are machines'."""
    now = timezone.now()
    _track(message, signal, TrackingEvent.Kind.HONEYPOT, now=now, human=False, reason="honeypot")
    burst = TrackingEvent.objects.filter(
        message=message, human=True, at__gte=now - HONEYPOT_BURST
    ).filter(Q(kind=TrackingEvent.Kind.CLICK) | Q(kind=TrackingEvent.Kind.OPEN))
    if burst.update(human=False, reason="honeypot-burst"):
        _recount(message.pk)
    OutboxMessage.objects.filter(pk=message.pk, machine_clicked_at__isnull=True).update(
        machine_clicked_at=now
    )


def _recount(message_pk: int) -> None:
    """First human open and click again, after signals were reclassified as machines'."""
    events = TrackingEvent.objects.filter(message_id=message_pk, human=True)
    first_click = events.filter(kind=TrackingEvent.Kind.CLICK).order_by("at").first()
    first_open = events.filter(kind=TrackingEvent.Kind.OPEN).order_by("at").first()
    opened = min((e.at for e in (first_open, first_click) if e is not None), default=None)
    OutboxMessage.objects.filter(pk=message_pk, decided_at__isnull=True).update(
        opened_at=opened, clicked_at=first_click.at if first_click else None
    )


@transaction.atomic
def record_unsubscribe(message: OutboxMessage) -> None:
    """The recipient withdraws the message's channel consent (one click, RFC 8058),
    recorded on the contact with its time and source."""
    OutboxMessage.objects.filter(pk=message.pk, unsubscribed_at__isnull=True).update(
        unsubscribed_at=timezone.now()
    )
    contact = Contact.objects.filter(pk=message.contact_id).first() if message.contact_id else None
    if contact is not None:
        purpose = "sms" if message.channel == "sms" else "email"
        set_consent(contact, purpose=purpose, granted=False, source="unsubscribe link")
