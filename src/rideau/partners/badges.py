"""Team badges (B4): one A6 page per person with name, company and a QR code, and the
badge's place at the entrance.

A registered attendee of a partner's team gets a badge ticket once the organiser chose the
rate badges admit as (`PortalSettings.badge_rate`): a free order of that rate, one ticket
per date of the event, its places taken through the inventory engine like any ticket
(`sync_badge_ticket`, in the caller's transaction). The badge's QR code holds the member's
badge code; `position_for_badge` is the check-in hook (registered in `apps.py`, like a
pass's) that finds the ticket the code stands for on the list scanned, so "entry once" and
every other check-in rule are the ticket's. A person who has a paid ticket of their own is
admitted on it (their badge's QR holds that ticket's secret). The ticket is cancelled, its
place given back, when the person leaves the team or stops being a registered attendee.
"""

import datetime
import io
from collections.abc import Sequence

from django.db.models import Q
from django.utils import timezone
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from rideau.checkin.models import CheckinList
from rideau.checkin.services import ticket_for_list
from rideau.core.access import Actor
from rideau.documents.tickets import draw_qr
from rideau.events.models import EventDate
from rideau.inventory.errors import InventoryError
from rideau.orders import bundles
from rideau.orders.models import Order, Position, SalesChannel
from rideau.orders.services import cancel_order

from .errors import PartnerError
from .models import Partner, PortalSettings, TeamMember

BADGE_PREFIX = "B"  # TeamMember.badge_code starts with it (services.add_member)


def _own_ticket(member: TeamMember) -> Position | None:
    """A paid ticket of the person to the partner's event, not their badge ticket."""
    contact, partner = member.contact, member.partner
    return (
        Position.objects.filter(
            order__event_id=partner.event_id,
            order__organizer_id=partner.organizer_id,
            order__status=Order.Status.PAID,
            cancelled=False,
        )
        .filter(Q(attendee_email__iexact=contact.email) | Q(order__contact=contact))
        .exclude(
            order_id__in=TeamMember.objects.filter(badge_order__isnull=False).values(
                "badge_order_id"
            )
        )
        .select_related("order", "product", "date")
        .order_by("pk")
        .first()
    )


def badge_code(member: TeamMember) -> str:
    """What the badge's QR code holds: the person's own paid ticket, else the badge code."""
    ticket = _own_ticket(member)
    return ticket.secret if ticket is not None else member.badge_code


def _name(member: TeamMember) -> str:
    contact = member.contact
    return f"{contact.first_name} {contact.last_name}".strip() or contact.email


def sync_badge_ticket(
    member: TeamMember, *, actor: Actor | None = None, now: datetime.datetime | None = None
) -> None:
    """Give a registered attendee their badge ticket, or take it back from someone who is no
    longer one. Runs in the caller's transaction; a sold-out rate raises PartnerError
    ("no_badge_place") and the caller's change rolls back with it."""
    now = now or timezone.now()
    partner = member.partner
    if member.role != TeamMember.Role.ATTENDEE:
        withdraw_badge_ticket(member, actor=actor, now=now)
        return
    if (
        member.badge_order_id is not None
        and Order.objects.filter(pk=member.badge_order_id, status=Order.Status.PAID).exists()
    ):
        return
    portal = (
        PortalSettings.objects.filter(event_id=partner.event_id)
        .select_related("badge_rate__product")
        .first()
    )
    badge_rate = portal.badge_rate if portal is not None else None
    if badge_rate is None:
        return
    dates = list(
        EventDate.objects.filter(event_id=partner.event_id, is_cancelled=False)
        .filter(Q(end__gte=now) | Q(end__isnull=True, start__gte=now - datetime.timedelta(days=1)))
        .order_by("start", "pk")
    )
    if not dates:
        return
    contact = member.contact
    try:
        order = bundles.open_order(
            partner.organizer,
            email=contact.email,
            name=_name(member),
            channel=SalesChannel.PARTNER,
            locale=contact.language,
            actor=actor,
            now=now,
            reason=f"partner-badge:{member.pk}",
        )
        positions = bundles.add_dated_tickets(
            order,
            rate=badge_rate,
            places=[bundles.DatedPlace(date=d) for d in dates],
            attendee_name=_name(member),
            actor=actor,
            now=now,
        )
    except InventoryError as exc:
        raise PartnerError("no_badge_place", field="role", reason=exc.message) from exc
    Position.objects.filter(pk__in=[p.pk for p in positions]).update(attendee_email=contact.email)
    TeamMember.objects.filter(pk=member.pk).update(badge_order=order)
    member.badge_order = order


def withdraw_badge_ticket(
    member: TeamMember, *, actor: Actor | None = None, now: datetime.datetime | None = None
) -> None:
    """Cancel the member's badge ticket (its places go back), in the caller's transaction."""
    if member.badge_order_id is None:
        return
    order = Order.objects.filter(pk=member.badge_order_id).first()
    if order is not None and order.status == Order.Status.PAID:
        cancel_order(order, actor=actor, reason="partner badge withdrawn", notify=False, now=now)
    TeamMember.objects.filter(pk=member.pk).update(badge_order=None)
    member.badge_order = None


def position_for_badge(
    secret: str, checkin_list: CheckinList, now: datetime.datetime
) -> Position | None:
    """The check-in hook: the ticket a team member's badge code stands for on this list —
    the person's own paid ticket, else their badge ticket for the date being scanned (on the
    list's dates when it is bound to dates, else the one whose day it is, else the next)."""
    if not secret.startswith(BADGE_PREFIX):
        return None
    member = (
        TeamMember.objects.select_related("contact", "partner")
        .filter(
            badge_code=secret,
            partner__event_id=checkin_list.event_id,
            partner__organizer_id=checkin_list.organizer_id,
        )
        .first()
    )
    if member is None:
        return None
    own = _own_ticket(member)
    if own is not None:
        return own
    if member.badge_order_id is None:
        return None
    tickets = list(
        Position.objects.filter(order_id=member.badge_order_id)
        .select_related("order", "product", "date")
        .order_by("date__start", "pk")
    )
    return ticket_for_list(tickets, checkin_list, now)


def render_badges(partner: Partner, members: Sequence[TeamMember]) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A6)
    width, height = A6
    pdf.setTitle(f"{partner.event} · {partner.name}")
    for member in members:
        pdf.setFont("Helvetica-Bold", 16)
        pdf.drawCentredString(width / 2, height - 20 * mm, _name(member)[:40])
        pdf.setFont("Helvetica", 12)
        pdf.drawCentredString(width / 2, height - 28 * mm, partner.name[:50])
        if member.job_title:
            pdf.setFont("Helvetica", 10)
            pdf.drawCentredString(width / 2, height - 34 * mm, member.job_title[:60])
        size = 60 * mm
        draw_qr(pdf, badge_code(member), x=(width - size) / 2, y=12 * mm, size=size)
        pdf.setFont("Helvetica", 8)
        pdf.drawCentredString(width / 2, 6 * mm, str(partner.event)[:70])
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
