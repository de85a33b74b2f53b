"""Signed ticket secrets (ADR 0007): sign, verify, tamper, wrong key, key storage, setting."""

import base64
import json

import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from rideau.checkin import services as checkin
from rideau.core.models import AuditLogEntry, TicketSigningKey
from rideau.documents import signing
from rideau.orders.models import Position
from tests.checkin.conftest import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(organizer, actor):
    organizer.signed_ticket_secrets = True
    organizer.save()
    return make_world(organizer, actor)


def _flip(secret: str, index: int) -> str:
    char = "B" if secret[index] != "B" else "C"
    return secret[:index] + char + secret[index + 1 :]


def test_new_tickets_get_a_signed_secret_that_verifies(world):
    ticket = world.ticket(rate=world.vip, date=world.second)

    signed = signing.verify(world.organizer, ticket.secret)

    assert signed is not None
    assert (signed.event_id, signed.date_id, signed.product_id) == (
        world.event.pk,
        world.second.pk,
        world.vip.product.pk,
    )
    assert signed.kid == 1
    assert len(signed.ticket_id) == 16
    assert set(ticket.secret) <= signing.BASE32_ALPHABET
    assert len(ticket.secret) <= signing.MAX_SIGNED_LENGTH
    # compact enough for a QR code at error level M (alphanumeric mode, version 7 at most)
    qr = segno.make_qr(ticket.secret, error="m")
    assert (qr.mode, qr.error) == ("alphanumeric", "M")
    assert qr.version <= 7


def test_each_ticket_has_its_own_secret_and_ticket_id(world):
    order = world.order(quantity=3)
    secrets = [p.secret for p in order.positions.all()]
    ids = {signing.decode(s).ticket_id for s in secrets}

    assert len(set(secrets)) == 3
    assert len(ids) == 3


def test_a_signed_ticket_scans_online_as_before(world):
    ticket = world.ticket()

    outcome = checkin.scan(checkin_list=world.checkin_list, secret=ticket.secret, actor=None)

    assert outcome.result == "valid"
    assert outcome.position == ticket


def test_a_tampered_secret_fails(world):
    ticket = world.ticket()
    secret = ticket.secret

    for index in (0, 5, 20, len(secret) - 30, len(secret) - 1):
        assert signing.verify(world.organizer, _flip(secret, index)) is None
    # another product written into the payload, the original signature kept
    signed = signing.decode(secret)
    forged_payload = signed.payload[:-1] + bytes([(signed.payload[-1] + 1) % 128])
    forged = signing._base32(forged_payload + signed.signature)
    assert signing.decode(forged) is not None
    assert signing.verify(world.organizer, forged) is None
    # cut short, padded, lower-cased garbage, or plain random secrets
    assert signing.verify(world.organizer, secret[:-8]) is None
    assert signing.verify(world.organizer, secret + "AAAAAAAA") is None
    assert signing.verify(world.organizer, "not a secret") is None
    assert signing.verify(world.organizer, "") is None


def test_a_wrong_key_fails(world, other_organizer, actor):
    ticket = world.ticket()
    other_organizer.signed_ticket_secrets = True
    other_organizer.save()
    signing.ensure_key(other_organizer)

    # the other organiser's key (also kid 1) does not verify it
    assert signing.verify(other_organizer, ticket.secret) is None
    # nor does a stranger's key posing under the same kid
    stranger = Ed25519PrivateKey.generate().public_key()
    assert signing.verify_with(ticket.secret, {1: stranger}) is None
    # and a key number the organiser does not have is unknown
    assert (
        signing.verify_with(
            ticket.secret, {2: signing.public_key_of(world.organizer.signing_keys.get())}
        )
        is None
    )
    # a secret signed with a stranger's private key under our kid fails too
    fake_key = TicketSigningKey(organizer=world.organizer, kid=1)
    raw = Ed25519PrivateKey.generate().private_bytes_raw()
    fake_key.private_key_encrypted = signing._encrypt_private_key(raw, world.organizer.pk, 1)
    forged = signing.sign(
        fake_key, event_id=world.event.pk, date_id=world.first.pk, product_id=world.full.product.pk
    )
    assert signing.verify(world.organizer, forged) is None


def test_revoked_tickets_are_named_in_the_offline_data(world, actor):
    from rideau.checkin.offline import offline_data
    from rideau.orders import services as orders

    kept = world.ticket()
    cancelled = world.ticket(email="bo@example.net")
    orders.cancel_order(cancelled.order, actor=actor)

    data = offline_data(world.checkin_list)

    assert data["revoked"] == [signing.decode(cancelled.secret).ticket_id]
    assert signing.decode(kept.secret).ticket_id not in data["revoked"]


def test_the_setting_only_affects_new_tickets(organizer, actor):
    world = make_world(organizer, actor)
    old = world.ticket()
    assert not signing.looks_signed(old.secret)
    assert not TicketSigningKey.objects.exists()  # nothing made while the setting is off

    organizer.signed_ticket_secrets = True
    organizer.save()
    new = world.ticket(email="bo@example.net")
    organizer.signed_ticket_secrets = False
    organizer.save()
    newest = world.ticket(email="cy@example.net")

    old_secret = old.secret
    old.refresh_from_db()
    assert old.secret == old_secret
    assert signing.verify(organizer, new.secret) is not None
    assert signing.verify(organizer, newest.secret) is None
    # every kind still scans online
    for ticket in (old, new, newest):
        result = checkin.scan(checkin_list=world.checkin_list, secret=ticket.secret, actor=None)
        assert result.result == "valid"


def test_one_key_per_organiser_made_once_and_audited(world, other_organizer):
    world.ticket()
    world.ticket(email="bo@example.net")
    key = signing.ensure_key(world.organizer)

    assert TicketSigningKey.objects.filter(organizer=world.organizer).count() == 1
    assert key.kid == 1
    entry = AuditLogEntry.objects.get(action="signing_key.created")
    assert entry.organizer == world.organizer
    assert entry.after == {"kid": 1, "public_key": key.public_key, "reason": "first"}
    # the private key is never in the log, not even encrypted
    dump = json.dumps([e.after for e in AuditLogEntry.objects.all()])
    assert key.private_key_encrypted not in dump


def test_the_private_key_is_stored_encrypted(world, settings):
    key = signing.ensure_key(world.organizer)
    raw = signing._decrypt_private_key(key).private_bytes_raw()

    assert key.private_key_encrypted.startswith("v1:")
    assert base64.b64encode(raw).decode() not in key.private_key_encrypted
    public = (
        signing._decrypt_private_key(key).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    assert signing._b64url(public) == key.public_key

    # bound to its organiser: copied to another organiser's row it does not decrypt
    moved = TicketSigningKey(
        organizer_id=world.organizer.pk + 1000,
        kid=1,
        private_key_encrypted=key.private_key_encrypted,
    )
    with pytest.raises(ValueError):
        signing._decrypt_private_key(moved)

    # a rotated SECRET_KEY still decrypts while the old one is a fallback
    old_secret_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_secret_key]
    assert signing._decrypt_private_key(key).private_bytes_raw() == raw
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(ValueError):
        signing._decrypt_private_key(key)


def test_a_lost_secret_key_makes_a_new_signing_key_and_old_tickets_still_verify(world, settings):
    old = world.ticket()
    settings.SECRET_KEY = "a-new-secret-key-" + "y" * 40  # the old one lost, no fallback

    new = world.ticket(email="bo@example.net")

    assert signing.decode(old.secret).kid == 1
    assert signing.decode(new.secret).kid == 2
    assert signing.verify(world.organizer, old.secret) is not None
    assert signing.verify(world.organizer, new.secret) is not None
    assert list(world.organizer.signing_keys.values_list("kid", flat=True)) == [1, 2]
    rotated = AuditLogEntry.objects.filter(action="signing_key.created").first()  # newest
    assert rotated.after["reason"] == "undecryptable"
    # the next ticket is signed with the new key: no further key is made
    world.ticket(email="cy@example.net")
    assert world.organizer.signing_keys.count() == 2


def test_tickets_without_an_event_keep_a_random_secret(world):
    position = Position(product=world.full.product, rate=world.full, price=0)
    position.product.event_id = None

    signing.assign_secrets(world.organizer, [position])

    assert not signing.looks_signed(position.secret)
