"""Reservations: points of sale and the three switches of what is reservable (SPEC C2, C7),
the release policies (C6) and the reservations themselves (C1). See ADR 0013.

A reservation is an order of `orders` waiting for payment whose places are held through the
capacity engine with holds of kind `reservation`; the `Reservation` row carries what the
order does not: the deadline the buyer sees, the moment the places go back (`release_at`:
the deadline, or later under a lenient policy or an extension) and how it ended.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import AudienceType, Product
from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate
from rideau.orders.models import Order, Position, SalesChannel


class PointOfSale(models.Model):
    """Where a sale happens: the web shop, one box-office till, the phone, a partner.

    Switch 1 (C2): may this point of sale, for these audiences, take reservations?
    """

    organizer = models.ForeignKey(
        Organizer, on_delete=models.CASCADE, related_name="points_of_sale"
    )
    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(_("sales channel"), max_length=12, choices=SalesChannel.choices)
    may_reserve = models.BooleanField(_("takes reservations"), default=False)
    reserving_audiences = models.ManyToManyField(
        AudienceType,
        blank=True,
        related_name="+",
        verbose_name=_("audiences who may reserve"),
        help_text=_("Empty: every public of this point of sale may reserve."),
    )
    active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("point of sale")
        ordering = ["organizer", "channel", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "name"], name="point_of_sale_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ProductProfile(models.Model):
    """Switch 2 (C2): a set of products, each marked reservable or sale only, for some points
    of sale (none listed: all) and some dates (none listed: every date). Overlaps are
    resolved by `rules.profile_verdict` (C7)."""

    organizer = models.ForeignKey(
        Organizer, on_delete=models.CASCADE, related_name="product_profiles"
    )
    name = models.CharField(_("name"), max_length=100)
    points_of_sale = models.ManyToManyField(
        PointOfSale,
        blank=True,
        related_name="profiles",
        verbose_name=_("points of sale"),
        help_text=_("Empty: every point of sale."),
    )
    dates = models.ManyToManyField(
        EventDate,
        blank=True,
        related_name="+",
        verbose_name=_("dates"),
        help_text=_("Empty: every date."),
    )
    active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("product profile")
        ordering = ["organizer", "name", "id"]

    def __str__(self) -> str:
        return self.name


class ProfileProduct(models.Model):
    profile = models.ForeignKey(ProductProfile, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    reservable = models.BooleanField(_("reservable"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "product"], name="profile_product_unique")
        ]

    def __str__(self) -> str:
        return f"{self.profile_id}:{self.product_id}"


class ReservationRule(models.Model):
    """Switch 3 (C2): a product's deadline to pay a reservation — N consecutive days after
    booking, N days before the date, or both (the earlier one applies)."""

    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, related_name="reservation_rule"
    )
    days_after_booking = models.PositiveIntegerField(_("days after booking"), null=True, blank=True)
    days_before_date = models.PositiveIntegerField(_("days before the date"), null=True, blank=True)

    class Meta:
        verbose_name = _("reservation deadline")
        constraints = [
            models.CheckConstraint(
                condition=Q(days_after_booking__isnull=False) | Q(days_before_date__isnull=False),
                name="reservation_rule_has_a_deadline",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: +{self.days_after_booking} / -{self.days_before_date}"


class ReleasePolicy(models.Model):
    """What happens at a deadline (C6): strict releases the places then; lenient keeps them
    `grace_hours` longer while staff decide. Per organiser (no event) or per event."""

    class Mode(models.TextChoices):
        STRICT = "strict", _("Strict: release at the deadline")
        LENIENT = "lenient", _("Lenient: a grace period, staff decide")

    organizer = models.ForeignKey(
        Organizer, on_delete=models.CASCADE, related_name="release_policies"
    )
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    mode = models.CharField(_("policy"), max_length=10, choices=Mode.choices, default=Mode.STRICT)
    grace_hours = models.PositiveIntegerField(_("grace period (hours)"), default=0)
    remind_hours_before = models.PositiveIntegerField(
        _("reminder (hours before the deadline)"),
        default=48,
        help_text=_("0: no reminder."),
    )

    class Meta:
        verbose_name = _("release policy")
        constraints = [
            models.UniqueConstraint(
                fields=["organizer"], condition=Q(event__isnull=True), name="release_policy_org"
            ),
            models.UniqueConstraint(
                fields=["organizer", "event"],
                condition=Q(event__isnull=False),
                name="release_policy_event",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mode} +{self.grace_hours}h"


class Reservation(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Awaiting payment")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="reservations")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="reservation")
    code = models.CharField(_("code"), max_length=16, editable=False)  # the order's
    point_of_sale = models.ForeignKey(
        PointOfSale, null=True, blank=True, on_delete=models.SET_NULL, related_name="reservations"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # what the buyer is told (the earliest of its items' deadlines)
    deadline = models.DateTimeField(_("pay before"))
    # when the places go back: the deadline, plus the grace of a lenient policy, or an
    # extension granted by staff; the holds expire then (the engine reclaims them lazily)
    release_at = models.DateTimeField(_("released at"))
    cancel_reason = models.CharField(_("reason"), max_length=500, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    extensions = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    ended = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["organizer", "status", "release_at"])]

    def __str__(self) -> str:
        return self.code

    def is_due(self, now=None) -> bool:
        """Past its release time: its places are no longer its own, whether or not a worker
        has run (DESIGN rule 2)."""
        return self.release_at <= (now or timezone.now())


class ReservationItem(models.Model):
    """One ticket of a reservation with its own deadline (shown to the buyer, C3)."""

    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="items")
    position = models.OneToOneField(Position, on_delete=models.CASCADE, related_name="+")
    deadline = models.DateTimeField(_("pay before"))

    class Meta:
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return f"{self.reservation_id}:{self.position_id}"
