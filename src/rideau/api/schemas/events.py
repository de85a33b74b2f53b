from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from rideau.events.models import Event, EventDate, Session

from .common import BodySchema, Count, DateTime, I18nDescription, I18nName, Id, Text, UtcDateTime

EventKind = Literal["onsite", "webinar", "hybrid"]
Visibility = Literal["draft", "private", "public"]


class EventIn(BodySchema):
    slug: Annotated[str, Text(50)]
    name: I18nName
    description: I18nDescription = {}
    kind: EventKind = "onsite"
    visibility: Visibility = "draft"
    venue: Id | None = None
    capacity: Count | None = None
    self_agenda: bool = False
    sales_start: DateTime | None = None
    sales_end: DateTime | None = None


class EventPatch(BodySchema):
    slug: Annotated[str, Text(50)] | None = None
    name: I18nName | None = None
    description: I18nDescription | None = None
    kind: EventKind | None = None
    visibility: Visibility | None = None
    venue: Id | None = None
    capacity: Count | None = None
    self_agenda: bool | None = None
    sales_start: DateTime | None = None
    sales_end: DateTime | None = None


class EventOut(Schema):
    id: int
    slug: str
    name: dict[str, str]
    description: dict[str, str]
    kind: str
    visibility: str
    venue: int | None
    capacity: int | None
    self_agenda: bool
    sales_start: UtcDateTime | None
    sales_end: UtcDateTime | None
    created: UtcDateTime

    @staticmethod
    def resolve_venue(obj: Event) -> int | None:
        return obj.venue_id


class EventDateIn(BodySchema):
    name: I18nName = {}
    start: DateTime
    end: DateTime | None = None
    location: Id | None = None
    capacity: Count | None = None
    is_cancelled: bool = False
    sales_start: DateTime | None = None
    sales_end: DateTime | None = None


class EventDatePatch(BodySchema):
    name: I18nName | None = None
    start: DateTime | None = None
    end: DateTime | None = None
    location: Id | None = None
    capacity: Count | None = None
    is_cancelled: bool | None = None
    sales_start: DateTime | None = None
    sales_end: DateTime | None = None


class EventDateOut(Schema):
    id: int
    name: dict[str, str]
    start: UtcDateTime
    end: UtcDateTime | None
    location: int | None
    capacity: int | None
    is_cancelled: bool
    sales_start: UtcDateTime | None
    sales_end: UtcDateTime | None

    @staticmethod
    def resolve_location(obj: EventDate) -> int | None:
        return obj.location_id


Speakers = list[Annotated[str, Text(200)]]


class SessionIn(BodySchema):
    date: Id | None = None
    title: I18nName
    description: I18nDescription = {}
    start: DateTime
    end: DateTime
    location: Id | None = None
    capacity: Count | None = None
    speakers: Speakers = Field([], max_length=50)
    track: Annotated[str, Text(100)] = ""


class SessionPatch(BodySchema):
    date: Id | None = None
    title: I18nName | None = None
    description: I18nDescription | None = None
    start: DateTime | None = None
    end: DateTime | None = None
    location: Id | None = None
    capacity: Count | None = None
    speakers: Speakers | None = Field(None, max_length=50)
    track: Annotated[str, Text(100)] | None = None


class SessionOut(Schema):
    id: int
    date: int | None
    title: dict[str, str]
    description: dict[str, str]
    start: UtcDateTime
    end: UtcDateTime
    location: int | None
    capacity: int | None
    speakers: list[str]
    track: str

    @staticmethod
    def resolve_date(obj: Session) -> int | None:
        return obj.date_id

    @staticmethod
    def resolve_location(obj: Session) -> int | None:
        return obj.location_id


class QuotaIn(BodySchema):
    name: Annotated[str, Text(200)]
    size: Count
    whole_event: bool = False
    date: Id | None = None
    product: Id | None = None
    rate: Id | None = None
    session: Id | None = None
    covers_sessions: bool = False


class QuotaPatch(BodySchema):
    name: Annotated[str, Text(200)] | None = None
    size: Count | None = None


class QuotaOut(Schema):
    id: int
    name: str
    size: int
    taken: int
    whole_event: bool
    date: int | None
    product: int | None
    rate: int | None
    session: int | None
    covers_sessions: bool

    @staticmethod
    def resolve_whole_event(obj) -> bool:
        return obj.event_id is not None

    @staticmethod
    def resolve_date(obj) -> int | None:
        return obj.date_id

    @staticmethod
    def resolve_product(obj) -> int | None:
        return obj.product_id

    @staticmethod
    def resolve_rate(obj) -> int | None:
        return obj.rate_id

    @staticmethod
    def resolve_session(obj) -> int | None:
        return obj.session_id
