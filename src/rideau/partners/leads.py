"""Leads (B12): badges scanned by a partner's team, and the one XLSX download with a sheet
per kind (Scans, Contact sharing, Sessions, Networking contacts, Meetings).

Consent is one rule (`queries.consenting`): an attendee appears in a partner's lists and
files only after agreeing to be listed to the event's partners. A badge of someone who did
not agree is refused at the scan and nothing is stored.
"""

import csv
import io

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from rideau.contacts.models import Contact
from rideau.core import audit
from rideau.core.text import cell_text
from rideau.core.timezones import local_datetime
from rideau.documents.tables import safe_cell
from rideau.orders.models import Position

from . import queries
from .errors import PartnerError
from .models import Lead, Partner, TeamMember
from .services import _check_texts, log_partner_side, settings_for


def contact_of_badge(partner: Partner, code: str) -> Contact | None:
    """The person a scanned code names at this event: an attendee's ticket (its attendee's
    contact, else the buyer's) or a partner team member's badge."""
    code = (code or "").strip()[:200]
    if not code:
        return None
    position = (
        Position.objects.select_related("order__contact")
        .filter(
            secret=code,
            order__organizer_id=partner.organizer_id,
            order__event_id=partner.event_id,
            cancelled=False,
        )
        .first()
    )
    if position is not None:
        if position.attendee_email:
            found = Contact.objects.filter(
                organizer_id=partner.organizer_id, email__iexact=position.attendee_email
            ).first()
            if found is not None:
                return found
        return position.order.contact
    member = (
        TeamMember.objects.select_related("contact")
        .filter(badge_code=code, partner__event_id=partner.event_id)
        .first()
    )
    return member.contact if member else None


def scan(
    partner: Partner,
    *,
    member: TeamMember,
    code: str,
    note: str = "",
    rating: int | None = None,
) -> Lead:
    """Record (or update, when scanned again) a lead of the member's partner."""
    if member.partner_id != partner.pk:
        raise PartnerError("permission_denied", message=_("This is not your partner space."))
    if not settings_for(partner.event).leads_open:
        raise PartnerError("leads_closed")
    if rating is not None and not 1 <= rating <= 5:
        raise PartnerError("invalid", field="rating", message=_("A rating from 1 to 5."))
    _check_texts(note=(note, True))
    contact = contact_of_badge(partner, code)
    if contact is None:
        raise PartnerError("unknown_badge", field="code")
    if not queries.consenting_for(partner).filter(pk=contact.pk).exists():
        raise PartnerError("not_listed", field="code")
    with transaction.atomic():
        try:
            with transaction.atomic():
                lead = Lead.objects.create(
                    partner=partner,
                    contact=contact,
                    scanned_by=member,
                    note=note,
                    rating=rating,
                    created=timezone.now(),
                )
        except IntegrityError:  # scanned before: keep the first scan, update note and rating
            lead = Lead.objects.get(partner=partner, contact=contact)
            if note:
                lead.note = note
            if rating is not None:
                lead.rating = rating
            lead.save(update_fields=["note", "rating"])
        log_partner_side("partner_lead.scanned", lead, partner, member=member)
    return lead


def update_lead(lead: Lead, *, member: TeamMember, note: str, rating: int | None) -> Lead:
    if member.partner_id != lead.partner_id:
        raise PartnerError("permission_denied", message=_("This is not your partner space."))
    if rating is not None and not 1 <= rating <= 5:
        raise PartnerError("invalid", field="rating", message=_("A rating from 1 to 5."))
    _check_texts(note=(note, True))
    with transaction.atomic():
        before = audit.snapshot(lead)
        lead.note, lead.rating = note, rating
        lead.save(update_fields=["note", "rating"])
        log_partner_side("partner_lead.changed", lead, lead.partner, before=before)
    return lead


def _when(partner: Partner, value) -> str:
    if value is None:
        return ""
    return local_datetime(value, partner.organizer)


def _share_state(share) -> str:
    if share.shared:
        return _("details shared")
    if share.origin == share.Origin.PARTNER:
        return _("declined") if share.answered else _("awaiting answer")
    return _("message only")


def sheets(partner: Partner) -> list[tuple[str, list[str], list[list]]]:
    """The five lists of the Leads tab: (title, header, rows), consenting attendees only; an
    e-mail address only when its owner shared their details (`queries.details_visible`)."""
    data = queries.leads_data(partner)

    def email(contact) -> str:
        return contact.email if contact.pk in data.visible else ""

    name = [_("First name"), _("Last name"), _("E-mail")]
    return [
        (
            _("Scans"),
            [*name, _("Scanned by"), _("When"), _("Rating"), _("Note")],
            [
                [
                    lead.contact.first_name,
                    lead.contact.last_name,
                    email(lead.contact),
                    str(lead.scanned_by.contact) if lead.scanned_by else "",
                    _when(partner, lead.created),
                    lead.rating,
                    lead.note,
                ]
                for lead in data.scans
            ],
        ),
        (
            _("Contact sharing"),
            [*name, _("From"), _("Message"), _("When"), _("State")],
            [
                [
                    s.contact.first_name,
                    s.contact.last_name,
                    s.contact.email if s.shared else "",
                    str(s.sent_by.contact)
                    if s.sent_by
                    else (partner.name if s.origin == s.Origin.PARTNER else _("the attendee")),
                    s.message,
                    _when(partner, s.created),
                    _share_state(s),
                ]
                for s in data.shares
            ],
        ),
        (
            _("Sessions"),
            [*name, _("Session")],
            [[c.first_name, c.last_name, email(c), title] for c, title in data.session_attendees],
        ),
        (
            _("Networking contacts"),
            [*name, _("How you met"), _("When"), _("What they look for")],
            [
                [
                    n.contact.first_name,
                    n.contact.last_name,
                    email(n.contact),
                    _("meeting") if n.how == "meeting" else _("shared their details"),
                    _when(partner, n.when),
                    n.headline,
                ]
                for n in data.networking
            ],
        ),
        (
            _("Meetings"),
            [*name, _("When"), _("Space"), _("State")],
            [
                [
                    m.contact.first_name,
                    m.contact.last_name,
                    email(m.contact),
                    _when(partner, m.slot.start),
                    m.slot.space.name,
                    m.get_state_display(),
                ]
                for m in data.meetings
            ],
        ),
    ]


def discount_rows(partner: Partner) -> tuple[list[str], list[list]]:
    """The Discount codes tab as a table (B11): one row per ticket bought with a code."""
    header = [
        _("Code"),
        _("Buyer"),
        _("Buyer's e-mail"),
        _("Attendee"),
        _("Attendee's e-mail"),
        _("Ordered"),
        _("Order"),
        _("Present"),
    ]
    rows = [
        [
            u["code"],
            u["buyer"],
            u["buyer_email"],
            u["attendee"],
            u["attendee_email"],
            _when(partner, u["ordered"]),
            u["status"],
            u["present"],
        ]
        for u in queries.voucher_uses(partner)
    ]
    return [str(h) for h in header], rows


def discounts_csv(partner: Partner) -> str:
    """The Discount codes tab as CSV, every text cell defused against formulas."""
    header, rows = discount_rows(partner)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()


def discounts_workbook(partner: Partner) -> bytes:
    header, rows = discount_rows(partner)
    return _workbook([(_("Discount codes"), header, rows)])


def leads_workbook(partner: Partner) -> bytes:
    """One XLSX file, one sheet per list, every text cell defused against formulas."""
    return _workbook(sheets(partner))


def _workbook(tables) -> bytes:
    workbook = Workbook(write_only=True)
    for title, header, rows in tables:
        sheet = workbook.create_sheet(cell_text(str(title))[:31])
        sheet.append([safe_cell(str(h)) for h in header])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
