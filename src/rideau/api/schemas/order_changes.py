"""Bodies of the staff order changes (add tickets to an order; see api/orders.py)."""

from typing import Annotated, Literal

from pydantic import Field

from .common import BodySchema, Text
from .orders import MAX_LINES, AttendeeIn, LineIn


class PositionLineIn(LineIn):
    attendees: list[AttendeeIn] = Field([], max_length=500)


class PositionsIn(BodySchema):
    lines: list[PositionLineIn] = Field(..., min_length=1, max_length=MAX_LINES)
    provider: Literal["", "cash", "card_present", "bank_transfer"] = Field(
        "",
        description="For a paid order: how the new tickets were paid; empty leaves the "
        "difference due.",
    )
    notify: bool = True
    answers_required: bool = Field(
        True, description="False lets staff leave required questions unanswered for now."
    )
    reason: Annotated[str, Text(500, multiline=True)] = ""
