"""The attendee's agenda in their personal space (SPEC C5 with A1–A9): a "My agenda"
section and the items awaiting them — a waitlist offer to accept before its deadline, and
"choose your sessions" for a self-built-agenda event they hold a paid ticket for but have
not chosen any session of yet. Registered when `RegistrationConfig.ready()` imports it; the
personal space never imports this module.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rideau.accounts.models import Account
from rideau.accounts.sections import ActionItem, section
from rideau.core.i18n import localize
from rideau.events.models import Event
from rideau.orders.models import Order

from .models import Registration, WaitlistEntry
from .services import agenda_url
from .waitlists import position

__all__ = ["EventAgenda", "account_agenda", "agenda_awaiting_action"]


@dataclass
class EventAgenda:
    event: Event
    registrations: list[Registration] = field(default_factory=list)
    entries: list[WaitlistEntry] = field(default_factory=list)
    url: str = ""  # the signed "my agenda" page, where the person acts

    @property
    def path(self) -> str:
        """The page's path on this site (a form posts there, whatever host serves it)."""
        return urlsplit(self.url).path


def account_agenda(account: Account) -> list[EventAgenda]:
    """The account's registrations and waitlist entries, grouped by event (soonest first)."""
    contact = account.contact
    by_event: dict[int, EventAgenda] = {}
    registrations = (
        Registration.objects.filter(contact=contact, state=Registration.State.REGISTERED)
        .select_related("event__organizer", "session__location")
        .order_by("session__start", "pk")
    )
    for registration in registrations:
        by_event.setdefault(
            registration.event_id, EventAgenda(event=registration.event)
        ).registrations.append(registration)
    entries = (
        WaitlistEntry.objects.filter(contact=contact, state__in=WaitlistEntry.ACTIVE)
        .select_related("event__organizer", "session")
        .order_by("session__start", "pk")
    )
    for entry in entries:
        entry.position = position(entry) if entry.state == "waiting" else None  # type: ignore[attr-defined]
        by_event.setdefault(entry.event_id, EventAgenda(event=entry.event)).entries.append(entry)
    agendas = list(by_event.values())
    for agenda in agendas:
        agenda.url = agenda_url(contact, agenda.event)
    return agendas


def _sessions_to_choose(account: Account) -> Iterable[Event]:
    """Self-built-agenda events the person holds a paid ticket for, with sessions still to
    come, and no session chosen yet."""
    chosen = Registration.objects.filter(
        contact=account.contact, state=Registration.State.REGISTERED
    ).values("event_id")
    paid = Order.objects.filter(
        organizer=account.organizer,
        email__iexact=account.email,
        status=Order.Status.PAID,
    ).values("event_id")
    return (
        Event.objects.filter(organizer=account.organizer, self_agenda=True, pk__in=paid)
        .exclude(pk__in=chosen)
        .annotate(
            first_session=Min("sessions__start", filter=Q(sessions__start__gt=timezone.now()))
        )
        .filter(first_session__isnull=False)
        .order_by("first_session")
    )


@section("agenda", gettext_lazy("My agenda"), "web:account-agenda", position=20)
def agenda_awaiting_action(account: Account) -> Iterable[ActionItem]:
    languages = account.organizer.languages
    offers = WaitlistEntry.objects.filter(
        contact=account.contact, state=WaitlistEntry.State.OFFERED
    ).select_related("event", "session")
    for entry in offers:
        names = entry.session.title if entry.session is not None else entry.event.name
        title = localize(names, fallbacks=languages) or str(entry.session or entry.event)
        yield ActionItem(
            title=_("A place is waiting for you: %(what)s") % {"what": title},
            url_name="web:account-agenda",
            deadline=entry.offer_expires,
            detail=localize(entry.event.name, fallbacks=languages) if entry.session else "",
            action=_("Accept the place"),
        )
    for event in _sessions_to_choose(account):
        yield ActionItem(
            title=_("Choose your sessions: %(event)s")
            % {"event": localize(event.name, fallbacks=languages) or event.slug},
            url_name="web:agenda",
            url_kwargs={"event": event.slug},
            deadline=event.first_session,  # type: ignore[attr-defined]
            detail=_("Sessions fill up: choose before the first one starts."),
            action=_("Build my agenda"),
        )
