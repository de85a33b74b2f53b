"""Gift vouchers (SPEC D11): a value, a balance and its ledger. ADR 0015.

`GiftVoucher.balance` only changes through `services` by one conditional UPDATE
(`balance = balance - x WHERE balance >= x`), each change written as one `Entry` in the same
transaction: the balance is always the value plus the sum of the entries, and the database
refuses a negative balance (check constraint) as a backstop.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import Product
from rideau.core.models import Organizer
from rideau.orders.models import Order, Position

from . import codes


class GiftSettings(models.Model):
    """An organiser's gift voucher settings."""

    organizer = models.OneToOneField(
        Organizer, on_delete=models.CASCADE, related_name="gift_settings"
    )
    validity_days = models.PositiveIntegerField(
        _("validity (days)"),
        default=365,
        help_text=_("How long a new gift voucher can be spent (default one year)."),
    )

    def __str__(self) -> str:
        return f"{self.organizer} gift settings"


class FreeAmount(models.Model):
    """A gift voucher product sold for an amount the buyer chooses between min and max
    (without it, a gift voucher product is sold at its rates' fixed values)."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="free_amount")
    min_amount = models.DecimalField(_("minimum amount"), max_digits=10, decimal_places=2)
    max_amount = models.DecimalField(_("maximum amount"), max_digits=10, decimal_places=2)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(min_amount__gt=0) & Q(max_amount__gte=models.F("min_amount")),
                name="giftcards_free_amount_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.min_amount}–{self.max_amount}"


class GiftVoucher(models.Model):
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="gift_vouchers")
    nonce = models.CharField(max_length=32, default=codes.new_nonce, editable=False)
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    code_hint = models.CharField(_("code ends with"), max_length=4, editable=False)
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=2)
    balance = models.DecimalField(_("balance"), max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    expires_at = models.DateTimeField(_("valid until"))
    # the paid order line that bought it (one voucher per line: issuing is idempotent)
    position = models.OneToOneField(
        Position, null=True, blank=True, on_delete=models.PROTECT, related_name="gift_voucher"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="gift_vouchers"
    )
    buyer_email = models.EmailField(_("buyer's e-mail"), blank=True)
    buyer_name = models.CharField(_("buyer's name"), max_length=200, blank=True)
    locale = models.CharField(_("language"), max_length=10, default="en")
    note = models.CharField(_("note"), max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    # set when the order that bought it was cancelled or refunded (ADR 0034): its balance is
    # zero for good, nothing can be spent with it or given back to it any more
    voided_at = models.DateTimeField(_("cancelled on"), null=True, blank=True)

    class Meta:
        verbose_name = _("gift voucher")
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="giftcards_balance_positive"),
            models.CheckConstraint(condition=Q(value__gt=0), name="giftcards_value_positive"),
        ]
        indexes = [models.Index(fields=["organizer", "code_hint"])]

    def __str__(self) -> str:
        return f"…{self.code_hint}"

    @property
    def code(self) -> str:
        """The code (derived: ADR 0015); never stored."""
        return codes.code_for(self.nonce)

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class Entry(models.Model):
    """One change of a voucher's balance: its issue, a redemption (negative), a refund of a
    redemption (positive), a part taken out of circulation because the order that bought it
    was refunded (negative, `voided`). `key` makes a retried change count once."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        REDEEMED = "redeemed", _("Spent")
        REFUNDED = "refunded", _("Given back")
        VOIDED = "voided", _("Cancelled with its order")

    voucher = models.ForeignKey(GiftVoucher, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=10, decimal_places=2)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="gift_entries"
    )
    channel = models.CharField(_("where"), max_length=12, blank=True)
    key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    actor = models.CharField(_("by"), max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("gift voucher entry")
        ordering = ["voucher", "created", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"
