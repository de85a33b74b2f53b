"""The placeholder language of message templates (SPEC E1): safe by construction.

A template is text with placeholders ``{{ first_name }}`` and optional fallbacks
``{{ first_name | "friend" }}``. Only the names in `PLACEHOLDERS` exist: there are no
attributes, filters, loops or calls, so a template can read nothing but what the
recipient's placeholders hold (no access to Python internals, unlike a full template
engine). Compiling splits the text once; rendering is a join, cheap enough for the worker
to render each recipient's copy at delivery (hundreds of messages a second).
"""

import functools
import html
import re
from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PLACEHOLDERS = {
    "first_name": gettext_lazy("first name"),
    "last_name": gettext_lazy("last name"),
    "name": gettext_lazy("full name"),
    "email": gettext_lazy("e-mail address"),
    "organizer": gettext_lazy("organiser's name"),
    "unsubscribe_url": gettext_lazy("unsubscribe link"),
}

_TAG = re.compile(r"\{\{\s*(?P<name>[a-z_]+)\s*(?:\|\s*\"(?P<fallback>[^\"{}]*)\"\s*)?\}\}")
_OPEN = re.compile(r"\{\{|\}\}|\{%|%\}")


class TemplateSyntaxError(ValueError):
    pass


Part = str | tuple[str, str]  # literal text, or (placeholder, fallback)


def compile_text(text: str) -> tuple[Part, ...]:
    """The parts of `text`, or TemplateSyntaxError with a message for people."""
    parts: list[Part] = []
    position = 0
    for match in _TAG.finditer(text):
        literal = text[position : match.start()]
        _check_literal(literal)
        parts.append(literal)
        name = match["name"]
        if name not in PLACEHOLDERS:
            raise TemplateSyntaxError(
                _("Unknown placeholder {{ %(name)s }}. Use one of: %(names)s.")
                % {"name": name, "names": ", ".join(sorted(PLACEHOLDERS))}
            )
        parts.append((name, match["fallback"] or ""))
        position = match.end()
    _check_literal(text[position:])
    parts.append(text[position:])
    return tuple(p for p in parts if p != "")


def _check_literal(literal: str) -> None:
    if _OPEN.search(literal):
        raise TemplateSyntaxError(
            _('Write placeholders as {{ first_name }} or {{ first_name | "fallback" }}.')
        )


@functools.lru_cache(maxsize=512)
def _compiled(text: str) -> tuple[Part, ...]:
    return compile_text(text)


def render(text: str, values: Mapping[str, str], *, escape: bool = False) -> str:
    """`text` with its placeholders replaced (HTML-escaped when `escape`)."""
    out = []
    for part in _compiled(text):
        if isinstance(part, str):
            out.append(part)
        else:
            value = values.get(part[0]) or part[1]
            out.append(html.escape(value) if escape else value)
    return "".join(out)


# --- SMS length ------------------------------------------------------------------------

_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")


def sms_length(text: str) -> dict[str, int | str]:
    """Encoding (GSM-7 or UCS-2), characters counted as the network does, and parts."""
    if all(c in _GSM7 or c in _GSM7_EXTENDED for c in text):
        units = sum(2 if c in _GSM7_EXTENDED else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
        single, multi, encoding = 70, 67, "UCS-2"
    parts = 1 if units <= single else -(-units // multi)
    return {"encoding": encoding, "characters": units, "parts": parts, "per_part": single}
