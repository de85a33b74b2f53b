"""The registration demo's careers day has its date (its page listed "No upcoming dates"
next to its tickets), and the staff page of an event's registrations starts cleanly."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from rideau.events.models import Event
from rideau.registration import demo

pytestmark = pytest.mark.django_db


def test_the_careers_day_has_its_date_with_its_sessions_on_it(organizer, owner, owner_client):
    demo.load(organizer, owner=owner)
    day = Event.objects.get(organizer=organizer, slug=demo.EVENT)

    (date,) = day.dates.all()
    assert all(s.date_id == date.pk for s in day.sessions.all())
    assert date.start <= min(s.start for s in day.sessions.all())
    page = Client().get(reverse("web:event", args=[organizer.slug, day.slug]))
    assert "No upcoming dates" not in page.content.decode()

    staff = owner_client.get(
        reverse("web:registrations-event-level", args=[organizer.slug, day.slug])
    ).content.decode()
    facts = re.search(r'<p class="staff-session-facts">(.*?)</p>', staff, re.S)
    assert facts and re.match(r"\d+ places? left · <a ", facts.group(1).strip())
