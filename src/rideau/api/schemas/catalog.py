from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from rideau.catalog.models import Product, Rate, TicketTemplate

from .common import (
    BodySchema,
    DateTime,
    I18nDescription,
    I18nName,
    Id,
    NotBoolean,
    Position,
    SlugRef,
    UtcDateTime,
)
from .orders import Channel

ProductKind = Literal["ticket", "pass", "gift_voucher"]
Channels = Annotated[list[Channel], Field(max_length=5)]
AudienceCodes = Annotated[list[SlugRef], Field(max_length=100)]
MaxPerOrder = Annotated[int, Field(ge=1, le=500), NotBoolean]
Price = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2, allow_inf_nan=False)]


class ProductIn(BodySchema):
    event: SlugRef | None = None
    kind: ProductKind = "ticket"
    name: I18nName
    description: I18nDescription = {}
    ticket_template: Id | None = None
    active: bool = True
    max_per_order: MaxPerOrder = 10
    position: Position = 0
    sales_start: DateTime | None = None
    sales_end: DateTime | None = None


class TicketTemplateOut(Schema):
    """A PDF layout a product's tickets are printed with (`ticket_template` of a product)."""

    id: int
    name: str
    elements: list[str] = Field(
        ...,
        description="What the ticket shows: event_name, date, venue, attendee_name, rate, "
        "price, qr, order_code, seat (date, seat and order code are always printed).",
    )
    has_background: bool = Field(..., description="Whether it prints a background image.")

    @staticmethod
    def resolve_has_background(obj: TicketTemplate) -> bool:
        return bool(obj.background)


class ProductPatch(BodySchema):
    event: SlugRef | None = None
    kind: ProductKind | None = None
    name: I18nName | None = None
    description: I18nDescription | None = None
    ticket_template: Id | None = None
    active: bool | None = None
    max_per_order: MaxPerOrder | None = None
    position: Position | None = None
    sales_start: DateTime | None = None
    sales_end: DateTime | None = None


class ProductOut(Schema):
    id: int
    event: str | None
    kind: str
    name: dict[str, str]
    description: dict[str, str]
    ticket_template: int | None
    active: bool
    max_per_order: int
    position: int
    sales_start: UtcDateTime | None
    sales_end: UtcDateTime | None

    @staticmethod
    def resolve_event(obj: Product) -> str | None:
        return event.slug if (event := obj.event) is not None else None

    @staticmethod
    def resolve_ticket_template(obj: Product) -> int | None:
        return obj.ticket_template_id


class RateIn(BodySchema):
    """`channels`: the sales channels that may sell the rate (empty: all);
    `audience_types`: codes of the audience types it is reserved to (empty or null:
    everyone)."""

    name: I18nName
    price: Price
    position: Position = 0
    active: bool = True
    sales_start: DateTime | None = None
    sales_end: DateTime | None = None
    channels: Channels = []
    audience_types: AudienceCodes | None = None


class RatePatch(BodySchema):
    name: I18nName | None = None
    price: Price | None = None
    position: Position | None = None
    active: bool | None = None
    sales_start: DateTime | None = None
    sales_end: DateTime | None = None
    channels: Channels | None = None
    audience_types: AudienceCodes | None = None


class RateOut(Schema):
    id: int
    product: int
    name: dict[str, str]
    price: Decimal
    position: int
    active: bool
    sales_start: UtcDateTime | None
    sales_end: UtcDateTime | None
    channels: list[str]
    audience_types: list[str]

    @staticmethod
    def resolve_product(obj: Rate) -> int:
        return obj.product_id

    @staticmethod
    def resolve_audience_types(obj: Rate) -> list[str]:
        return [a.code for a in sorted(obj.audience_types.all(), key=lambda a: (a.position, a.pk))]


class AudienceTypeIn(BodySchema):
    code: SlugRef
    name: I18nName
    description: I18nDescription = {}
    position: Position = 0
    active: bool = True


class AudienceTypePatch(BodySchema):
    code: SlugRef | None = None
    name: I18nName | None = None
    description: I18nDescription | None = None
    position: Position | None = None
    active: bool | None = None


class AudienceTypeOut(Schema):
    id: int
    code: str
    name: dict[str, str]
    description: dict[str, str]
    position: int
    active: bool
