"""SMS gateways: the interface the worker sends SMS through, and its implementations.

`gateway()` picks one from `SMS_URL`: `twilio://SID:TOKEN@host?from=+336…` talks to
Twilio's Messages API (or any server speaking it, such as the tests' local one; the
scheme `twilio+http://` talks plain HTTP to it); unset, the file gateway writes each SMS
as JSON under `SMS_FILE_PATH` (the demo's sink, nothing leaves the machine).
"""

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from django.conf import settings


class SmsError(Exception):
    """The gateway refused the message; `permanent` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Sms:
    to: str  # E.164
    text: str
    sender: str
    key: str  # our idempotency key


class SmsGateway(Protocol):
    def send(self, sms: Sms) -> str:
        """Hand the SMS to the provider; its id for the message, or SmsError."""
        ...


class FileGateway:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def send(self, sms: Sms) -> str:
        self.path.mkdir(parents=True, exist_ok=True)
        target = self.path / f"{sms.key}.json"
        target.write_text(
            json.dumps({"to": sms.to, "from": sms.sender, "text": sms.text, "key": sms.key})
        )
        return f"file:{sms.key}"


class TwilioGateway:
    """Twilio's REST API: `POST /2010-04-01/Accounts/{sid}/Messages.json` (form-encoded,
    HTTP basic auth), answering JSON with the message `sid`. The connection is reused."""

    def __init__(self, *, base_url: str, sid: str, token: str, sender: str) -> None:
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        self.sender = sender
        self.token = token  # also what Twilio signs its status callbacks with
        self.session = requests.Session()
        self.session.auth = (sid, token)

    def send(self, sms: Sms) -> str:
        try:
            response = self.session.post(
                self.url,
                data={
                    "To": sms.to,
                    "From": sms.sender or self.sender,
                    "Body": sms.text,
                    # delivery receipts (`messaging.feedback.record_sms_status`)
                    "StatusCallback": status_callback_url(),
                },
                headers={"I-Twilio-Idempotency-Token": sms.key},
                timeout=20,
            )
        except requests.RequestException as exc:
            raise SmsError(f"gateway unreachable: {exc}", permanent=False) from exc
        if response.status_code >= 400:
            # 4xx: the request itself is wrong (bad number…), except throttling
            permanent = 400 <= response.status_code < 500 and response.status_code != 429
            raise SmsError(f"{response.status_code}: {response.text[:300]}", permanent=permanent)
        try:
            return str(response.json()["sid"])
        except (ValueError, KeyError) as exc:
            raise SmsError(f"unexpected answer: {response.text[:300]}", permanent=False) from exc


def status_callback_url() -> str:
    from django.urls import reverse

    return f"{settings.SITE_URL}{reverse('web:sms-status')}"


def callback_token() -> str:
    """The secret the gateway signs its status callbacks with ("" without one)."""
    return getattr(gateway(), "token", "")


def gateway_for(url: str) -> SmsGateway:
    if not url:
        return FileGateway(settings.SMS_FILE_PATH)
    parts = urlsplit(url)
    if parts.scheme in ("twilio", "twilio+http"):
        http = "http" if parts.scheme == "twilio+http" else "https"
        host = parts.hostname or "api.twilio.com"
        port = f":{parts.port}" if parts.port else ""
        return TwilioGateway(
            base_url=f"{http}://{host}{port}",
            sid=unquote(parts.username or ""),
            token=unquote(parts.password or ""),
            sender=parse_qs(parts.query).get("from", [""])[0],
        )
    raise ValueError(f"unknown SMS gateway {parts.scheme!r}")


def gateway() -> SmsGateway:
    return gateway_for(settings.SMS_URL)


def new_key() -> str:
    return str(uuid.uuid4())
