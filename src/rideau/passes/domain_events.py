"""What happens to passes, for the areas that react without importing `passes` (scenarios,
box office): published in the transaction that makes it happen (`core.domain_events`)."""

import dataclasses
from typing import Any, ClassVar, TypeVar

from django.utils.translation import gettext_lazy

from rideau.core.domain_events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class _AboutHolder:
    """What every pass event carries about the holder it concerns (filled by `about`): the
    contact of the pass's order, and the pass's e-mail address."""

    contact_id: int | None
    email: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class PassIssued(_AboutHolder, DomainEvent):
    """A pass was sold (or renewed): its holder and the places it grants exist."""

    name: ClassVar[str] = "pass.issued"
    trigger_label: ClassVar = gettext_lazy("A pass is issued")
    pass_id: int
    pass_product_id: int
    order_id: int | None
    tickets: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class PassRenewed(_AboutHolder, DomainEvent):
    """A pass of a previous season was renewed into a new-season pass (same QR secret)."""

    name: ClassVar[str] = "pass.renewed"
    trigger_label: ClassVar = gettext_lazy("A pass is renewed")
    old_pass_id: int
    new_pass_id: int
    campaign_id: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class SeatResold(_AboutHolder, DomainEvent):
    """A pass ticket put up for resale was sold to another buyer."""

    name: ClassVar[str] = "pass.seat_resold"
    trigger_label: ClassVar = gettext_lazy("A pass holder's ticket is resold")
    resale_id: int
    pass_id: int
    date_id: int
    buyer_order_id: int
    method: str
    amount: str


E = TypeVar("E", PassIssued, PassRenewed, SeatResold)


def about(p: Any, kind: type[E], **fields: Any) -> E:
    """`kind` about the pass `p` (a `passes.models.Pass`): its organiser, and its holder's
    contact (through the pass's order) and e-mail address."""
    contact_id = p.order.contact_id if p.order is not None else None
    return kind(organizer_id=p.organizer_id, contact_id=contact_id, email=p.email, **fields)
