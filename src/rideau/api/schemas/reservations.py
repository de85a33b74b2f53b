"""Schemas of the reservations API (SPEC C1–C7)."""

from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema

from .common import BodySchema, DateTime, Id, SlugRef, Text, UtcDateTime
from .orders import MAX_LINES, AmountDue, AmountPaid, BuyerIn, Channel, LineIn, MarkPaidIn


class PointOfSaleOut(Schema):
    """Where a sale or a reservation happens (a reservation names one by its id)."""

    id: int
    name: str
    channel: str = Field(..., description="web, box_office, phone, partner or api")
    may_reserve: bool = Field(..., description="Whether it takes reservations (SPEC C2).")
    reserving_audiences: list[str] = Field(
        ...,
        description="The audience types' codes that may reserve here; empty: every public.",
    )
    active: bool
    created: UtcDateTime


class PointOfSaleFilter(Schema):
    channel: Channel | None = None
    active: bool | None = None


class ReservationItemOut(Schema):
    position: int = Field(..., alias="position_id")
    deadline: UtcDateTime


class ReservationOut(Schema):
    code: str
    status: str
    state: str  # what it is now (a passed release time is passed): active, overdue, …
    order: int = Field(..., alias="order_id")
    event: str | None
    email: str
    total: Decimal
    amount_paid: AmountPaid
    amount_due: AmountDue
    currency: str
    point_of_sale: int | None = Field(..., alias="point_of_sale_id")
    deadline: UtcDateTime
    release_at: UtcDateTime
    extensions: int
    cancel_reason: str
    created: UtcDateTime
    items: list[ReservationItemOut]


class ReservationIn(BodySchema):
    """A reservation made by staff at a point of sale (box office, phone, partner)."""

    event: SlugRef
    point_of_sale: Id
    audience_type: SlugRef | None = None
    lines: list[LineIn] = Field(..., min_length=1, max_length=MAX_LINES)
    buyer: BuyerIn


class ReservationPayIn(MarkPaidIn):
    """The payment of the whole reservation, recorded as an order's (`MarkPaidIn`)."""


class ReservationExtendIn(BodySchema):
    deadline: DateTime


class ReservationCancelIn(BodySchema):
    reason: Annotated[str, Text(500, multiline=True)] = ""
