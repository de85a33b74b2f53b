"""Field types shared by every schema: bounded texts under the input-text rule
(`rideau.core.text`), counts that fit the database, aware datetimes PostgreSQL can store,
translatable texts; and `BodySchema`, the base of every schema a request body is made of."""

import datetime
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import annotated_types
from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic.functional_validators import ModelWrapValidatorHandler
from pydantic_core import PydanticCustomError

from rideau.core.text import check_text

# PostgreSQL integer columns (capacities, positions) and big-integer primary keys.
MAX_INT = 2_147_483_647
MAX_ID = 9_223_372_036_854_775_807
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$"
LANGUAGE_PATTERN = r"^[a-z]{2}$"
# a language Rideau writes its pages and e-mails in (a buyer's, an attendee's)
SPOKEN_PATTERN = "^(?:" + "|".join(code for code, _name in settings.LANGUAGES) + ")$"


class BodySchema(Schema):
    """The base of every schema a request body is made of (nested ones too): a field it does
    not declare is refused (422 `extra_forbidden` on that field), so a misspelt field
    (`"quantitiy": 3`) is never silently ignored; the OpenAPI document says
    `additionalProperties: false`."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler["BodySchema"], info: ValidationInfo
    ) -> Any:
        # Replaces ninja's validator of the same name, which reads its input through its ORM
        # getter and, when extra fields are forbidden, validates it a second time as given
        # (at every level of nesting: a line's attendee four times). A body is a JSON object,
        # never an ORM object: one validation, as given.
        return handler(values)


def _single_line(value: str) -> str:
    return check_text(value)


def _multi_line(value: str) -> str:
    return check_text(value, multiline=True)


@dataclass(frozen=True)
class Text(annotated_types.GroupedMetadata):
    """`Annotated[str, Text(n)]`: a string of at most `n` characters under the input-text
    rule: no control characters (line breaks and tabs only when `multiline`), no lone
    surrogates. (Metadata, not a type: the type checker reads the annotation as `str`.)"""

    max_length: int
    multiline: bool = False

    def __iter__(self) -> Iterator[object]:
        yield annotated_types.MaxLen(self.max_length)
        yield AfterValidator(_multi_line if self.multiline else _single_line)


def _free_value(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) <= MAX_ID:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, str):
        return check_text(value, multiline=True)
    raise ValueError(_("Give a text, a number, true or false."))


# A free value (question answers, custom fields): a text, number or yes/no, checked further
# by the domain service for its kind. One validator, so a problem is one clear message.
FreeValue = Annotated[
    Any,
    PlainValidator(_free_value),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {"type": "number"},
                {"type": "boolean"},
                {"type": "null"},
            ]
        }
    ),
]

# PostgreSQL stores a time zone offset of at most 15:59 either way (a Python datetime may
# carry up to 23:59): beyond it the database would fail, so it is refused here.
MAX_UTC_OFFSET = datetime.timedelta(hours=15, minutes=59)


def _storable_datetime(value: datetime.datetime) -> datetime.datetime:
    if not 1900 <= value.year <= 2200:
        raise ValueError(_("Give a date between the years 1900 and 2200."))
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValueError(_("Give a time zone offset between -15:59 and +15:59."))
    return value.astimezone(datetime.UTC)


def _written_datetime(value: Any) -> Any:
    """A date and time is text (ISO 8601, as the schema says): pydantic would otherwise take a
    JSON number for a Unix timestamp."""
    if isinstance(value, int | float):
        raise ValueError(_("Give a date and time as text, e.g. 2027-03-14T20:00:00+01:00."))
    return value


# Every date and time the API accepts: text with an offset (or Z), one PostgreSQL can store.
DateTime = Annotated[
    AwareDatetime, BeforeValidator(_written_datetime), AfterValidator(_storable_datetime)
]
# In answers, every date and time is given in UTC (as stored), whatever the input's offset.
UtcDateTime = Annotated[datetime.datetime, AfterValidator(lambda v: v.astimezone(datetime.UTC))]


def _not_a_boolean(value: Any) -> Any:
    """JSON's true and false are not numbers: pydantic would read true as 1 (an id, a count)."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", _("Give a whole number, not true or false."))
    return value


# Every whole number the API reads (ids, counts, positions, limits): never true or false.
# It goes after the bounds (`Annotated[int, Field(ge=…, le=…), NotBoolean]`): placed before
# them, the OpenAPI document would lose the minimum and maximum.
NotBoolean = BeforeValidator(_not_a_boolean)
Count = Annotated[int, Field(ge=0, le=MAX_INT), NotBoolean]


def _staff_provider(value: str) -> str:
    from rideau.orders.payments.base import staff_may_record

    if not staff_may_record(value):
        raise ValueError(_("This payment method does not exist or is not recorded by hand."))
    return value


# a payment method staff record (cash, card_present, bank_transfer…; "" for a payment taken
# outside Rideau); a gift voucher's or pass credit's payment is recorded by its own service
Provider = Annotated[str, Text(30), AfterValidator(_staff_provider)]
Position = Annotated[int, Field(ge=0, le=MAX_INT), NotBoolean]
Id = Annotated[int, Field(ge=1, le=MAX_ID), NotBoolean]
SlugRef = Annotated[str, StringConstraints(max_length=50, pattern=SLUG_PATTERN)]


@dataclass(frozen=True)
class I18n(annotated_types.GroupedMetadata):
    """`Annotated[Any, I18n(n)]`: a translatable text, {"en": "…", "fr": "…"}, or a plain
    text in the first language; each text at most `n` characters.

    Checked as one value so a problem is one message on the field (the organiser's languages
    are checked by the domain service)."""

    max_length: int
    multiline: bool = False

    def check(self, value: Any) -> Any:
        texts = list(value.values()) if isinstance(value, dict) else [value]
        keys_ok = not isinstance(value, dict) or all(
            isinstance(k, str) and re.fullmatch(LANGUAGE_PATTERN, k) for k in value
        )
        if not keys_ok or not all(isinstance(t, str) for t in texts):
            raise ValueError(_('Give a text per language, e.g. {"en": "…"}.'))
        for text in texts:
            check_text(text, multiline=self.multiline)
            if len(text) > self.max_length:
                raise ValueError(
                    _("Each translation may have at most %(n)d characters.")
                    % {"n": self.max_length}
                )
        return value

    def __iter__(self) -> Iterator[object]:
        text_schema = {"type": "string", "maxLength": self.max_length}
        yield PlainValidator(self.check)
        yield WithJsonSchema(
            {
                "anyOf": [
                    {
                        "type": "object",
                        "propertyNames": {"pattern": LANGUAGE_PATTERN},
                        "additionalProperties": text_schema,
                    },
                    text_schema,
                ]
            }
        )


I18nName = Annotated[Any, I18n(200)]
I18nDescription = Annotated[Any, I18n(20000, multiline=True)]
