"""The public pages: the home page, an organiser's page, an event's page, the framable
ticket widget, the multi-event pages (D9) and the uploaded images they show. Included by
`rideau.web.urls` last: the event page is the catch-all `<organizer>/<event>/`."""

from django.conf import settings
from django.urls import path, register_converter
from django.urls.converters import SlugConverter

from rideau.core.models import RESERVED_SLUGS
from rideau.events.models import RESERVED_EVENT_SLUGS

from . import embed, festival, views


class _Unreserved(SlugConverter):
    """A slug that is none of `reserved`: a path naming one is left to the patterns after."""

    reserved: frozenset[str] = frozenset()

    def to_python(self, value: str) -> str:
        if value in self.reserved:
            raise ValueError(value)  # no match: the resolver tries the next pattern
        return value

    def to_url(self, value: str) -> str:
        return self.to_python(value)


class OrganizerSlug(_Unreserved):
    reserved = RESERVED_SLUGS


class EventSlug(_Unreserved):
    reserved = RESERVED_EVENT_SLUGS


register_converter(OrganizerSlug, "organizer-slug")
register_converter(EventSlug, "event-slug")

# The event page resolved first (`rideau.web.urls`): what an on-sale rush loads. A path
# `/<a>/<b>/` is the event page unless `a` is a first segment the site uses (RESERVED_SLUGS)
# or `b` one of an organiser's own pages (RESERVED_EVENT_SLUGS); those two lists are checked
# against every pattern by `tests/web/test_reserved_event_slugs.py`. Without it Django tries
# the ~420 patterns before the catch-all below and builds the list of those it tried, about
# a quarter of the CPU of a page served from the page cache (docs/performance.md).
first_patterns = [
    path("<organizer-slug:organizer>/<event-slug:event>/", views.event_page, name="event"),
]

urlpatterns = [
    path("<slug:organizer>/<slug:event>/widget/", embed.embed_tickets, name="embed-tickets"),
    path(
        "<slug:organizer>/programme/<slug:festival_page>/",
        festival.festival_public,
        name="festival",
    ),
    path(
        "<slug:organizer>/programme/<slug:festival_page>/cover/",
        festival.festival_cover,
        name="festival-cover",
    ),
    path("", views.home, name="index"),
    path("<slug:organizer>/", views.organizer_page, name="organizer"),
    # the same page for a path the fast pattern above refused (kept: exactly the old rule)
    path("<slug:organizer>/<slug:event>/", views.event_page, name="event"),
]

# uploaded images served by the app (not with object storage: `.url` points at the bucket)
MEDIA = settings.MEDIA_URL.lstrip("/")
media_patterns = [
    path(f"{MEDIA}{views.LOGO_DIR}<str:name>", views.organizer_logo, name="organizer-logo"),
    path(f"{MEDIA}{views.EVENT_IMAGE_DIR}<str:name>", views.event_image, name="event-image"),
]
