"""A real local SMTP server (aiosmtpd) for the tests, registered as a pytest plugin.

    def test_mail(smtp_server):
        ...  # queue e-mails, run a delivery pass
        [received] = smtp_server.wait_for(1)
        assert received.message["Subject"] == "Hello"

`smtp_server` listens on 127.0.0.1 on a free port and points Django's EMAIL_* settings at
it; it also switches EMAIL_BACKEND back to the outbox (pytest-django replaces it with the
in-memory backend), so `send_mail` writes outbox rows as in production. Misbehaviour on
demand: `refuse(address, "550 …")` refuses a recipient, `drop_next = n` drops the
connection during the next n DATA commands, `delay` slows every message down, `down()` and
`up()` stop and restart the listener on the same port.
"""

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class RecordingHandler:
    """aiosmtpd handler that keeps every accepted message, thread-safely."""

    def __init__(self) -> None:
        self.received: list[ReceivedMessage] = []
        self.sessions = 0
        self.refused: dict[str, str] = {}
        self.drop_next = 0
        self.delay = 0.0
        self.changed = threading.Condition()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.changed:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if reply := self.refused.get(address.lower()):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.drop_next > 0:
            self.drop_next -= 1
            server.transport.abort()
            return "421 4.3.0 dropped by the test server"
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.changed:
            self.received.append(
                ReceivedMessage(
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    message=parsed,
                )
            )
            self.changed.notify_all()
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.handler = RecordingHandler()
        self._controller: Controller | None = None

    # -- lifecycle
    def up(self) -> None:
        if self._controller is None:
            self._controller = Controller(self.handler, hostname=self.host, port=self.port)
            self._controller.start()

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    # -- what the server saw
    @property
    def received(self) -> list[ReceivedMessage]:
        with self.handler.changed:
            return list(self.handler.received)

    @property
    def sessions(self) -> int:
        """SMTP sessions opened by clients (each greets the server once with EHLO)."""
        with self.handler.changed:
            return self.handler.sessions

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMessage]:
        """Wait until at least `count` messages arrived; fail the test after `timeout`."""
        return self.wait_until(
            lambda received: len(received) >= count,
            timeout=timeout,
            what=f"{count} messages",
        )

    def wait_until(
        self,
        predicate: Callable[[list[ReceivedMessage]], bool],
        *,
        timeout: float = 10.0,
        what: str = "the expected messages",
    ) -> list[ReceivedMessage]:
        """Wait until `predicate(received messages)` holds; fail the test after `timeout`."""
        deadline = time.monotonic() + timeout
        with self.handler.changed:
            while not predicate(self.handler.received):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(
                        f"expected {what} within {timeout}s, "
                        f"got {len(self.handler.received)} messages"
                    )
                self.handler.changed.wait(remaining)
            return list(self.handler.received)

    # -- misbehaviour
    def refuse(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        self.handler.refused[address.lower()] = reply

    @property
    def drop_next(self) -> int:
        return self.handler.drop_next

    @drop_next.setter
    def drop_next(self, count: int) -> None:
        self.handler.drop_next = count

    @property
    def delay(self) -> float:
        return self.handler.delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        self.handler.delay = seconds


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def point_django_at(settings, server: SMTPServer) -> None:
    settings.EMAIL_BACKEND = "rideau.messaging.backends.OutboxBackend"
    settings.RIDEAU_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp_server(settings):
    """A running local SMTP server that Django's settings point at."""
    server = SMTPServer()
    server.up()
    point_django_at(settings, server)
    try:
        yield server
    finally:
        server.down()
