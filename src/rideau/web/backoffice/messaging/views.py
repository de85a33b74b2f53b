"""Marketing pages of the back office (SPEC E1–E5): scenarios with their steps and
statistics, segments, and messages prepared in advance. Views parse forms and call the
services of `rideau.scenarios` and `rideau.messaging.templates`; nothing is decided here."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from rideau.core.access import get_scoped_or_404
from rideau.core.errors import RideauError, ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.messaging import templates
from rideau.messaging.models import MessageTemplate
from rideau.scenarios import queries, segments, services
from rideau.scenarios.models import Scenario, Segment, Step

from ...decorators import Request, organizer_view
from ...toolkit import errors_onto
from .forms import (
    ScenarioActionForm,
    ScenarioForm,
    SegmentForm,
    StepForm,
    TemplateForm,
    TestSendForm,
)

MEMBERS_SHOWN = 20


# a service's argument -> the form's field showing it (`conditions`: the form as a whole)
SERVICE_FIELDS = {"template_id": "template", "segment_id": "segment"}


def _can_change(request: Request, organizer: Organizer) -> bool:
    return request.actor.has(organizer, Perm.CHANGE_CONTACTS)


# --- scenarios -----------------------------------------------------------------------


@organizer_view(Perm.VIEW_CONTACTS)
def scenario_list(request: Request, organizer: Organizer) -> HttpResponse:
    form = ScenarioForm(request.POST or None, organizer=organizer)
    if request.method == "POST":
        if not _can_change(request, organizer):
            return HttpResponse(status=403)
        if form.is_valid():
            data = form.cleaned_data
            try:
                scenario = services.create_scenario(
                    organizer,
                    actor=request.actor,
                    name=data["name"],
                    segment_id=data["segment"].pk if data["segment"] else None,
                    trigger=data["trigger"],
                    from_email=data["from_email"],
                )
            except ValidationFailed as exc:
                errors_onto(form, exc, SERVICE_FIELDS)
            else:
                return redirect("web:scenario-detail", organizer.slug, scenario.pk)
    return render(
        request,
        "web/messaging/scenarios.html",
        {
            "organizer": organizer,
            "scenarios": queries.list_scenarios(organizer),
            "form": form,
            "can_change": _can_change(request, organizer),
            "active": "scenarios",
        },
    )


def bar_chart(stats: list[queries.StepStats]) -> SafeString:
    """Per step, bars of sent, opened and clicked by people, with machine-only signals
    beside them (inline SVG, a <title> per bar)."""
    if not stats:
        return mark_safe("")
    series = [
        ("sent", pgettext("messages", "Sent"), "#0072B2"),
        ("opened", _("Opened (people)"), "#009E73"),
        ("opened_machine", _("Opened (machines only)"), "#B8E0D2"),
        ("clicked", _("Clicked (people)"), "#E69F00"),
        ("clicked_machine", _("Clicked (machines only)"), "#F5D9A8"),
    ]
    top = max([max(getattr(s, key) for key, _l, _c in series) for s in stats] + [1])
    bar, gap, group_gap, height = 14, 2, 24, 160
    width = len(stats) * (len(series) * (bar + gap) + group_gap) + 40
    # a text to translate is never written inside an f-string: makemessages does not see it
    title = escape(_("Statistics per step"))
    parts = [
        f'<svg viewBox="0 0 {width} {height + 40}" class="chart" role="img" aria-label="{title}">'
    ]
    x = 30
    for item in stats:
        for key, label, colour in series:
            value = getattr(item, key)
            h = round(height * value / top)
            parts.append(
                f'<rect x="{x}" y="{height - h + 10}" width="{bar}" height="{h}" '
                f'fill="{colour}"><title>{escape(label)}: {value}</title></rect>'
            )
            x += bar + gap
        name = escape(_("Step %(n)d") % {"n": item.step.position})
        parts.append(
            f'<text x="{x - (len(series) * (bar + gap)) / 2}" y="{height + 30}" '
            f'text-anchor="middle" font-size="12">{name}</text>'
        )
        x += group_gap
    parts.append("</svg>")
    legend = "".join(
        f'<li><span class="swatch swatch-{index}"></span> {escape(label)}</li>'
        for index, (_k, label, _c) in enumerate(series)
    )
    chart = "".join(parts) + f'<ul class="chart-legend">{legend}</ul>'
    return mark_safe(chart)  # noqa: S308 (every text above is escaped)


@organizer_view(Perm.VIEW_CONTACTS)
def scenario_detail(request: Request, organizer: Organizer, scenario: int) -> HttpResponse:
    found = get_scoped_or_404(
        Scenario.objects.select_related("segment", "organizer"), organizer, pk=scenario
    )
    assert isinstance(found, Scenario)
    step_form = StepForm(request.POST or None, organizer=organizer)
    if request.method == "POST":
        if not _can_change(request, organizer):
            return HttpResponse(status=403)
        if step_form.is_valid():
            try:
                services.add_step(found, actor=request.actor, **step_form.step_fields())
            except ValidationFailed as exc:
                errors_onto(step_form, exc, SERVICE_FIELDS)
            except RideauError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("The step was added."))
                return redirect("web:scenario-detail", organizer.slug, found.pk)
    stats = queries.step_statistics(found)
    return render(
        request,
        "web/messaging/scenario.html",
        {
            "organizer": organizer,
            "scenario": found,
            "stats": stats,
            "chart": bar_chart(stats),
            "counts": queries.enrollment_counts(found),
            "trigger_label": dict(queries.trigger_choices()).get(found.trigger, found.trigger),
            "step_form": step_form,
            "can_change": _can_change(request, organizer),
            "active": "scenarios",
        },
    )


@require_POST
@organizer_view(Perm.CHANGE_CONTACTS)
def scenario_action(request: Request, organizer: Organizer, scenario: int) -> HttpResponse:
    found = get_scoped_or_404(Scenario.objects.select_related("organizer"), organizer, pk=scenario)
    assert isinstance(found, Scenario)
    form = ScenarioActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown action."))
        return redirect("web:scenario-detail", organizer.slug, found.pk)
    action = form.cleaned_data["action"]
    try:
        if action == "start":
            entered = services.start_scenario(found, actor=request.actor)
            messages.success(
                request, _("The scenario is running: %(n)d contacts entered.") % {"n": entered}
            )
        elif action == "pause":
            services.pause_scenario(found, actor=request.actor)
        elif action == "resume":
            services.resume_scenario(found, actor=request.actor)
        elif action == "stop":
            services.stop_scenario(found, actor=request.actor)
        elif action == "delete":
            services.delete_scenario(found, actor=request.actor)
            return redirect("web:scenario-list", organizer.slug)
    except RideauError as exc:
        messages.error(request, exc.message)
    return redirect("web:scenario-detail", organizer.slug, found.pk)


@require_POST
@organizer_view(Perm.CHANGE_CONTACTS)
def step_delete(request: Request, organizer: Organizer, scenario: int, step: int) -> HttpResponse:
    found = get_scoped_or_404(
        Step.objects.select_related("scenario__organizer"),
        organizer,
        "scenario__organizer",
        pk=step,
        scenario_id=scenario,
    )
    assert isinstance(found, Step)
    try:
        services.delete_step(found, actor=request.actor)
    except RideauError as exc:
        messages.error(request, exc.message)
    return redirect("web:scenario-detail", organizer.slug, scenario)


# --- segments ------------------------------------------------------------------------


@organizer_view(Perm.VIEW_CONTACTS)
def segment_list(request: Request, organizer: Organizer) -> HttpResponse:
    return _segment_page(request, organizer, None)


@organizer_view(Perm.VIEW_CONTACTS)
def segment_detail(request: Request, organizer: Organizer, segment: int) -> HttpResponse:
    found = get_scoped_or_404(Segment.objects.select_related("organizer"), organizer, pk=segment)
    assert isinstance(found, Segment)
    return _segment_page(request, organizer, found)


def _segment_page(request: Request, organizer: Organizer, segment: Segment | None):
    initial = SegmentForm.initial_for(segment) if segment is not None else None
    form = SegmentForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not _can_change(request, organizer):
            return HttpResponse(status=403)
        if form.is_valid():
            fields = {
                "name": form.cleaned_data["name"],
                "match": form.cleaned_data["match"],
                "conditions": form.conditions(),
            }
            try:
                if segment is None:
                    segment = services.create_segment(organizer, actor=request.actor, **fields)
                else:
                    services.update_segment(segment, actor=request.actor, **fields)
            except ValidationFailed as exc:
                errors_onto(form, exc, SERVICE_FIELDS)
            else:
                messages.success(request, _("The segment was saved."))
                return redirect("web:segment-detail", organizer.slug, segment.pk)
    members = count = None
    if segment is not None:
        matching = segments.contacts_of(segment)
        count = matching.count()
        members = list(matching[:MEMBERS_SHOWN])
    return render(
        request,
        "web/messaging/segments.html",
        {
            "organizer": organizer,
            "segment": segment,
            "segments": queries.list_segments(organizer),
            "form": form,
            "members": members,
            "count": count,
            "can_change": _can_change(request, organizer),
            "active": "segments",
        },
    )


# --- message templates ---------------------------------------------------------------


@organizer_view(Perm.VIEW_CONTACTS)
def template_list(request: Request, organizer: Organizer) -> HttpResponse:
    return _template_page(request, organizer, None)


@organizer_view(Perm.VIEW_CONTACTS)
def template_detail(request: Request, organizer: Organizer, message_template: int) -> HttpResponse:
    found = get_scoped_or_404(
        MessageTemplate.objects.select_related("organizer"), organizer, pk=message_template
    )
    assert isinstance(found, MessageTemplate)
    return _template_page(request, organizer, found)


def _template_page(request: Request, organizer: Organizer, template: MessageTemplate | None):
    initial = TemplateForm.initial_for(template) if template is not None else None
    form = TemplateForm(
        request.POST if "save" in request.POST else None, organizer=organizer, initial=initial
    )
    test_form = TestSendForm(
        request.POST if "test" in request.POST else None,
        initial={"to": getattr(request.user, "email", "")},
    )
    if request.method == "POST":
        if not _can_change(request, organizer):
            return HttpResponse(status=403)
        if "save" in request.POST and form.is_valid():
            texts = form.texts()
            try:
                if template is None:
                    template = templates.create_template(
                        organizer,
                        actor=request.actor,
                        channel=form.cleaned_data["channel"],
                        **texts,
                    )
                else:
                    templates.update_template(template, actor=request.actor, **texts)
            except ValidationFailed as exc:
                errors_onto(form, exc, form.service_fields())
            else:
                messages.success(request, _("The message was saved."))
                return redirect("web:message-template-detail", organizer.slug, template.pk)
        elif "test" in request.POST and template is not None and test_form.is_valid():
            try:
                templates.send_test(template, actor=request.actor, to=test_form.cleaned_data["to"])
            except ValidationFailed as exc:
                errors_onto(test_form, exc, SERVICE_FIELDS)
            else:
                messages.success(request, _("A test was sent: see the mailbox."))
                return redirect("web:message-template-detail", organizer.slug, template.pk)
    previews = (
        [(language, templates.preview(template, language)) for language in organizer.languages]
        if template is not None
        else []
    )
    return render(
        request,
        "web/messaging/templates.html",
        {
            "organizer": organizer,
            "template": template,
            "templates": queries.list_templates(organizer),
            "form": form,
            "test_form": test_form,
            "previews": previews,
            "can_change": _can_change(request, organizer),
            "active": "messages",
        },
    )
