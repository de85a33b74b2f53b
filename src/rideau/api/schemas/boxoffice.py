"""Schemas of the boxoffice API."""

from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import Field, Strict

from .common import BodySchema, DateTime, Id, SlugRef, Text
from .passes import HolderIn

Amount = Field(..., ge=0, le=1000000, max_digits=9, decimal_places=2)


class CashSessionIn(BodySchema):
    device: Annotated[str, Text(64)] = Field(
        ..., min_length=1, description="The till's device (one open shift each)."
    )
    opening_float: Decimal = Amount


class CashSessionOut(Schema):
    id: int
    cashier_name: str
    device: str
    opened_at: DateTime
    closed_at: DateTime | None
    opening_float: Decimal
    expected_cash: Decimal | None
    counted_cash: Decimal | None
    difference: Decimal | None


class TillTicketLineIn(BodySchema):
    rate: Id
    date: Id | None = None
    quantity: Annotated[int, Strict()] = Field(1, ge=1, le=50)


class TillGiftLineIn(BodySchema):
    rate: Id
    amount: Decimal | None = Field(None, gt=0, le=100000, max_digits=8, decimal_places=2)


class TillPassLineIn(BodySchema):
    rate: Id = Field(..., description="a rate of a pass product")
    holder: HolderIn = Field(default_factory=HolderIn)
    dates: list[Id] = Field(
        default_factory=list,
        max_length=50,
        description="a choice pass: the event dates it takes at once (one per event)",
    )


class TillPaymentIn(BodySchema):
    method: Annotated[str, Text(20)] = Field(..., description="cash, card_present or gift_voucher")
    amount: Decimal = Amount
    given: Decimal | None = Field(None, ge=0, le=1000000, max_digits=9, decimal_places=2)
    code: Annotated[str, Text(40)] = ""


class TillBuyerIn(BodySchema):
    email: Annotated[str, Text(254)] = ""
    name: Annotated[str, Text(200)] = ""
    locale: Annotated[str, Text(10)] = ""


class TillSaleIn(BodySchema):
    lines: list[TillTicketLineIn] = Field(default_factory=list, max_length=50)
    gift_vouchers: list[TillGiftLineIn] = Field(default_factory=list, max_length=20)
    passes: list[TillPassLineIn] = Field(default_factory=list, max_length=10)
    payments: list[TillPaymentIn] = Field(..., max_length=5)
    buyer: TillBuyerIn | None = None
    audience_type: SlugRef | None = None
    discount_code: Annotated[str, Text(40)] = Field(
        "", description="a discount code of the organiser: the payments add up to the total less it"
    )


class TillIssuedVoucherOut(Schema):
    id: int
    code: str
    value: Decimal
    expires_at: DateTime


class TillIssuedPassOut(Schema):
    id: int
    code: str = Field(..., description="the pass code: in the first answer only")
    holder: str


class TillSaleOut(Schema):
    order: str
    total: Decimal
    change: Decimal
    gift_vouchers: list[TillIssuedVoucherOut]
    passes: list[TillIssuedPassOut] = Field(default_factory=list)


class TillCollectIn(BodySchema):
    order: Annotated[str, Text(16)] = Field(..., min_length=1, description="the order's code")
    payments: list[TillPaymentIn] = Field(..., max_length=5)


class TillCollectOut(Schema):
    order: str
    status: str
    total: Decimal
    paid: Decimal = Field(..., description="what this payment took")
    change: Decimal


class TillRefundIn(BodySchema):
    order: Annotated[str, Text(16)] = Field(..., min_length=1)
    reason: Annotated[str, Text(500)] = ""


class TillRefundOut(Schema):
    order: str
    status: str
    refunded: dict[str, Decimal]


class CashSessionCloseIn(BodySchema):
    counted_cash: Decimal = Amount
    recipients: list[Annotated[str, Text(254)]] = Field(default_factory=list, max_length=20)
    note: Annotated[str, Text(500)] = ""


class CashReportLineOut(Schema):
    label: str
    rate: str
    count: int
    amount: Decimal


class CashReportOut(Schema):
    session: CashSessionOut
    orders: int
    sales: dict[str, Decimal]
    refunds: dict[str, Decimal]
    lines: list[CashReportLineOut]
    vouchers_redeemed: Decimal
    redemptions: int
    vouchers_sold: int
    vouchers_sold_amount: Decimal
    passes_sold: int
    passes_sold_amount: Decimal
    expected_cash: Decimal
