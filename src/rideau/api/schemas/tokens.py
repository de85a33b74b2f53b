from typing import Annotated

from ninja import Schema
from pydantic import Field

from .common import BodySchema, DateTime, Id, Text, UtcDateTime


class ApiTokenIn(BodySchema):
    team: Id = Field(..., description="The team (its id) whose role the token acts with.")
    name: Annotated[str, Text(200)] = Field(..., min_length=1, description="What the token is for.")
    expires: DateTime | None = Field(
        None, description="When the token stops working (optional, in the future)."
    )


class ApiTokenOut(Schema):
    id: int
    name: str
    team: int
    team_name: str
    role: str
    hint: str = Field(..., description="The token's first characters, to recognise it.")
    created: UtcDateTime
    expires: UtcDateTime | None
    last_used: UtcDateTime | None = Field(..., description="Recorded to the minute.")
    revoked: UtcDateTime | None
    active: bool = Field(..., description="False once revoked or expired: refused at once.")


class ApiTokenCreated(ApiTokenOut):
    token: str = Field(..., description="The token itself: shown this once, never again.")
