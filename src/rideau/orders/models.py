"""Orders with positions (one ticket each) and payments. SPEC CORE-7, CORE-8."""

import datetime
import secrets
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# SalesChannel lives with the rates that name it; imported from here too (ADR 0029)
from rideau.catalog.models import AudienceType, Product, Rate, SalesChannel
from rideau.contacts.models import Contact
from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate, Session
from rideau.inventory.models import Hold

# Order codes avoid letters and digits people confuse (0/O, 1/I/L, 5/S, 2/Z, 8/B).
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 7


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_secret() -> str:
    """An unguessable ticket/order secret (160 bits, URL- and QR-safe)."""
    return secrets.token_urlsafe(20)


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending payment")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")
        REFUNDED = "refunded", _("Refunded")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="orders")
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    code = models.CharField(_("order code"), max_length=16, default=new_code)
    secret = models.CharField(max_length=40, default=new_secret, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    channel = models.CharField(
        _("sales channel"), max_length=12, choices=SalesChannel.choices, default=SalesChannel.WEB
    )
    audience_type = models.ForeignKey(
        AudienceType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("audience type"),
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    email = models.EmailField(_("e-mail"))
    buyer_name = models.CharField(_("name"), max_length=200, blank=True)
    locale = models.CharField(_("language"), max_length=10, default="en")
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    payment_provider = models.CharField(_("payment method"), max_length=30, blank=True)
    expires_at = models.DateTimeField(_("pay before"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    voucher = models.ForeignKey(
        "Voucher", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    discount = models.DecimalField(
        _("discount"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        verbose_name = _("order")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "code"], name="order_code_unique"),
            models.UniqueConstraint(
                fields=["organizer", "idempotency_key"], name="order_idempotency_unique"
            ),
        ]
        indexes = [models.Index(fields=["organizer", "status", "expires_at"])]

    def __str__(self) -> str:
        return self.code


class Position(models.Model):
    """One ticket: one place, one attendee, one unguessable secret (the QR code)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="positions")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="tickets")
    rate = models.ForeignKey(Rate, on_delete=models.PROTECT, related_name="tickets")
    date = models.ForeignKey(
        EventDate, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    hold = models.ForeignKey(
        Hold, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    attendee_name = models.CharField(_("attendee name"), max_length=200, blank=True)
    attendee_email = models.EmailField(_("attendee e-mail"), blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # random, or signed (rideau.documents.signing, ADR 0007: about 130 characters)
    secret = models.CharField(max_length=200, default=new_secret, unique=True, editable=False)
    cancelled = models.BooleanField(default=False)
    # set when staff removed this ticket from its order (rideau.orders.changes); unlike the
    # tickets of a cancelled or expired order, it never comes back with a late payment
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.order.code}-{self.pk}"

    @property
    def holder_name(self) -> str:
        """Whom the ticket is for: its attendee, else its buyer."""
        return self.attendee_name or self.order.buyer_name

    @property
    def admits_to(self) -> Event | None:
        """The event this ticket lets its holder into: its date's or session's (a pass's
        ticket to one of the season's shows), else its product's; None for a gift voucher
        or a pass itself. Load `date__event`, `session__event` and `product__event` with it."""
        if self.date_id is not None:
            return self.date.event  # type: ignore[union-attr]
        if self.session_id is not None:
            return self.session.event  # type: ignore[union-attr]
        if self.product.kind == Product.Kind.GIFT_VOUCHER:
            return None
        return self.product.event

    @property
    def is_entry(self) -> bool:
        """A ticket to attend something, whose QR code opens a door. A gift voucher is not
        (its card is its own), nor is a season pass itself: it admits to no event (its
        places are the tickets, one per date, and its card's QR code stands for them at the
        door). An event's pass admits to its event."""
        if not self.product.takes_place:
            return False
        if self.product.kind == Product.Kind.PASS:
            return (
                self.date_id is not None
                or self.session_id is not None
                or self.product.event_id is not None
            )
        return True


# the positions whose `is_entry` is true, as a query filter
ENTRIES = ~Q(product__kind=Product.Kind.GIFT_VOUCHER) & ~Q(
    product__kind=Product.Kind.PASS,
    date__isnull=True,
    session__isnull=True,
    product__event__isnull=True,
)


class Payment(models.Model):
    class State(models.TextChoices):
        CREATED = "created", _("Created")
        CONFIRMED = "confirmed", _("Confirmed")
        FAILED = "failed", _("Failed")
        REFUNDED = "refunded", _("Refunded")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    provider = models.CharField(max_length=30)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CREATED)
    reference = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} ({self.state})"

    @classmethod
    def received(
        cls,
        order: Order,
        *,
        provider: str,
        amount: Decimal,
        now: datetime.datetime,
        reference: str = "",
    ) -> "Payment":
        """A payment received in full at `now`, unsaved (its reference cut to fit); a
        method no payment provider has is refused (PaymentError `unknown_provider`)."""
        from .payments.base import check_provider

        check_provider(provider)
        return cls(
            order=order,
            provider=provider,
            amount=amount,
            reference=reference[:200],
            state=cls.State.CONFIRMED,
            created=now,
            confirmed_at=now,
        )


class Refund(models.Model):
    """Money given back on one payment: written before the provider is called, then settled.

    `pending` is the intent (the provider call may be under way), `done` the provider's (or
    the staff's, for cash and transfers) confirmation, `failed` a refusal to retry later.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Refunded")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    manual = models.BooleanField(
        _("paid back by hand"),
        default=False,
        help_text=_("Cash handed back or a transfer the organiser makes; no provider call."),
    )
    reference = models.CharField(_("provider reference"), max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.order.code} −{self.amount} ({self.state})"


class Voucher(models.Model):
    """A discount code of one organiser, redeemed at most `max_usages` times.

    `used` only changes through one conditional UPDATE (see orders.services), so concurrent
    orders can never redeem more than `max_usages`; the check constraint is the backstop.
    """

    class Kind(models.TextChoices):
        AMOUNT = "amount", _("Fixed amount")
        PERCENT = "percent", _("Percentage")

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="vouchers")
    code = models.CharField(_("code"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERCENT)
    value = models.DecimalField(
        _("value"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    event = models.ForeignKey(
        Event,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="vouchers",
        help_text=_("Empty: valid for every event."),
    )
    products = models.ManyToManyField(
        Product,
        blank=True,
        related_name="vouchers",
        help_text=_("Empty: valid for every product of the event."),
    )
    max_usages = models.PositiveIntegerField(
        _("maximum usages"), null=True, blank=True, help_text=_("Empty: unlimited.")
    )
    used = models.PositiveIntegerField(_("used"), default=0, editable=False)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    partner_ref = models.CharField(_("partner reference"), max_length=100, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("voucher")
        ordering = ["organizer", "code"]
        constraints = [
            models.UniqueConstraint("organizer", Lower("code"), name="voucher_code_unique"),
            models.CheckConstraint(
                condition=Q(max_usages__isnull=True) | Q(used__lte=models.F("max_usages")),
                name="voucher_used_within_max",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="voucher_value_positive"),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__lte=100),
                name="voucher_percent_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return self.code
