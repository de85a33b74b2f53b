import pytest
from django.core.cache import cache

from tests.factories import EventDateFactory, EventFactory


@pytest.fixture(autouse=True)
def _web_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def hamlet(organizer):
    """A public event of `organizer`, "hamlet", with one date."""
    event = EventFactory(organizer=organizer, slug="hamlet", name={"en": "Hamlet"})
    EventDateFactory(event=event)
    return event


@pytest.fixture
def fragments_kept(settings):
    """No page cache (a logged-in buyer, or a fresh page); public fragments kept."""
    settings.RIDEAU_PUBLIC_PAGE_SECONDS = 0
    settings.RIDEAU_PUBLIC_FRAGMENT_SECONDS = 10
    cache.clear()
