from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, PlainValidator, WithJsonSchema

from rideau.core.text import check_text

from .common import MAX_ID, BodySchema, DateTime, I18n, Id, NotBoolean, Text, UtcDateTime

Match = Literal["all", "any"]
Channel = Literal["email", "sms"]
Launch = Literal["immediately", "delay", "date"]
Unit = Literal["minutes", "hours", "days"]
Target = Literal["all", "openers", "clickers", "non_openers", "delivered"]
Delay = Annotated[int, Field(ge=0, le=600_000), NotBoolean]
TargetPosition = Annotated[int, Field(ge=1, le=20), NotBoolean]  # a step of the scenario


MAX_CONDITION_TEXT = 200


def _condition_value(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) <= MAX_ID:
        return value
    if isinstance(value, str) and len(value) <= MAX_CONDITION_TEXT:
        return check_text(value)
    raise ValueError(
        _("Give a text of at most %(n)d characters, a whole number, true or false.")
        % {"n": MAX_CONDITION_TEXT}
    )


# A condition's value (a text, an event's or session's id, a number of days, yes/no), checked
# further by the domain for its field. One validator, so a problem is one clear message.
ConditionValue = Annotated[
    Any,
    PlainValidator(_condition_value),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "maxLength": MAX_CONDITION_TEXT},
                {"type": "integer", "minimum": -MAX_ID, "maximum": MAX_ID},
                {"type": "boolean"},
                {"type": "null"},
            ]
        }
    ),
]


class ConditionIn(BodySchema):
    field: Annotated[str, Text(50)]
    value: ConditionValue = None
    negated: bool = Field(False, alias="not")


class SegmentIn(BodySchema):
    name: Annotated[str, Text(200)]
    match: Match = "all"
    conditions: list[ConditionIn] = Field([], max_length=50)


class SegmentPatch(BodySchema):
    name: Annotated[str, Text(200)] | None = None
    match: Match | None = None
    conditions: list[ConditionIn] | None = Field(None, max_length=50)


class SegmentOut(Schema):
    id: int
    name: str
    match: str
    conditions: list[dict[str, Any]]
    created: UtcDateTime


class SegmentCount(Schema):
    count: int


class TemplateIn(BodySchema):
    name: Annotated[str, Text(200)]
    channel: Channel = "email"
    subject: Annotated[Any, I18n(300)] = None
    body_text: Annotated[Any, I18n(100_000, multiline=True)] = None
    body_html: Annotated[Any, I18n(100_000, multiline=True)] = None


class TemplatePatch(BodySchema):
    name: Annotated[str, Text(200)] | None = None
    subject: Annotated[Any, I18n(300)] = None
    body_text: Annotated[Any, I18n(100_000, multiline=True)] = None
    body_html: Annotated[Any, I18n(100_000, multiline=True)] = None


class TemplateOut(Schema):
    id: int
    name: str
    channel: str
    subject: dict[str, str]
    body_text: dict[str, str]
    body_html: dict[str, str]


class StepIn(BodySchema):
    message_template_id: Id
    description: Annotated[str, Text(200)] = ""
    launch: Launch = "immediately"
    delay: Delay = 0
    unit: Unit = "days"
    launch_at: DateTime | None = None
    target: Target = "all"
    target_position: TargetPosition = 1


class StepPatch(BodySchema):
    message_template_id: Id | None = None
    description: Annotated[str, Text(200)] | None = None
    launch: Launch | None = None
    delay: Delay | None = None
    unit: Unit | None = None
    launch_at: DateTime | None = None
    target: Target | None = None
    target_position: TargetPosition | None = None


class StepOut(Schema):
    id: int
    position: int
    message_template_id: int = Field(alias="template_id")
    description: str
    launch: str
    delay: int
    unit: str
    launch_at: UtcDateTime | None
    target: str
    target_position: int


class ScenarioIn(BodySchema):
    name: Annotated[str, Text(200)]
    segment_id: Id | None = None
    trigger: Annotated[str, Text(100)] = ""
    from_email: Annotated[str, Text(254)] = ""
    steps: list[StepIn] = Field([], max_length=20)


class ScenarioPatch(BodySchema):
    name: Annotated[str, Text(200)] | None = None
    segment_id: Id | None = None
    trigger: Annotated[str, Text(100)] | None = None
    from_email: Annotated[str, Text(254)] | None = None


class ScenarioOut(Schema):
    id: int
    name: str
    status: str
    segment_id: int | None
    trigger: str
    from_email: str
    created: UtcDateTime
    started_at: UtcDateTime | None
    stopped_at: UtcDateTime | None
    steps: list[StepOut]

    @staticmethod
    def resolve_steps(obj) -> list:
        return list(obj.steps.all())


class ScenarioStarted(Schema):
    status: str
    entered: int


class StepStatsOut(Schema):
    position: int
    step_id: int
    queued: int
    sent: int
    delivered: int
    opened: int
    opened_machine: int
    clicked: int
    clicked_machine: int
    bounced: int
    failed: int
    unsubscribed: int


class TriggerOut(Schema):
    name: str
    label: str
