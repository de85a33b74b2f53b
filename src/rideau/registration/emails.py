"""An attendee's e-mails (confirmation, waitlist offer, place promoted), written by the
outbox worker when the message is sent (`messaging.OutboxMessage.renderer` names
`registration_email_text`), not in the registration's transaction (ADR 0031): the
objects the text names travel as ids and are read back then."""

import datetime
from collections.abc import Iterable

from django.db.models import Model
from django.template.loader import render_to_string
from django.utils import timezone, translation

from rideau.accounts.services import language_for
from rideau.contacts.models import Contact
from rideau.events.models import Event, Session

from .models import EventPassage


def email_params(template: str, contact: Contact, event: Event, extra: dict) -> dict:
    """The renderer's params for `extra`, what the template reads: the sessions listed and
    the pass or session named as ids, times as ISO text, any other object as its name."""
    params: dict = {"template": template, "contact_id": contact.pk, "event_id": event.pk}
    for name, value in extra.items():
        if name in ("sessions", "waiting"):
            params[name] = [s.pk for s in value]
        elif name in ("passage", "swapped_from"):
            params[name] = value.pk if value is not None else None
        elif isinstance(value, datetime.datetime):
            params[name] = value.isoformat()
        elif isinstance(value, Model):  # a session or the event, named
            params[name] = str(value)
        else:  # a flag
            params[name] = value
    return params


def _sessions(ids: Iterable[int]) -> list[Session]:
    found = Session.objects.in_bulk(list(ids))
    return [found[pk] for pk in ids if pk in found]  # in the order the e-mail gave them


def registration_email_text(
    *,
    template: str,
    contact_id: int,
    event_id: int,
    sessions: list[int] = (),  # type: ignore[assignment]
    waiting: list[int] = (),  # type: ignore[assignment]
    passage: int | None = None,
    swapped_from: int | None = None,
    expires: str | None = None,
    **values,
) -> str:
    """The text of `registration/<template>.txt` for the contact, in their language (else
    the organiser's first) and the organiser's time zone."""
    from .services import agenda_url

    contact = Contact.objects.get(pk=contact_id)
    event = Event.objects.select_related("organizer").get(pk=event_id)
    with translation.override(language_for(event.organizer, contact)):
        with timezone.override(event.organizer.timezone):
            context = {
                "contact": contact,
                "event": event,
                "url": agenda_url(contact, event),
                "sessions": _sessions(sessions),
                "waiting": _sessions(waiting),
                "passage": EventPassage.objects.filter(pk=passage).first() if passage else None,
                "swapped_from": Session.objects.filter(pk=swapped_from).first()
                if swapped_from
                else None,
                "expires": datetime.datetime.fromisoformat(expires) if expires else None,
                **values,
            }
            return render_to_string(f"registration/{template}.txt", context)
