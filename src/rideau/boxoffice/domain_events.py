"""What happens at the box office, for the areas that react without importing it."""

import dataclasses
from typing import ClassVar

from rideau.core.domain_events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class CashSessionClosed(DomainEvent):
    """A cashier closed a shift: its report is final (accounting exports may react)."""

    name: ClassVar[str] = "boxoffice.cash_session_closed"
    session_id: int
    cashier_id: int | None
    expected_cash: str
    counted_cash: str
    difference: str
