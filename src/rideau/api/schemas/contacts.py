from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from .common import BodySchema, FreeValue, I18nName, Position, Text, UtcDateTime

FieldKind = Literal["text", "number", "date", "boolean", "choice"]
FieldKey = Annotated[str, Text(50)]
Choices = list[Annotated[str, Text(200)]]
Custom = dict[Annotated[str, Text(50)], FreeValue]


class ContactIn(BodySchema):
    email: Annotated[str, Text(254)]
    first_name: Annotated[str, Text(100)] = ""
    last_name: Annotated[str, Text(100)] = ""
    phone: Annotated[str, Text(40)] = ""
    language: Annotated[str, Text(10)] = ""
    consent_email: bool = False
    consent_sms: bool = False
    custom: Custom = Field({}, max_length=100)


class ContactPatch(BodySchema):
    email: Annotated[str, Text(254)] | None = None
    first_name: Annotated[str, Text(100)] | None = None
    last_name: Annotated[str, Text(100)] | None = None
    phone: Annotated[str, Text(40)] | None = None
    language: Annotated[str, Text(10)] | None = None
    consent_email: bool | None = None
    consent_sms: bool | None = None
    custom: Custom | None = Field(None, max_length=100)


class ContactOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    language: str
    consent_email: bool
    consent_sms: bool
    consent_updated: UtcDateTime | None
    custom: dict[str, Any]
    created: UtcDateTime
    updated: UtcDateTime


class ContactSearch(Schema):
    q: Annotated[str, Text(200)] | None = None


class ContactFieldIn(BodySchema):
    key: FieldKey
    label: I18nName
    kind: FieldKind = "text"
    choices: Choices = Field([], max_length=100)
    required: bool = False
    position: Position = 0


class ContactFieldPatch(BodySchema):
    label: I18nName | None = None
    kind: FieldKind | None = None
    choices: Choices | None = Field(None, max_length=100)
    required: bool | None = None
    position: Position | None = None


class ContactFieldOut(Schema):
    id: int
    key: str
    label: dict[str, str]
    kind: str
    choices: list[str]
    required: bool
    position: int
