"""Who is registered to which session, and who waits for one."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import Product
from rideau.contacts.models import Contact
from rideau.core.i18n import localize
from rideau.core.models import Organizer
from rideau.events.models import Event, Session
from rideau.inventory.models import Hold
from rideau.orders.models import Order


class AgendaSettings(models.Model):
    """An event's registration and waitlist settings: session-level registration (the
    event's `self_agenda`: one waitlist per session) or event-level registration
    (`event_registration`: attendees register to the event, one capacity and one waitlist
    for the event, SPEC A1/A9)."""

    class Promotion(models.TextChoices):
        OFFER = "offer", _("Offer the place by e-mail, with a time limit")
        DIRECT = "direct", _("Register the next person directly")

    class GroupRule(models.TextChoices):
        STRICT = "strict", _("Strict order: nobody passes a group waiting for its places")
        FILL = "fill", _("Fill places first: a smaller later entry may take places a group cannot")

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="agenda_settings")
    event_registration = models.BooleanField(
        _("attendees register to the event (event-level registration)"), default=False
    )
    group_rule = models.CharField(
        _("group entries"), max_length=10, choices=GroupRule.choices, default=GroupRule.STRICT
    )
    waitlist = models.BooleanField(_("waitlist for full sessions"), default=True)
    promotion = models.CharField(
        _("when a place frees"), max_length=10, choices=Promotion.choices, default=Promotion.OFFER
    )
    offer_hours = models.PositiveIntegerField(_("hours to accept an offer"), default=24)

    def __str__(self) -> str:
        return f"agenda settings of {self.event_id}"


class EventPassage(models.Model):
    """An event pass ("passage", SPEC A1): in event-level registration, a named, preset set
    of the event's sessions; registering with it registers the attendee to the event and to
    every one of its sessions, all or nothing. Not a season pass or subscription (those are
    `rideau.passes`, SPEC D1–D7): an event pass sells nothing, it chooses sessions."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="passages")
    name = models.JSONField(_("name"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    sessions = models.ManyToManyField(Session, related_name="passages", verbose_name=_("sessions"))
    # ticket products of the event whose sale registers the attendee with this pass (ADR 0023)
    products = models.ManyToManyField(
        Product, blank=True, related_name="event_passes", verbose_name=_("sold with")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "position", "pk"]
        verbose_name = _("event pass")
        verbose_name_plural = _("event passes")

    def __str__(self) -> str:
        return localize(self.name) or f"Event pass {self.pk}"


class Registration(models.Model):
    """A contact registered to one session, or to the event itself (`session` None:
    event-level registration, SPEC A1); `hold` is the engine's place (None for webinars and
    hybrid events, which register without capacity, SPEC A5); `seats` places (a group)."""

    class State(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        CANCELLED = "cancelled", _("Cancelled")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="registrations"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="registrations")
    seats = models.PositiveIntegerField(_("places"), default=1)
    hold = models.ForeignKey(
        Hold, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # registered with an event pass: the event's row and each of the pass's sessions' rows
    passage = models.ForeignKey(
        EventPassage,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,  # deleting the event deletes both; a pass alone: refused
        related_name="registrations",
    )
    # the order whose ticket came with the pass (a product sold with it): cancelled with it
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.REGISTERED)
    override = models.BooleanField(_("beyond capacity"), default=False)
    attended = models.BooleanField(_("attended"), default=False)
    created = models.DateTimeField(auto_now_add=True)
    ended = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "created", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "contact"],
                condition=Q(state="registered"),
                name="registration_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["event", "contact"],
                condition=Q(state="registered", session__isnull=True),
                name="registration_once_per_event",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} → {self.session or self.event}"


class WaitlistEntry(models.Model):
    """A place in a session's waitlist, or in the event's (`session` None, SPEC A9); the
    primary key orders it (first come, first served). `seats`: a group entry, offered only
    when all its places are free (`AgendaSettings.group_rule`). `swap_from`: "move me from
    that session to this one if it frees up" (swapped atomically when a place frees)."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered a place")
        REGISTERED = "registered", _("Registered")
        EXPIRED = "expired", _("Offer expired")
        REMOVED = "removed", _("Removed")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="waitlist")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="waitlist"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="waitlist_entries")
    seats = models.PositiveIntegerField(_("places"), default=1)
    swap_from = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the event's waitlist at an event with passes: the pass chosen, granted on promotion
    passage = models.ForeignKey(
        EventPassage, null=True, blank=True, on_delete=models.SET_NULL, related_name="waiting"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    hold = models.ForeignKey(
        Hold, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    offer_expires = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    ACTIVE = ("waiting", "offered")

    class Meta:
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "contact"],
                condition=Q(state__in=["waiting", "offered"]),
                name="waitlist_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["event", "contact"],
                condition=Q(state__in=["waiting", "offered"], session__isnull=True),
                name="waitlist_once_per_event",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "state", "id"]),
            models.Index(fields=["event", "state", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.contact} waits for {self.session or self.event}"
