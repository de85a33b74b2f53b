"""Ticket control (SPEC D12): check-in lists with access codes, and the scans made on them."""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import Product
from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate
from rideau.orders.models import Position

ACCESS_CODE_BYTES = 24  # 192 bits: the code is the scanner's only credential


def new_access_code() -> str:
    """An unguessable access code, URL-safe (32 characters)."""
    return secrets.token_urlsafe(ACCESS_CODE_BYTES)


class CheckinList(models.Model):
    """Who may enter where: one event, some (or all) products and dates, once or many times."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="checkin_lists")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checkin_lists")
    name = models.CharField(_("name"), max_length=200)
    products = models.ManyToManyField(
        Product,
        blank=True,
        related_name="checkin_lists",
        verbose_name=_("products"),
        help_text=_("Leave empty to admit every product of the event."),
    )
    dates = models.ManyToManyField(
        EventDate,
        blank=True,
        related_name="checkin_lists",
        verbose_name=_("dates"),
        help_text=_(
            "Leave empty to admit tickets of every date, each on its own day only (unless "
            "any day is allowed below)."
        ),
    )
    any_day = models.BooleanField(
        _("admit on any day"),
        default=False,
        help_text=_(
            "A ticket is valid on any day, not only on the day of its date (e.g. a list used "
            "to collect goodies). Off: a ticket for 21 December is refused on other days."
        ),
    )
    allow_multiple_entries = models.BooleanField(
        _("allow multiple entries"),
        default=False,
        help_text=_("A ticket may be scanned in again after it has entered (re-entry)."),
    )
    access_code = models.CharField(
        _("access code"), max_length=64, unique=True, default=new_access_code, editable=False
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("check-in list")
        verbose_name_plural = _("check-in lists")
        ordering = ["event", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Checkin(models.Model):
    """One scan of a ticket on a list, whatever its result."""

    class Result(models.TextChoices):
        VALID = "valid", _("Valid")
        ALREADY_USED = "already_used", _("Already used")
        WRONG_EVENT = "wrong_event", _("Not valid here")
        WRONG_DATE = "wrong_date", _("Another date")
        CANCELLED = "cancelled", _("Cancelled")
        UNPAID = "unpaid", _("Not paid")
        UNKNOWN = "unknown", _("Unknown ticket")

    checkin_list = models.ForeignKey(CheckinList, on_delete=models.CASCADE, related_name="checkins")
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="checkins")
    created = models.DateTimeField(default=timezone.now, db_index=True)
    nonce = models.CharField(max_length=64, null=True, blank=True)
    result = models.CharField(max_length=20, choices=Result.choices)
    # set on the one valid first entry of a position on an entry-once list: the database
    # refuses a second one, whatever the number of scanners racing
    first_entry = models.BooleanField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("check-in")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkin_list", "nonce"], name="checkin_nonce_unique_per_list"
            ),
            models.UniqueConstraint(
                fields=["checkin_list", "position", "first_entry"],
                name="checkin_single_entry",
            ),
        ]
        indexes = [models.Index(fields=["checkin_list", "result", "position"])]

    def __str__(self) -> str:
        return f"{self.checkin_list_id}:{self.position_id} {self.result}"
