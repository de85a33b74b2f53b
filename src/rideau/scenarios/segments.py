"""Segments: saved queries on contacts, evaluated in SQL (SPEC E1, E3).

A segment is a list of conditions (all or any must hold), each `{"field", "value", "not"}`.
`contacts_of(segment)` turns it into one queryset: each condition is a `Q` on the contact
(its own fields) or an `EXISTS` subquery (orders, registrations, waitlists, check-ins,
message activity). Nothing loads contacts into Python: counting, listing and a scenario's
fan-out run on that queryset.

The segment builder reads the other areas' tables (orders, registration, check-in): it sits
above them in the layers (ADR 0017), and they know nothing of it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rideau.checkin.models import Checkin
from rideau.contacts.models import Contact
from rideau.core.models import Organizer
from rideau.events.models import Event, Session
from rideau.messaging.models import OutboxMessage
from rideau.orders.models import Order
from rideau.registration.models import Registration, WaitlistEntry

from .models import Segment


@dataclass(frozen=True)
class Condition:
    label: Any
    value: str  # "text", "bool", "language", "event", "session", "days", "date", "none"
    build: Callable[[Organizer, Any], Q]


def _exists(qs: QuerySet) -> Q:
    return Q(Exists(qs))


def _paid_orders(org: Organizer, event_id: int | None) -> Q:
    orders = Order.objects.filter(contact=OuterRef("pk"), status=Order.Status.PAID)
    if event_id:
        orders = orders.filter(event_id=event_id)
    return _exists(orders)


def _has_row(
    model: type[Registration | WaitlistEntry], state: str, session_filter: str
) -> Callable[[Organizer, Any], Q]:
    """Contacts with a row of `model` in `state` for the chosen session or event."""

    def build(org: Organizer, value: Any) -> Q:
        rows = model.objects.filter(contact=OuterRef("pk"), state=state, **{session_filter: value})
        return _exists(rows)

    return build


def _registered(session_filter: str) -> Callable[[Organizer, Any], Q]:
    return _has_row(Registration, Registration.State.REGISTERED, session_filter)


def _waitlisted(session_filter: str) -> Callable[[Organizer, Any], Q]:
    return _has_row(WaitlistEntry, WaitlistEntry.State.WAITING, session_filter)


def _checked_in(org: Organizer, event_id: int | None) -> Q:
    scans = Checkin.objects.filter(
        position__order__contact=OuterRef("pk"), result=Checkin.Result.VALID
    )
    if event_id:
        scans = scans.filter(checkin_list__event_id=event_id)
    return _exists(scans)


def _activity(field: str) -> Callable[[Organizer, Any], Q]:
    def build(org: Organizer, days: int) -> Q:
        since = timezone.now() - datetime.timedelta(days=int(days))
        messages = OutboxMessage.objects.filter(
            contact=OuterRef("pk"), organizer=org, **{f"{field}__gte": since}
        )
        return _exists(messages)

    return build


CONDITIONS: dict[str, Condition] = {
    "email_contains": Condition(
        gettext_lazy("E-mail contains"), "text", lambda o, v: Q(email__icontains=v)
    ),
    "name_contains": Condition(
        gettext_lazy("Name contains"),
        "text",
        lambda o, v: Q(first_name__icontains=v) | Q(last_name__icontains=v),
    ),
    "language": Condition(gettext_lazy("Language is"), "language", lambda o, v: Q(language=v)),
    "consent_email": Condition(
        gettext_lazy("Agrees to e-mail marketing"), "bool", lambda o, v: Q(consent_email=v)
    ),
    "consent_sms": Condition(
        gettext_lazy("Agrees to SMS marketing"), "bool", lambda o, v: Q(consent_sms=v)
    ),
    "has_phone": Condition(
        gettext_lazy("Has a phone number"), "bool", lambda o, v: ~Q(phone="") if v else Q(phone="")
    ),
    "created_after": Condition(
        gettext_lazy("Created on or after"), "date", lambda o, v: Q(created__date__gte=v)
    ),
    "ordered": Condition(gettext_lazy("Has a paid order for event"), "event", _paid_orders),
    "ordered_any": Condition(
        gettext_lazy("Has a paid order"), "none", lambda o, v: _paid_orders(o, None)
    ),
    "registered_event": Condition(
        gettext_lazy("Registered to a session of event"), "event", _registered("session__event")
    ),
    "registered_session": Condition(
        gettext_lazy("Registered to session"), "session", _registered("session")
    ),
    "waitlisted_event": Condition(
        gettext_lazy("On a waitlist of event"), "event", _waitlisted("session__event")
    ),
    "waitlisted_session": Condition(
        gettext_lazy("On the waitlist of session"), "session", _waitlisted("session")
    ),
    "checked_in": Condition(gettext_lazy("Checked in at event"), "event", _checked_in),
    "opened_within": Condition(
        gettext_lazy("Opened a message in the last N days"), "days", _activity("opened_at")
    ),
    "clicked_within": Condition(
        gettext_lazy("Clicked a message in the last N days"), "days", _activity("clicked_at")
    ),
}


def clean_conditions(organizer: Organizer, conditions: Any) -> tuple[list[dict], list[str]]:
    """Conditions in their stored form, and messages for people about the wrong ones."""
    errors: list[str] = []
    cleaned: list[dict] = []
    if not isinstance(conditions, list):
        return [], [_("Give the conditions as a list.")]
    if len(conditions) > 50:
        return [], [_("At most 50 conditions.")]
    for number, raw in enumerate(conditions, start=1):
        if not isinstance(raw, dict) or raw.get("field") not in CONDITIONS:
            errors.append(
                _("Condition %(n)d: choose one of %(fields)s.")
                % {"n": number, "fields": ", ".join(CONDITIONS)}
            )
            continue
        field = raw["field"]
        kind = CONDITIONS[field].value
        value = raw.get("value")
        try:
            value = _clean_value(organizer, kind, value)
        except ValueError as exc:
            errors.append(_("Condition %(n)d: %(error)s") % {"n": number, "error": exc})
            continue
        cleaned.append({"field": field, "value": value, "not": bool(raw.get("not", False))})
    return cleaned, errors


def _clean_value(organizer: Organizer, kind: str, value: Any) -> Any:
    if kind == "none":
        return None
    if kind == "text":
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise ValueError(_("enter a text of at most 200 characters."))
        return value.strip()
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(_("enter true or false."))
        return value
    if kind == "language":
        if value not in organizer.languages:
            raise ValueError(_("choose one of the organiser's languages."))
        return value
    if kind == "date":
        try:
            return datetime.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError(_("enter a date as YYYY-MM-DD.")) from None
    if kind == "days":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
            raise ValueError(_("enter a number of days between 1 and 3650."))
        return value
    if kind in ("event", "session"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(_("choose an event.") if kind == "event" else _("choose a session."))
        model = Event if kind == "event" else Session
        scope = {"organizer": organizer} if kind == "event" else {"event__organizer": organizer}
        if not model.objects.filter(pk=value, **scope).exists():
            raise ValueError(_("choose an event.") if kind == "event" else _("choose a session."))
        return value
    raise ValueError(_("unknown condition."))


def contacts_matching(organizer: Organizer, *, match: str, conditions: list[dict]) -> QuerySet:
    """The organiser's contacts matching the (cleaned) conditions, as one SQL query."""
    contacts = Contact.objects.filter(organizer=organizer)
    parts = []
    for condition in conditions:
        q = CONDITIONS[condition["field"]].build(organizer, condition.get("value"))
        parts.append(~q if condition.get("not") else q)
    if not parts:
        return contacts
    combined = parts[0]
    for q in parts[1:]:
        combined = (combined | q) if match == Segment.Match.ANY else (combined & q)
    return contacts.filter(combined)


def contacts_of(segment: Segment) -> QuerySet[Contact]:
    return contacts_matching(
        segment.organizer, match=segment.match, conditions=segment.conditions
    ).order_by("id")
