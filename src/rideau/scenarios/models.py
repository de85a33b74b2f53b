"""Segments and marketing scenarios (SPEC E1–E6)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.contacts.models import Contact
from rideau.core.models import Organizer
from rideau.messaging.models import MessageTemplate


class Segment(models.Model):
    """A saved query on the organiser's contacts (`segments.py` turns it into SQL)."""

    class Match(models.TextChoices):
        ALL = "all", _("all conditions")
        ANY = "any", _("any condition")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="segments")
    name = models.CharField(_("name"), max_length=200)
    match = models.CharField(_("match"), max_length=3, choices=Match.choices, default=Match.ALL)
    # [{"field": "consent_email", "op": "is", "value": true}, …] (`segments.CONDITIONS`)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organizer", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Scenario(models.Model):
    """A journey of ordered steps; visible to the organiser's team only (E2)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        STOPPED = "stopped", _("Stopped")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # the contacts of step 1: the segment's at the start, and/or those a trigger brings
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scenarios",
    )
    # a domain event name (E6): each such event about a contact starts the journey for them
    trigger = models.CharField(_("starts on"), max_length=100, blank=True)
    from_email = models.CharField(_("sender"), max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organizer", "-created", "id"]

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    class Launch(models.TextChoices):
        IMMEDIATELY = "immediately", _("immediately")
        DELAY = "delay", _("after a delay")
        DATE = "date", _("at a date")

    class Unit(models.TextChoices):
        MINUTES = "minutes", _("minutes")
        HOURS = "hours", _("hours")
        DAYS = "days", _("days")

    class Target(models.TextChoices):
        ALL = "all", _("all contacts of step")
        OPENERS = "openers", _("only the openers of step")
        CLICKERS = "clickers", _("only the clickers of step")
        NON_OPENERS = "non_openers", _("only the non-openers of step")
        DELIVERED = "delivered", _("only the contacts delivered by step")

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    description = models.CharField(_("description"), max_length=200, blank=True)
    template = models.ForeignKey(
        MessageTemplate, verbose_name=_("message"), on_delete=models.PROTECT, related_name="+"
    )
    launch = models.CharField(
        _("launch"), max_length=12, choices=Launch.choices, default=Launch.IMMEDIATELY
    )
    delay = models.PositiveIntegerField(_("delay"), default=0)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.DAYS)
    launch_at = models.DateTimeField(_("date"), null=True, blank=True)
    target = models.CharField(
        _("target"), max_length=12, choices=Target.choices, default=Target.ALL
    )
    target_position = models.PositiveIntegerField(_("of step"), default=1)

    class Meta:
        ordering = ["scenario", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "position"], name="step_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scenario} #{self.position}"

    @property
    def reference(self) -> str:
        """The outbox `reference` of this step's messages."""
        return f"scenario-step:{self.pk}"


class Enrollment(models.Model):
    """A contact on a scenario's journey: the next step to run for them and when
    (the deadline is stored, DESIGN rule 2; the worker only makes it happen promptly)."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="enrollments")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)
    next_position = models.PositiveIntegerField(default=1)
    next_at = models.DateTimeField(null=True, blank=True)  # None: journey over
    source = models.CharField(max_length=100, blank=True)  # "segment" or the event name

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scenario", "contact"], name="enrollment_unique")
        ]
        indexes = [models.Index(fields=["scenario", "next_at", "next_position"])]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.scenario_id}"
