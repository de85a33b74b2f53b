"""The offline providers and the demo card: free, bank transfer, cash, card at the box
office, demo card. Stripe lives in `stripe_checkout`."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, translation
from django.utils import timezone as tz
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from ..models import Order, Payment, SalesChannel
from .base import PaymentProvider, PaymentStart, RefundResult, register
from .errors import PaymentError
from .money import creditor_reference

ALL_CHANNELS = frozenset(SalesChannel.values)
REMOTE_CHANNELS = frozenset(
    {SalesChannel.WEB, SalesChannel.PHONE, SalesChannel.PARTNER, SalesChannel.API}
)
COUNTER_CHANNELS = frozenset({SalesChannel.BOX_OFFICE})


def money_text(amount: Decimal, currency: str) -> str:
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} {currency}"


@register
class FreeProvider(PaymentProvider):
    identifier = "free"
    verbose_name = _("Free")
    settles_immediately = True
    channels = ALL_CHANNELS
    for_free_orders = True

    def start(self, order: Order, *, return_url: str) -> PaymentStart:
        if order.total != 0:
            raise PaymentError("provider_unavailable", field="provider")
        return PaymentStart(provider=self.identifier, settled=True)


def validate_iban(value: str) -> str:
    """The IBAN in its printed form ("FR76 3000 …"), or PaymentError("invalid_iban")."""
    try:
        return IBAN(value).formatted
    except (SchwiftyException, ValueError):
        raise PaymentError("invalid_iban", field="iban") from None


def payment_reference(order: Order) -> str:
    """The transfer reference of an order: an ISO 11649 reference built on its code."""
    return creditor_reference(order.code)


@register
class BankTransferProvider(PaymentProvider):
    """The order waits (its places held until its deadline) until staff mark it paid."""

    identifier = "bank_transfer"
    verbose_name = _("Bank transfer")
    channels = REMOTE_CHANNELS

    def is_enabled(self, organizer=None) -> bool:
        return bool(getattr(settings, "RIDEAU_BANK_IBAN", ""))

    def payment_deadline(self) -> datetime.timedelta:
        """A transfer takes days, not minutes (RIDEAU_BANK_TRANSFER_DAYS, default 3)."""
        return datetime.timedelta(days=getattr(settings, "RIDEAU_BANK_TRANSFER_DAYS", 3))

    def start(
        self, order: Order, *, return_url: str = "", iban: str = "", holder: str = ""
    ) -> PaymentStart:
        iban = validate_iban(iban or getattr(settings, "RIDEAU_BANK_IBAN", ""))
        holder = holder or getattr(settings, "RIDEAU_BANK_HOLDER", "") or order.organizer.name
        reference = payment_reference(order)
        with translation.override(order.locale):
            params = {
                "amount": money_text(order.total, order.currency),
                "holder": holder,
                "iban": iban,
                "reference": reference,
            }
            text = gettext(
                "Please transfer %(amount)s to %(holder)s, IBAN %(iban)s, "
                "with the reference %(reference)s."
            )
            if order.expires_at is not None:
                deadline = tz.localtime(order.expires_at, ZoneInfo(order.organizer.timezone))
                params["deadline"] = formats.date_format(deadline, "DATETIME_FORMAT")
                text += " " + gettext("Your places are held until %(deadline)s.")
            instructions = text % params
        return PaymentStart(
            provider=self.identifier, instructions=instructions, reference=reference
        )


class _CounterProvider(PaymentProvider):
    settles_immediately = True
    channels = COUNTER_CHANNELS

    def start(self, order: Order, *, return_url: str = "") -> PaymentStart:
        with translation.override(order.locale):
            text = gettext("Collect %(amount)s.") % {
                "amount": money_text(order.total, order.currency)
            }
        return PaymentStart(provider=self.identifier, instructions=text)


@register
class CashProvider(_CounterProvider):
    identifier = "cash"
    verbose_name = _("Cash")


@register
class CardPresentProvider(_CounterProvider):
    """A card paid on the box office's own terminal (not connected to Rideau)."""

    identifier = "card_present"
    verbose_name = _("Card (box office terminal)")


@register
class DemoCardProvider(PaymentProvider):
    """A pretend card payment for the demo: the shop's demo page confirms it.

    Offered where RIDEAU_DEMO_PAYMENTS is on (DEBUG by default), and for the demonstration
    organiser that `rideau demo` creates (`Organizer.is_demo`), never otherwise."""

    identifier = "demo_card"
    verbose_name = _("Test card (demo, no real payment)")
    online = True
    channels = frozenset({SalesChannel.WEB, SalesChannel.API})

    def is_enabled(self, organizer=None) -> bool:
        if getattr(settings, "RIDEAU_DEMO_PAYMENTS", settings.DEBUG):
            return True
        return bool(organizer is not None and organizer.is_demo)

    def start(self, order: Order, *, return_url: str = "") -> PaymentStart:
        if not self.is_enabled(order.organizer):
            raise PaymentError("provider_unavailable", field="provider")
        return PaymentStart(
            provider=self.identifier,
            redirect_url=f"/shop/pay/demo/{order.secret}/",
            reference=f"demo:{order.code}",
        )

    def refund(
        self, payment: Payment, amount: Decimal, *, idempotency_key: str = ""
    ) -> RefundResult:
        return RefundResult(succeeded=True, reference=f"demo-refund:{idempotency_key}")
