"""Amounts as providers count them, and bank payment references."""

from decimal import Decimal

# ISO 4217 currencies that Stripe (and card networks) count without minor units.
ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())
CENT = Decimal("0.01")


def exponent(currency: str) -> int:
    currency = currency.upper()
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def to_minor(amount: Decimal, currency: str) -> int:
    """12.50 EUR → 1250; 1200 JPY → 1200. Refuses an amount with more precision."""
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency} has more decimals than the currency allows")
    return int(scaled)


def from_minor(value: int, currency: str) -> Decimal:
    return Decimal(value).scaleb(-exponent(currency)).quantize(CENT)


def _digits(text: str) -> int:
    return int("".join(str(int(ch, 36)) for ch in text.upper()))


def creditor_reference(base: str) -> str:
    """An ISO 11649 structured creditor reference ("RF" + 2 check digits + `base`).

    Banks across SEPA carry it unchanged in the structured remittance field and check its
    digits when the buyer types it, so a typo is refused at the bank, not at reconciliation.
    """
    base = "".join(ch for ch in base.upper() if ch.isalnum())
    if not 1 <= len(base) <= 21:
        raise ValueError("a creditor reference holds 1 to 21 letters and digits")
    check = 98 - _digits(base + "RF00") % 97
    return f"RF{check:02d}{base}"


def parse_creditor_reference(reference: str) -> str | None:
    """The base of a valid RF reference (spaces and case ignored), else None."""
    text = "".join(reference.split()).upper()
    if len(text) < 5 or not text.startswith("RF") or not text.isalnum():
        return None
    if not text[2:4].isdigit() or _digits(text[4:] + text[:4]) % 97 != 1:
        return None
    return text[4:]
