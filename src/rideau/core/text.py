"""The one rule for text that comes in from anyone: names, answers, notes, every free field.

A text may not hold NUL, C0/C1 control characters (tab, line feed and carriage return are
allowed where the field is multi-line) or lone surrogates: PostgreSQL cannot store some of
them, XLSX cannot hold others, and none of them means anything to a reader. Forms use
`TextValidator` (every `CharField` of a `SafeTextForm`), the API uses
`rideau.api.schemas.common.Text`, both through `text_problem`, so a refused character gives
the same field error in the user's language everywhere. Exports clean cells again with
`cell_text` as a second line of defence (data stored before the rule).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

# C0 controls except tab, LF, CR; DEL and C1 controls; the surrogate range (never a valid
# character on its own in a Python str that came from valid UTF-8)
_MULTI_LINE_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SINGLE_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` cannot be accepted as a text, in the active language; None when it can."""
    pattern = _MULTI_LINE_FORBIDDEN if multiline else _SINGLE_LINE_FORBIDDEN
    found = pattern.search(value)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return _("Null characters are not allowed.")
    if "\ud800" <= char <= "\udfff":
        return _("This text holds an invalid character (a broken Unicode sequence).")
    if char in "\t\n\r":
        return _("Line breaks and tabs are not allowed here.")
    return _("Control characters (such as U+%(code)04X) are not allowed.") % {"code": ord(char)}


def check_text(value: str, *, multiline: bool = False) -> str:
    """`value` unchanged, or ValueError with the message (for pydantic validators)."""
    problem = text_problem(value, multiline=multiline)
    if problem is not None:
        raise ValueError(problem)
    return value


@deconstructible
class TextValidator:
    """The rule as a Django validator (forms and model fields)."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value) -> None:
        if isinstance(value, str) and (problem := text_problem(value, multiline=self.multiline)):
            raise ValidationError(problem, code="invalid_characters")

    def __eq__(self, other) -> bool:
        return isinstance(other, TextValidator) and other.multiline == self.multiline


def add_text_validators(fields) -> None:
    """Give every text field of a form the rule (multi-line where its widget is a textarea)."""
    from django import forms
    from django.core.validators import ProhibitNullCharactersValidator

    for field in fields.values():
        if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.PasswordInput):
            continue
        if any(isinstance(v, TextValidator) for v in field.validators):
            continue
        multiline = isinstance(field.widget, forms.Textarea)
        # the rule includes Django's own NUL check: one message, not two
        field.validators = [
            v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]
        field.validators.append(TextValidator(multiline=multiline))


class SafeTextMixin:
    """For forms: every CharField (text, e-mail, slug, textarea…; passwords aside) follows
    the rule, fields added in `__init__` included (checked when the form is cleaned)."""

    fields: dict

    def full_clean(self) -> None:
        add_text_validators(self.fields)
        super().full_clean()  # type: ignore[misc]


# --- exports --------------------------------------------------------------------------------

# what a spreadsheet would read as a formula (OWASP CSV injection)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_CELL_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def cell_text(value: str) -> str:
    """A text safe in a CSV or XLSX cell: characters a worksheet cannot hold removed, and a
    leading formula character neutralised with an apostrophe."""
    value = _CELL_FORBIDDEN.sub("", value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
