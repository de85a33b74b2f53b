"""The payment provider interface and its registry (SPEC CORE-7).

A provider knows how money moves; it never writes orders. The services in
`rideau.orders.payments.services` call it outside any database transaction (DESIGN rule 6)
and record what it answered through `rideau.orders.services`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.utils.functional import Promise

from .errors import PaymentError

if TYPE_CHECKING:
    from ..models import Order, Payment


@dataclass(frozen=True, kw_only=True)
class PaymentStart:
    """What the buyer does next: follow `redirect_url` (online providers) or read
    `instructions` (bank transfer, box office). `settled` means nothing is left to pay."""

    provider: str
    redirect_url: str = ""
    instructions: str = ""
    reference: str = ""
    settled: bool = False


@dataclass(frozen=True, kw_only=True)
class RefundResult:
    """The provider's answer to a refund. `manual`: no provider call, staff pay back by hand."""

    succeeded: bool
    reference: str = ""
    manual: bool = False
    error: str = ""


class PaymentProvider:
    identifier: ClassVar[str]
    verbose_name: ClassVar[str | Promise]
    online: ClassVar[bool] = False
    """The buyer pays on a provider's page (redirect), not in person or by transfer."""
    settles_immediately: ClassVar[bool] = False
    """Choosing it pays the order at once (free, cash, card at the box office)."""
    channels: ClassVar[frozenset[str]] = frozenset()
    for_free_orders: ClassVar[bool] = False

    def is_enabled(self, organizer=None) -> bool:
        """Configured on this installation (keys present, demo switched on…), for
        `organizer` when given."""
        return True

    def payment_deadline(self) -> datetime.timedelta:
        """How long an order waiting for this kind of payment holds its places."""
        return datetime.timedelta(minutes=30)

    def available_for(self, channel: str, *, amount: Decimal | None = None, organizer=None) -> bool:
        if not self.is_enabled(organizer) or channel not in self.channels:
            return False
        if amount is None:
            return True
        return (amount == 0) == self.for_free_orders

    def start(self, order: Order, *, return_url: str) -> PaymentStart:
        raise PaymentError("provider_unavailable")

    def refund(
        self, payment: Payment, amount: Decimal, *, idempotency_key: str = ""
    ) -> RefundResult:
        """Give `amount` of `payment` back. Called outside any transaction; never raises for
        a provider refusal (returns `succeeded=False` with the provider's message).
        `idempotency_key` makes a retried call refund once (where the provider supports it)."""
        return RefundResult(succeeded=True, manual=True)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.identifier}>"


_REGISTRY: dict[str, PaymentProvider] = {}
_MANUAL = PaymentProvider()  # the base class: a refund recorded as made by hand


def register(provider_class: type[PaymentProvider]) -> type[PaymentProvider]:
    """Class decorator: one instance per identifier."""
    _REGISTRY[provider_class.identifier] = provider_class()
    return provider_class


def get_provider(identifier: str) -> PaymentProvider:
    _load()
    try:
        return _REGISTRY[identifier]
    except KeyError:
        raise PaymentError("unknown_provider", field="provider") from None


def check_provider(identifier: str) -> None:
    """Refuse (`unknown_provider`, on the field `provider`) a payment method no provider
    has (a typo would pass for a method); none at all is a payment taken outside Rideau,
    refunded by hand (`refunding_provider`)."""
    if identifier:
        get_provider(identifier)


def staff_may_record(identifier: str) -> bool:
    """Whether staff (a form, the API) may name this method for a payment they record:
    none (taken outside Rideau) or a provider sold through some channel. Internal methods
    (a gift voucher's, a pass credit's: no channel) are recorded by their own services only,
    which check the voucher or pass they take from; named by staff, their refund would give
    money to a voucher or pass that never paid."""
    if not identifier:
        return True
    _load()
    provider = _REGISTRY.get(identifier)
    return provider is not None and bool(provider.channels)


def refunding_provider(identifier: str) -> PaymentProvider:
    """The provider that gives back a payment of `identifier`: its own, or for a method no
    provider has any more (older data), a manual refund staff make themselves."""
    _load()
    return _REGISTRY.get(identifier) or _MANUAL


def provider_label(identifier: str) -> str:
    """How staff read a payment method ("Cash", "Bank transfer"), in the active language;
    an identifier no provider has (a gift voucher's, an old one) as it is."""
    _load()
    provider = _REGISTRY.get(identifier)
    return str(provider.verbose_name) if provider is not None else identifier


def providers_for(
    channel: str, *, amount: Decimal | None = None, organizer=None
) -> list[PaymentProvider]:
    """The enabled providers offered on `channel` (for an order of `amount` and of
    `organizer`, if given)."""
    _load()
    return [
        p
        for p in _REGISTRY.values()
        if p.available_for(channel, amount=amount, organizer=organizer)
    ]


def all_providers() -> list[PaymentProvider]:
    _load()
    return list(_REGISTRY.values())


def _load() -> None:
    # the provider modules register themselves on import
    from . import providers, stripe_checkout  # noqa: F401
