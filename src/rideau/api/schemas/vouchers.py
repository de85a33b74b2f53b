from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, Strict

from rideau.orders.models import Voucher
from rideau.orders.vouchers import CODE_LENGTH, GENERATED_LENGTH, MAX_GENERATE

from .common import MAX_INT, BodySchema, DateTime, Id, NotBoolean, SlugRef, Text, UtcDateTime

VoucherKind = Literal["percent", "amount"]
Value = Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2, allow_inf_nan=False)]
MaxUsages = Annotated[int, Field(ge=1, le=MAX_INT), NotBoolean]
MAX_PRODUCTS = 200


class VoucherSettings(BodySchema):
    kind: VoucherKind = "percent"
    value: Value
    event: SlugRef | None = None
    products: list[Id] = Field([], max_length=MAX_PRODUCTS)
    max_usages: MaxUsages | None = None
    valid_from: DateTime | None = None
    valid_until: DateTime | None = None
    active: bool = True
    partner_ref: Annotated[str, Text(100)] = ""


class VoucherIn(VoucherSettings):
    code: Annotated[str, Text(CODE_LENGTH)]


class VoucherGenerateIn(VoucherSettings):
    count: Annotated[int, Strict()] = Field(..., ge=1, le=MAX_GENERATE)
    prefix: Annotated[str, Text(CODE_LENGTH - GENERATED_LENGTH)] = ""


class VoucherPatch(BodySchema):
    code: Annotated[str, Text(CODE_LENGTH)] | None = None
    kind: VoucherKind | None = None
    value: Value | None = None
    event: SlugRef | None = None
    products: list[Id] | None = Field(None, max_length=MAX_PRODUCTS)
    max_usages: MaxUsages | None = None
    valid_from: DateTime | None = None
    valid_until: DateTime | None = None
    active: bool | None = None
    partner_ref: Annotated[str, Text(100)] | None = None


class VoucherOut(Schema):
    id: int
    code: str
    kind: str
    value: Decimal
    event: str | None
    products: list[int]
    max_usages: int | None
    used: int
    valid_from: UtcDateTime | None
    valid_until: UtcDateTime | None
    active: bool
    partner_ref: str
    created: UtcDateTime

    @staticmethod
    def resolve_event(obj: Voucher) -> str | None:
        return event.slug if (event := obj.event) is not None else None

    @staticmethod
    def resolve_products(obj: Voucher) -> list[int]:
        return sorted(p.pk for p in obj.products.all())
