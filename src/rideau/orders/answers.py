"""Answers to the product questions (`catalog.Question`) stored on a ticket.

One validation for every surface: the shop's checkout form, the back office and the API give
their values to `clean_answers`, which returns what is stored in `Position.answers`
(question id as text → JSON value) or raises `ValidationFailed` keyed `q<question id>`.

Stored values: text as text, a number as its decimal text, yes/no as a boolean, a date as
ISO text, a choice as its option's text in the organiser's first language.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import Question
from rideau.core.errors import ValidationFailed
from rideau.core.i18n import localize

MAX_TEXT = 1000
_TRUE = {"1", "true", "on", "yes"}
_FALSE = {"0", "false", "off", "no"}

REQUIRED = _("This field is required.")
MESSAGES = {
    "text": _("At most %(max)s characters.") % {"max": MAX_TEXT},
    "number": _("Enter a number."),
    "boolean": _("Answer yes or no."),
    "date": _("Enter a valid date (YYYY-MM-DD)."),
    "choice": _("Choose one of the options."),
    "unknown": _("This product does not ask this question."),
}


def field_name(question: Question) -> str:
    return f"q{question.pk}"


def questions_by_product(product_ids: Iterable[int]) -> dict[int, list[Question]]:
    """The questions of these products (one query), in their order."""
    result: dict[int, list[Question]] = defaultdict(list)
    for question in Question.objects.filter(product_id__in=set(product_ids)).order_by(
        "product_id", "position", "id"
    ):
        result[question.product_id].append(question)
    return result


def choice_index(question: Question, stored: Any) -> int | None:
    """The index of a stored choice answer among the question's options (any language)."""
    if stored in (None, ""):
        return None
    for index, option in enumerate(question.choices or []):
        texts = option.values() if isinstance(option, dict) else [option]
        if str(stored) in {str(t) for t in texts}:
            return index
    return None


def _clean_one(question: Question, value: Any, languages: list[str]) -> Any:
    """The stored form of one non-empty value; raises ValueError(message) when invalid."""
    kind = question.kind
    if kind == Question.Kind.NUMBER:
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ValueError(MESSAGES["number"]) from None
        if not number.is_finite() or abs(number) >= Decimal("1e12") or isinstance(value, bool):
            raise ValueError(MESSAGES["number"])
        return str(number)
    if kind == Question.Kind.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(MESSAGES["boolean"])
    if kind == Question.Kind.DATE:
        if isinstance(value, datetime.date):
            return value.isoformat()
        try:
            return datetime.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError(MESSAGES["date"]) from None
    if kind == Question.Kind.CHOICE:
        options = question.choices or []
        index = choice_index(question, value)
        if index is None and isinstance(value, int) and not isinstance(value, bool):
            index = value if 0 <= value < len(options) else None
        if index is None:
            raise ValueError(MESSAGES["choice"])
        return localize(options[index], languages[0] if languages else None, languages)
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise ValueError(MESSAGES["text"])
    return text


def clean_answers(
    questions: Iterable[Question],
    raw: Mapping[str, Any] | None,
    *,
    languages: list[str],
    required: bool = True,
) -> dict[str, Any]:
    """Validate `raw` ({question id: value}) against the product's questions.

    Returns the answers to store; an empty value is left out. `required=False` lets staff
    leave required questions unanswered for now (a ticket added at the counter); an answer
    that is given is always checked. Raises ValidationFailed keyed `q<id>` (`answers` for a
    question the product does not ask).
    """
    questions = list(questions)
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ValidationFailed({"answers": [str(MESSAGES["unknown"])]})
    known = {str(q.pk) for q in questions}
    errors: dict[str, list[str]] = {}
    if any(str(key) not in known for key in raw):
        errors["answers"] = [str(MESSAGES["unknown"])]
    cleaned: dict[str, Any] = {}
    for question in questions:
        value = raw.get(str(question.pk))
        if isinstance(value, str):
            value = value.strip()
        try:
            stored = (
                None if value is None or value == "" else _clean_one(question, value, languages)
            )
        except ValueError as exc:
            errors[field_name(question)] = [str(exc)]
            continue
        # a required yes/no question must be answered "yes" (a box to tick), as in the shop
        if question.required and required and stored in (None, False):
            errors[field_name(question)] = [str(REQUIRED)]
        elif stored is not None:
            cleaned[str(question.pk)] = stored
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def answer_labels(keys: Iterable[str], *, organizer) -> dict[str, str]:
    """A label for each stored answer key (a question id, one query): the question's label
    in the organiser's languages; the answers of a deleted question keep a label naming it."""
    keys = [str(key) for key in keys]
    questions = {
        str(q.pk): q
        for q in Question.objects.filter(
            pk__in=[int(k) for k in keys if k.isdigit()], product__organizer=organizer
        )
    }
    labels = {}
    for key in keys:
        question = questions.get(key)
        if not key.isdigit():  # not a question id (answers imported from elsewhere)
            labels[key] = key
        elif question is None:
            labels[key] = gettext("Question %(id)s (deleted)") % {"id": key}
        else:
            labels[key] = localize(question.label, fallbacks=organizer.languages) or key
    return labels


def answer_text(value: Any) -> str:
    """A stored answer as a person reads it."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return str(value)
