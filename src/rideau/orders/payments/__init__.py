"""Payment providers (free, bank transfer, cash, card at the box office, demo card, Stripe)
and the payment and refund services. See docs/payments.md."""

from .base import (
    PaymentProvider,
    PaymentStart,
    RefundResult,
    all_providers,
    get_provider,
    providers_for,
)

__all__ = [
    "PaymentProvider",
    "PaymentStart",
    "RefundResult",
    "all_providers",
    "get_provider",
    "providers_for",
]
