"""Reads on segments and scenarios, narrowed to one organiser."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from rideau.core import domain_events
from rideau.core.access import scoped
from rideau.core.models import Organizer
from rideau.messaging.models import MessageTemplate, OutboxMessage

from .engine import delivered_filter
from .models import Enrollment, Scenario, Segment, Step


def trigger_choices() -> list[tuple[str, str]]:
    """(event name, label) of every domain event kind that can start a journey: those
    declaring `trigger_label` (E6). No area is imported: the kinds registry says it."""
    domain_events.discover_kinds()
    return [
        (kind.name, str(kind.trigger_label))  # type: ignore[attr-defined]
        for kind in domain_events.kinds()
        if getattr(kind, "trigger_label", None)
    ]


def list_segments(organizer: Organizer) -> QuerySet[Segment]:
    return scoped(Segment.objects.all(), organizer).order_by("name", "id")


def list_templates(organizer: Organizer) -> QuerySet[MessageTemplate]:
    return scoped(MessageTemplate.objects.all(), organizer).order_by("name", "id")


def list_scenarios(organizer: Organizer) -> QuerySet[Scenario]:
    return (
        scoped(Scenario.objects.all(), organizer)
        .select_related("segment")
        .annotate(step_count=Count("steps", distinct=True))
        .order_by("-created", "-id")
    )


@dataclass
class StepStats:
    step: Step
    queued: int = 0
    sent: int = 0
    delivered: int = 0
    opened: int = 0
    opened_machine: int = 0
    clicked: int = 0
    clicked_machine: int = 0
    bounced: int = 0
    failed: int = 0
    unsubscribed: int = 0

    def rate(self, count: int) -> int:
        return round(100 * count / self.sent) if self.sent else 0

    @property
    def opened_rate(self) -> int:
        return self.rate(self.opened)

    @property
    def clicked_rate(self) -> int:
        return self.rate(self.clicked)


def step_statistics(scenario: Scenario) -> list[StepStats]:
    """Per step: sent, delivered (e-mail: not bounced; SMS: the gateway's receipt),
    opened and clicked (human; machine signals apart),
    bounced, unsubscribed — one grouped query over the outbox."""
    steps = list(scenario.steps.select_related("template").order_by("position"))
    refs = {step.reference: step for step in steps}
    S = OutboxMessage.Status
    rows = (
        OutboxMessage.objects.filter(reference__in=list(refs))
        .values("reference")
        .annotate(
            queued=Count("id", filter=Q(status__in=[S.PENDING, S.SENDING, S.HELD])),
            sent=Count("id", filter=Q(status=S.SENT)),
            delivered=Count("id", filter=delivered_filter()),
            opened=Count("opened_at"),
            opened_machine=Count(
                "id", filter=Q(opened_at__isnull=True, machine_opened_at__isnull=False)
            ),
            clicked=Count("clicked_at"),
            clicked_machine=Count(
                "id", filter=Q(clicked_at__isnull=True, machine_clicked_at__isnull=False)
            ),
            bounced=Count("bounced_at"),
            failed=Count("id", filter=Q(status=S.FAILED)),
            unsubscribed=Count("unsubscribed_at"),
        )
    )
    stats = {step.reference: StepStats(step=step) for step in steps}
    for row in rows:
        counts = dict(row)
        item = stats[str(counts.pop("reference"))]
        for key, value in counts.items():
            setattr(item, key, value)
    return [stats[step.reference] for step in steps]


def enrollment_counts(scenario: Scenario) -> dict[str, int]:
    enrolled = Enrollment.objects.filter(scenario=scenario)
    return {
        "entered": enrolled.count(),
        "waiting": enrolled.filter(next_at__isnull=False).count(),
    }
