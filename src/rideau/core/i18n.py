"""Translatable content: a JSON object {language code: text} per field.

Organisers write their event names and descriptions in each of their languages; readers get
the text in the active language, falling back to the organiser's first language, then to any.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import get_language


def localize(value, language: str | None = None, fallbacks: list[str] | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or not value:
        return ""
    language = (language or get_language() or "en").split("-")[0]
    for code in [language, *(fallbacks or [])]:
        if value.get(code):
            return value[code]
    return next((v for v in value.values() if v), "")


def clean_i18n_attr(
    obj, name: str, languages: list[str], errors: dict, *, required: bool, max_length: int
) -> None:
    """Clean the translatable attribute `name` of `obj` in place (`clean_i18n`); a problem
    becomes the field error of `name` in `errors`."""
    try:
        setattr(
            obj,
            name,
            clean_i18n(getattr(obj, name), languages, required=required, max_length=max_length),
        )
    except ValueError as exc:
        errors[name] = [str(exc)]


def clean_i18n(value, languages: list[str], *, required: bool, max_length: int) -> dict:
    """Validate a translatable value; returns the cleaned dict or raises ValueError(message)."""
    from django.utils.translation import gettext as _

    if isinstance(value, str):
        value = {languages[0]: value}
    if not isinstance(value, dict):
        raise ValueError(_('Give a text per language, e.g. {"en": "…"}.'))
    cleaned = {}
    for code, text in value.items():
        if code not in languages:
            raise ValueError(
                _("%(code)s is not one of this organiser's languages (%(langs)s).")
                % {"code": code, "langs": ", ".join(languages)}
            )
        if not isinstance(text, str):
            raise ValueError(_("Each translation must be a text."))
        text = text.strip()
        if len(text) > max_length:
            raise ValueError(
                _("Each translation may have at most %(n)d characters.") % {"n": max_length}
            )
        if text:
            cleaned[code] = text
    if required and not cleaned:
        raise ValueError(_("This field is required in at least one language."))
    return cleaned


def money(amount, currency: str = "") -> str:
    """An amount written the way the active language writes numbers ("12,50 EUR" in French,
    "12.50 EUR" in English), as templates write `{{ total }}`: for texts built in Python
    (form choices, PDFs, messages). `currency` follows when given."""
    from django.utils.formats import number_format

    text = number_format(amount, use_l10n=True)
    return f"{text} {currency}" if currency else text


@dataclass(frozen=True)
class Amount:
    """An amount whose text is written when it is shown, in the language active then: a
    parameter of an error message (`BoxOfficeError("cash_short", given=Amount(x, "EUR"))`
    reads "20,00 EUR" to a French reader, "20.00 EUR" to an English one)."""

    value: Decimal
    currency: str = ""

    def __str__(self) -> str:
        return money(self.value, self.currency)
