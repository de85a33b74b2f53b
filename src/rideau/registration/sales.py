"""A ticket product sold with an event pass (ADR 0023): buying it registers the attendee
with the pass — the pass's sessions — in the order's own transaction.

`orders` never imports this app: it asks the companions registered on `orders.hooks`
(`accompany_with`, from `RegistrationConfig.ready`) about tickets of products marked
`grants_sessions`, and nobody otherwise (no statement on other orders).

- **Read side** (`left`): a product linked to a pass sells no more tickets than the pass's
  sessions have places (0: shown sold out).
- **Write side** (`placed`): after the order took its own places (a ticket holds the
  event's place: it counts on the event-wide quotas), each ticket's attendee — or, without
  an attendee e-mail, the buyer — is registered with the pass: one `take()` of the
  engine for the places of every session of the pass (all the order's tickets for one
  person: a group of that many places). A full session raises `sold_out` and the whole
  order rolls back (shop, API and box office report a sold-out ticket). Someone already
  registered to the event, or whose agenda clashes with the pass, keeps the ticket without
  a second registration.
- **Cancellation**: an order cancelled, expired or refunded in full (`OrderCanceled`)
  cancels the registrations it made (`handlers`), through the engine: their places go to
  the waitlists.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence

from django.utils.translation import gettext_noop

from rideau.catalog.models import Product
from rideau.contacts.services import ensure_contact
from rideau.core.access import Actor
from rideau.inventory.models import Hold
from rideau.orders.models import Order, Position

from . import holds as places
from .models import EventPassage, Registration

__all__ = ["PASS_SALES", "PassSales", "cancel_for_order", "sync_products"]


def sync_products(product_ids: Sequence[int]) -> None:
    """Mark the products linked to a pass `grants_sessions` (and unmark those no longer
    linked), so the checkout asks this app about them and nobody else."""
    linked = set(
        EventPassage.products.through.objects.filter(product_id__in=product_ids).values_list(
            "product_id", flat=True
        )
    )
    Product.objects.filter(pk__in=linked).update(grants_sessions=True)
    Product.objects.filter(pk__in=set(product_ids) - linked).update(grants_sessions=False)


def _passes_of(products: Sequence[Product]) -> dict[int, EventPassage]:
    """Product id → the pass it is sold with (one each), with its sessions."""
    found: dict[int, EventPassage] = {}
    for passage in (
        EventPassage.objects.filter(products__in=[p.pk for p in products])
        .prefetch_related("sessions", "products")
        .select_related("event__organizer")
        .order_by("pk")
    ):
        for product in passage.products.all():
            found.setdefault(product.pk, passage)
    return found


class PassSales:
    """The companion `orders.hooks` asks about tickets of products sold with a pass."""

    def left(self, products: Sequence[Product]) -> dict[int, int]:
        from .queries import places_left
        from .services import has_capacity

        passes = _passes_of(products)
        sessions = {s.pk: s for p in passes.values() for s in p.sessions.all()}
        rooms = places_left(list(sessions.values())) if sessions else {}
        left: dict[int, int] = {}
        for product_id, passage in passes.items():
            if not has_capacity(passage.event):
                continue
            known = [rooms[s.pk] for s in passage.sessions.all() if s.pk in rooms]
            if known:
                left[product_id] = min(known)
        return left

    def placed(
        self,
        order: Order,
        positions: Sequence[Position],
        *,
        now: datetime.datetime,
        actor: Actor | None,
    ) -> None:
        from .passages import confirmed, passage_items, passage_rows
        from .services import _email, agenda_sessions, find_clash

        sold = [p for p in positions if p.product.grants_sessions]
        passes = _passes_of([p.product for p in sold])
        people: dict[tuple[int, str], list[Position]] = defaultdict(list)
        for position in sold:
            passage = passes.get(position.product.pk)
            if passage is None:
                continue
            email = (position.attendee_email or order.email).strip().lower()
            people[(passage.pk, email)].append(position)
        by_pk = {p.pk: p for p in passes.values()}
        for (passage_pk, _who), tickets in people.items():
            passage = by_pk[passage_pk]
            event = passage.event
            attendee = tickets[0]
            if attendee.attendee_email:
                contact = ensure_contact(
                    order.organizer,
                    email=attendee.attendee_email,
                    first_name=attendee.attendee_name[:100],
                )
            elif order.contact is not None:
                contact = order.contact
            else:
                continue  # (every order has its buyer's contact, CORE-2)
            sessions = sorted(passage.sessions.all(), key=lambda s: (s.start, s.pk))
            if Registration.objects.filter(
                contact=contact, event=event, session=None, state="registered"
            ).exists():
                continue  # already registered to the event: the ticket is theirs all the same
            agenda = agenda_sessions(contact, event)
            if {s.pk for s in agenda} & {s.pk for s in sessions} or find_clash(
                [*agenda, *sessions]
            ):
                continue
            seats = len(tickets)
            where, items = passage_items(event, sessions, seats, event_place=False)
            holds: list[Hold] = []
            if items:  # InventoryError("sold_out") rolls the whole order back
                holds = places.take(event, contact.pk, items, now=now, actor=actor)
            created = passage_rows(
                event,
                passage,
                contact,
                sessions,
                where=where,
                holds=holds,
                seats=seats,
                order_id=order.pk,
            )
            confirmed(event, passage, contact, sessions, created[0], actor=actor, order=order.code)
            _email(
                contact,
                event,
                "confirmation",
                gettext_noop("Your registration for %(event)s"),
                sessions=sessions,
                waiting=[],
                event_level=True,
                passage=passage,
            )


PASS_SALES = PassSales()


def cancel_for_order(order_id: int, *, now: datetime.datetime | None = None) -> int:
    """Cancel the registrations an order made (it was cancelled, expired or refunded);
    returns how many. Idempotent."""
    from .services import cancel

    done = 0
    for registration in Registration.objects.filter(
        order_id=order_id, session=None, state=Registration.State.REGISTERED
    ).order_by("pk"):
        cancel(registration, now=now)
        done += 1
    return done
