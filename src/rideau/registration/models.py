"""Who is registered to which session, and who waits for one."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rideau.contacts.models import Contact
from rideau.core.models import Organizer
from rideau.events.models import Event, Session
from rideau.inventory.models import Hold


class AgendaSettings(models.Model):
    """An event's waitlist settings (session-level registration: one waitlist per session)."""

    class Promotion(models.TextChoices):
        OFFER = "offer", _("Offer the place by e-mail, with a time limit")
        DIRECT = "direct", _("Register the next person directly")

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="agenda_settings")
    waitlist = models.BooleanField(_("waitlist for full sessions"), default=True)
    promotion = models.CharField(
        _("when a place frees"), max_length=10, choices=Promotion.choices, default=Promotion.OFFER
    )
    offer_hours = models.PositiveIntegerField(_("hours to accept an offer"), default=24)

    def __str__(self) -> str:
        return f"agenda settings of {self.event_id}"


class Registration(models.Model):
    """A contact registered to one session; `hold` is the engine's place (None for webinars
    and hybrid events, which register without capacity, SPEC A5)."""

    class State(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        CANCELLED = "cancelled", _("Cancelled")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="registrations")
    hold = models.ForeignKey(
        Hold, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
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
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} → {self.session}"


class WaitlistEntry(models.Model):
    """A place in a session's waitlist; `position` orders it (first come, first served)."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered a place")
        REGISTERED = "registered", _("Registered")
        EXPIRED = "expired", _("Offer expired")
        REMOVED = "removed", _("Removed")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="waitlist")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="waitlist_entries")
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
            )
        ]
        indexes = [models.Index(fields=["session", "state", "id"])]

    def __str__(self) -> str:
        return f"{self.contact} waits for {self.session}"
