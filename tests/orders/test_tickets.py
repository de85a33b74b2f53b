import datetime
from decimal import Decimal

import pypdfium2
import pytest
import zxingcpp
from django.utils import timezone
from icalendar import Calendar

from rideau.core.access import Actor
from rideau.documents.ical import render_ical
from rideau.documents.tickets import render_tickets_pdf
from rideau.inventory import services as inventory
from rideau.orders import services
from rideau.orders.services import Attendee, Buyer, OrderLine
from tests.factories import (
    EventDateFactory,
    EventFactory,
    ProductFactory,
    RateFactory,
    TicketTemplateFactory,
    VenueFactory,
    member,
)

pytestmark = pytest.mark.django_db


def decode_pdf_qr_codes(pdf_bytes: bytes) -> list[str]:
    """Rasterise every page and decode the QR codes on it (what a scanner would read)."""
    found = []
    document = pypdfium2.PdfDocument(pdf_bytes)
    for page in document:
        image = page.render(scale=2).to_pil()
        found.extend(r.text for r in zxingcpp.read_barcodes(image) if r.format.name == "QRCode")
    return found


@pytest.fixture
def paid_order(organizer):
    venue = VenueFactory(organizer=organizer, name="Grande Salle", city="Lyon")
    event = EventFactory(organizer=organizer, venue=venue, name={"en": "Hamlet", "fr": "Hamlet"})
    start = timezone.now() + datetime.timedelta(days=5)
    date = EventDateFactory(event=event, start=start)
    template = TicketTemplateFactory(organizer=organizer)
    product = ProductFactory(event=event, organizer=organizer, ticket_template=template)
    rate = RateFactory(product=product, price=Decimal("30.00"))
    inventory.create_quota(
        actor=Actor(user=member(organizer)), organizer=organizer, name="Hall", size=10, date=date
    )
    return services.place_order(
        organizer,
        event=event,
        lines=[
            OrderLine(rate=rate, quantity=2, attendees=[Attendee(name="Ana"), Attendee(name="Bo")])
        ],
        buyer=Buyer(email="ana@example.net", name="Ana"),
        paid=True,
        provider="cash",
    )


def test_each_ticket_page_carries_a_qr_code_that_decodes_to_its_secret(paid_order):
    pdf = render_tickets_pdf(paid_order)
    assert pdf.startswith(b"%PDF")
    secrets = list(paid_order.positions.order_by("id").values_list("secret", flat=True))
    assert decode_pdf_qr_codes(pdf) == secrets


def test_ticket_template_decides_the_elements(paid_order):
    template = paid_order.positions.first().product.ticket_template
    template.elements = ["event_name", "attendee_name"]
    template.save()
    pdf = render_tickets_pdf(paid_order)
    assert decode_pdf_qr_codes(pdf) == []
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "Hamlet" in text
    assert "Ana" in text
    assert "30.00" not in text


def test_ical_attachment_has_the_event_date(paid_order):
    cal = Calendar.from_ical(render_ical(paid_order))
    events = cal.walk("VEVENT")
    assert len(events) == 1
    assert str(events[0]["summary"]) == "Hamlet"
    date = paid_order.positions.first().date
    assert events[0].decoded("dtstart") == date.start.replace(microsecond=0)
    assert "Grande Salle" in str(events[0]["location"])


def test_paid_order_email_carries_the_pdf_and_ical_through_real_smtp(paid_order, smtp_server):
    from rideau.messaging.delivery import deliver_due_messages

    report = deliver_due_messages()
    assert report.sent == 1
    (received,) = smtp_server.wait_for(1)
    message = received.message
    assert message["To"] == "ana@example.net"
    assert paid_order.code in message["Subject"]
    parts = {p.get_filename(): p for p in message.iter_attachments()}
    assert set(parts) == {f"tickets-{paid_order.code}.pdf", f"{paid_order.code}.ics"}
    pdf = parts[f"tickets-{paid_order.code}.pdf"].get_content()
    secrets = list(paid_order.positions.order_by("id").values_list("secret", flat=True))
    assert decode_pdf_qr_codes(pdf) == secrets
    ics = Calendar.from_ical(parts[f"{paid_order.code}.ics"].get_content())
    assert len(ics.walk("VEVENT")) == 1


def test_date_and_order_code_are_on_every_ticket_whatever_the_template(paid_order):
    """A ticket template chooses its extras; the door needs the date, seat and order code."""
    from zoneinfo import ZoneInfo

    from django.utils import formats

    template = paid_order.positions.first().product.ticket_template
    template.elements = ["event_name"]
    template.save()
    pdf = render_tickets_pdf(paid_order)
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    start = paid_order.positions.first().date.start
    local = timezone.localtime(start, ZoneInfo(paid_order.organizer.timezone))
    assert formats.date_format(local, "DATETIME_FORMAT") in text.replace("\r\n", " ")
    assert f"Order {paid_order.code}" in text
