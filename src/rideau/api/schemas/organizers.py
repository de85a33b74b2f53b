from ninja import Schema
from pydantic import Field

from .common import Text


class OrganizerOut(Schema):
    slug: str
    name: str
    currency: str
    timezone: str
    languages: list[str]
    contact_email: str
    primary_color: str


class OrganizerPatch(Schema):
    name: Text(200) | None = None
    currency: Text(3) | None = None
    timezone: Text(64) | None = None
    languages: list[Text(5)] | None = Field(None, max_length=10)
    contact_email: Text(254) | None = None
    primary_color: Text(7) | None = None
