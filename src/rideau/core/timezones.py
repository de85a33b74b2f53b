"""Times are shown in the organiser's time zone (its events take place there) and in the
reader's language (DESIGN: "every date/time shown in the event's time zone").

The web layer activates the organiser's zone for a request as soon as it has resolved the
organiser (`rideau.web.decorators.activate_organizer_timezone`), so templates simply use
`|date:"DATETIME_FORMAT"`; code that renders outside a request (e-mails, PDF tickets, iCal,
exports, background tasks) wraps its rendering in `organizer_time(organizer, language)`.
"""

import datetime
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import formats, timezone, translation


def organizer_zone(organizer) -> zoneinfo.ZoneInfo:
    """The organiser's zone (UTC if the stored name is unknown to this system)."""
    try:
        return zoneinfo.ZoneInfo(organizer.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return zoneinfo.ZoneInfo("UTC")


@contextmanager
def organizer_time(organizer, language: str | None = None) -> Iterator[zoneinfo.ZoneInfo]:
    """Render in the organiser's zone (and `language`, if given)."""
    zone = organizer_zone(organizer)
    with timezone.override(zone):
        if language:
            with translation.override(language):
                yield zone
        else:
            yield zone


def local_datetime(value: datetime.datetime | None, organizer, fmt: str = "DATETIME_FORMAT") -> str:
    """`value` in the organiser's zone, formatted for the active language."""
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value, organizer_zone(organizer)), fmt)
