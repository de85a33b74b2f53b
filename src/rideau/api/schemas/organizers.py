from typing import Annotated

from ninja import Schema
from pydantic import Field

from .common import BodySchema, Text


class OrganizerOut(Schema):
    slug: str
    name: str
    currency: str
    timezone: str
    languages: list[str]
    contact_email: str
    primary_color: str


class OrganizerPatch(BodySchema):
    name: Annotated[str, Text(200)] | None = None
    currency: Annotated[str, Text(3)] | None = None
    timezone: Annotated[str, Text(64)] | None = None
    languages: list[Annotated[str, Text(5)]] | None = Field(None, max_length=10)
    contact_email: Annotated[str, Text(254)] | None = None
    primary_color: Annotated[str, Text(7)] | None = None
