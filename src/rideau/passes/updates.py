"""“Update the passes” (SPEC D2): events associated with an automatic pass after sales are
added to the passes already sold — first a preview of how many passes will change, then a
task with progress. Safe to run twice: each pass gets only the dates it lacks, each pass in
its own transaction (its row locked), all its missing places or none; the holder's usual
seat where it is free on the same plan, else the best seat left.

The update is a kind of `core.jobs` (`UPDATE_KIND`, registered by `PassesConfig.ready()`):
the job's params name the pass product, its result counts the passes updated and those
left without a place (ADR 0029)."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rideau.core import audit, jobs
from rideau.core.access import Actor, require
from rideau.core.models import Job
from rideau.core.roles import Perm
from rideau.events.models import EventDate
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, SeatHold
from rideau.orders import bundles
from rideau.orders.errors import OrderError

from . import services
from .models import Pass, PassProduct, PassTicket
from .queries import usual_seat

UPDATE_KIND = "pass_update"  # the kind's key (`core.Job.kind`)


def _missing(p: Pass, dates: list[EventDate]) -> list[EventDate]:
    have = set(
        PassTicket.objects.filter(pass_obj=p)
        .exclude(state=PassTicket.State.RESOLD)
        .values_list("date_id", flat=True)
    )
    resold = set(
        PassTicket.objects.filter(pass_obj=p, state=PassTicket.State.RESOLD).values_list(
            "date_id", flat=True
        )
    )
    return [d for d in dates if d.pk not in have and d.pk not in resold]


def passes_to_update(
    pass_product: PassProduct, now: datetime.datetime | None = None
) -> list[tuple[Pass, list[EventDate]]]:
    """The active passes lacking a place on some date of the pass's events still on sale."""
    if pass_product.mode != PassProduct.Mode.AUTOMATIC:
        return []
    now = now or timezone.now()
    dates = services.dates_on_sale(pass_product.events.all(), now)
    found = []
    for p in Pass.objects.filter(pass_product=pass_product, status=Pass.Status.ACTIVE).order_by(
        "pk"
    ):
        missing = _missing(p, dates)
        if missing:
            found.append((p, missing))
    return found


def preview(pass_product: PassProduct, now: datetime.datetime | None = None) -> int:
    """How many passes an update would change."""
    return len(passes_to_update(pass_product, now))


def start_update(pass_product: PassProduct, *, actor: Actor) -> Job:
    require(actor, pass_product.organizer, Perm.CHANGE_EVENTS)
    total = preview(pass_product)
    with transaction.atomic():
        job = jobs.start(
            organizer=pass_product.organizer,
            actor=actor,
            kind=UPDATE_KIND,
            params={"pass_product": pass_product.pk},
            audit_params={"pass_product": pass_product.pk, "passes": total},
        )
        Job.objects.filter(pk=job.pk).update(total=total)
        job.total = total
    return job


def pass_product_of(job: Job) -> PassProduct:
    """The pass product an update job is about (of the job's organiser)."""
    return PassProduct.objects.select_related("product").get(
        organizer=job.organizer_id, pk=job.params["pass_product"]
    )


def last_update(pass_product: PassProduct) -> Job | None:
    """The pass product's latest update job, if it had one."""
    return Job.objects.filter(
        organizer=pass_product.organizer_id,
        kind=UPDATE_KIND,
        params__pass_product=pass_product.pk,
    ).first()


def _run(job: Job) -> None:
    updated, failed = update_passes(pass_product_of(job), job=job)
    jobs.finish(job, result={"updated": updated, "failed": failed})


def register_kind() -> None:
    """The update's kind, registered with `core.jobs` by `PassesConfig.ready()`."""
    jobs.register(jobs.JobKind(UPDATE_KIND, _("Update the passes"), _run))


def _place(p: Pass, date: EventDate, now: datetime.datetime) -> bundles.DatedPlace:
    from rideau.inventory.queries import seating_plan_for

    seat = usual_seat(p)
    plan = seating_plan_for(date)
    if seat is None or plan is None or plan.pk != seat.plan_id:
        return bundles.DatedPlace(date=date)
    busy = (
        SeatHold.objects.filter(date=date, seat=seat, active=True)
        .exclude(hold__state=Hold.State.HELD, hold__expires_at__lte=now)
        .exists()
    )
    return bundles.DatedPlace(date=date, seat=None if busy else seat)


def update_passes(
    pass_product: PassProduct,
    *,
    job: Job | None = None,
    now: datetime.datetime | None = None,
) -> tuple[int, int]:
    """Add the missing dates to every pass that lacks some; returns (updated, failed)."""
    now = now or timezone.now()
    todo = passes_to_update(pass_product, now)
    report = jobs.progress(job) if job is not None else None
    if report is not None:
        report(0, len(todo))
    rate = pass_product.product.rates.order_by("position", "pk").first()
    updated = failed = 0
    for done, (p, _missing_dates) in enumerate(todo, start=1):
        try:
            with transaction.atomic():
                locked = Pass.objects.select_for_update().get(pk=p.pk)
                dates = services.dates_on_sale(pass_product.events.all(), now)
                missing = _missing(locked, dates)  # again, under the lock: safe to run twice
                if missing and locked.status == Pass.Status.ACTIVE and rate is not None:
                    order = bundles.open_order(
                        locked.organizer,
                        email=locked.email,
                        name=locked.holder_name,
                        now=now,
                        reason=f"pass-update:{locked.pk}",
                    )
                    services.grant(
                        locked,
                        rate=rate,
                        order=order,
                        dates=[],
                        now=now,
                        actor=None,
                        places=[_place(locked, d, now) for d in missing],
                    )
                    audit.record(
                        "pass.updated",
                        locked,
                        organizer=locked.organizer,
                        after={"dates": [d.pk for d in missing], "order": order.code},
                    )
                    updated += 1
        except (InventoryError, OrderError):
            failed += 1
        if report is not None:
            report(done, len(todo))
    return updated, failed
