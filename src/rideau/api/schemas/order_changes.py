"""Bodies of the staff order changes (add tickets to an order; see api/orders.py)."""

from typing import Literal

from ninja import Schema
from pydantic import Field, StrictBool, StrictInt, StrictStr

from .common import Text
from .orders import MAX_LINES, AttendeeIn, LineIn

AnswerValue = StrictStr | StrictInt | StrictBool | float | None


class AttendeeAnswersIn(AttendeeIn):
    """An attendee with answers to the product's questions: question id → value (text, a
    number, true/false, a date as YYYY-MM-DD, a choice as its option's text or index)."""

    answers: dict[str, AnswerValue] = Field(default_factory=dict, max_length=100)


class PositionLineIn(LineIn):
    attendees: list[AttendeeAnswersIn] = Field([], max_length=500)


class PositionsIn(Schema):
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
    reason: Text(500) = ""
