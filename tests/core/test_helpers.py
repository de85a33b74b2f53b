import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from rideau.contacts.models import Contact, normalize_phone
from rideau.core import ratelimit
from rideau.core.i18n import clean_i18n, localize, money
from rideau.venues.models import Location
from tests.factories import ContactFactory, LocationFactory, OrganizerFactory, VenueFactory


def test_localize_prefers_active_language_then_fallbacks():
    value = {"fr": "Le Misanthrope", "en": "The Misanthrope"}
    with translation.override("fr"):
        assert localize(value) == "Le Misanthrope"
    assert localize(value, "de", fallbacks=["en"]) == "The Misanthrope"
    assert localize({"fr": "Seulement"}, "en") == "Seulement"
    assert localize(None) == ""
    assert localize("plain") == "plain"


def test_clean_i18n_rejects_unknown_language_and_overlong_text():
    assert clean_i18n({"fr": " Bonjour "}, ["fr", "en"], required=True, max_length=10) == {
        "fr": "Bonjour"
    }
    with pytest.raises(ValueError, match="not one of this organiser"):
        clean_i18n({"de": "Hallo"}, ["fr", "en"], required=True, max_length=10)
    with pytest.raises(ValueError, match="at most 3"):
        clean_i18n({"fr": "Bonjour"}, ["fr"], required=True, max_length=3)
    with pytest.raises(ValueError, match="required"):
        clean_i18n({"fr": "  "}, ["fr"], required=True, max_length=3)


def test_phone_numbers_are_normalised_or_rejected():
    assert normalize_phone("06 12 34 56 78") == "+33612345678"
    assert normalize_phone("+41 79 123 45 67") == "+41791234567"
    with pytest.raises(ValidationError):
        normalize_phone("12")


@pytest.mark.django_db
def test_contact_is_unique_per_organizer_by_email_case_insensitively():
    org, other = OrganizerFactory(), OrganizerFactory()
    ContactFactory(organizer=org, email="Ana@Example.net")
    ContactFactory(organizer=other, email="ana@example.net")
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(organizer=org, email="ANA@example.NET")
    assert Contact.objects.filter(organizer=org).count() == 1


@pytest.mark.django_db
def test_most_specific_location_capacity_wins():
    venue = VenueFactory(capacity=1000)
    building = LocationFactory(venue=venue, kind=Location.Kind.BUILDING, capacity=800)
    room = LocationFactory(venue=venue, kind=Location.Kind.ROOM, parent=building, capacity=None)
    layout = LocationFactory(venue=venue, kind=Location.Kind.LAYOUT, parent=room, capacity=120)
    assert layout.effective_capacity() == 120
    assert room.effective_capacity() == 800
    bare = LocationFactory(venue=venue, kind=Location.Kind.ROOM, parent=None, capacity=None)
    assert bare.effective_capacity() == 1000


@pytest.mark.django_db
def test_location_nesting_rules():
    venue = VenueFactory()
    room = LocationFactory(venue=venue, kind=Location.Kind.ROOM)
    with pytest.raises(ValidationError) as exc:
        Location(venue=venue, kind=Location.Kind.BUILDING, parent=room, name="B").full_clean()
    assert "parent" in exc.value.error_dict
    with pytest.raises(ValidationError):
        Location(venue=venue, kind=Location.Kind.LAYOUT, parent=None, name="L").full_clean()
    elsewhere = LocationFactory(kind=Location.Kind.ROOM)
    with pytest.raises(ValidationError):
        Location(venue=venue, kind=Location.Kind.LAYOUT, parent=elsewhere, name="L").full_clean()


@pytest.mark.django_db
def test_rate_limit_counts_per_key_within_window():
    assert [ratelimit.hit("login:a", limit=3, window=60) for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    assert ratelimit.hit("login:b", limit=3, window=60) is True
    ratelimit.reset("login:a")
    assert ratelimit.hit("login:a", limit=3, window=60) is True


def test_money_writes_amounts_as_the_active_language_does():
    """Texts built in Python (PDF tickets, pass choices, box-office reports) wrote "35.00 EUR"
    to French readers; templates already wrote "35,00"."""
    from decimal import Decimal

    with translation.override("fr"):
        assert money(Decimal("35.00"), "EUR") == "35,00 EUR"
        assert money("12.50") == "12,50"  # an amount kept as text (the audit log's)
    with translation.override("en"):
        assert money(Decimal("35.00"), "EUR") == "35.00 EUR"
