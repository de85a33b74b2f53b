"""Writes on segments and scenarios (SPEC E1–E6): one function per operation, each checking
the permission, validating (field-level messages), writing in one transaction and
recording an audit entry. The back office and the API call these."""

import datetime
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.errors import ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.services import delete_with_audit, save_checked
from rideau.core.text import check_text
from rideau.messaging.models import MessageTemplate, OutboxMessage

from . import engine, segments
from .errors import ScenarioError
from .models import Enrollment, Scenario, Segment, Step
from .queries import trigger_choices

M = TypeVar("M", Segment, Scenario, Step)

MAX_STEPS = 20
MAX_DELAY = {Step.Unit.MINUTES: 60 * 24 * 366, Step.Unit.HOURS: 24 * 366, Step.Unit.DAYS: 366}


def _name(value: Any, errors: dict[str, list[str]]) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 200:
        errors["name"] = [_("Enter a name of at most 200 characters.")]
        return ""
    try:
        return check_text(value.strip())
    except ValueError as exc:
        errors["name"] = [str(exc)]
        return ""


def _saved(
    obj: M,
    clean: Callable[[M, dict[str, list[str]]], None],
    *,
    actor: Actor,
    action: str,
    before: dict | None = None,
) -> M:
    """Check `obj` by the area's rules (`clean` fills in the field errors), then save it and
    log it (with its `before`, for a change) under its organiser."""
    errors: dict[str, list[str]] = {}
    clean(obj, errors)
    return save_checked(obj, errors, actor=actor, action=action, before=before)


# --- segments ------------------------------------------------------------------------


def _clean_segment(segment: Segment, errors: dict[str, list[str]]) -> None:
    segment.name = _name(segment.name, errors)
    if segment.match not in Segment.Match.values:
        errors["match"] = [_("Choose “all” or “any”.")]
    conditions, problems = segments.clean_conditions(segment.organizer, segment.conditions)
    if problems:
        errors["conditions"] = problems
    segment.conditions = conditions


@transaction.atomic
def create_segment(
    organizer: Organizer, *, actor: Actor, name: str, match: str = "all", conditions: Any = None
) -> Segment:
    require(actor, organizer, Perm.CHANGE_CONTACTS)
    segment = Segment(organizer=organizer, name=name, match=match, conditions=conditions or [])
    return _saved(segment, _clean_segment, actor=actor, action="segment.created")


@transaction.atomic
def update_segment(segment: Segment, *, actor: Actor, **changes: Any) -> Segment:
    require(actor, segment.organizer, Perm.CHANGE_CONTACTS)
    before = audit.snapshot(segment)
    for field in ("name", "match", "conditions"):
        if field in changes:
            setattr(segment, field, changes[field])
    return _saved(segment, _clean_segment, actor=actor, action="segment.updated", before=before)


@transaction.atomic
def delete_segment(segment: Segment, *, actor: Actor) -> None:
    delete_with_audit(
        segment,
        actor=actor,
        action="segment.deleted",
        perm=Perm.CHANGE_CONTACTS,
        in_use=ScenarioError("segment_in_use"),
    )


# --- scenarios -----------------------------------------------------------------------


def _clean_scenario(scenario: Scenario, errors: dict[str, list[str]]) -> None:
    scenario.name = _name(scenario.name, errors)
    if scenario.segment_id is not None and (
        scenario.segment is None or scenario.segment.organizer_id != scenario.organizer_id
    ):
        errors["segment"] = [_("Choose one of your segments.")]
    if scenario.trigger and scenario.trigger not in dict(trigger_choices()):
        errors["trigger"] = [_("Choose one of the listed events.")]
    elif scenario.trigger and scenario.segment_id is not None:
        # step 1 is either a segment's contacts at start (E3) or each contact an event brings
        # (E6): with both, the segment was silently ignored
        errors["trigger"] = [_("Choose a segment or an event, not both.")]
    if scenario.from_email:
        from django.core.validators import validate_email

        try:
            validate_email(scenario.from_email)
        except Exception:
            errors["from_email"] = [_("Enter a valid e-mail address.")]


def _segment(organizer: Organizer, segment_id: int | None) -> Segment | None:
    if segment_id is None:
        return None
    found = Segment.objects.filter(organizer=organizer, pk=segment_id).first()
    if found is None:
        raise ValidationFailed({"segment": [_("Choose one of your segments.")]})
    return found


@transaction.atomic
def create_scenario(
    organizer: Organizer,
    *,
    actor: Actor,
    name: str,
    segment_id: int | None = None,
    trigger: str = "",
    from_email: str = "",
) -> Scenario:
    require(actor, organizer, Perm.CHANGE_CONTACTS)
    scenario = Scenario(
        organizer=organizer,
        name=name,
        segment=_segment(organizer, segment_id),
        trigger=trigger or "",
        from_email=from_email or "",
    )
    return _saved(scenario, _clean_scenario, actor=actor, action="scenario.created")


@transaction.atomic
def update_scenario(scenario: Scenario, *, actor: Actor, **changes: Any) -> Scenario:
    """Rename a scenario at any time; its audience and sender only while it is a draft."""
    require(actor, scenario.organizer, Perm.CHANGE_CONTACTS)
    before = audit.snapshot(scenario)
    if set(changes) - {"name"} and scenario.status != Scenario.Status.DRAFT:
        raise ScenarioError("not_draft")
    if "name" in changes:
        scenario.name = changes["name"]
    if "segment_id" in changes:
        scenario.segment = _segment(scenario.organizer, changes["segment_id"])
    for field in ("trigger", "from_email"):
        if field in changes:
            setattr(scenario, field, changes[field] or "")
    return _saved(scenario, _clean_scenario, actor=actor, action="scenario.updated", before=before)


@transaction.atomic
def delete_scenario(scenario: Scenario, *, actor: Actor) -> None:
    require(actor, scenario.organizer, Perm.CHANGE_CONTACTS)
    if scenario.status not in (Scenario.Status.DRAFT, Scenario.Status.STOPPED):
        raise ScenarioError("not_draft")
    delete_with_audit(
        scenario, actor=actor, organizer=scenario.organizer, action="scenario.deleted", perm=None
    )


# --- steps ---------------------------------------------------------------------------


def _clean_step(step: Step, errors: dict[str, list[str]]) -> None:
    scenario = step.scenario
    if step.position == 1:  # step 1 starts with the journey, for all its contacts
        if step.launch != Step.Launch.IMMEDIATELY:
            errors["launch"] = [
                _("The first step goes out as a contact enters the journey: launch it immediately.")
            ]
        if step.target != Step.Target.ALL:
            errors["target"] = [_("The first step goes to every contact who enters the journey.")]
        step.target_position = 1
    # only a delayed launch has a delay, only a dated one a date: nothing else is kept
    if step.launch != Step.Launch.DELAY:
        step.delay = 0
    if step.launch != Step.Launch.DATE:
        step.launch_at = None
    if step.template_id is None or step.template.organizer_id != scenario.organizer_id:
        errors["template"] = [_("Choose one of your messages.")]
    try:
        step.description = check_text((step.description or "").strip()[:200])
    except ValueError as exc:
        errors["description"] = [str(exc)]
    if step.launch not in Step.Launch.values:
        errors["launch"] = [_("Choose when the step starts.")]
    if step.unit not in Step.Unit.values:
        errors["unit"] = [_("Choose minutes, hours or days.")]
    elif step.launch == Step.Launch.DELAY and not (
        isinstance(step.delay, int) and 1 <= step.delay <= MAX_DELAY[Step.Unit(step.unit)]
    ):
        errors["delay"] = [
            _("Enter a delay between 1 and %(n)d.") % {"n": MAX_DELAY[Step.Unit(step.unit)]}
        ]
    if step.launch == Step.Launch.DATE and step.launch_at is None:
        errors["launch_at"] = [_("Enter the date and time of the step.")]
    if step.target not in Step.Target.values:
        errors["target"] = [_("Choose the step's contacts.")]
    if step.position > 1 and not (
        isinstance(step.target_position, int) and 1 <= step.target_position < step.position
    ):
        errors["target_position"] = [_("Choose one of the steps before this one.")]
    if step.position > 1 and step.target in (Step.Target.OPENERS, Step.Target.NON_OPENERS):
        target = scenario.steps.filter(position=step.target_position).select_related("template")
        first = target.first()
        if first is not None and first.template.channel == MessageTemplate.Channel.SMS:
            # an SMS has no pixel: its contacts are known as delivered or clickers (E5)
            errors["target"] = [_("An SMS step can only be targeted on delivery or clicks.")]


def _template(organizer: Organizer, template_id: Any) -> MessageTemplate | None:
    if isinstance(template_id, bool) or not isinstance(template_id, int):
        return None
    return MessageTemplate.objects.filter(organizer=organizer, pk=template_id).first()


STEP_FIELDS = ("description", "launch", "delay", "unit", "launch_at", "target", "target_position")


@transaction.atomic
def add_step(scenario: Scenario, *, actor: Actor, template_id: int, **fields: Any) -> Step:
    """A new last step (only while the scenario is a draft)."""
    require(actor, scenario.organizer, Perm.CHANGE_CONTACTS)
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    if scenario.status != Scenario.Status.DRAFT:
        raise ScenarioError("not_draft")
    count = scenario.steps.count()
    if count >= MAX_STEPS:
        raise ValidationFailed({"template": [_("At most %(n)d steps.") % {"n": MAX_STEPS}]})
    step = Step(scenario=scenario, position=count + 1)
    step.template = _template(scenario.organizer, template_id)  # type: ignore[assignment]
    for field in STEP_FIELDS:
        if field in fields and fields[field] is not None:
            setattr(step, field, fields[field])
    return _saved(step, _clean_step, actor=actor, action="scenario.step_added")


@transaction.atomic
def update_step(step: Step, *, actor: Actor, **fields: Any) -> Step:
    scenario = step.scenario
    require(actor, scenario.organizer, Perm.CHANGE_CONTACTS)
    if scenario.status != Scenario.Status.DRAFT:
        raise ScenarioError("not_draft")
    before = audit.snapshot(step)
    if "template_id" in fields:
        step.template = _template(scenario.organizer, fields["template_id"])  # type: ignore[assignment]
    for field in STEP_FIELDS:
        if field in fields:
            setattr(step, field, fields[field])
    return _saved(step, _clean_step, actor=actor, action="scenario.step_changed", before=before)


@transaction.atomic
def delete_step(step: Step, *, actor: Actor) -> None:
    """Remove a step; the later ones move up (a branch on the removed step goes to step 1)."""
    scenario = step.scenario
    require(actor, scenario.organizer, Perm.CHANGE_CONTACTS)
    if scenario.status != Scenario.Status.DRAFT:
        raise ScenarioError("not_draft")
    position = step.position
    delete_with_audit(
        step, actor=actor, organizer=scenario.organizer, action="scenario.step_removed", perm=None
    )
    for later in scenario.steps.filter(position__gt=position).order_by("position"):
        later.position -= 1
        if later.target_position == position:
            later.target_position = 1
        elif later.target_position > position:
            later.target_position -= 1
        if later.position == 1:  # the new first step starts with the journey, for everyone
            later.target, later.target_position = Step.Target.ALL, 1
            later.launch, later.delay, later.launch_at = Step.Launch.IMMEDIATELY, 0, None
        later.save(
            update_fields=["position", "target", "target_position", "launch", "delay", "launch_at"]
        )


# --- lifecycle -----------------------------------------------------------------------


def _locked(scenario: Scenario) -> Scenario:
    return (
        Scenario.objects.select_for_update(of=("self",))
        .select_related("segment")
        .get(pk=scenario.pk)
    )


def _step_refs(scenario: Scenario) -> list[str]:
    return [f"scenario-step:{pk}" for pk in scenario.steps.values_list("pk", flat=True)]


@transaction.atomic
def start_scenario(
    scenario: Scenario, *, actor: Actor, now: datetime.datetime | None = None
) -> int:
    """Start a draft: the segment's contacts enter step 1 now (E3); a trigger's contacts
    enter when their event happens (E6). Returns how many contacts entered now."""
    require(actor, scenario.organizer, Perm.CHANGE_CONTACTS)
    locked = _locked(scenario)
    if locked.status != Scenario.Status.DRAFT:
        raise ScenarioError("not_draft")
    if not locked.steps.exists():
        raise ScenarioError("no_steps")
    if locked.segment_id is None and not locked.trigger:
        raise ScenarioError("no_audience")
    now = now or timezone.now()
    locked.status = Scenario.Status.RUNNING
    locked.started_at = now
    locked.save(update_fields=["status", "started_at"])
    entered = engine.enroll_segment(locked, now) if not locked.trigger else 0
    audit.record(
        "scenario.started",
        locked,
        actor=actor,
        organizer=locked.organizer,
        after={"entered": entered},
    )
    scenario.status, scenario.started_at = locked.status, locked.started_at
    return entered


class _Switch(NamedTuple):
    """A move of a scenario to another status: the statuses it may come from (else `error`),
    the states of the queued messages it moves and the state they go to, its audit action."""

    sources: tuple[str, ...]
    error: str
    messages: tuple[str, ...]
    messages_to: str
    action: str


_Status, _Message = Scenario.Status, OutboxMessage.Status
_SWITCHES: dict[str, _Switch] = {
    _Status.PAUSED: _Switch(
        (_Status.RUNNING,), "not_running", (_Message.PENDING,), _Message.HELD, "scenario.paused"
    ),
    _Status.RUNNING: _Switch(
        (_Status.PAUSED,), "not_paused", (_Message.HELD,), _Message.PENDING, "scenario.resumed"
    ),
    _Status.STOPPED: _Switch(
        (_Status.DRAFT, _Status.RUNNING, _Status.PAUSED),
        "already_stopped",
        (_Message.PENDING, _Message.HELD),
        _Message.CANCELED,
        "scenario.stopped",
    ),
}


def _switch(scenario: Scenario, status: str, *, actor: Actor) -> Scenario:
    """Move a locked scenario to `status` and its queued messages as `_SWITCHES` says."""
    switch = _SWITCHES[status]
    require(actor, scenario.organizer, Perm.CHANGE_CONTACTS)
    locked = _locked(scenario)
    if locked.status not in switch.sources:
        raise ScenarioError(switch.error)
    locked.status = status
    fields = ["status"]
    if status == Scenario.Status.STOPPED:
        locked.stopped_at = timezone.now()
        fields.append("stopped_at")
    locked.save(update_fields=fields)
    OutboxMessage.objects.filter(
        reference__in=_step_refs(locked), status__in=switch.messages
    ).update(status=switch.messages_to)
    audit.record(switch.action, locked, actor=actor, organizer=locked.organizer)
    # the caller's instance tells what happened (an answer shows when it stopped)
    scenario.status, scenario.stopped_at = locked.status, locked.stopped_at
    return locked


@transaction.atomic
def pause_scenario(scenario: Scenario, *, actor: Actor) -> None:
    """No step runs and no queued message of the scenario leaves until it is resumed."""
    _switch(scenario, Scenario.Status.PAUSED, actor=actor)


@transaction.atomic
def resume_scenario(scenario: Scenario, *, actor: Actor) -> None:
    """Held messages go out and due steps run; nothing already sent is sent again."""
    _switch(scenario, Scenario.Status.RUNNING, actor=actor)


@transaction.atomic
def stop_scenario(scenario: Scenario, *, actor: Actor) -> None:
    """For good: queued messages are cancelled and no contact goes further."""
    locked = _switch(scenario, Scenario.Status.STOPPED, actor=actor)
    Enrollment.objects.filter(scenario=locked).update(next_at=None)
