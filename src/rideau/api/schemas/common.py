"""Field types shared by every schema: bounded texts without NUL bytes, counts that fit the
database, aware datetimes in a sane range, translatable texts."""

import datetime
import re
from typing import Annotated, Any

from django.utils.translation import gettext as _
from pydantic import (
    AfterValidator,
    AwareDatetime,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)

# PostgreSQL integer columns (capacities, positions) and big-integer primary keys.
MAX_INT = 2_147_483_647
MAX_ID = 9_223_372_036_854_775_807
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$"
LANGUAGE_PATTERN = r"^[a-z]{2}$"


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError(_("Null characters are not allowed."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(_("Invalid characters are not allowed.")) from exc
    return value


def Text(max_length: int) -> Any:
    """A string of at most `max_length` characters that the database can store."""
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_storable)]


def _sane_year(value: datetime.datetime) -> datetime.datetime:
    if not 1900 <= value.year <= 2200:
        raise ValueError(_("Give a date between the years 1900 and 2200."))
    return value


DateTime = Annotated[AwareDatetime, AfterValidator(_sane_year)]
# In answers, every date and time is given in UTC (as stored), whatever the input's offset.
UtcDateTime = Annotated[datetime.datetime, AfterValidator(lambda v: v.astimezone(datetime.UTC))]
Count = Annotated[int, Field(ge=0, le=MAX_INT)]
Position = Annotated[int, Field(ge=0, le=MAX_INT)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
SlugRef = Annotated[str, StringConstraints(max_length=50, pattern=SLUG_PATTERN)]


def I18n(max_length: int) -> Any:
    """A translatable text: {"en": "…", "fr": "…"}, or a plain text in the first language.

    Checked as one value so a problem is one message on the field (the organiser's languages
    are checked by the domain service)."""

    def check(value: Any) -> Any:
        texts = list(value.values()) if isinstance(value, dict) else [value]
        keys_ok = not isinstance(value, dict) or all(
            isinstance(k, str) and re.fullmatch(LANGUAGE_PATTERN, k) for k in value
        )
        if not keys_ok or not all(isinstance(t, str) for t in texts):
            raise ValueError(_('Give a text per language, e.g. {"en": "…"}.'))
        for text in texts:
            _storable(text)
            if len(text) > max_length:
                raise ValueError(
                    _("Each translation may have at most %(n)d characters.") % {"n": max_length}
                )
        return value

    text_schema = {"type": "string", "maxLength": max_length}
    return Annotated[
        Any,
        PlainValidator(check),
        WithJsonSchema(
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
        ),
    ]


I18nName = I18n(200)
I18nDescription = I18n(20000)
