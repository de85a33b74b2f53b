"""Back office of the partner portal (SPEC B1–B13): an event's partners, levels, portal
settings and menu, profile form, tasks, documents, and each partner's team. Writes go
through `rideau.partners.services`."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rideau.catalog.models import Rate
from rideau.core.access import get_scoped_or_404
from rideau.core.errors import RideauError
from rideau.core.models import Organizer
from rideau.events.models import Event, Session
from rideau.orders.models import Voucher
from rideau.partners import queries, services
from rideau.partners.models import (
    DocumentAssignment,
    HostedSession,
    Partner,
    PartnerLevel,
    PartnerVoucher,
    PortalTab,
    ProfileField,
    TaskAssignment,
    TeamMember,
)

from ...decorators import Request
from ...portal.crud import error_text, posted_int, submit
from ...portal.forms import (
    DocumentForm,
    LevelForm,
    MemberForm,
    PartnerEditForm,
    PartnerForm,
    PortalSettingsForm,
    ProfileFieldForm,
    TabForm,
    TaskForm,
)
from ...toolkit import call_service
from ..collection import events_view

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _chosen(partners: list[Partner], ids: list[int]) -> list[Partner] | None:
    """The partners ticked in a form; none ticked: None (every partner of the event)."""
    return [p for p in partners if p.pk in ids] if ids else None


def _page(request: Request, template: str, organizer: Organizer, event: Event, **context):
    """A partners page; its entry of the portal's menu (`sub`) is the template's name unless
    the context says otherwise."""
    sub = template.rsplit("/", 1)[-1].removesuffix(".html")
    return render(
        request,
        template,
        {
            "organizer": organizer,
            "event": event,
            "tab": "partners",
            "active": "events",
            "sub": sub,
            **context,
        },
    )


def _form_page(
    request: Request,
    organizer: Organizer,
    event: Event,
    template: str,
    form,
    write: Callable[[dict], object],
    done: str,
    *,
    back: str = "",
    **context,
) -> HttpResponse:
    """A page with one form: once `write` took its valid data, say `done` and go `back` (this
    page unless told); otherwise the page (`_page`) with the form and its errors."""
    if submit(request, form, write, done):
        return redirect(back or request.path)
    return _page(request, template, organizer, event, form=form, **context)


def _unconfirmed(
    request: Request, organizer: Organizer, event: Event, *, question: str, button: str
) -> HttpResponse | None:
    """A destructive action asks first (like deleting an event): a POST without `confirmed`
    answers a confirmation page that posts the same fields again, with `confirmed`. None
    once confirmed."""
    if request.POST.get("confirmed") == "1":
        return None
    replay = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "confirmed")
        for value in values
    ]
    return _page(
        request,
        "web/backoffice/partners/confirm.html",
        organizer,
        event,
        replay=replay,
        question=question,
        button=button,
        back=request.path,
    )


def _delete_confirmed(
    request: Request,
    organizer: Organizer,
    event: Event,
    *,
    question: str,
    button: str,
    delete: Callable[[], object],
    done: str,
    back: str,
) -> HttpResponse:
    """A delete that asks first (`_unconfirmed`), then runs `delete`, says `done` and goes
    `back`."""
    ask = _unconfirmed(request, organizer, event, question=question, button=button)
    if ask is not None:
        return ask
    delete()
    messages.success(request, done)
    return redirect(back)


@events_view
def partner_index(request: Request, organizer: Organizer, event: Event) -> HttpResponse:
    """The event's partners, levels and portal switches; add a partner with its
    administrator; send the access e-mails."""
    levels = list(PartnerLevel.objects.filter(event=event))
    current = services.settings_for(event)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    partner_form = PartnerForm(request.POST if action == "partner" else None, levels=levels)
    level_form = LevelForm(request.POST if action == "level" else None, prefix="level")
    rates = list(
        Rate.objects.filter(product__event=event, product__organizer=organizer).select_related(
            "product"
        )
    )
    settings_form = PortalSettingsForm(
        request.POST if action == "settings" else None,
        rates=rates,
        initial={
            **{
                name: getattr(current, name)
                for name in PortalSettingsForm.base_fields
                if hasattr(current, name)
            },
            "badge_rate": current.badge_rate_id,
        },
    )
    if action == "partner" and partner_form.is_valid():
        data = dict(partner_form.cleaned_data)
        level_id = data.pop("level")
        level = next((lv for lv in levels if lv.pk == level_id), None)
        created = call_service(
            request,
            partner_form,
            lambda: services.create_partner(event, actor=request.actor, level=level, **data),
            _("Partner added with its administrator."),
        )
        if created:
            return redirect(
                "web:partners-admin-partner", organizer.slug, event.slug, created.value.pk
            )
    elif action == "level" and level_form.is_valid():
        if call_service(
            request,
            level_form,
            lambda: services.save_level(event, actor=request.actor, **level_form.cleaned_data),
            _("Level saved."),
        ):
            return redirect(request.path)
    elif action == "settings" and settings_form.is_valid():
        data = dict(settings_form.cleaned_data)
        data["badge_rate"] = next((r for r in rates if r.pk == data["badge_rate"]), None)
        if call_service(
            request,
            settings_form,
            lambda: services.update_settings(event, actor=request.actor, **data),
            _("Portal settings saved."),
        ):
            return redirect(request.path)
    elif action in ("open", "close"):
        services.update_settings(event, actor=request.actor, open_portal=action == "open")
        messages.success(request, _("Portal opened.") if action == "open" else _("Portal closed."))
        return redirect(request.path)
    elif action == "send":
        sent = services.send_access_emails(event, actor=request.actor)
        messages.success(request, _("%(count)s access e-mails sent.") % {"count": sent})
        return redirect(request.path)
    partners = list(
        Partner.objects.filter(event=event)
        .select_related("level")
        .order_by("level__position", "name")
    )
    admins = {
        row["partner_id"]: row["n"]
        for row in TeamMember.objects.filter(partner__event=event, role="admin")
        .values("partner_id")
        .order_by()
        .annotate(n=Count("pk"))
    }
    for p in partners:
        p.admin_count = admins.get(p.pk, 0)  # type: ignore[attr-defined]
    return _page(
        request,
        "web/backoffice/partners/index.html",
        organizer,
        event,
        partners=partners,
        levels=levels,
        portal=current,
        partner_form=partner_form,
        level_form=level_form,
        settings_form=settings_form,
    )


@events_view
def level_edit(
    request: Request, organizer: Organizer, event: Event, partnerlevel: int
) -> HttpResponse:
    level = get_object_or_404(PartnerLevel, pk=partnerlevel, event=event)
    form = LevelForm(
        request.POST or None,
        initial={"name": level.name, "team_limit": level.team_limit, "position": level.position},
    )
    return _form_page(
        request,
        organizer,
        event,
        "web/backoffice/partners/simple_form.html",
        form,
        lambda data: services.save_level(event, actor=request.actor, level=level, **data),
        _("Level saved."),
        back=reverse("web:partners-admin", args=[organizer.slug, event.slug]),
        heading=level.name,
    )


# --- the portal's menu ---------------------------------------------------------------------


def _addable_kinds(event: Event) -> list[tuple[str, "StrOrPromise"]]:
    present = set(PortalTab.objects.filter(event=event).values_list("kind", flat=True))
    return [(k, label) for k, label in PortalTab.Kind.choices if k == "custom" or k not in present]


@events_view
def menu(request: Request, organizer: Organizer, event: Event) -> HttpResponse:
    """Configure the portal's menu for all partners of the event: appearance, tabs (add,
    enable/disable, edit, delete, reorder by dragging or with the arrow buttons)."""
    tabs = services.ensure_tabs(event)
    form = TabForm(request.POST or None, kinds=_addable_kinds(event))
    if submit(
        request,
        form,
        lambda data: services.save_tab(event, actor=request.actor, **data),
        _("Tab added."),
    ):
        return redirect(request.path)
    return _page(
        request,
        "web/backoffice/partners/menu.html",
        organizer,
        event,
        tabs=tabs,
        form=form,
        portal=services.settings_for(event),
        sample=Partner.objects.filter(event=event).first(),
    )


@events_view
def menu_tab(request: Request, organizer: Organizer, event: Event, portaltab: int) -> HttpResponse:
    tab = get_object_or_404(PortalTab, pk=portaltab, event=event)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    try:
        if action in ("up", "down"):
            services.move_tab(tab, actor=request.actor, offset=-1 if action == "up" else 1)
            return redirect("web:partners-admin-menu", organizer.slug, event.slug)
        if action in ("enable", "disable"):
            services.set_tab_enabled(tab, actor=request.actor, enabled=action == "enable")
            return redirect("web:partners-admin-menu", organizer.slug, event.slug)
        if action == "delete":
            return _delete_confirmed(
                request,
                organizer,
                event,
                question=_("Delete the tab “%(title)s” from every partner's menu?")
                % {"title": tab.title},
                button=_("Delete the tab"),
                delete=lambda: services.delete_tab(tab, actor=request.actor),
                done=_("Tab deleted."),
                back=reverse("web:partners-admin-menu", args=[organizer.slug, event.slug]),
            )
    except RideauError as exc:
        messages.error(request, error_text(exc))
        return redirect("web:partners-admin-menu", organizer.slug, event.slug)
    form = TabForm(
        request.POST if action == "save" else None,
        kinds=PortalTab.Kind.choices,
        initial={
            "kind": tab.kind,
            "title": tab.title,
            "content": tab.content,
            "enabled": tab.enabled,
        },
    )
    form.fields["kind"].disabled = True
    if action == "save" and submit(
        request,
        form,
        lambda data: services.save_tab(
            event,
            actor=request.actor,
            tab=tab,
            title=data["title"],
            content=data["content"],
            enabled=data["enabled"],
        ),
        _("Tab saved."),
    ):
        return redirect("web:partners-admin-menu", organizer.slug, event.slug)
    return _page(
        request,
        "web/backoffice/partners/tab.html",
        organizer,
        event,
        form=form,
        portal_tab=tab,
        sub="menu",
    )


@require_POST
@events_view
def menu_order(request: Request, organizer: Organizer, event: Event) -> HttpResponse:
    """The new order after a drag and drop (`order`: the tab ids, comma-separated)."""
    order = [posted_int(v) for v in request.POST.get("order", "").split(",") if v.strip()]
    try:
        services.reorder_tabs(event, actor=request.actor, order=order)
    except RideauError as exc:
        if request.headers.get("HX-Request") or request.headers.get("Accept") == "application/json":
            return JsonResponse({"error": error_text(exc)}, status=422)
        messages.error(request, error_text(exc))
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"order": order})
    return redirect("web:partners-admin-menu", organizer.slug, event.slug)


# --- profile form --------------------------------------------------------------------------


@events_view
def fields(request: Request, organizer: Organizer, event: Event) -> HttpResponse:
    return _form_page(
        request,
        organizer,
        event,
        "web/backoffice/partners/fields.html",
        ProfileFieldForm(request.POST or None),
        lambda data: services.save_profile_field(
            event, actor=request.actor, **{**data, "choices": data["choices"].splitlines()}
        ),
        _("Field added to the profile form."),
        profile_fields=ProfileField.objects.filter(event=event),
    )


@events_view
def field_edit(
    request: Request, organizer: Organizer, event: Event, profilefield: int
) -> HttpResponse:
    field = get_object_or_404(ProfileField, pk=profilefield, event=event)
    if request.method == "POST" and request.POST.get("action") == "delete":
        return _delete_confirmed(
            request,
            organizer,
            event,
            question=_(
                "Delete the field “%(label)s” of the profile form, with every partner's answer?"
            )
            % {"label": field.label},
            button=_("Delete the field"),
            delete=lambda: services.delete_profile_field(field, actor=request.actor),
            done=_("Field deleted."),
            back=reverse("web:partners-admin-fields", args=[organizer.slug, event.slug]),
        )
    form = ProfileFieldForm(
        request.POST or None,
        initial={
            "key": field.key,
            "label": field.label,
            "kind": field.kind,
            "choices": "\n".join(field.choices),
            "position": field.position,
        },
    )
    return _form_page(
        request,
        organizer,
        event,
        "web/backoffice/partners/simple_form.html",
        form,
        lambda data: services.save_profile_field(
            event,
            actor=request.actor,
            field=field,
            **{**data, "choices": data["choices"].splitlines()},
        ),
        _("Field saved."),
        back=reverse("web:partners-admin-fields", args=[organizer.slug, event.slug]),
        heading=field.label,
        deletable=True,
    )


# --- tasks and documents -------------------------------------------------------------------


@events_view
def tasks(request: Request, organizer: Organizer, event: Event) -> HttpResponse:
    partners = list(Partner.objects.filter(event=event))
    return _form_page(
        request,
        organizer,
        event,
        "web/backoffice/partners/tasks.html",
        TaskForm(request.POST or None, partners=partners),
        lambda data: services.create_task(
            event,
            actor=request.actor,
            partners=_chosen(partners, data["partners"]),
            **{k: v for k, v in data.items() if k != "partners"},
        ),
        _("Task assigned."),
        assignments=TaskAssignment.objects.filter(task__event=event)
        .select_related("task", "partner")
        .order_by("task__due", "task_id", "partner__name"),
    )


@events_view
def task_answer_file(
    request: Request, organizer: Organizer, event: Event, taskassignment: int
) -> FileResponse:
    """A partner's file answer to a task, downloaded (never shown inline)."""
    assignment = get_object_or_404(TaskAssignment, pk=taskassignment, task__event=event)
    if not assignment.answer_file:
        raise Http404("No file")
    name = (assignment.answer_file.name or "answer").rsplit("/", 1)[-1]
    response = FileResponse(assignment.answer_file.open("rb"), as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@events_view
def documents(request: Request, organizer: Organizer, event: Event) -> HttpResponse:
    partners = list(Partner.objects.filter(event=event))
    return _form_page(
        request,
        organizer,
        event,
        "web/backoffice/partners/documents.html",
        DocumentForm(request.POST or None, request.FILES or None, partners=partners),
        lambda data: services.add_document(
            event,
            actor=request.actor,
            title=data["title"],
            file=data["file"],
            partners=_chosen(partners, data["partners"]),
        ),
        _("Document assigned."),
        assignments=DocumentAssignment.objects.filter(document__event=event)
        .select_related("document", "partner", "viewed_by__contact")
        .order_by("document_id", "partner__name"),
    )


# --- one partner ---------------------------------------------------------------------------


@events_view
def partner_detail(
    request: Request, organizer: Organizer, event: Event, partner: int
) -> HttpResponse:
    """Edit a partner; its team (add, change role, remove); its access e-mail; the
    sessions it hosts and its discount codes."""
    found = get_object_or_404(Partner.objects.select_related("level"), pk=partner, event=event)
    levels = list(PartnerLevel.objects.filter(event=event))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    edit_form = PartnerEditForm(
        request.POST if action == "edit" else None,
        request.FILES if action == "edit" else None,
        levels=levels,
        initial={
            "name": found.name,
            "kind": found.kind,
            "level": found.level_id,
            "public": found.public,
        },
    )
    member_form = MemberForm(request.POST if action == "member" else None, prefix="member")
    here = request.path
    try:
        if action == "edit" and edit_form.is_valid():
            data = dict(edit_form.cleaned_data)
            level_id = data.pop("level")
            if not data["logo"]:
                data.pop("logo")
            level = next((lv for lv in levels if lv.pk == level_id), None)
            if call_service(
                request,
                edit_form,
                lambda: services.update_partner(found, actor=request.actor, level=level, **data),
                _("Partner saved."),
            ):
                return redirect(here)
        elif action == "member" and member_form.is_valid():
            if call_service(
                request,
                member_form,
                lambda: services.add_member(found, actor=request.actor, **member_form.cleaned_data),
                _("Added to the team."),
            ):
                return redirect(here)
        elif action in ("role", "remove"):
            target = get_object_or_404(
                TeamMember, pk=posted_int(request.POST.get("teammember")), partner=found
            )
            if action == "remove":
                return _delete_confirmed(
                    request,
                    organizer,
                    event,
                    question=_("Remove %(person)s from the team of %(partner)s?")
                    % {"person": target.contact, "partner": found.name},
                    button=_("Remove"),
                    delete=lambda: services.remove_member(target, actor=request.actor),
                    done=_("Team updated."),
                    back=here,
                )
            services.change_member(target, actor=request.actor, role=request.POST.get("role", ""))
            messages.success(request, _("Team updated."))
            return redirect(here)
        elif action == "send":
            sent = services.send_access_emails(event, actor=request.actor, partner=found)
            messages.success(request, _("%(count)s access e-mails sent.") % {"count": sent})
            return redirect(here)
        elif action == "host":
            session = get_object_or_404(
                Session, pk=posted_int(request.POST.get("session")), event=event
            )
            services.host_session(found, actor=request.actor, session=session)
            messages.success(request, _("Session assigned."))
            return redirect(here)
        elif action == "voucher":
            voucher = get_scoped_or_404(
                Voucher.objects.all(), organizer, pk=posted_int(request.POST.get("voucher"))
            )
            services.assign_voucher(found, actor=request.actor, voucher=voucher)
            messages.success(request, _("Discount code assigned."))
            return redirect(here)
        elif action == "delete":
            return _delete_confirmed(
                request,
                organizer,
                event,
                question=_(
                    "Delete the partner “%(name)s” with its team, portal data, meetings and leads?"
                )
                % {"name": found.name},
                button=_("Delete the partner"),
                delete=lambda: services.delete_partner(found, actor=request.actor),
                done=_("Partner deleted."),
                back=reverse("web:partners-admin", args=[organizer.slug, event.slug]),
            )
    except RideauError as exc:
        messages.error(request, error_text(exc))
        return redirect(here)
    hosted_ids = set(
        HostedSession.objects.filter(partner=found).values_list("session_id", flat=True)
    )
    assigned = set(
        PartnerVoucher.objects.filter(partner=found).values_list("voucher_id", flat=True)
    )
    return _page(
        request,
        "web/backoffice/partners/partner.html",
        organizer,
        event,
        partner=found,
        edit_form=edit_form,
        member_form=member_form,
        team=queries.team(found),
        roles=TeamMember.Role.choices,
        hosted=HostedSession.objects.filter(partner=found).select_related("session"),
        sessions=Session.objects.filter(event=event).exclude(pk__in=hosted_ids).order_by("start"),
        vouchers=Voucher.objects.filter(organizer=organizer).exclude(pk__in=assigned)[:200],
        assigned_vouchers=Voucher.objects.filter(pk__in=assigned),
        tasks=found.tasks.select_related("task"),
        documents=found.documents.select_related("document", "viewed_by__contact"),
        portal_url=services.portal_url(found),
    )
