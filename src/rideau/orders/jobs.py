"""The orders' background jobs (`rideau.core.jobs`): buyer exports, e-mails to the buyers
of an event (SPEC D8) and changes of many orders at once (mark paid, cancel, resend).
`start_*` are the write services (permission, validation, then `core.jobs.start`: the job
row, the audit entry, the task enqueued once the transaction commits); the runners below are
registered as kinds by `register_kinds` (from `OrdersConfig.ready()`).
"""

import secrets

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import Rate
from rideau.core import audit, jobs
from rideau.core.access import Actor, require
from rideau.core.errors import RideauError, ValidationFailed
from rideau.core.models import Job, Organizer
from rideau.core.roles import Perm
from rideau.core.timezones import organizer_zone
from rideau.events.models import Event, EventDate
from rideau.messaging import bulk

from . import services
from .exports import write_export
from .models import Order
from .payments import services as payments
from .queries import having_tickets

BUYER_STATUSES = (Order.Status.PAID,)

# the kinds' keys (`core.Job.kind`)
EXPORT_CSV = "export_csv"
EXPORT_XLSX = "export_xlsx"
EMAIL_BUYERS = "email_buyers"
BULK_ORDERS = "bulk_orders"


def start_export(event: Event, *, actor: Actor, fmt: str) -> Job:
    """Export the event's buyers and answers (`fmt`: "csv" or "xlsx") in the background."""
    require(actor, event.organizer, Perm.VIEW_ORDERS)
    if fmt not in ("csv", "xlsx"):
        raise ValidationFailed({"format": [str(_("Choose CSV or Excel."))]})
    kind = EXPORT_CSV if fmt == "csv" else EXPORT_XLSX
    return jobs.start(
        organizer=event.organizer, event=event, actor=actor, kind=kind, params={"format": fmt}
    )


def buyer_emails(
    event: Event, *, date: EventDate | None = None, rate: Rate | None = None
) -> list[str]:
    """The distinct e-mails (lower case, sorted) of the buyers of the event, of one of its
    dates or of one rate."""
    orders = Order.objects.filter(
        organizer=event.organizer_id, event=event, status__in=BUYER_STATUSES
    )
    orders = having_tickets(orders, uncancelled=True, date=date, rate=rate)
    return sorted({email.lower() for email in orders.values_list("email", flat=True)})


def start_email_buyers(
    event: Event,
    *,
    actor: Actor,
    subject: str,
    body: str,
    date: EventDate | None = None,
    rate: Rate | None = None,
) -> Job:
    """Write one e-mail to every buyer (of a date, of a rate) through the outbox, in the
    background."""
    require(actor, event.organizer, Perm.CHANGE_ORDERS)
    errors: dict[str, list[str]] = {}
    if date is not None and date.event_id != event.pk:
        errors["date"] = [str(_("This date does not belong to this event."))]
    if rate is not None and rate.product.event_id != event.pk:
        errors["rate"] = [str(_("This rate does not belong to this event."))]
    return bulk.start_writing(
        event,
        actor=actor,
        kind=EMAIL_BUYERS,
        subject=subject,
        body=body,
        params={"date": date.pk if date else None, "rate": rate.pk if rate else None},
        errors=errors,
    )


def _export(job: Job) -> None:
    fmt = "csv" if job.kind == EXPORT_CSV else "xlsx"
    event = jobs.event_of(job)
    content = write_export(event, fmt, progress=jobs.progress(job))
    stamp = timezone.localtime(timezone.now(), organizer_zone(job.organizer)).strftime(
        "%Y%m%d-%H%M"
    )
    name = f"{job.organizer_id}/{secrets.token_urlsafe(16)}/{slugify(event.slug)}-{stamp}.{fmt}"
    job.file.save(name, ContentFile(content), save=False)
    jobs.finish(job, file=job.file.name)


def _email_buyers(job: Job) -> None:
    params = job.params
    event = jobs.event_of(job)
    date = EventDate.objects.filter(event=event, pk=params.get("date")).first()
    rate = Rate.objects.filter(product__event=event, pk=params.get("rate")).first()
    bulk.write_to_all(
        job,
        buyer_emails(event, date=date, rate=rate),
        lambda total: audit.record(
            "event.buyers_contacted",
            event,
            organizer=job.organizer,
            after={"job": job.pk, "recipients": total, "subject": params["subject"]},
        ),
    )


# --- changes of many orders ----------------------------------------------------------------

BULK_ACTIONS = {
    "mark_paid": _("Mark paid"),
    "cancel": _("Cancel"),
    "resend": _("Send the tickets again"),
}
BULK_PROVIDERS = ("bank_transfer", "cash", "card_present")
MAX_BULK_ORDERS = 10000


def start_bulk_orders(
    organizer: Organizer,
    *,
    actor: Actor,
    action: str,
    order_ids: list[int],
    provider: str = "",
    reason: str = "",
    notify: bool = True,
) -> Job:
    """Apply `action` to these orders of the organiser in the background, one by one, each
    through its own order service (so each is checked and audited as if done by hand).

    The orders are fixed now (ids of the organiser's orders only): a filter's matches are
    those the staff saw, not those that match when the worker gets to them. An order the
    action does not apply to (already paid, already cancelled…) is skipped with the reason.
    """
    require(actor, organizer, Perm.CHANGE_ORDERS)
    errors: dict[str, list[str]] = {}
    if action not in BULK_ACTIONS:
        errors["action"] = [str(_("Choose an action."))]
    if action == "mark_paid" and provider not in BULK_PROVIDERS:
        errors["provider"] = [str(_("Choose how the orders were paid."))]
    ids = sorted(
        set(
            Order.objects.filter(organizer=organizer, pk__in=set(order_ids)).values_list(
                "pk", flat=True
            )
        )
    )
    if not ids:
        errors["orders"] = [str(_("Select at least one order."))]
    elif len(ids) > MAX_BULK_ORDERS:
        errors["orders"] = [
            _("At most %(max)s orders can be changed at once.") % {"max": MAX_BULK_ORDERS}
        ]
    if errors:
        raise ValidationFailed(errors)
    params = {
        "action": action,
        "provider": provider if action == "mark_paid" else "",
        "reason": reason.strip()[:500],
        "notify": bool(notify),
        "orders": ids,
    }
    audit_params = {k: v for k, v in params.items() if k != "orders"}
    audit_params["count"] = len(ids)
    return jobs.start(
        organizer=organizer,
        actor=actor,
        kind=BULK_ORDERS,
        params=params,
        audit_params=audit_params,
    )


def _apply(order: Order, params: dict, actor: Actor) -> None:
    action = params["action"]
    if action == "mark_paid":
        if params["provider"] == "bank_transfer":
            payments.confirm_bank_transfer(order, amount=order.total, actor=actor)
        else:
            payments.settle_at_box_office(order, provider=params["provider"], actor=actor)
    elif action == "cancel":
        require(actor, order.organizer, Perm.CHANGE_ORDERS)
        services.cancel_order(
            order, actor=actor, reason=params.get("reason", ""), notify=params.get("notify", True)
        )
    else:
        services.resend_tickets(order, actor=actor)


def _bulk_orders(job: Job) -> None:
    """One order at a time, each in its own transaction; progress and the tally are saved
    after each, so a re-run goes on after the last order done."""
    params = job.params
    ids = params["orders"]
    actor = Actor(user=job.created_by)
    result = dict(job.result or {})
    result.setdefault("done", 0)
    result.setdefault("skipped", {})
    Job.objects.filter(pk=job.pk).update(total=len(ids))
    orders = Order.objects.filter(organizer=job.organizer).select_related("organizer", "event")
    for index in range(job.progress, len(ids)):
        order = orders.filter(pk=ids[index]).first()
        try:
            if order is None:
                raise RideauError("gone", message=str(_("The order no longer exists.")))
            _apply(order, params, actor)
        except RideauError as exc:
            reason = exc.message
            result["skipped"][reason] = result["skipped"].get(reason, 0) + 1
        else:
            result["done"] += 1
        Job.objects.filter(pk=job.pk).update(progress=index + 1, result=result)
    jobs.finish(job, progress=len(ids), result=result)


def register_kinds() -> None:
    """The orders' kinds, registered with `core.jobs` by `OrdersConfig.ready()`."""
    csv = "text/csv; charset=utf-8"
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    jobs.register(jobs.JobKind(EXPORT_CSV, _("Buyers export (CSV)"), _export, csv))
    jobs.register(jobs.JobKind(EXPORT_XLSX, _("Buyers export (Excel)"), _export, xlsx))
    jobs.register(jobs.JobKind(EMAIL_BUYERS, _("E-mail to the buyers"), _email_buyers))
    jobs.register(jobs.JobKind(BULK_ORDERS, _("Change of several orders"), _bulk_orders))
