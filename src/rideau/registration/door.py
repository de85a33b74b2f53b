"""Session check-in at the door: staff scan an attendee's ticket QR code at a session's
door, with the event's scanner, and the attendee's registration to that session is marked
present (SPEC A1, A6; "session check-in lists record who attended").

The ticket is decoded by the check-in area (`checkin.services.ticket_for`: a ticket's own
secret or a pass's QR code) and judged by its standing at the event (paid, not cancelled,
this event's). The person is the ticket's attendee (its attendee e-mail) or, for a ticket
without one, the order's contact. Marking is one conditional UPDATE (`attended` false →
true): two doors scanning the same ticket at once mark it once, the other answers
"already present".
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.checkin import services as checkin
from rideau.checkin.models import CheckinList
from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.errors import ValidationFailed
from rideau.core.roles import Perm
from rideau.events.models import Session
from rideau.orders.models import Position

from .models import Registration

__all__ = ["DoorScan", "offline_door_data", "scan_at_session"]

PRESENT = "present"
ALREADY_PRESENT = "already_present"
NOT_REGISTERED = "not_registered"

MESSAGES = {
    PRESENT: _("Welcome: marked present"),
    ALREADY_PRESENT: _("Already present"),
    NOT_REGISTERED: _("Not registered to this session"),
}


@dataclass(frozen=True)
class DoorScan:
    """The answer at a session's door: `result` is `present`, `already_present`,
    `not_registered`, or the ticket's own refusal (`unknown`, `wrong_event`, `cancelled`,
    `unpaid`: `checkin.models.Checkin.Result`)."""

    result: str
    session: Session
    position: Position | None = None
    registration: Registration | None = None

    @property
    def ok(self) -> bool:
        return self.result == PRESENT

    @property
    def message(self) -> str:
        if self.result in MESSAGES:
            return str(MESSAGES[self.result])
        return str(checkin.MESSAGES[checkin.Result(self.result)])

    @property
    def attendee_name(self) -> str:
        if self.registration is not None:
            return str(self.registration.contact)
        return self.position.holder_name if self.position is not None else ""

    @property
    def order_code(self) -> str:
        return self.position.order.code if self.position is not None else ""


def _registration_of(session: Session, position: Position) -> Registration | None:
    """The ticket holder's registration to the session: the ticket's attendee (by e-mail)
    or, without one, the order's contact."""
    order = position.order
    people = (
        Q(contact__email__iexact=position.attendee_email)
        if position.attendee_email
        else Q(contact_id=order.contact_id) | Q(contact__email__iexact=order.email)
    )
    return (
        Registration.objects.filter(people, session=session, state=Registration.State.REGISTERED)
        .select_related("contact")
        .order_by("pk")
        .first()
    )


def scan_at_session(
    session: Session,
    *,
    checkin_list: CheckinList,
    secret: str,
    actor: Actor | None,
    now: datetime.datetime | None = None,
) -> DoorScan:
    """Judge one ticket scanned at `session`'s door and mark its holder present.

    `checkin_list` is the scanner's list (its access code was the credential when `actor`
    is None; a staff `actor` needs the check-in permission); the session must be of the
    list's event."""
    if actor is not None:
        require(actor, checkin_list.organizer, Perm.CHECKIN)
    if session.event_id != checkin_list.event_id:
        raise ValidationFailed({"session": [str(_("Choose a session of this list's event."))]})
    now = now or timezone.now()
    position = checkin.ticket_for(secret, checkin_list, now)
    if position is None:
        return DoorScan(checkin.Result.UNKNOWN, session)
    standing = checkin.standing(position, session.event_id)
    if standing != checkin.Result.VALID:
        return DoorScan(standing, session, position)
    registration = _registration_of(session, position)
    if registration is None:
        return DoorScan(NOT_REGISTERED, session, position)
    with transaction.atomic():
        marked = Registration.objects.filter(
            pk=registration.pk, state=Registration.State.REGISTERED, attended=False
        ).update(attended=True)
        if not marked:
            return DoorScan(ALREADY_PRESENT, session, position, registration)
        registration.attended = True
        audit.record(
            "registration.attended",
            registration,
            actor=actor,
            organizer=checkin_list.organizer,
            after={"attended": True, "scanned": position.pk, "checkin_list": checkin_list.pk},
        )
    return DoorScan(PRESENT, session, position, registration)


def offline_door_data(session: Session, checkin_list: CheckinList) -> dict:
    """What the scanner needs to judge tickets at this session's door without a network
    (ADR 0007, ADR 0023), besides the list's offline data: the ticket ids (of signed
    secrets) whose holder is registered to the session, and those already marked present.
    The holder is matched as `_registration_of` does: the ticket's attendee e-mail, or the
    order's contact or e-mail for a ticket without one. Four queries."""
    from rideau.documents import signing

    if session.event_id != checkin_list.event_id:
        raise ValidationFailed({"session": [str(_("Choose a session of this list's event."))]})
    rows = Registration.objects.filter(
        session=session, state=Registration.State.REGISTERED
    ).values_list("contact_id", "contact__email", "attended")
    by_contact = {contact_id: attended for contact_id, _email, attended in rows}
    by_email = {(email or "").lower(): attended for _id, email, attended in rows if email}
    tickets = Position.objects.filter(
        Q(order__event_id=session.event_id)
        | Q(order__event__isnull=True, product__event_id=session.event_id),
        order__organizer_id=checkin_list.organizer_id,
        cancelled=False,
    ).values_list("secret", "attendee_email", "order__contact_id", "order__email")
    registered: list[str] = []
    present: list[str] = []
    for secret, attendee_email, contact_id, order_email in tickets:
        if attendee_email:
            attended = by_email.get(attendee_email.lower())
        else:
            attended = by_contact.get(contact_id)
            if attended is None:
                attended = by_email.get((order_email or "").lower())
        if attended is None:
            continue
        registered.append(secret)
        if attended:
            present.append(secret)
    return {
        "session_id": session.pk,
        "registered": sorted(signing.ticket_ids(registered)),
        "present": sorted(signing.ticket_ids(present)),
    }
