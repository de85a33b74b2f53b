"""iCalendar (RFC 5545) attachment for an order: one VEVENT per date the buyer attends."""

from typing import TYPE_CHECKING

from icalendar import Calendar
from icalendar import Event as VEvent

from rideau.core.i18n import localize
from rideau.core.timezones import organizer_zone
from rideau.events.models import EventDate

if TYPE_CHECKING:  # read through its attributes only: documents sit below orders
    from rideau.orders.models import Order


def render_ical(order: "Order") -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Rideau//Tickets//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    dates = (
        EventDate.objects.filter(tickets__order=order)
        .select_related("event__venue", "event__organizer")
        .distinct()
        .order_by("start")
    )
    zone = organizer_zone(order.organizer)
    for date in dates:
        event = date.event
        vevent = VEvent()
        vevent.add("uid", f"{order.code}-{date.pk}@{event.organizer.slug}.rideau")
        vevent.add("summary", localize(event.name, order.locale, event.organizer.languages))
        # in the event's zone (DTSTART;TZID=…), as the buyer saw it on the ticket
        vevent.add("dtstart", date.start.astimezone(zone))
        if date.end:
            vevent.add("dtend", date.end.astimezone(zone))
        vevent.add("dtstamp", order.created)
        if event.venue is not None:
            venue = event.venue
            vevent.add("location", ", ".join(filter(None, [venue.name, venue.address, venue.city])))
        cal.add_component(vevent)
    cal.add_missing_timezones()  # the VTIMEZONE the TZID refers to
    return cal.to_ical()
