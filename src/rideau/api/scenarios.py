"""Segments, message templates and scenarios (SPEC E1–E6)."""

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from rideau.core.roles import Perm
from rideau.messaging import templates
from rideau.messaging.models import MessageTemplate
from rideau.scenarios import queries, segments, services
from rideau.scenarios.models import Scenario, Segment, Step

from .auth import actor_of
from .common import child_or_404, organizer_for, slug_path
from .pagination import PageParams, page_of, paginate
from .paths import MessageTemplatePath, ScenarioPath, SegmentPath, StepPath
from .schemas.contacts import ContactOut
from .schemas.scenarios import (
    ScenarioIn,
    ScenarioOut,
    ScenarioPatch,
    ScenarioStarted,
    SegmentCount,
    SegmentIn,
    SegmentOut,
    SegmentPatch,
    StepIn,
    StepOut,
    StepPatch,
    StepStatsOut,
    TemplateIn,
    TemplateOut,
    TemplatePatch,
    TriggerOut,
)

router = Router(tags=["scenarios"])
SegmentPage = page_of(SegmentOut, "SegmentPage")
MemberPage = page_of(ContactOut, "SegmentMemberPage")
TemplatePage = page_of(TemplateOut, "MessageTemplatePage")
ScenarioPage = page_of(ScenarioOut, "ScenarioPage")

ORG = "/organizers/{organizer}"
SEGMENTS = ORG + "/segments"
SEGMENT = SEGMENTS + "/{segment_id}"
TEMPLATES = ORG + "/message-templates"
TEMPLATE = TEMPLATES + "/{message_template_id}"
SCENARIOS = ORG + "/scenarios"
SCENARIO = SCENARIOS + "/{scenario_id}"
STEPS = SCENARIO + "/steps"
STEP = STEPS + "/{step_id}"


def _step_fields(payload: StepIn | StepPatch, **options) -> dict:
    fields = payload.dict(**options)
    if "message_template_id" in fields:
        fields["template_id"] = fields.pop("message_template_id")
    return fields


def _conditions(items) -> list[dict]:
    return [{"field": c.field, "value": c.value, "not": c.negated} for c in items or []]


def _segment(request, path: SegmentPath, perm=Perm.VIEW_CONTACTS) -> Segment:
    segments = Segment.objects.select_related("organizer")
    return path.get_or_404(request, segments, perm, pk=path.segment_id)


def _template(request, path: MessageTemplatePath, perm=Perm.VIEW_CONTACTS) -> MessageTemplate:
    templates = MessageTemplate.objects.select_related("organizer")
    return path.get_or_404(request, templates, perm, pk=path.message_template_id)


def _scenario(request, path: ScenarioPath, perm=Perm.VIEW_CONTACTS) -> Scenario:
    scenarios = Scenario.objects.select_related("organizer")
    return path.get_or_404(request, scenarios, perm, pk=path.scenario_id)


def _step(request, path: StepPath) -> Step:
    scenario = _scenario(request, path, Perm.CHANGE_CONTACTS)
    steps = Step.objects.select_related("scenario__organizer")
    return child_or_404(steps, scenario, path.step_id, of="scenario")


# --- segments ------------------------------------------------------------------------


@router.get(SEGMENTS, response=SegmentPage)
def list_segments(request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()):
    org = organizer_for(request, organizer, Perm.VIEW_CONTACTS)
    return paginate(queries.list_segments(org), page)


@router.post(SEGMENTS, response={201: SegmentOut})
def create_segment(request: HttpRequest, payload: SegmentIn, organizer: str = slug_path()):
    """Conditions: `{"field": …, "value": …, "not": false}`; fields are listed in the guide."""
    org = organizer_for(request, organizer, Perm.CHANGE_CONTACTS)
    segment = services.create_segment(
        org,
        actor=actor_of(request),
        name=payload.name,
        match=payload.match,
        conditions=_conditions(payload.conditions),
    )
    return Status(201, segment)


@router.get(SEGMENT, response=SegmentOut)
def get_segment(request: HttpRequest, path: Path[SegmentPath]):
    return _segment(request, path)


@router.patch(SEGMENT, response=SegmentOut)
def patch_segment(request: HttpRequest, payload: SegmentPatch, path: Path[SegmentPath]):
    segment = _segment(request, path, Perm.CHANGE_CONTACTS)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    if payload.conditions is not None:
        changes["conditions"] = _conditions(payload.conditions)
    return services.update_segment(segment, actor=actor_of(request), **changes)


@router.delete(SEGMENT, response={204: None})
def delete_segment(request: HttpRequest, path: Path[SegmentPath]):
    segment = _segment(request, path, Perm.CHANGE_CONTACTS)
    services.delete_segment(segment, actor=actor_of(request))
    return Status(204, None)


@router.get(SEGMENT + "/count", response=SegmentCount)
def count_segment(request: HttpRequest, path: Path[SegmentPath]):
    """How many contacts match now (one SQL count)."""
    return {"count": segments.contacts_of(_segment(request, path)).count()}


@router.get(SEGMENT + "/members", response=MemberPage)
def list_segment_members(request: HttpRequest, page: Query[PageParams], path: Path[SegmentPath]):
    return paginate(segments.contacts_of(_segment(request, path)), page)


# --- templates -----------------------------------------------------------------------


@router.get(TEMPLATES, response=TemplatePage)
def list_message_templates(
    request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()
):
    org = organizer_for(request, organizer, Perm.VIEW_CONTACTS)
    return paginate(queries.list_templates(org), page)


@router.post(TEMPLATES, response={201: TemplateOut})
def create_message_template(
    request: HttpRequest, payload: TemplateIn, organizer: str = slug_path()
):
    """Texts per language with placeholders such as `{{ first_name }}`."""
    org = organizer_for(request, organizer, Perm.CHANGE_CONTACTS)
    return Status(201, templates.create_template(org, actor=actor_of(request), **payload.dict()))


@router.get(TEMPLATE, response=TemplateOut)
def get_message_template(request: HttpRequest, path: Path[MessageTemplatePath]):
    return _template(request, path)


@router.patch(TEMPLATE, response=TemplateOut)
def patch_message_template(
    request: HttpRequest, payload: TemplatePatch, path: Path[MessageTemplatePath]
):
    template = _template(request, path, Perm.CHANGE_CONTACTS)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    return templates.update_template(template, actor=actor_of(request), **changes)


@router.delete(TEMPLATE, response={204: None})
def delete_message_template(request: HttpRequest, path: Path[MessageTemplatePath]):
    template = _template(request, path, Perm.CHANGE_CONTACTS)
    templates.delete_template(template, actor=actor_of(request))
    return Status(204, None)


# --- scenarios -----------------------------------------------------------------------


@router.get(ORG + "/scenario-triggers", response=list[TriggerOut])
def list_scenario_triggers(request: HttpRequest, organizer: str = slug_path()):
    """The system events a scenario can start on (`trigger`)."""
    organizer_for(request, organizer, Perm.VIEW_CONTACTS)
    return [{"name": name, "label": label} for name, label in queries.trigger_choices()]


@router.get(SCENARIOS, response=ScenarioPage)
def list_scenarios(request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()):
    org = organizer_for(request, organizer, Perm.VIEW_CONTACTS)
    return paginate(queries.list_scenarios(org).prefetch_related("steps"), page)


@router.post(SCENARIOS, response={201: ScenarioOut})
def create_scenario(request: HttpRequest, payload: ScenarioIn, organizer: str = slug_path()):
    """A draft scenario with its steps (all or nothing)."""
    from django.db import transaction

    org = organizer_for(request, organizer, Perm.CHANGE_CONTACTS)
    actor = actor_of(request)
    with transaction.atomic():
        scenario = services.create_scenario(
            org,
            actor=actor,
            name=payload.name,
            segment_id=payload.segment_id,
            trigger=payload.trigger,
            from_email=payload.from_email,
        )
        for step in payload.steps:
            services.add_step(scenario, actor=actor, **_step_fields(step))
    return Status(201, scenario)


@router.get(SCENARIO, response=ScenarioOut)
def get_scenario(request: HttpRequest, path: Path[ScenarioPath]):
    return _scenario(request, path)


@router.patch(SCENARIO, response=ScenarioOut)
def patch_scenario(request: HttpRequest, payload: ScenarioPatch, path: Path[ScenarioPath]):
    scenario = _scenario(request, path, Perm.CHANGE_CONTACTS)
    changes = payload.dict(exclude_unset=True)
    return services.update_scenario(scenario, actor=actor_of(request), **changes)


@router.delete(SCENARIO, response={204: None})
def delete_scenario(request: HttpRequest, path: Path[ScenarioPath]):
    scenario = _scenario(request, path, Perm.CHANGE_CONTACTS)
    services.delete_scenario(scenario, actor=actor_of(request))
    return Status(204, None)


@router.post(STEPS, response={201: StepOut})
def add_scenario_step(request: HttpRequest, payload: StepIn, path: Path[ScenarioPath]):
    scenario = _scenario(request, path, Perm.CHANGE_CONTACTS)
    fields = _step_fields(payload)
    return Status(201, services.add_step(scenario, actor=actor_of(request), **fields))


@router.patch(STEP, response=StepOut)
def patch_scenario_step(request: HttpRequest, payload: StepPatch, path: Path[StepPath]):
    step = _step(request, path)
    changes = _step_fields(payload, exclude_unset=True)
    return services.update_step(step, actor=actor_of(request), **changes)


@router.delete(STEP, response={204: None})
def delete_scenario_step(request: HttpRequest, path: Path[StepPath]):
    step = _step(request, path)
    services.delete_step(step, actor=actor_of(request))
    return Status(204, None)


@router.post(SCENARIO + "/start", response=ScenarioStarted)
def start_scenario(request: HttpRequest, path: Path[ScenarioPath]):
    """Step 1 goes to the segment's contacts (a trigger's contacts enter as events come)."""
    scenario = _scenario(request, path, Perm.CHANGE_CONTACTS)
    entered = services.start_scenario(scenario, actor=actor_of(request))
    return {"status": scenario.status, "entered": entered}


@router.post(SCENARIO + "/pause", response=ScenarioOut)
def pause_scenario(request: HttpRequest, path: Path[ScenarioPath]):
    scenario = _scenario(request, path, Perm.CHANGE_CONTACTS)
    services.pause_scenario(scenario, actor=actor_of(request))
    return scenario


@router.post(SCENARIO + "/resume", response=ScenarioOut)
def resume_scenario(request: HttpRequest, path: Path[ScenarioPath]):
    scenario = _scenario(request, path, Perm.CHANGE_CONTACTS)
    services.resume_scenario(scenario, actor=actor_of(request))
    return scenario


@router.post(SCENARIO + "/stop", response=ScenarioOut)
def stop_scenario(request: HttpRequest, path: Path[ScenarioPath]):
    scenario = _scenario(request, path, Perm.CHANGE_CONTACTS)
    services.stop_scenario(scenario, actor=actor_of(request))
    return scenario


@router.get(SCENARIO + "/statistics", response=list[StepStatsOut])
def get_scenario_statistics(request: HttpRequest, path: Path[ScenarioPath]):
    """Per step: sent, delivered, opened and clicked by people (`*_machine`: by proxies
    and scanners only), bounced, failed, unsubscribed."""
    scenario = _scenario(request, path)
    return [
        {
            "position": s.step.position,
            "step_id": s.step.pk,
            **{
                k: getattr(s, k)
                for k in (
                    "queued",
                    "sent",
                    "delivered",
                    "opened",
                    "opened_machine",
                    "clicked",
                    "clicked_machine",
                    "bounced",
                    "failed",
                    "unsubscribed",
                )
            },
        }
        for s in queries.step_statistics(scenario)
    ]
