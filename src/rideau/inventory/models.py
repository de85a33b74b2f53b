"""Quotas (counters), holds (the unit of consumption) and seat holds. See ADR 0004."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import Product, Rate
from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate, Session
from rideau.venues.models import Seat

SCOPE_FIELDS = ("event", "date", "product", "rate", "session")


class Quota(models.Model):
    """A counter of places. Which requests it counts is `queries.find_quotas`'s rule (ADR 0004):
    each non-null scope equals the request's, and sessions never mix with tickets unless the
    organiser ties them (`covers_sessions`)."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="quotas")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    taken = models.PositiveIntegerField(_("taken"), default=0, editable=False)
    # places staff took beyond the size (`services.overbook`), part of `taken`
    overbooked = models.PositiveIntegerField(_("overbooked"), default=0, editable=False)
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.CASCADE, related_name="quotas"
    )
    date = models.ForeignKey(
        EventDate, null=True, blank=True, on_delete=models.CASCADE, related_name="quotas"
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="quotas"
    )
    rate = models.ForeignKey(
        Rate, null=True, blank=True, on_delete=models.CASCADE, related_name="quotas"
    )
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="quotas"
    )
    covers_sessions = models.BooleanField(
        _("also counts session registrations"),
        default=False,
        help_text=_(
            "A quota without a session counts tickets only; tick this to make registrations "
            "to the event's sessions count against it too."
        ),
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("quota")
        ordering = ["organizer", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(taken__lte=F("size") + F("overbooked")),
                name="quota_taken_within_size",
            ),
            models.CheckConstraint(
                condition=Q(overbooked__lte=F("taken")), name="quota_overbooked_within_taken"
            ),
            models.CheckConstraint(
                condition=Q(event__isnull=False)
                | Q(date__isnull=False)
                | Q(product__isnull=False)
                | Q(rate__isnull=False)
                | Q(session__isnull=False),
                name="quota_has_scope",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def available(self) -> int:
        """Places left by the stored counter (expired holds not yet reclaimed still count)."""
        return max(0, self.size - self.taken)

    @property
    def min_size(self) -> int:
        """The smallest size it can be given: the places taken, less those staff took
        beyond the size (`resize_quota` refuses less)."""
        return max(0, self.taken - self.overbooked)


class Hold(models.Model):
    """`quantity` places taken on a set of quotas, and optionally on seats of one date."""

    class State(models.TextChoices):
        HELD = "held", _("Held")
        CONFIRMED = "confirmed", _("Confirmed")
        RELEASED = "released", _("Released")
        EXPIRED = "expired", _("Expired")

    ACTIVE_STATES = (State.HELD, State.CONFIRMED)

    class Kind(models.TextChoices):
        """What the places are held for; a held hold's deadline is its `expires_at`."""

        CART = "cart", _("Cart")
        ORDER = "order", _("Order")
        RESERVATION = "reservation", _("Reservation")
        OFFER = "offer", _("Waiting-list offer")
        PREHOLD = "prehold", _("Renewal pre-hold")
        OPTION = "option", _("Staff option")
        OVERBOOKED = "overbooked", _("Overbooked by staff")
        KEPT = "kept", _("Kept for a waiting group")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="holds")
    owner_ref = models.CharField(_("owner"), max_length=100, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.ORDER)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.HELD)
    quantity = models.PositiveIntegerField(_("quantity"))
    date = models.ForeignKey(EventDate, null=True, blank=True, on_delete=models.RESTRICT)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.RESTRICT)
    rate = models.ForeignKey(Rate, null=True, blank=True, on_delete=models.RESTRICT)
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.RESTRICT)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    quotas = models.ManyToManyField(Quota, through="HoldQuota", related_name="holds")
    created = models.DateTimeField(default=timezone.now)
    ended = models.DateTimeField(null=True, blank=True)
    # a *claim* (`services.claim`): takes no place of its own (no quota link, no seat row);
    # it keeps the claimed hold's places for its owner until its deadline (a listed resale
    # place in a cart or an unpaid order), then `services.settle` hands them over
    claims = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="claimed_by"
    )

    class Meta:
        verbose_name = _("hold")
        indexes = [
            models.Index(fields=["state", "expires_at"]),
            models.Index(fields=["organizer", "kind", "state"]),
        ]
        constraints = [
            # one live claim per place (a passed one is expired by the next claimer, rule 2)
            models.UniqueConstraint(
                fields=["claims"],
                condition=Q(state__in=["held", "confirmed"]),
                name="hold_one_live_claim",
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner_ref} ×{self.quantity} ({self.state})"

    def is_expired(self, now=None) -> bool:
        """A held hold whose deadline has passed is expired, reclaimed or not (rule 2)."""
        if self.state == self.State.EXPIRED:
            return True
        now = now or timezone.now()
        return (
            self.state == self.State.HELD and self.expires_at is not None and self.expires_at <= now
        )


class HoldQuota(models.Model):
    """One hold counting against one quota."""

    hold = models.ForeignKey(Hold, on_delete=models.CASCADE, related_name="quota_links")
    quota = models.ForeignKey(Quota, on_delete=models.CASCADE, related_name="hold_links")
    # how many of the hold's places went beyond this quota's size (a staff override):
    # counted in `Quota.overbooked` too, and given back from it
    overbooked = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hold", "quota"], name="hold_quota_unique")]

    def __str__(self) -> str:
        return f"hold {self.hold_id} → quota {self.quota_id}"


class SeatHold(models.Model):
    """A seat taken for one date. The database refuses two active rows for (date, seat)."""

    hold = models.ForeignKey(Hold, on_delete=models.CASCADE, related_name="seat_holds")
    date = models.ForeignKey(EventDate, on_delete=models.CASCADE, related_name="seat_holds")
    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="seat_holds")
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["date", "seat"], condition=Q(active=True), name="seat_hold_active_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.seat} @ {self.date_id}"


def kind_of_owner(owner_ref: str) -> str:
    """The kind the `owner_ref` conventions used to imply (before `Hold.kind` existed):
    `cart:…` a cart, `offer:…` a waiting-list offer, `reservation:…`, `prehold:…`,
    `option:…`, `kept:…`; anything else (`order:…`, the demo's) an order."""
    prefix = owner_ref.partition(":")[0]
    return prefix if prefix in Hold.Kind.values and prefix != Hold.Kind.OVERBOOKED else "order"
