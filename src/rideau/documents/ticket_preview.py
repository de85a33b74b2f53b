"""A sample ticket drawn with a ticket template, for the back office's PDF preview.

The preview goes through the same drawing code as real tickets (`rideau.documents.tickets`),
on unsaved sample objects: nothing is written to the database.
"""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from rideau.catalog.models import Product, Rate, TicketTemplate
from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate
from rideau.venues.models import Venue

from .tickets import draw_ticket

PREVIEW_SECRET = "RIDEAU-TICKET-PREVIEW"  # noqa: S105 (sample data, not a secret)


@dataclass(frozen=True)
class _SampleOrder:
    organizer: Organizer
    event: Event | None
    currency: str
    code: str


@dataclass(frozen=True)
class _SamplePosition:
    product: Product
    rate: Rate
    date: EventDate | None
    price: Decimal
    attendee_name: str
    secret: str


def render_preview_pdf(template: TicketTemplate, *, language: str | None = None) -> bytes:
    """One A4 page: a sample ticket laid out with `template` (its elements and background)."""
    organizer = template.organizer
    language = language or organizer.languages[0]
    with translation.override(language):
        venue = Venue(organizer=organizer, name=_("Sample venue"), city=_("Sample city"))
        event = Event(organizer=organizer, slug="preview", name={language: _("Sample event")})
        event.venue = venue
        start = (timezone.now() + datetime.timedelta(days=30)).replace(
            hour=20, minute=0, second=0, microsecond=0
        )
        product = Product(
            organizer=organizer,
            event=event,
            name={language: _("Admission")},
            ticket_template=template,
        )
        rate = Rate(product=product, name={language: _("Full price")}, price=Decimal("25.00"))
        order = _SampleOrder(
            organizer=organizer, event=event, code="PREVIEW", currency=organizer.currency
        )
        position = _SamplePosition(
            product=product,
            rate=rate,
            date=EventDate(event=event, start=start),
            price=Decimal("25.00"),
            attendee_name=_("Jane Doe"),
            secret=PREVIEW_SECRET,
        )
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
        pdf.setTitle(_("Ticket preview: %(name)s") % {"name": template.name})
        pdf.setAuthor(organizer.name)
        draw_ticket(pdf, order, position)
        pdf.showPage()
        pdf.save()
    return buffer.getvalue()
