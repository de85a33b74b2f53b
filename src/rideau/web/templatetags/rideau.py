"""Template helpers: translatable content, dates in lists and organiser branding."""

import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from rideau.core.i18n import localize as _localize
from rideau.orders.payments.base import provider_label

register = template.Library()


@register.filter
def localize(value, fallbacks=None) -> str:
    """`{{ event.name|localize:organizer.languages }}`: the text in the active language."""
    if isinstance(fallbacks, str):
        fallbacks = [fallbacks]
    return _localize(value, fallbacks=list(fallbacks or []))


@register.filter
def payment_method(identifier: str) -> str:
    """`{{ payment.provider|payment_method }}`: "Cash", not "cash"."""
    return provider_label(identifier) if identifier else ""


@register.filter
def when(value: datetime.datetime | None) -> SafeString | str:
    """`{{ order.created|when }}`: the short date and time of the active language and zone
    ("7 Dec 2026, 15:02", "07/12/2026 15:02") in a `<time>`, where a narrow table column may
    break the line between the date and the time but never inside either."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    full = date_format(value, "SHORT_DATETIME_FORMAT")
    day, clock = date_format(value, "SHORT_DATE_FORMAT"), time_format(value, "TIME_FORMAT")
    if not (full.startswith(day) and full.endswith(clock)) or len(full) < len(day) + len(clock):
        return format_html('<time datetime="{}">{}</time>', value.isoformat(), full)
    between = full[len(day) : len(full) - len(clock)]
    return format_html(
        '<time datetime="{}"><span class="nowrap">{}{}</span> <span class="nowrap">{}</span>'
        "</time>",
        value.isoformat(),
        day,
        between.rstrip(),
        clock,
    )


def _luminance(hex_colour: str) -> float:
    channels = []
    for i in (1, 3, 5):
        c = int(hex_colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@register.filter
def contrast_colour(hex_colour: str) -> str:
    """Black or white, whichever reads better on `hex_colour` (WCAG relative luminance)."""
    try:
        lum = _luminance(hex_colour)
    except (TypeError, ValueError, IndexError):
        return "#ffffff"
    # contrast with white: 1.05 / (lum + 0.05); with black: (lum + 0.05) / 0.05
    return "#ffffff" if 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.05 else "#000000"
