"""The bytes of a campaign e-mail, written directly (the worker's fast path).

Building each recipient's copy with the `email` package costs more than sending it (its
generator folds every header through `email.header`): smtplib hands ~1,600 pre-built
messages a second to a local server, but only ~290 built per recipient. A campaign e-mail
is always the same simple shape — text, optional HTML alternative, no attachments, one
recipient — so `campaign_bytes` writes that shape as text: ASCII header values as they
are, others RFC 2047-encoded, bodies as 8-bit UTF-8 with CRLF line ends. It answers None
for anything outside that shape (long lines, an address that is not ASCII…), and the
caller builds the message the usual way. `tests/messaging/test_mime.py` checks that both
ways parse to the same message.
"""

from email.header import Header
from email.utils import formataddr, formatdate, parseaddr

from django.conf import settings

MAX_LINE = 998  # RFC 5322, without CRLF


def _header(name: str, value: str) -> str | None:
    if "\n" in value or "\r" in value:
        return None
    if value.isascii() and len(name) + len(value) < MAX_LINE - 2:
        return f"{name}: {value}"
    return f"{name}: {Header(value, 'utf-8', header_name=name).encode(linesep=chr(13) + chr(10))}"


def _address(value: str) -> str | None:
    """A display name may be anything (encoded); the address itself must be ASCII."""
    name, address = parseaddr(value)
    if not address or not address.isascii() or "@" not in address:
        return None
    return formataddr((name, address), charset="utf-8") if name else address


def _body(text: str) -> bytes | None:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    encoded = [line.encode() for line in lines]
    if any(len(line) > MAX_LINE for line in encoded):
        return None
    return b"\r\n".join(encoded)


def _part(subtype: str, text: str) -> bytes | None:
    body = _body(text)
    if body is None:
        return None
    encoding = "7bit" if text.isascii() else "8bit"
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode() + body


def campaign_bytes(
    *,
    from_header: str,
    to: str,
    subject: str,
    headers: dict[str, str],
    text: str,
    html: str,
    boundary: str,
) -> bytes | None:
    """The message as sent over SMTP (CRLF line ends), or None: build it the usual way."""
    sender = _address(from_header)
    recipient = _address(to)
    if sender is None or recipient is None:
        return None
    lines = [
        _header("Subject", subject),
        f"From: {sender}",
        f"To: {recipient}",
        f"Date: {formatdate(localtime=settings.EMAIL_USE_LOCALTIME)}",
        *(_header(name, str(value)) for name, value in headers.items()),
        "MIME-Version: 1.0",
    ]
    if any(line is None for line in lines):
        return None
    head = "\r\n".join(line for line in lines if line is not None)
    text_part = _part("plain", text)
    if text_part is None:
        return None
    if not html:
        return head.encode() + b"\r\n" + text_part + b"\r\n"
    html_part = _part("html", html)
    if html_part is None or boundary in text or boundary in html:
        return None
    mark = f"--{boundary}".encode()
    return b"".join(
        [
            head.encode(),
            f'\r\nContent-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode(),
            mark + b"\r\n" + text_part + b"\r\n",
            mark + b"\r\n" + html_part + b"\r\n",
            mark + b"--\r\n",
        ]
    )
