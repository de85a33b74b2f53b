"""Running scenarios: enrolling contacts, fanning steps out to the outbox, branching.

Each contact on a journey is an `Enrollment` holding the next step to run and when
(`next_at`, DESIGN rule 2). `run_due_steps` (a periodic job of the worker, idempotent)
takes the due enrollments of a running scenario in batches, each batch in one
transaction: it picks the batch's contacts the step targets (one SQL query), writes their
outbox messages (one row per contact and step: `dedupe_key` makes a re-run write nothing
twice) and moves the batch to the next step. A paused scenario's enrollments wait; its
queued messages are held, and resuming sends each exactly once.

Branching (E4): a later step targets the openers, clickers or non-openers of step N as they
stand at the step's launch. The first launch that branches on a contact's message of step N
stamps it (`decided_at`); opens and clicks after that stamp never count for branching, so
no contact is both an opener and a non-opener of a step, and a contact who opened before
the launch is never a non-opener.
"""

import datetime
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from rideau.contacts.models import Contact
from rideau.core.domain_events import DomainEvent
from rideau.messaging.models import MessageTemplate, OutboxMessage
from rideau.messaging.services import queue_campaign_messages

from . import segments
from .models import Enrollment, Scenario, Step

logger = logging.getLogger("rideau.scenarios")

BATCH = 2000


def launch_time(
    step: Step | None, previous: datetime.datetime, zone: str
) -> datetime.datetime | None:
    """When `step` runs for a contact whose previous step ran at `previous` (None: no step).

    Days are calendar days in the organiser's zone (10:00 stays 10:00 across a change to
    or from summer time); minutes and hours are elapsed time.
    """
    if step is None:
        return None
    if step.launch == Step.Launch.DELAY:
        if step.unit == Step.Unit.DAYS:
            tz = ZoneInfo(zone)
            local = previous.astimezone(tz).replace(tzinfo=None) + datetime.timedelta(
                days=step.delay
            )
            return local.replace(tzinfo=tz).astimezone(datetime.UTC)
        seconds = step.delay * (60 if step.unit == Step.Unit.MINUTES else 3600)
        return previous + datetime.timedelta(seconds=seconds)
    if step.launch == Step.Launch.DATE and step.launch_at is not None:
        return max(step.launch_at, previous)
    return previous


def enroll_segment(scenario: Scenario, now: datetime.datetime) -> int:
    """Put every contact of the scenario's segment on the journey: one INSERT … SELECT."""
    assert scenario.segment is not None
    members = segments.contacts_of(scenario.segment).order_by().values("id")
    select_sql, params = members.query.sql_with_params()
    table = Enrollment._meta.db_table
    stamp = connection.ops.adapt_datetimefield_value(now)
    # the WHERE is there for SQLite's parser (ON CONFLICT after a bare SELECT … FROM)
    with connection.cursor() as cursor:
        sql = (
            f"INSERT INTO {table} (scenario_id, contact_id, entered_at, next_position, next_at,"  # noqa: S608 (our table, a compiled queryset)
            f" source) SELECT %s, member.id, %s, 1, %s, 'segment' FROM ({select_sql}) member"
            " WHERE 1 = 1 ON CONFLICT DO NOTHING"
        )
        cursor.execute(sql, [scenario.pk, stamp, stamp, *params])
        return cursor.rowcount


def enroll_contact(scenario: Scenario, contact_id: int, *, source: str) -> bool:
    """Start the journey for one contact (a trigger); a contact enters a scenario once."""
    contacts: QuerySet[Contact] = Contact.objects.filter(
        pk=contact_id, organizer_id=scenario.organizer_id
    )
    if scenario.segment_id is not None:
        assert scenario.segment is not None
        contacts = segments.contacts_of(scenario.segment).filter(pk=contact_id)
    if not contacts.exists():
        return False
    now = timezone.now()
    created = Enrollment.objects.bulk_create(
        [
            Enrollment(
                scenario=scenario,
                contact_id=contact_id,
                entered_at=now,
                next_at=now,
                source=source,
            )
        ],
        ignore_conflicts=True,
    )
    return bool(created)


def start_on_event(event: DomainEvent) -> int:
    """The generic handler of every event kind that can start a journey (E6)."""
    contact_id = getattr(event, "contact_id", None)
    if not contact_id or event.organizer_id is None:
        return 0
    started = 0
    for scenario in Scenario.objects.filter(
        organizer_id=event.organizer_id, trigger=event.name, status=Scenario.Status.RUNNING
    ).select_related("segment", "organizer"):
        started += enroll_contact(scenario, contact_id, source=event.name)
    return started


# --- targeting ---------------------------------------------------------------------------


def _step_messages(step: Step) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(reference=step.reference).exclude(
        status=OutboxMessage.Status.CANCELED
    )


def branch_filter(target: str, target_step: Step) -> Q:
    """Contacts (as `Contact` rows) in the branch `target` of `target_step`'s messages."""
    messages = _step_messages(target_step).filter(contact=OuterRef("pk"))
    if target == Step.Target.OPENERS:
        messages = messages.filter(opened_at__lte=F("decided_at"))
    elif target == Step.Target.CLICKERS:
        messages = messages.filter(clicked_at__lte=F("decided_at"))
    elif target == Step.Target.NON_OPENERS:
        messages = messages.filter(status=OutboxMessage.Status.SENT).filter(
            Q(opened_at__isnull=True) | Q(opened_at__gt=F("decided_at"))
        )
    elif target == Step.Target.DELIVERED:
        messages = messages.filter(delivered_filter())
    return Q(Exists(messages))


def delivered_filter() -> Q:
    """Messages that reached their recipient: an e-mail sent and not bounced (even
    later); an SMS whose gateway reported it delivered."""
    return Q(status=OutboxMessage.Status.SENT, bounced_at__isnull=True) & (
        ~Q(channel="sms") | Q(delivered_at__isnull=False)
    )


def _recipients(
    step: Step, steps: dict[int, Step], contact_ids: list[int], now: datetime.datetime
) -> list[tuple[int, str, str]]:
    contacts = Contact.objects.filter(pk__in=contact_ids)
    if step.template.channel == MessageTemplate.Channel.SMS:
        contacts = contacts.filter(consent_sms=True).exclude(phone="")
        address = "phone"
    else:
        # a hard bounce made the address undeliverable: no more campaign e-mail to it
        contacts = contacts.filter(consent_email=True, email_undeliverable_at__isnull=True)
        contacts = contacts.exclude(email="")
        address = "email"
    if step.position > 1:
        target_step = steps.get(step.target_position)
        if target_step is None or target_step.position >= step.position:
            return []
        if step.target in (Step.Target.OPENERS, Step.Target.CLICKERS, Step.Target.NON_OPENERS):
            # the first launch that branches on these messages fixes their branch
            _step_messages(target_step).filter(
                contact_id__in=contact_ids, decided_at__isnull=True
            ).update(decided_at=now)
        contacts = contacts.filter(branch_filter(step.target, target_step))
    return list(contacts.order_by("id").values_list("id", address, "language"))


@dataclass
class RunReport:
    enrollments: int = 0
    messages: int = 0


MAX_BATCHES = 50  # per call: a worker goes back to its outbox between two slices


def run_due_steps(
    *, now: datetime.datetime | None = None, batch: int = BATCH, max_batches: int = MAX_BATCHES
) -> RunReport:
    """Run the due steps of running scenarios, batch by batch, at most `max_batches` per
    call (the next call goes on: a million-contact step never holds a worker away from the
    transactional mail for long). Idempotent, safe on several workers (`SKIP LOCKED` on
    PostgreSQL; SQLite serialises writers)."""
    now = now or timezone.now()
    report = RunReport()
    batches = 0
    groups = list(
        Enrollment.objects.filter(scenario__status=Scenario.Status.RUNNING, next_at__lte=now)
        .values_list("scenario_id", "next_position")
        .distinct()
        .order_by("scenario_id", "next_position")[:100]
    )
    for scenario_id, position in groups:
        scenario = Scenario.objects.select_related("organizer").get(pk=scenario_id)
        steps = {s.position: s for s in scenario.steps.select_related("template")}
        while batches < max_batches:
            batches += 1
            if not _run_batch(scenario, steps, position, now, batch, report):
                break
        if batches >= max_batches:
            break
    return report


def _run_batch(
    scenario: Scenario,
    steps: dict[int, Step],
    position: int,
    now: datetime.datetime,
    batch: int,
    report: RunReport,
) -> bool:
    with transaction.atomic():
        # still running? (a pause commits before our batch, or waits for it)
        if not Scenario.objects.filter(pk=scenario.pk, status=Scenario.Status.RUNNING).exists():
            return False
        rows = list(
            Enrollment.objects.filter(scenario=scenario, next_position=position, next_at__lte=now)
            .select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", "contact_id")[:batch]
        )
        if not rows:
            return False
        ids = [pk for pk, _contact in rows]
        step = steps.get(position)
        if step is not None:
            recipients = _recipients(step, steps, [c for _pk, c in rows], now)
            report.messages += queue_campaign_messages(
                organizer=scenario.organizer,
                template=step.template,
                recipients=recipients,
                reference=step.reference,
                dedupe_prefix=f"step:{step.pk}:",
                from_email=scenario.from_email or None,
            )
        following = steps.get(position + 1) if step is not None else None
        Enrollment.objects.filter(pk__in=ids).update(
            next_position=position + 1,
            next_at=launch_time(following, now, scenario.organizer.timezone),
        )
        report.enrollments += len(ids)
    return len(rows) == batch
