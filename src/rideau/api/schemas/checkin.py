"""Ticket control: scans in, results out; check-in lists with their live counts."""

from ninja import Schema
from pydantic import Field

from rideau.checkin.services import MAX_NONCE_LENGTH, MAX_SECRET_LENGTH

from .common import Count, Id, SlugRef, Text, UtcDateTime


class ScanIn(Schema):
    secret: Text(MAX_SECRET_LENGTH) = Field(..., description="The ticket's secret (its QR code).")
    nonce: Text(MAX_NONCE_LENGTH) | None = Field(
        None,
        description=(
            "A client-chosen id for this scan: re-sending the same nonce returns the first "
            "answer and records nothing new."
        ),
    )


class ScanOut(Schema):
    result: str = Field(
        ..., description="valid, already_used, wrong_event, cancelled, unpaid or unknown"
    )
    ok: bool
    message: str
    attendee_name: str
    order_code: str
    first_entry_at: UtcDateTime | None
    replayed: bool
    present: Count


class CheckinListOut(Schema):
    id: Id
    name: str
    event: SlugRef
    products: list[Id]
    dates: list[Id]
    allow_multiple_entries: bool
    present: Count
