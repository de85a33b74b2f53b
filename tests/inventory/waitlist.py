"""A minimal waiting list for the engine's freed-place hook: the shape a real waitlist app
plugs into the engine with (tests only).

People wait for one quota each. Whether someone still waits is read from the database (no
active `offer:<name>` hold yet), so it is exactly as transactional as the engine: a freeing
that rolls back also rolls back the offer it made.
"""

import datetime
from dataclasses import dataclass, field

from rideau.inventory import hooks, services
from rideau.inventory.models import Hold
from rideau.inventory.services import HoldRequest

OFFER_MINUTES = 60


@dataclass
class Waitlist:
    organizer: object
    # quota id → [(name, what they want)] in waiting order
    queue: dict[int, list[tuple[str, HoldRequest]]] = field(default_factory=dict)
    calls: list[hooks.Freed] = field(default_factory=list)

    def wait(self, quota_id: int, name: str, item: HoldRequest) -> None:
        self.queue.setdefault(quota_id, []).append((name, item))

    def offered(self) -> set[str]:
        refs = Hold.objects.filter(
            owner_ref__startswith="offer:", state__in=Hold.ACTIVE_STATES
        ).values_list("owner_ref", flat=True)
        return {ref.removeprefix("offer:") for ref in refs}

    def waiting(self, quota_id: int) -> list[tuple[str, HoldRequest]]:
        done = self.offered()
        return [(n, item) for n, item in self.queue.get(quota_id, []) if n not in done]

    # --- the two hooks ---

    def listener(self, freed: hooks.Freed) -> None:
        """Offer freed places in waiting order, in the transaction that freed them."""
        self.calls.append(freed)
        for quota_id, room in sorted(freed.room.items()):
            for name, item in self.waiting(quota_id)[:room]:
                services.take(
                    organizer=self.organizer,
                    items=[item],
                    expires_at=freed.now + datetime.timedelta(minutes=OFFER_MINUTES),
                    owner_ref=f"offer:{name}",
                    now=freed.now,
                )

    def gate(self, quota_ids: set[int]) -> set[int]:
        return {q for q in quota_ids if self.waiting(q)}

    def plugged(self, *, listener: bool = True, gate: bool = True):
        return hooks.listening(
            listener=self.listener if listener else None, check=self.gate if gate else None
        )
