"""Orders and tickets in the buyer's personal space (SPEC C3–C5): the first section.

A buyer sees the orders of their organiser placed with their e-mail address, whatever the
channel (web shop, box office, phone…): the address is what the personal space proves.
Registered with the personal space when `OrdersConfig.ready()` imports it; the space never
imports this module.
"""

import datetime
from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rideau.accounts.models import Account
from rideau.accounts.sections import ActionItem, section
from rideau.core.access import scoped
from rideau.core.i18n import localize
from rideau.documents.seats import seat_labels
from rideau.inventory.models import Hold

from .models import Order, Position


def buyer_orders(account: Account) -> QuerySet[Order]:
    """The account's orders (same organiser, same e-mail address, any case), newest first,
    with their count of tickets: the valid ones, or for an order that ended (cancelled,
    expired, refunded) the ones it had when it ended ("0 tickets" read as an empty order)."""
    ended = [Order.Status.CANCELLED, Order.Status.EXPIRED, Order.Status.REFUNDED]
    had = Q(status__in=ended, positions__removed_at__isnull=True)
    return (
        scoped(Order.objects.all(), account.organizer)
        .filter(email__iexact=account.email)
        .select_related("event", "organizer")
        .annotate(ticket_count=Count("positions", filter=Q(positions__cancelled=False) | had))
        .order_by("-created", "-id")
    )


def buyer_order(account: Account, code: str) -> Order | None:
    """One of the account's orders by its code; None for anyone else's."""
    return buyer_orders(account).filter(code=code).first()


def buyer_tickets(order: Order) -> list[Position]:
    """The order's valid tickets, each with its `seat_label` ("Row B, seat 12", or "") and
    the event it admits to loaded (`Position.admits_to`)."""
    tickets = list(
        order.positions.filter(cancelled=False)
        .select_related("rate", "product__event", "date__event", "session__event")
        .prefetch_related("hold__seat_holds__seat")
        .order_by("date__start", "id")
    )
    seats = seat_labels(tickets)
    for ticket in tickets:
        ticket.seat_label = seats.get(ticket.pk, "")  # type: ignore[attr-defined]
    return tickets


@section("orders", gettext_lazy("Orders and tickets"), "web:account-orders", position=10)
def orders_awaiting_action(account: Account) -> Iterable[ActionItem]:
    """Pending orders: to be paid before their deadline. Reservations (places held with a
    deadline of their own, ADR 0013) are their section's items, not listed twice."""
    pending = (
        buyer_orders(account)
        .filter(status=Order.Status.PENDING)
        .exclude(positions__hold__kind=Hold.Kind.RESERVATION)
    )
    languages = account.organizer.languages
    for order in pending:
        yield payment_item(
            order,
            languages=languages,
            title=_("Order %(code)s: waiting for payment") % {"code": order.code},
            url_name="web:account-order",
            deadline=order.expires_at,
            amount_label=_("Amount due: %(amount)s %(currency)s"),
            action=_("Pay now"),
        )


def payment_item(
    order: Order,
    *,
    languages: list[str],
    title: str,
    url_name: str,
    deadline: datetime.datetime | None,
    amount_label: str,
    action: str,
) -> ActionItem:
    """An order to pay, as an item of the personal space: `title` followed by the event's
    name, `amount_label` (with %(amount)s and %(currency)s) saying what is to pay, and the
    page `url_name` shows the order by its code."""
    event = localize(order.event.name, fallbacks=languages) if order.event else ""
    amount = number_format(order.total, decimal_pos=2)
    return ActionItem(
        title=title + (f" · {event}" if event else ""),
        url_name=url_name,
        url_kwargs={"code": order.code},
        deadline=deadline,
        detail=amount_label % {"amount": amount, "currency": order.currency},
        action=action,
    )
