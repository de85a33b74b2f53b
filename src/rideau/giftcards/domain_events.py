"""What happens to gift vouchers, for the areas that react without importing `giftcards`
(scenarios: "a gift voucher was bought"; the box office report reads its own rows)."""

import dataclasses
from typing import ClassVar

from django.utils.translation import gettext_lazy

from rideau.core.domain_events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class GiftVoucherIssued(DomainEvent):
    """A gift voucher was issued (bought, or created by staff: `order_id` None)."""

    name: ClassVar[str] = "giftcards.issued"
    trigger_label: ClassVar = gettext_lazy("A gift voucher was bought")
    voucher_id: int
    order_id: int | None
    contact_id: int | None
    value: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class GiftVoucherRedeemed(DomainEvent):
    """Part of a voucher's balance paid an order (or was taken off by staff)."""

    name: ClassVar[str] = "giftcards.redeemed"
    voucher_id: int
    order_id: int | None
    amount: str
    balance: str
