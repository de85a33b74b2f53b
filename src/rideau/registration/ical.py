"""A personal agenda as an iCalendar (RFC 5545) feed: one VEVENT per registered session, and
for a registration to the event itself (event-level registration) one per date of the
event that is not cancelled."""

from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent

from rideau.contacts.models import Contact
from rideau.core.i18n import localize
from rideau.core.timezones import organizer_zone
from rideau.events.models import Event

from .models import Registration
from .services import agenda_url


def agenda_ical(contact: Contact, event: Event) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Rideau//Agenda//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    registrations = (
        Registration.objects.filter(
            contact=contact, event=event, state=Registration.State.REGISTERED
        )
        .select_related("session__location")
        .order_by("session__start")
    )
    languages = event.organizer.languages
    # in the event's zone (DTSTART;TZID=…), as the agenda page shows them; stamped now (the
    # feed is written now), each linking back to My agenda
    zone = organizer_zone(event.organizer)
    stamp = timezone.now()
    url = agenda_url(contact, event)
    for registration in registrations:
        session = registration.session
        if session is None:  # event-level registration: the event's dates
            for date in event.dates.filter(is_cancelled=False).select_related("location"):
                vevent = VEvent()
                vevent.add("uid", f"date-{date.pk}-{contact.pk}@{event.organizer.slug}.rideau")
                vevent.add("summary", localize(event.name, contact.language or None, languages))
                vevent.add("dtstart", date.start.astimezone(zone))
                if date.end is not None:
                    vevent.add("dtend", date.end.astimezone(zone))
                vevent.add("dtstamp", stamp)
                vevent.add("url", url)
                place = date.location or event.venue
                if place is not None:
                    vevent.add("location", place.name)
                cal.add_component(vevent)
            continue
        vevent = VEvent()
        vevent.add("uid", f"session-{session.pk}-{contact.pk}@{event.organizer.slug}.rideau")
        vevent.add("summary", localize(session.title, contact.language or None, languages))
        vevent.add("dtstart", session.start.astimezone(zone))
        vevent.add("dtend", session.end.astimezone(zone))
        vevent.add("dtstamp", stamp)
        vevent.add("url", url)
        if session.location is not None:
            vevent.add("location", session.location.name)
        cal.add_component(vevent)
    cal.add_missing_timezones()  # the VTIMEZONE the TZID refers to
    return cal.to_ical()
