"""`core.compiled.Compiled`: a fixed-shape query compiled once gives what the ORM gives."""

import datetime

import pytest
from django.db.models import Model
from django.utils import timezone

from rideau.core.compiled import Compiled
from rideau.events.models import Event, EventDate
from tests.factories import EventDateFactory, EventFactory, VenueFactory

pytestmark = pytest.mark.django_db

by_slugs = Compiled(
    lambda organizer, slug: (
        Event.objects.select_related("organizer", "venue")
        .filter(organizer__slug=organizer, slug=slug)
        .order_by("pk")[:1]
    )
)


def _columns(obj: Model) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_the_same_instances_and_related_objects_as_the_orm(django_assert_num_queries):
    venue = VenueFactory()
    # a datetime column: SQLite returns text that the compiler's converters parse
    event = EventFactory(organizer=venue.organizer, venue=venue, sales_start=timezone.now())
    EventFactory(organizer=venue.organizer)  # another event of the same organiser
    expected = (
        Event.objects.select_related("organizer", "venue")
        .filter(organizer__slug=event.organizer.slug, slug=event.slug)
        .first()
    )
    for _ in range(2):  # compiled on the first call, reused on the second
        with django_assert_num_queries(1):
            (found,) = by_slugs(organizer=event.organizer.slug, slug=event.slug)
            # the related objects come with it: no query here
            assert _columns(found.organizer) == _columns(expected.organizer)
            assert _columns(found.venue) == _columns(expected.venue)
        assert _columns(found) == _columns(expected)
        assert found._state.adding is False and found._state.db == "default"
        assert found.sales_start == event.sales_start and found.sales_start.tzinfo is not None


def test_other_values_and_nothing_found():
    one, two = EventFactory(), EventFactory()
    assert by_slugs(organizer=two.organizer.slug, slug=two.slug)[0].pk == two.pk
    assert by_slugs(organizer=one.organizer.slug, slug=one.slug)[0].pk == one.pk
    assert by_slugs(organizer=one.organizer.slug, slug=two.slug) == []
    assert by_slugs(organizer="nobody", slug="nothing") == []


def test_a_lookup_that_rewrites_its_value_is_refused():
    contains = Compiled(lambda text: Event.objects.filter(slug__contains=text))
    with pytest.raises(ValueError, match="text"):
        contains(text="gala")


upcoming = Compiled(
    lambda event, now: (
        EventDate.objects.filter(event=event, start__gt=now, is_cancelled=False)
        .select_related("location")
        .order_by("start", "id")
    )
)


def test_int_and_datetime_parameters_give_what_the_orm_gives():
    event = EventFactory()
    now = timezone.now()
    for days in (-1, 1, 2, 3):
        EventDateFactory(event=event, start=now + datetime.timedelta(days=days))
    EventDateFactory(event=event, start=now + datetime.timedelta(days=4), is_cancelled=True)
    EventDateFactory(start=now + datetime.timedelta(days=1))  # another event's
    for at in (now, now + datetime.timedelta(days=1, hours=1), now + datetime.timedelta(days=9)):
        expected = list(
            EventDate.objects.filter(event=event.pk, start__gt=at, is_cancelled=False)
            .select_related("location")
            .order_by("start", "id")
        )
        found = upcoming(event=event.pk, now=at)
        assert [_columns(d) for d in found] == [_columns(d) for d in expected]
    assert len(upcoming(event=event.pk, now=now)) == 3


def test_a_parameter_of_another_kind_than_when_compiled_is_refused():
    event = EventFactory()
    upcoming(event=event.pk, now=timezone.now())
    with pytest.raises(TypeError, match="event"):
        upcoming(event=str(event.pk), now=timezone.now())
    with pytest.raises(TypeError, match="naive"):
        upcoming(event=event.pk, now=datetime.datetime(2030, 1, 1))  # noqa: DTZ001 (the case)
