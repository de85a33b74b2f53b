"""Organiser-owned rows are fetched within their organiser: no bare `.objects.get(` in the
surfaces (`get_scoped_or_404` / `for_organizer` from `rideau.core.access` instead)."""

import re
from pathlib import Path

import pytest
from django.http import Http404

from rideau.core.access import for_organizer, get_scoped_or_404, organizer_path
from rideau.events.models import Event, EventDate
from tests.factories import EventDateFactory, OrganizerFactory

SRC = Path(__file__).resolve().parents[2] / "src" / "rideau"
BARE_GET = re.compile(r"\.objects\.get\(")

# each one says why it is safe
ALLOWED = {
    # the rate's choices are the renewal's own rates (RenewForm(rates=…) validates the pk)
    "web/shop/passes.py": 1,
}


def test_surfaces_never_fetch_by_a_bare_objects_get():
    found: dict[str, int] = {}
    for root in ("web", "api"):
        for path in sorted((SRC / root).rglob("*.py")):
            count = len(BARE_GET.findall(path.read_text(encoding="utf-8")))
            if count:
                found[str(path.relative_to(SRC))] = count
    assert found == ALLOWED, (
        "Fetch organiser-owned rows with rideau.core.access.get_scoped_or_404 or "
        "for_organizer; allow a bare .objects.get( only with a reason in ALLOWED."
    )


@pytest.mark.django_db
def test_get_scoped_or_404_finds_the_path_to_the_organiser():
    date = EventDateFactory()
    other = OrganizerFactory()
    organizer = date.event.organizer
    assert organizer_path(EventDate) == "event__organizer"
    assert organizer_path(Event) == "organizer"
    assert get_scoped_or_404(EventDate, organizer, pk=date.pk) == date
    assert list(for_organizer(EventDate, other)) == []
    with pytest.raises(Http404):
        get_scoped_or_404(EventDate, other, pk=date.pk)
