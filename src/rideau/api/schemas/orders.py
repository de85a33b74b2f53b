import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, Strict

from rideau.orders import services
from rideau.orders.models import Order, Position

from .common import SPOKEN_PATTERN, BodySchema, FreeValue, Id, Provider, SlugRef, Text, UtcDateTime

MAX_LINES = 50
MAX_QUANTITY = 500  # the order cap of rideau.orders.services (STYLE §6)

Channel = Literal["web", "box_office", "phone", "partner", "api"]
Amount = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2, allow_inf_nan=False)]
# What an order's answers (and a reservation's, of its order) say was paid and is still due:
# `services.amount_paid` and `services.still_due`.
AmountPaid = Annotated[
    Decimal, Field(description="The order's confirmed payments (refunds not deducted).")
]
AmountDue = Annotated[
    Decimal,
    Field(
        description="What the buyer still has to pay: the total less the confirmed payments "
        "on a pending or paid order (tickets added to a paid order may be left due), 0 on a "
        "cancelled, expired or refunded one."
    ),
]


AnswerValue = FreeValue


class AttendeeIn(BodySchema):
    """A ticket's attendee, with answers to the product's questions: question id → value
    (text, a number, true/false, a date as YYYY-MM-DD, a choice as its option's text or
    index). Required questions need an answer for every ticket of their product."""

    name: Annotated[str, Text(200)] = ""
    email: Annotated[str, Text(254)] = ""
    answers: dict[Annotated[str, Text(64)], AnswerValue] = Field(
        default_factory=dict, max_length=100
    )


class LineIn(BodySchema):
    rate: Id
    quantity: Annotated[int, Strict()] = Field(1, ge=1, le=MAX_QUANTITY)
    date: Id | None = None
    session: Id | None = None
    attendees: list[AttendeeIn] = Field([], max_length=MAX_QUANTITY)


class BuyerIn(BodySchema):
    email: Annotated[str, Text(254)]
    name: Annotated[str, Text(200)] = ""
    locale: Annotated[str, Field(pattern=SPOKEN_PATTERN)] | None = Field(
        None, description="the buyer's language (e-mails, tickets); the organiser's first if none"
    )


class ShopOrderIn(BodySchema):
    """A web order of the public shop: the event is the URL's."""

    lines: list[LineIn] = Field(..., min_length=1, max_length=MAX_LINES)
    buyer: BuyerIn
    voucher: Annotated[str, Text(50)] = ""


class OrderIn(ShopOrderIn):
    """An order made by staff (box office, phone, partner sales, integrations)."""

    event: SlugRef
    channel: Channel = "api"
    audience_type: SlugRef | None = None
    paid: bool = False
    provider: Provider = ""


class MarkPaidIn(BodySchema):
    provider: Provider
    amount: Amount
    reference: Annotated[str, Text(200)] = ""


class CancelIn(BodySchema):
    reason: Annotated[str, Text(500, multiline=True)] = ""
    notify: bool = True


class RefundIn(BodySchema):
    amount: Amount | None = None
    reason: Annotated[str, Text(500, multiline=True)] = ""


class PositionOut(Schema):
    id: int
    product: int
    rate: int
    date: int | None
    session: int | None
    price: Decimal
    attendee_name: str
    attendee_email: str
    cancelled: bool
    secret: str | None

    @staticmethod
    def resolve_product(obj: Position) -> int:
        return obj.product_id

    @staticmethod
    def resolve_rate(obj: Position) -> int:
        return obj.rate_id

    @staticmethod
    def resolve_date(obj: Position) -> int | None:
        return obj.date_id

    @staticmethod
    def resolve_session(obj: Position) -> int | None:
        return obj.session_id

    @staticmethod
    def resolve_secret(obj: Position) -> str | None:
        return obj.secret if _shows_secrets(obj.order) else None


class OrderSummaryOut(Schema):
    id: int
    code: str
    event: str | None
    status: str
    channel: str
    audience_type: str | None
    email: str
    buyer_name: str
    locale: str
    total: Decimal
    discount: Decimal
    amount_paid: AmountPaid
    amount_due: AmountDue
    currency: str
    payment_provider: str
    expires_at: UtcDateTime | None
    created: UtcDateTime
    paid_at: UtcDateTime | None
    cancelled_at: UtcDateTime | None

    @staticmethod
    def resolve_amount_paid(obj: Order) -> Decimal:
        return services.amount_paid(obj)

    @staticmethod
    def resolve_amount_due(obj: Order) -> Decimal:
        return services.still_due(obj)

    @staticmethod
    def resolve_event(obj: Order) -> str | None:
        return event.slug if (event := obj.event) is not None else None

    @staticmethod
    def resolve_audience_type(obj: Order) -> str | None:
        return audience.code if (audience := obj.audience_type) is not None else None


class OrderOut(OrderSummaryOut):
    secret: str | None
    positions: list[PositionOut]

    @staticmethod
    def resolve_secret(obj: Order) -> str | None:
        return obj.secret if _shows_secrets(obj) else None

    @staticmethod
    def resolve_positions(obj: Order) -> list[Position]:
        return list(obj.positions.all())


def order_answer(order: Order, *, secrets: bool) -> dict:
    """`OrderOut.from_orm(order).model_dump()`, written out by hand: the shop's answer to
    every order of a rush, where pydantic's walk over the ORM objects was about 7 % of the
    request's Python time (docs/performance.md). `tests/api/test_order_answer.py` keeps the
    two equal, field by field and as JSON; a field added to `OrderOut` fails it until it is
    added here."""
    paid = services.amount_paid(order)
    return {
        "id": order.pk,
        "code": order.code,
        "event": event.slug if (event := order.event) is not None else None,
        "status": str(order.status),
        "channel": str(order.channel),
        "audience_type": audience.code if (audience := order.audience_type) is not None else None,
        "email": order.email,
        "buyer_name": order.buyer_name,
        "locale": order.locale,
        "total": order.total,
        "discount": order.discount,
        "amount_paid": paid,
        "amount_due": services.still_due(order, paid=paid),
        "currency": order.currency,
        "payment_provider": order.payment_provider,
        "expires_at": _utc(order.expires_at),
        "created": _utc(order.created),
        "paid_at": _utc(order.paid_at),
        "cancelled_at": _utc(order.cancelled_at),
        "secret": order.secret if secrets else None,
        "positions": [
            {
                "id": p.pk,
                "product": p.product_id,
                "rate": p.rate_id,
                "date": p.date_id,
                "session": p.session_id,
                "price": p.price,
                "attendee_name": p.attendee_name,
                "attendee_email": p.attendee_email,
                "cancelled": p.cancelled,
                "secret": p.secret if secrets else None,
            }
            for p in order.positions.all()
        ],
    }


def _utc(value: datetime.datetime | None) -> datetime.datetime | None:
    return None if value is None else value.astimezone(datetime.UTC)


def _shows_secrets(order: Order) -> bool:
    """Secrets are in an answer only when the view said so (see api/orders.py)."""
    return bool(getattr(order, "show_secrets", False))


class AvailabilityRateOut(Schema):
    rate: int
    product: int
    name: dict[str, str]
    price: Decimal
    on_sale: bool
    available: int | None


class AvailabilityDateOut(Schema):
    date: int | None
    start: UtcDateTime | None
    on_sale: bool
    rates: list[AvailabilityRateOut]


class AvailabilityOut(Schema):
    event: str
    currency: str
    on_sale: bool
    dates: list[AvailabilityDateOut]
