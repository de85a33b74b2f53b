"""Schemas of the giftcards API."""

from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import Field

from .common import BodySchema, DateTime, Text

Money = Field(..., gt=0, le=100000, max_digits=8, decimal_places=2)


class WithOrderCode(Schema):
    """Reads `order` as the code of the object's order (none without one)."""

    @staticmethod
    def resolve_order(obj) -> str | None:
        return obj.order.code if obj.order_id and obj.order else None


class GiftVoucherOut(WithOrderCode):
    id: int
    code_hint: str = Field(description="The code's last four characters.")
    value: Decimal
    balance: Decimal
    currency: str
    expires_at: DateTime
    order: str | None = Field(None, description="The code of the order that bought it.")
    buyer_name: str
    buyer_email: str
    note: str


class GiftVoucherCreatedOut(GiftVoucherOut):
    code: str = Field(description="Shown once: give it to the holder.")


class GiftVoucherIn(BodySchema):
    value: Decimal = Money
    expires_at: DateTime | None = Field(
        None, description="Empty: the organiser's validity (one year by default)."
    )
    name: Annotated[str, Text(200)] = ""
    email: Annotated[str, Text(254)] = ""
    note: Annotated[str, Text(200)] = ""


class GiftVoucherCodeIn(BodySchema):
    code: Annotated[str, Text(40)]


class GiftVoucherRedeemIn(BodySchema):
    code: Annotated[str, Text(40)]
    amount: Decimal | None = Field(
        None,
        gt=0,
        le=100000,
        max_digits=8,
        decimal_places=2,
        description="With `order`: empty takes what the balance covers of what is due.",
    )
    order: Annotated[str, Text(16)] | None = Field(
        None,
        description="A pending order to pay (its code); without it, the amount is taken "
        "off the balance (a sale made elsewhere).",
    )


class GiftVoucherEntryOut(WithOrderCode):
    kind: str
    amount: Decimal
    balance_after: Decimal
    order: str | None = None
    channel: str
    created: DateTime


class GiftVoucherRedeemOut(Schema):
    entry: GiftVoucherEntryOut
    balance: Decimal
    order_status: str | None = None
    order_due: Decimal | None = None


class GiftVoucherSearch(Schema):
    search: Annotated[str, Text(100)] = Field(
        "", description="Last four characters, buyer, e-mail or order."
    )
