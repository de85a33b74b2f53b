"""The box office: cashiers' shifts (cash sessions) and what went through their till.
SPEC D10."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.core.models import Organizer
from rideau.orders.models import Order


class CashSession(models.Model):
    """One cashier's shift on one device: opened with a float, closed with the cash counted.
    A device has at most one open shift (database constraint)."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="cash_sessions")
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cash_sessions",
    )
    cashier_name = models.CharField(_("cashier"), max_length=200)
    device = models.CharField(_("device"), max_length=64)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    opening_float = models.DecimalField(_("opening float"), max_digits=10, decimal_places=2)
    expected_cash = models.DecimalField(
        _("expected cash"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    counted_cash = models.DecimalField(
        _("counted cash"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    difference = models.DecimalField(
        _("difference"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    recipients = models.JSONField(_("report sent to"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("cash session")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organizer", "device"],
                condition=Q(closed_at__isnull=True),
                name="boxoffice_one_open_session_per_device",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cashier_name} {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ShiftSale(models.Model):
    """An order sold in a shift. Every sale has one, a free one too (a 0 € rate, an
    invitation): it moves no money, so it has no `Movement`, yet it is part of the shift's
    report (its orders and its tickets per event and rate)."""

    session = models.ForeignKey(CashSession, on_delete=models.CASCADE, related_name="sales")
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="shift_sale")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("shift sale")
        ordering = ["session", "created", "id"]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.order_id}"


class Movement(models.Model):
    """Money through the till of a shift: one row per payment method of a sale, or of a
    refund (`amount` is always positive; `kind` says which way)."""

    class Kind(models.TextChoices):
        SALE = "sale", _("Sale")
        REFUND = "refund", _("Refund")

    session = models.ForeignKey(CashSession, on_delete=models.CASCADE, related_name="movements")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="till_movements")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    provider = models.CharField(_("payment method"), max_length=30)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    given = models.DecimalField(
        _("cash given"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("till movement")
        ordering = ["session", "created", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.provider} {self.amount}"
