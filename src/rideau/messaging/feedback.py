"""What happens to a message after it left: SMS delivery receipts and late e-mail bounces.

- **SMS receipts.** The Twilio gateway asks for a status callback on each SMS
  (`StatusCallback`); Twilio POSTs `MessageSid` and `MessageStatus` there, signed with the
  account's auth token (`X-Twilio-Signature`: base64 HMAC-SHA1 of the URL followed by the
  sorted form fields). `delivered` stamps `delivered_at`; `undelivered` and `failed` make
  the message bounced. A final status is never replaced by a late intermediate one.
- **Late bounces.** A server that accepted a message may still report, later, that it
  could not deliver it: a DSN (RFC 3464, `multipart/report` with a
  `message/delivery-status` part) sent to the message's envelope sender. With
  `RIDEAU_BOUNCE_ADDRESS` set (`bounces@mail.example.org`) each message's envelope sender
  (Return-Path) is `bounces+<id>-<signature>@mail.example.org` (VERP), so a report names
  its message even when it quotes nothing of it; the signature keeps anyone from bouncing
  another message. `ingest_bounce` reads one report: a permanent failure (status 5.x.x)
  makes the message bounced and marks the contact's address undeliverable (no more
  campaign e-mail to it); a temporary one (4.x.x, `delayed`) is only noted.
"""

import base64
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from rideau.contacts.models import Contact
from rideau.core import audit

from .models import OutboxMessage

logger = logging.getLogger("rideau.messaging")

# --- SMS receipts ------------------------------------------------------------------------

FINAL_SMS_STATUSES = {"delivered", "undelivered", "failed"}
SMS_STATUSES = FINAL_SMS_STATUSES | {"accepted", "queued", "sending", "sent", "scheduled"}


def twilio_signature(url: str, params: dict[str, str], token: str) -> str:
    """Twilio's request signature: the full URL, then each POST field name and value in
    name order, HMAC-SHA1 with the auth token, base64."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_signature_valid(url: str, params: dict[str, str], token: str, signature: str) -> bool:
    return bool(token) and constant_time_compare(twilio_signature(url, params, token), signature)


@transaction.atomic
def record_sms_status(provider_id: str, status: str, error_code: str = "") -> bool:
    """Apply a gateway's status report to the SMS it names; False when none matches."""
    status = status.lower()
    if not provider_id or status not in SMS_STATUSES:
        return False
    message = (
        OutboxMessage.objects.select_for_update()
        .filter(channel="sms", provider_id=provider_id[:100])
        .first()
    )
    if message is None:
        return False
    if message.provider_status in FINAL_SMS_STATUSES and status not in FINAL_SMS_STATUSES:
        return True  # callbacks may arrive out of order: "sent" after "delivered"
    changes: dict = {"provider_status": status}
    now = timezone.now()
    if status == "delivered":
        changes |= {"delivered_at": message.delivered_at or now, "bounced_at": None}
    elif status in ("undelivered", "failed"):
        changes |= {
            "bounced_at": message.bounced_at or now,
            "delivered_at": None,
            "last_error": f"SMS {status}" + (f" (error {error_code})" if error_code else ""),
        }
    OutboxMessage.objects.filter(pk=message.pk).update(**changes)
    return True


# --- late bounces ------------------------------------------------------------------------

_VERP = re.compile(r"\+(?P<id>\d+)-(?P<sig>[0-9a-f]{20})@", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<([0-9a-f-]{36})@rideau>", re.IGNORECASE)


def _verp_signature(message_id: int) -> str:
    return salted_hmac("rideau.messaging.bounce", str(message_id)).hexdigest()[:20]


def bounce_address(message_id: int) -> str | None:
    """The envelope sender of a message (VERP), or None without `RIDEAU_BOUNCE_ADDRESS`."""
    base = settings.RIDEAU_BOUNCE_ADDRESS
    if not base or "@" not in base:
        return None
    local, _at, domain = base.rpartition("@")
    return f"{local}+{message_id}-{_verp_signature(message_id)}@{domain}"


def message_for_bounce_address(address: str) -> int | None:
    match = _VERP.search(address)
    if match is None:
        return None
    pk = int(match["id"])
    if not constant_time_compare(_verp_signature(pk), match["sig"].lower()):
        return None
    return pk


@dataclass
class BounceReport:
    message_id: int | None = None
    permanent: bool = False
    status: str = ""
    diagnostic: str = ""
    recipient: str = ""


def parse_bounce(raw: bytes, envelope_recipient: str = "") -> BounceReport:
    """What a DSN says: which of our messages (VERP address, else the quoted Message-ID),
    whether the failure is permanent, and the server's words."""
    mail = message_from_bytes(raw, policy=policy.compat32)
    report = BounceReport()
    candidates = [envelope_recipient]
    for header in ("Delivered-To", "X-Original-To", "Envelope-To", "To"):
        candidates += [str(v) for v in mail.get_all(header, [])]
    for candidate in candidates:
        pk = message_for_bounce_address(candidate or "")
        if pk is not None:
            report.message_id = pk
            break
    for part in mail.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            _read_delivery_status(part, report)
        elif report.message_id is None and content_type in (
            "message/rfc822",
            "text/rfc822-headers",
            "message/rfc822-headers",
        ):
            report.message_id = _quoted_message(part)
    return report


def _read_delivery_status(part: Message, report: BounceReport) -> None:
    # the email package parses it as a list of header blocks: the per-message one first,
    # then one per recipient
    blocks = part.get_payload()
    if not isinstance(blocks, list):
        return
    for block in blocks[1:] or blocks:
        if not isinstance(block, Message):
            continue
        action = str(block.get("Action", "")).strip().lower()
        status = str(block.get("Status", "")).strip()
        if not action and not status:
            continue
        report.status = status
        report.recipient = str(block.get("Final-Recipient", "")).partition(";")[2].strip()
        report.diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
        report.permanent = action == "failed" and status.startswith("5")
        if report.permanent:
            return


def _quoted_message(part: Message) -> int | None:
    """Our message quoted in the report, found by its Message-ID (`<key@rideau>`)."""
    text = part.as_string() if part.is_multipart() else str(part.get_payload(decode=False))
    match = _MESSAGE_ID.search(text)
    if match is None:
        return None
    return OutboxMessage.objects.filter(key=match[1]).values_list("pk", flat=True).first()


@transaction.atomic
def ingest_bounce(raw: bytes, envelope_recipient: str = "") -> BounceReport:
    """Read one bounce report and apply it (see the module's docstring)."""
    report = parse_bounce(raw, envelope_recipient)
    if report.message_id is None or not report.status:
        logger.info("bounce report names none of our messages; ignored")
        return report
    message = OutboxMessage.objects.select_for_update().filter(pk=report.message_id).first()
    if message is None:
        report.message_id = None
        return report
    words = f"{report.status} {report.diagnostic}".strip()
    if not report.permanent:
        OutboxMessage.objects.filter(pk=message.pk).update(last_error=f"delayed: {words}"[:2000])
        return report
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        bounced_at=message.bounced_at or now, last_error=f"bounced: {words}"[:2000]
    )
    if message.contact_id is not None and message.channel == "email":
        contact = Contact.objects.filter(
            pk=message.contact_id, email_undeliverable_at__isnull=True
        ).first()
        if contact is not None and contact.email.lower() in {a.lower() for a in message.to}:
            Contact.objects.filter(pk=contact.pk).update(email_undeliverable_at=now)
            audit.record(
                "contact.email_undeliverable",
                contact,
                organizer=message.organizer if message.organizer_id else None,
                after={"email": contact.email, "status": report.status},
            )
    return report
