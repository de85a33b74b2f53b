"""Gift voucher codes: derived, never stored (ADR 0015).

A voucher stores a random `nonce` and the SHA-256 of its code. The code is
HMAC-SHA256(SECRET_KEY, nonce) written in an alphabet people read without mistakes, so:
a copy of the database alone gives no code (the key is not in it), staff can reprint a
card (the code is derived again), and a typed or scanned code is found by one indexed
lookup of its hash. The code has 16 characters of 25 symbols: about 74 bits.
"""

import hashlib
import secrets

from django.utils.crypto import salted_hmac

# the order codes' alphabet (no 0/O, 1/I/L, 5/S, 2/Z, 8/B)
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH = 16


def new_nonce() -> str:
    return secrets.token_hex(16)


def code_for(nonce: str) -> str:
    """The voucher's code, grouped by four: ABCD-EFGH-JKMN-PQRT."""
    number = int.from_bytes(salted_hmac("rideau.giftcards.code", nonce).digest(), "big")
    chars = []
    for _i in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    raw = "".join(chars)
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def normalize(code: str) -> str:
    """What people type or scan: any case, with or without dashes and spaces."""
    return "".join(c for c in code.upper() if c.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def hint(code: str) -> str:
    """The last four characters, shown to staff to tell vouchers apart."""
    return normalize(code)[-4:]
