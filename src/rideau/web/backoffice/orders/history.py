"""An order's history as sentences (issue 9): who did what, and when, instead of the raw
audit values. The audit log keeps the values; this reads them for people."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rideau.core.i18n import money
from rideau.core.models import AuditLogEntry
from rideau.orders.models import Order
from rideau.orders.payments.base import get_provider
from rideau.orders.payments.errors import PaymentError


@dataclass
class HistoryLine:
    entry: AuditLogEntry
    text: str  # what happened, e.g. "Marked as paid (Cash)"
    who: str  # who did it ("" when the system or the buyer did)
    reason: str = ""


def _provider(identifier) -> str:
    if not identifier:
        return ""
    try:
        return str(get_provider(identifier).verbose_name)
    except PaymentError:
        return str(identifier)


def _money(amount, order: Order) -> str:
    return money(amount, order.currency) if amount not in (None, "") else ""


def _sentence(entry: AuditLogEntry, order: Order) -> str:
    after = entry.after or {}
    action = entry.action
    provider = _provider(after.get("payment_provider") or after.get("provider"))
    staff = entry.actor_id is not None or entry.actor_token_id is not None
    if action == "order.placed":
        return _("Order placed, %(total)s") % {"total": _money(after.get("total"), order)}
    if action == "order.paid":
        if not provider:
            return _("Marked as paid") if staff else _("Paid")
        if staff:
            return _("Marked as paid (%(method)s)") % {"method": provider}
        return _("Paid online (%(method)s)") % {"method": provider}
    if action == "order.payment_started":
        return _("Payment started (%(method)s)") % {"method": provider}
    if action == "order.cancelled":
        return _("Order cancelled")
    if action == "order.expired":
        return _("Expired: not paid in time")
    if action == "order.refunded":
        return _("Order refunded")
    if action == "order.tickets_resent":
        return _("Tickets sent again to the buyer")
    if action == "order.attendee_changed":
        name = after.get("attendee_name") or ""
        if not name:
            return _("Attendee details changed")
        return _("Attendee changed to %(name)s") % {"name": name}
    if action == "order.positions_added":
        n = int(after.get("tickets") or 0)
        return ngettext("%(n)s ticket added, %(amount)s", "%(n)s tickets added, %(amount)s", n) % {
            "n": n,
            "amount": _money(after.get("added"), order),
        }
    if action == "order.position_removed":
        return _("A ticket removed, %(amount)s") % {"amount": _money(after.get("price"), order)}
    if action == "position.cancelled":
        return _("Ticket %(ticket)s cancelled") % {"ticket": entry.object_repr}
    if action == "order.balance_paid":
        return _("Balance of %(amount)s paid (%(method)s)") % {
            "amount": _money(after.get("amount"), order),
            "method": provider,
        }
    return _("%(action)s: %(object)s") % {"action": action, "object": entry.object_repr}


def _who(entry: AuditLogEntry) -> str:
    if (user := entry.actor) is not None:
        return user.email
    if (token := entry.actor_token) is not None:
        return _("API token “%(name)s”") % {"name": token.name}
    return ""


def history_lines(entries, order: Order) -> list[HistoryLine]:
    """Sentences for `entries` (audit entries of `order`, with actor and token loaded)."""
    return [
        HistoryLine(
            entry=entry,
            text=_sentence(entry, order),
            who=_who(entry),
            reason=str((entry.after or {}).get("reason") or ""),
        )
        for entry in entries
    ]
