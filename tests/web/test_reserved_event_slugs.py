"""An event's short name never hides one of the organiser's own pages (`/<org>/<name>/`)."""

import re

import pytest
from django.urls import URLResolver, get_resolver

from rideau.core.errors import ValidationFailed
from rideau.events.models import RESERVED_EVENT_SLUGS
from rideau.programme import services as programme


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route


def _named(pattern: str) -> set[str]:
    """The names every route's start matching `pattern` gives to its first group."""
    found = (re.match(pattern, route) for route in _routes(get_resolver().url_patterns))
    return {match.group(1) for match in found if match}


def test_every_organiser_level_page_name_is_reserved_for_events():
    used = _named(r"^<slug:organizer>/([a-z0-9-]+)(/|$|\.)")
    assert used, "no organiser-level page found: the walk is broken"
    assert used <= RESERVED_EVENT_SLUGS, (
        f"reserve these event short names: {used - RESERVED_EVENT_SLUGS}"
    )


@pytest.mark.django_db
def test_an_event_cannot_take_a_reserved_short_name(organizer, actor):
    with pytest.raises(ValidationFailed) as refused:
        programme.create_event(organizer, actor=actor, slug="passes", name={"en": "Passes"})
    assert "slug" in refused.value.errors
    assert not organizer.events.exists()


def test_every_first_segment_of_the_site_is_reserved_for_organisers():
    """The event page is resolved first (`web.public.urls.first_patterns`): a path
    `/<a>/<b>/` whose `a` the site itself uses must be refused by it."""
    from rideau.core.models import RESERVED_SLUGS

    used = _named(r"^([a-z0-9-]+)/")
    assert used, "no site-level page found: the walk is broken"
    assert used <= RESERVED_SLUGS, f"reserve these organiser short names: {used - RESERVED_SLUGS}"


def test_the_event_page_is_resolved_first_and_reserved_names_fall_through():
    from django.urls import resolve

    found = resolve("/theatre/gala/")
    assert (found.view_name, found.kwargs) == (
        "web:event",
        {"organizer": "theatre", "event": "gala"},
    )
    assert len(found.tried) <= 8, "the event page is tried after other patterns again"
    assert resolve("/theatre/passes/").view_name != "web:event"
    assert resolve("/theatre/account/").view_name != "web:event"
    assert resolve("/control/theatre/").view_name == "web:control-organizer"
    assert resolve("/api/v1/docs").view_name != "web:event"
