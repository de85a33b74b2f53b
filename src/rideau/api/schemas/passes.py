"""Schemas of the passes API (`rideau.api.passes`)."""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from rideau.passes.models import Pass, PassProduct, RenewalCampaign, Resale, Season

from .common import BodySchema, Id, NotBoolean, Provider, Text


class SeasonOut(Schema):
    id: int
    name: str
    starts: datetime.date
    ends: datetime.date
    events: list[str]

    @staticmethod
    def resolve_events(obj: Season) -> list[str]:
        return [e.slug for e in obj.events.all()]


class SeasonIn(BodySchema):
    name: Annotated[str, Text(100)]
    starts: datetime.date
    ends: datetime.date
    events: list[Annotated[str, Text(50)]] = Field(default_factory=list, max_length=200)


class PassProductOut(Schema):
    id: int
    name: str
    season: int
    mode: str
    choices: int
    events: list[str]
    rates: list[dict]
    holder_fields: list[str]
    resale_methods: list[str]
    card_format: str
    card_orientation: str

    @staticmethod
    def resolve_name(obj: PassProduct) -> str:
        return str(obj.product)

    @staticmethod
    def resolve_season(obj: PassProduct) -> int:
        return obj.season_id

    @staticmethod
    def resolve_events(obj: PassProduct) -> list[str]:
        return [e.slug for e in obj.events.all()]

    @staticmethod
    def resolve_rates(obj: PassProduct) -> list[dict]:
        return [
            {"id": r.pk, "name": str(r), "price": str(r.price)} for r in obj.product.rates.all()
        ]


class PassTicketOut(Schema):
    id: int
    event: str
    date: int
    start: datetime.datetime
    state: str
    order: str


class PassOut(Schema):
    id: int
    pass_product: int
    status: str
    code_hint: str
    civility: str
    last_name: str
    first_name: str
    company: str
    email: str
    mobile: str
    credit: Decimal
    renewed_from: int | None
    tickets: list[PassTicketOut]

    @staticmethod
    def resolve_pass_product(obj: Pass) -> int:
        return obj.pass_product_id

    @staticmethod
    def resolve_renewed_from(obj: Pass) -> int | None:
        return obj.renewed_from_id

    @staticmethod
    def resolve_tickets(obj: Pass) -> list[dict]:
        return [
            {
                "id": t.pk,
                "event": t.date.event.slug,
                "date": t.date_id,
                "start": t.date.start,
                "state": t.state,
                "order": t.position.order.code,
            }
            for t in obj.tickets.select_related("date__event", "position__order")
        ]


class PassSoldOut(PassOut):
    code: str = Field(description="The pass code, given once (only its hash is kept).")

    @staticmethod
    def resolve_code(obj: Pass) -> str:
        return getattr(obj, "plain_code", "")


class HolderIn(BodySchema):
    civility: Literal["", "mr", "ms"] = ""
    last_name: Annotated[str, Text(100)] = ""
    first_name: Annotated[str, Text(100)] = ""
    company: Annotated[str, Text(200)] = ""
    email: Annotated[str, Text(254)] = ""
    street: Annotated[str, Text(200)] = ""
    postcode: Annotated[str, Text(20)] = ""
    city: Annotated[str, Text(100)] = ""
    country: Annotated[str, Text(2)] = ""
    mobile: Annotated[str, Text(30)] = ""
    birth_date: datetime.date | None = None
    free_field: Annotated[str, Text(500)] = ""


class PassSaleIn(BodySchema):
    rate: Annotated[int, Field(ge=1, le=2**31 - 1), NotBoolean]
    holder: HolderIn = Field(default_factory=HolderIn)
    email: Annotated[str, Text(254)]
    name: Annotated[str, Text(200)] = ""
    provider: Provider = ""
    paid: bool = False


class ChoicesIn(BodySchema):
    dates: list[Id] = Field(..., min_length=1, max_length=100)


class OrderRef(Schema):
    code: str
    total: Decimal
    status: str


class PreviewOut(Schema):
    passes: int


class UpdateOut(Schema):
    id: int
    status: str
    total: int
    progress: int


class CampaignOut(Schema):
    id: int
    name: str
    from_product: int
    to_products: list[int]
    opens: datetime.datetime | None
    closes: datetime.datetime | None
    offered: int
    renewed: int

    @staticmethod
    def resolve_from_product(obj: RenewalCampaign) -> int:
        return obj.from_product_id

    @staticmethod
    def resolve_to_products(obj: RenewalCampaign) -> list[int]:
        return [p.pk for p in obj.to_products.all()]


class ResaleOut(Schema):
    id: int
    pass_id: int
    event: str
    date: int
    state: str
    method: str
    iban: str
    amount: Decimal | None
    payout_done: bool

    @staticmethod
    def resolve_pass_id(obj: Resale) -> int:
        return obj.ticket.pass_obj_id

    @staticmethod
    def resolve_event(obj: Resale) -> str:
        return obj.ticket.event.slug

    @staticmethod
    def resolve_date(obj: Resale) -> int:
        return obj.ticket.date_id


class PassFilter(Schema):
    search: Annotated[str, Text(100)] = Field(
        "", description="Holder's name, e-mail, company, or a pass code."
    )
