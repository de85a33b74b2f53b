"""A pass's history as sentences: what happened to it, who did it and when, in the reader's
language, instead of the audit log's action names (`pass.credit_spent`). The audit log keeps
the values; this reads them for organisers. Every action recorded on a pass has its
sentence (`SENTENCES`; tests/passes/test_history.py checks the code records no other)."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rideau.core.i18n import money
from rideau.core.models import AuditLogEntry
from rideau.orders.models import Order
from rideau.passes.models import Pass, PassProduct


@dataclass
class HistoryLine:
    entry: AuditLogEntry
    text: str  # what happened, e.g. "Credit added: €12.00 (proceeds of a resold ticket)"
    who: str  # who did it ("" when the system or the holder did)


def _count(values) -> int:
    return len(values) if isinstance(values, list) else int(values or 0)


def _amount(after: dict, p: Pass) -> str:
    return money(Decimal(after.get("amount") or 0), p.organizer.currency)


# the reasons `add_credit`/`spend_credit` are given, as written by the passes area
_REASONS: tuple[tuple[re.Pattern, Callable[[re.Match], str]], ...] = (
    (re.compile(r"^resale \d+$"), lambda m: _("proceeds of a resold ticket")),
    (
        re.compile(r"^refund of order (\S+)$"),
        lambda m: _("refund of order %(order)s") % {"order": m[1]},
    ),
    (re.compile(r"^order (\S+)$"), lambda m: _("order %(order)s") % {"order": m[1]}),
    (re.compile(r"^carried from pass \d+$"), lambda m: _("carried over from the previous pass")),
    (re.compile(r"^carried to pass \d+$"), lambda m: _("carried over to the renewed pass")),
)


def _with_reason(text: str, after: dict) -> str:
    reason = str(after.get("reason") or "")
    for pattern, sentence in _REASONS:
        if match := pattern.match(reason):
            return f"{text} ({sentence(match)})"
    return f"{text} ({reason})" if reason else text


def _issued(after: dict, p: Pass) -> str:
    n = _count(after.get("tickets"))
    if not n:  # a choice pass: its tickets come when the holder picks the events
        return _("Pass sold (order %(order)s)") % {"order": after.get("order", "")}
    return ngettext(
        "Pass sold (order %(order)s), %(n)s ticket",
        "Pass sold (order %(order)s), %(n)s tickets",
        n,
    ) % {"order": after.get("order", ""), "n": n}


def _renewed(after: dict, p: Pass) -> str:
    n = _count(after.get("tickets"))
    return ngettext(
        "Renewed from the previous season's pass, %(n)s ticket",
        "Renewed from the previous season's pass, %(n)s tickets",
        n,
    ) % {"n": n}


def _tickets_added(after: dict, p: Pass) -> str:
    n = _count(after.get("dates"))
    return ngettext(
        "%(n)s ticket added (order %(order)s)",
        "%(n)s tickets added (order %(order)s)",
        n,
    ) % {"n": n, "order": after.get("order", "")}


def _updated(after: dict, p: Pass) -> str:
    n = _count(after.get("dates"))
    return ngettext(
        "%(n)s ticket added by “Update the passes”",
        "%(n)s tickets added by “Update the passes”",
        n,
    ) % {"n": n}


def _cancelled(after: dict, p: Pass) -> str:
    why = {
        Order.Status.CANCELLED.value: _("Pass cancelled: its order was cancelled"),
        Order.Status.EXPIRED.value: _("Pass cancelled: its order was not paid in time"),
        Order.Status.REFUNDED.value: _("Pass cancelled: its order was refunded"),
    }
    return why.get(str(after.get("order_status") or ""), _("Pass cancelled"))


def _resale_listed(after: dict, p: Pass) -> str:
    n = _count(after.get("tickets"))
    method = after.get("method")
    text = ngettext("%(n)s ticket put up for resale", "%(n)s tickets put up for resale", n) % {
        "n": n
    }
    if method in PassProduct.Proceeds.values:
        text = _("%(text)s; proceeds: %(method)s") % {
            "text": text,
            "method": str(PassProduct.Proceeds(method).label).lower(),
        }
    return text


SENTENCES: dict[str, Callable[[dict, Pass], str]] = {
    "pass.issued": _issued,
    "pass.renewed": _renewed,
    "pass.tickets_added": _tickets_added,
    "pass.updated": _updated,
    "pass.credited": lambda after, p: _with_reason(
        _("Credit added: %(amount)s") % {"amount": _amount(after, p)}, after
    ),
    "pass.credit_spent": lambda after, p: _with_reason(
        _("Credit spent: %(amount)s") % {"amount": _amount(after, p)}, after
    ),
    "pass.cancelled": _cancelled,
    "pass.resale_listed": _resale_listed,
    "pass.resale_withdrawn": lambda after, p: _("A ticket withdrawn from resale"),
    "pass.resale_unsold": lambda after, p: _("A ticket on resale not sold before the event"),
}


def sentence(entry: AuditLogEntry, p: Pass) -> str:
    """What `entry` (an audit entry of the pass `p`) says happened, for people."""
    write = SENTENCES.get(entry.action)
    if write is None:  # an action recorded before it had a sentence: at least not blank
        return entry.action
    return write(entry.after or {}, p)


def _who(entry: AuditLogEntry) -> str:
    if (user := entry.actor) is not None:
        return user.email
    if (token := entry.actor_token) is not None:
        return _("API token “%(name)s”") % {"name": token.name}
    return ""


def history_lines(entries, p: Pass) -> list[HistoryLine]:
    """Sentences for `entries` (audit entries of the pass `p`, with actor and token loaded)."""
    return [HistoryLine(entry=e, text=sentence(e, p), who=_who(e)) for e in entries]
