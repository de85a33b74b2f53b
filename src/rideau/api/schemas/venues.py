from typing import Annotated, Literal

from ninja import Schema

from rideau.venues.models import Location, Venue

from .common import BodySchema, Count, Id, Text

LocationKind = Literal["building", "room", "layout"]


class VenueIn(BodySchema):
    name: Annotated[str, Text(200)]
    address: Annotated[str, Text(300, multiline=True)] = ""
    postcode: Annotated[str, Text(20)] = ""
    city: Annotated[str, Text(100)] = ""
    country: Annotated[str, Text(2)] = ""
    capacity: Count | None = None


class VenuePatch(BodySchema):
    name: Annotated[str, Text(200)] | None = None
    address: Annotated[str, Text(300, multiline=True)] | None = None
    postcode: Annotated[str, Text(20)] | None = None
    city: Annotated[str, Text(100)] | None = None
    country: Annotated[str, Text(2)] | None = None
    capacity: Count | None = None


class VenueOut(Schema):
    id: int
    name: str
    address: str
    postcode: str
    city: str
    country: str
    capacity: int | None

    @staticmethod
    def resolve_country(obj: Venue) -> str:
        return str(obj.country)  # a django-countries Country: its code, or "" when unset


class LocationIn(BodySchema):
    kind: LocationKind
    name: Annotated[str, Text(200)]
    parent: Id | None = None
    capacity: Count | None = None


class LocationPatch(BodySchema):
    kind: LocationKind | None = None
    name: Annotated[str, Text(200)] | None = None
    parent: Id | None = None
    capacity: Count | None = None


class LocationOut(Schema):
    id: int
    venue: int
    parent: int | None
    kind: str
    name: str
    capacity: int | None
    effective_capacity: int | None

    @staticmethod
    def resolve_venue(obj: Location) -> int:
        return obj.venue_id

    @staticmethod
    def resolve_parent(obj: Location) -> int | None:
        return obj.parent_id

    @staticmethod
    def resolve_effective_capacity(obj: Location) -> int | None:
        return obj.effective_capacity()
