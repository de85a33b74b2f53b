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


def test_every_organiser_level_page_name_is_reserved_for_events():
    used = set()
    for route in _routes(get_resolver().url_patterns):
        match = re.match(r"^<slug:organizer>/([a-z0-9-]+)(/|$|\.)", route)
        if match:
            used.add(match.group(1))
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
