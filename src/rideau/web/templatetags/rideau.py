"""Template helpers: translatable content and organiser branding."""

from django import template

from rideau.core.i18n import localize as _localize

register = template.Library()


@register.filter
def localize(value, fallbacks=None) -> str:
    """`{{ event.name|localize:organizer.languages }}`: the text in the active language."""
    if isinstance(fallbacks, str):
        fallbacks = [fallbacks]
    return _localize(value, fallbacks=list(fallbacks or []))


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
