"""Ticket control: scans in, results out; check-in lists with their live counts."""

from typing import Annotated

from ninja import Schema
from pydantic import Field

from rideau.checkin.services import MAX_NONCE_LENGTH, MAX_SECRET_LENGTH

from .common import BodySchema, Count, Id, SlugRef, Text, UtcDateTime


class ScanIn(BodySchema):
    secret: Annotated[str, Text(MAX_SECRET_LENGTH)] = Field(
        ..., description="The ticket's secret (its QR code)."
    )
    nonce: Annotated[str, Text(MAX_NONCE_LENGTH)] | None = Field(
        None,
        description=(
            "A client-chosen id for this scan: re-sending the same nonce returns the first "
            "answer and records nothing new."
        ),
    )


class ScanOut(Schema):
    result: str = Field(
        ...,
        description="valid, already_used, wrong_event, wrong_date (a ticket of another date, "
        "or of a date that is not today on a list of every date), cancelled, unpaid or unknown",
    )
    ok: bool
    message: str
    attendee_name: str
    order_code: str
    date: UtcDateTime | None = Field(..., description="The start of the ticket's date, if any.")
    seat: str = Field(..., description="The ticket's seat on a seated date, else empty.")
    first_entry_at: UtcDateTime | None
    replayed: bool
    present: Count


MAX_LIST_ITEMS = 500  # products or dates named by one list


class CheckinListIn(BodySchema):
    """A new check-in list, as the back office's form makes one."""

    event: SlugRef
    name: Annotated[str, Text(200)]
    products: list[Id] = Field(
        [], max_length=MAX_LIST_ITEMS, description="Products it admits; empty: every product."
    )
    dates: list[Id] = Field(
        [],
        max_length=MAX_LIST_ITEMS,
        description="Dates it admits; empty: every date, each on its own day (see any_day).",
    )
    any_day: bool = False
    allow_multiple_entries: bool = False


class CheckinListOut(Schema):
    id: Id
    name: str
    event: SlugRef
    products: list[Id]
    dates: list[Id]
    any_day: bool = Field(
        ..., description="Tickets of every date enter on any day (else only on their date's day)."
    )
    allow_multiple_entries: bool
    present: Count
    access_code: str = Field(
        ...,
        description="The code scanner devices use: the scanner page /checkin/<access_code>/ "
        "and the /api/v1/checkin/<access_code>/… endpoints (the lists page of the back "
        "office shows it to the same members).",
    )


class SigningKeyOut(Schema):
    kid: Id = Field(..., description="The key number written into each signed secret.")
    public_key: str = Field(..., description="The Ed25519 public key: 32 bytes, base64url.")


class DoorScanOut(Schema):
    """A ticket scanned at a session's door (ADR 0023)."""

    result: str = Field(
        ...,
        description="present (marked now), already_present, not_registered (the holder is "
        "not registered to the session), or the ticket's own refusal: unknown, wrong_event, "
        "cancelled, unpaid",
    )
    ok: bool
    message: str
    attendee_name: str
    order_code: str
    session: Id
    registered: Count = Field(..., description="People registered to the session.")
    present: Count = Field(..., description="Of them, marked present.")


class DoorOfflineOut(Schema):
    """At a session's door (`?session=`): whose tickets enter it, offline."""

    session_id: Id
    registered: list[str] = Field(
        ..., description="Ticket ids (hex) of signed tickets whose holder is registered."
    )
    present: list[str] = Field(..., description="Of them, the ids already marked present.")


class OfflineOut(Schema):
    """What a scanner needs to judge signed tickets offline (ADR 0007)."""

    list_id: Id
    event_id: Id
    products: list[Id] = Field(..., description="Admitted products (empty: all).")
    dates: list[Id] = Field(..., description="Admitted dates (empty: all).")
    any_day: bool
    entry_windows: dict[str, list[int]] = Field(
        ...,
        description="When `dates` is empty and not `any_day`: date id → [opens, closes] in "
        "milliseconds since the epoch; a ticket of that date is refused (wrong_date) outside.",
    )
    allow_multiple_entries: bool
    signed_ticket_secrets: bool = Field(
        ..., description="Whether the organiser signs new tickets (older ones may be unsigned)."
    )
    keys: list[SigningKeyOut]
    revoked: list[str] = Field(..., description="Ticket ids (hex) of cancelled tickets.")
    unpaid: list[str] = Field(..., description="Ticket ids (hex) of tickets not paid yet.")
    used: list[str] = Field(
        ..., description="Ticket ids (hex) already admitted (entry-once lists only)."
    )
    door: DoorOfflineOut | None = Field(
        None, description="With `?session=`: the session door's data (ADR 0023)."
    )
    generated_at: UtcDateTime
