"""“Update the passes” (SPEC D2): events associated with an automatic pass after sales are
added to the passes already sold — first a preview of how many passes will change, then a
task with progress. Safe to run twice: each pass gets only the dates it lacks, each pass in
its own transaction (its row locked), all its missing places or none; the holder's usual
seat where it is free on the same plan, else the best seat left."""

import datetime

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.roles import Perm
from rideau.events.models import EventDate
from rideau.inventory.errors import InventoryError
from rideau.inventory.models import Hold, SeatHold
from rideau.orders import bundles
from rideau.orders.errors import OrderError

from . import services
from .models import Pass, PassProduct, PassTicket, PassUpdate
from .queries import usual_seat


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


def start_update(pass_product: PassProduct, *, actor: Actor) -> PassUpdate:
    require(actor, pass_product.organizer, Perm.CHANGE_EVENTS)
    with transaction.atomic():
        job = PassUpdate.objects.create(
            organizer=pass_product.organizer,
            pass_product=pass_product,
            total=preview(pass_product),
        )
        audit.record(
            "pass_product.update_started",
            pass_product,
            actor=actor,
            organizer=pass_product.organizer,
            after={"passes": job.total, "job": job.pk},
        )
        transaction.on_commit(lambda: run_update.enqueue(job.pk))
    return job


@task()
def run_update(job_id: int) -> str:
    job = PassUpdate.objects.select_related("pass_product__product", "organizer").get(pk=job_id)
    if job.status == PassUpdate.Status.DONE:
        return job.status
    PassUpdate.objects.filter(pk=job.pk).update(status=PassUpdate.Status.RUNNING)
    try:
        updated, failed = update_passes(job.pass_product, job=job)
    except Exception as exc:
        PassUpdate.objects.filter(pk=job.pk).update(
            status=PassUpdate.Status.FAILED, error=str(exc)[:500], finished=timezone.now()
        )
        raise
    PassUpdate.objects.filter(pk=job.pk).update(
        status=PassUpdate.Status.DONE, updated=updated, failed=failed, finished=timezone.now()
    )
    return PassUpdate.Status.DONE


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
    job: PassUpdate | None = None,
    now: datetime.datetime | None = None,
) -> tuple[int, int]:
    """Add the missing dates to every pass that lacks some; returns (updated, failed)."""
    now = now or timezone.now()
    todo = passes_to_update(pass_product, now)
    if job is not None:
        PassUpdate.objects.filter(pk=job.pk).update(total=len(todo), progress=0)
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
        if job is not None:
            PassUpdate.objects.filter(pk=job.pk).update(progress=done)
    return updated, failed
