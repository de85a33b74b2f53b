"""Signed ticket secrets (ADR 0007): Ed25519, so a scanner can check a ticket offline.

An organiser with `signed_ticket_secrets` on gets a key pair (`core.TicketSigningKey`, made
on first use); each new ticket's secret is then `base32(payload ‖ signature)`:

    payload   = 0x01 ‖ varint(kid) ‖ ticket id (8 random bytes)
                ‖ varint(event id) ‖ varint(date id, 0 = none) ‖ varint(product id)
    signature = Ed25519(b"RDU1" ‖ payload)

Base32 (RFC 4648, upper case, no padding) keeps the QR code in its compact alphanumeric mode.
The private key is stored encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from
Django's SECRET_KEY, with the organiser and kid as associated data; it never leaves this
module. Tickets written before the setting was turned on keep their random secret.
"""

import base64
import binascii
import os
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.db import IntegrityError, transaction

from rideau.core import audit
from rideau.core.access import Actor
from rideau.core.models import Organizer, TicketSigningKey
from rideau.core.roles import Perm
from rideau.core.services import save_with_audit
from rideau.events.models import Event

if TYPE_CHECKING:  # read through their attributes only: documents sit below orders
    from rideau.orders.models import Position

VERSION = 1
SIGNATURE_PREFIX = b"RDU1"  # domain separation: these signatures mean nothing elsewhere
TICKET_ID_BYTES = 8
SIGNATURE_BYTES = 64
# shortest possible signed secret: base32 of version, kid, ticket id, three ids, signature
MIN_SIGNED_LENGTH = (1 + 1 + TICKET_ID_BYTES + 3 + SIGNATURE_BYTES) * 8 // 5
MAX_SIGNED_LENGTH = 200  # Position.secret's size (and the scan input's limit)
BASE32_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_ENCRYPTION_VERSION = "v1:"


@dataclass(frozen=True)
class SignedTicket:
    """What a signed secret says (its signature checked or not: see `decode` / `verify`)."""

    kid: int
    ticket_id: str  # the 8 random bytes in hex: what revocation lists name
    event_id: int
    date_id: int | None
    product_id: int
    payload: bytes
    signature: bytes


# --- keys ----------------------------------------------------------------------------------


def _key_encryption_key(secret_key: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"rideau-ticket-signing",
        info=b"private-key-v1",
    ).derive(secret_key.encode())


def _associated_data(organizer_id: int, kid: int) -> bytes:
    return f"rideau-signing-key:{organizer_id}:{kid}".encode()


def _encrypt_private_key(raw: bytes, organizer_id: int, kid: int) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key_encryption_key(settings.SECRET_KEY)).encrypt(
        nonce, raw, _associated_data(organizer_id, kid)
    )
    return _ENCRYPTION_VERSION + base64.b64encode(nonce + sealed).decode()


def _decrypt_private_key(key: TicketSigningKey) -> Ed25519PrivateKey:
    """The key's private half. SECRET_KEY_FALLBACKS are tried after SECRET_KEY, so a rotated
    SECRET_KEY keeps working while the old one is listed there."""
    if not key.private_key_encrypted.startswith(_ENCRYPTION_VERSION):
        raise ValueError("unknown private key encryption")
    blob = base64.b64decode(key.private_key_encrypted[len(_ENCRYPTION_VERSION) :])
    nonce, sealed = blob[:12], blob[12:]
    aad = _associated_data(key.organizer_id, key.kid)
    for secret_key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            raw = AESGCM(_key_encryption_key(secret_key)).decrypt(nonce, sealed, aad)
        except InvalidTag:
            continue
        return Ed25519PrivateKey.from_private_bytes(raw)
    raise ValueError("the ticket signing key cannot be decrypted with SECRET_KEY")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_key_of(key: TicketSigningKey) -> Ed25519PublicKey:
    raw = base64.urlsafe_b64decode(key.public_key + "=" * (-len(key.public_key) % 4))
    return Ed25519PublicKey.from_public_bytes(raw)


def current_key(organizer: Organizer) -> TicketSigningKey | None:
    """The key new tickets are signed with (the organiser's newest), if any."""
    return TicketSigningKey.objects.filter(organizer=organizer).order_by("-kid").first()


def _make_key(
    organizer: Organizer, kid: int, *, actor: Actor | None, reason: str
) -> TicketSigningKey:
    """A new key pair numbered `kid`, saved and audited; if another process made that kid
    first (a race), the organiser's current key instead."""
    private = Ed25519PrivateKey.generate()
    raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key = TicketSigningKey(
        organizer=organizer,
        kid=kid,
        public_key=_b64url(raw_public),
        private_key_encrypted=_encrypt_private_key(private.private_bytes_raw(), organizer.pk, kid),
    )
    try:
        with transaction.atomic():
            key.save()
            audit.record(
                "signing_key.created",
                key,
                actor=actor,
                organizer=organizer,
                after={"kid": key.kid, "public_key": key.public_key, "reason": reason},
            )
    except IntegrityError:
        existing = current_key(organizer)
        if existing is None:
            raise
        return existing
    return key


def ensure_key(organizer: Organizer, *, actor: Actor | None = None) -> TicketSigningKey:
    """The organiser's current key, made (and audited) if there is none yet.

    Safe under concurrency: two first orders racing for the key make one; the loser reads
    the winner's.
    """
    key = current_key(organizer)
    if key is not None:
        return key
    return _make_key(organizer, 1, actor=actor, reason="first")


def rotate_key(
    organizer: Organizer, *, actor: Actor | None = None, reason: str = "rotated"
) -> TicketSigningKey:
    """A new current key (the next kid). Older keys stay: tickets they signed still verify."""
    latest = current_key(organizer)
    return _make_key(organizer, (latest.kid if latest else 0) + 1, actor=actor, reason=reason)


def _signing_key(organizer: Organizer) -> tuple[TicketSigningKey, Ed25519PrivateKey]:
    """The current key and its private half. A key that SECRET_KEY (or its fallbacks) can no
    longer decrypt is replaced by a new one, so sales go on; its tickets still verify."""
    key = ensure_key(organizer)
    try:
        return key, _decrypt_private_key(key)
    except ValueError:
        key = rotate_key(organizer, reason="undecryptable")
        return key, _decrypt_private_key(key)


# --- secrets -------------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    if value < 0:
        raise ValueError("negative id")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise ValueError("truncated")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7


def _base32(raw: bytes) -> str:
    return base64.b32encode(raw).rstrip(b"=").decode()


def _payload(kid: int, tid: bytes, event_id: int, date_id: int | None, product_id: int) -> bytes:
    if len(tid) != TICKET_ID_BYTES:
        raise ValueError("a ticket id is 8 bytes")
    return (
        bytes([VERSION])
        + _varint(kid)
        + tid
        + _varint(event_id)
        + _varint(date_id or 0)
        + _varint(product_id)
    )


def _seal(private: Ed25519PrivateKey, payload: bytes) -> str:
    return _base32(payload + private.sign(SIGNATURE_PREFIX + payload))


def sign(
    key: TicketSigningKey,
    *,
    event_id: int,
    date_id: int | None,
    product_id: int,
    ticket_id: bytes | None = None,
) -> str:
    """A signed secret for one ticket (a fresh random ticket id unless one is given)."""
    tid = ticket_id if ticket_id is not None else secrets.token_bytes(TICKET_ID_BYTES)
    return _seal(_decrypt_private_key(key), _payload(key.kid, tid, event_id, date_id, product_id))


def assign_secrets(
    organizer: Organizer, positions: Sequence["Position"], *, event: Event | None = None
) -> None:
    """Give new, unsaved positions signed secrets when the organiser signs tickets.

    Called where tickets are made (`place_order`, before its transaction: signing is CPU
    work, kept away from the capacity locks); a no-op (no query) when the setting is off.
    The event is `event`, else the position's order's or product's.
    """
    if not organizer.signed_ticket_secrets or not positions:
        return
    key, private = _signing_key(organizer)
    for position in positions:
        event_id = (
            (event.pk if event is not None else None)
            or (position.order.event_id if position.order_id else None)
            or position.product.event_id
        )
        if event_id is None:
            continue  # not an event ticket: it keeps its random secret
        tid = secrets.token_bytes(TICKET_ID_BYTES)
        payload = _payload(key.kid, tid, event_id, position.date_id, position.product_id)
        position.secret = _seal(private, payload)


def looks_signed(secret: str) -> bool:
    """True when the secret has the form of a signed one (cheap, no decoding)."""
    return MIN_SIGNED_LENGTH <= len(secret) <= MAX_SIGNED_LENGTH and set(secret) <= BASE32_ALPHABET


def decode(secret: str) -> SignedTicket | None:
    """What a signed secret says, WITHOUT checking its signature; None if it is not one."""
    secret = (secret or "").strip().upper()
    if not looks_signed(secret):
        return None
    try:
        raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
    except (binascii.Error, ValueError):
        return None
    if _base32(raw) != secret:
        return None  # stray trailing bits: only the one canonical spelling is a ticket
    payload, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    if len(signature) != SIGNATURE_BYTES or not payload or payload[0] != VERSION:
        return None
    try:
        kid, at = _read_varint(payload, 1)
        tid = payload[at : at + TICKET_ID_BYTES]
        at += TICKET_ID_BYTES
        event_id, at = _read_varint(payload, at)
        date_id, at = _read_varint(payload, at)
        product_id, at = _read_varint(payload, at)
    except ValueError:
        return None
    if len(tid) != TICKET_ID_BYTES or at != len(payload):
        return None
    return SignedTicket(
        kid=kid,
        ticket_id=tid.hex(),
        event_id=event_id,
        date_id=date_id or None,
        product_id=product_id,
        payload=payload,
        signature=signature,
    )


def verify_with(secret: str, public_keys: Mapping[int, Ed25519PublicKey]) -> SignedTicket | None:
    """The signed ticket if its signature is good under the key it names; otherwise None."""
    ticket = decode(secret)
    if ticket is None or ticket.kid not in public_keys:
        return None
    try:
        public_keys[ticket.kid].verify(ticket.signature, SIGNATURE_PREFIX + ticket.payload)
    except InvalidSignature:
        return None
    return ticket


def public_keys(organizer: Organizer) -> dict[int, Ed25519PublicKey]:
    return {
        key.kid: public_key_of(key) for key in TicketSigningKey.objects.filter(organizer=organizer)
    }


def verify(organizer: Organizer, secret: str) -> SignedTicket | None:
    """The signed ticket if `secret` is signed by one of the organiser's keys; else None."""
    return verify_with(secret, public_keys(organizer))


def ticket_ids(secrets_: Iterable[str]) -> list[str]:
    """The ticket ids of the signed secrets among these (unsigned ones are skipped)."""
    found = []
    for secret in secrets_:
        ticket = decode(secret)
        if ticket is not None:
            found.append(ticket.ticket_id)
    return found


def save_organizer_settings(
    organizer: Organizer, *, actor: Actor, before: dict | None = None
) -> Organizer:
    """Save the organiser's settings (`organizer` carries the new values; `before` is its
    snapshot for the audit entry) and, when signed ticket secrets are on, make sure it has
    a signing key (ADR 0007): one transaction."""
    with transaction.atomic():
        save_with_audit(
            organizer,
            actor=actor,
            organizer=organizer,
            action="organizer.updated",
            perm=Perm.CHANGE_ORGANIZER,
            before=before,
        )
        if organizer.signed_ticket_secrets:
            ensure_key(organizer, actor=actor)
    return organizer
