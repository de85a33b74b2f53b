"""Back-office ticket templates: the elements on the ticket, a background image and a PDF
preview drawn by the real ticket renderer."""

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rideau.catalog.models import TicketTemplate
from rideau.catalog.services import delete_ticket_template, save_ticket_template
from rideau.core.access import get_scoped_or_404, scoped
from rideau.core.models import Organizer
from rideau.documents.ticket_preview import render_preview_pdf

from ...decorators import Request
from ...toolkit import file_response
from ..collection import collection, delete_view, edit, events_view
from .forms import TicketTemplateForm


def _changes(form: TicketTemplateForm) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "elements": data["elements"],
        "background": data.get("background"),
        "remove_background": bool(data.get("remove_background")),
    }


@events_view
def ticket_template_list(request: Request, organizer: Organizer) -> HttpResponse:
    form = TicketTemplateForm(request.POST or None, request.FILES or None)
    return collection(
        request,
        form=form,
        create=lambda: save_ticket_template(organizer, actor=request.actor, **_changes(form)),
        done=_("The ticket template has been created."),
        back=lambda template: reverse("web:tickets-admin", args=[organizer.slug, template.pk]),
        rows=scoped(TicketTemplate.objects.all(), organizer).order_by("name", "pk"),
        name="templates",
        template="web/events_admin/ticket_templates.html",
        context={"organizer": organizer, "active": "tickets"},
    )


@events_view
def ticket_template_edit(request: Request, organizer: Organizer, template: int) -> HttpResponse:
    obj = get_scoped_or_404(
        TicketTemplate.objects.select_related("organizer"), organizer, pk=template
    )
    form = TicketTemplateForm(request.POST or None, request.FILES or None, template=obj)
    return edit(
        request,
        form=form,
        # the service changes its own copy: after a refusal the page shows the row as stored
        save=lambda: save_ticket_template(
            organizer,
            actor=request.actor,
            template=get_scoped_or_404(TicketTemplate, organizer, pk=obj.pk),
            **_changes(form),
        ),
        done=_("The ticket template has been saved."),
        back=reverse("web:tickets-admin", args=[organizer.slug, obj.pk]),
        template="web/events_admin/ticket_template.html",
        context={"organizer": organizer, "template": obj, "active": "tickets"},
    )


@events_view
def ticket_template_preview(request: Request, organizer: Organizer, template: int) -> HttpResponse:
    obj = get_scoped_or_404(
        TicketTemplate.objects.select_related("organizer"), organizer, pk=template
    )
    language = (request.LANGUAGE_CODE or "").split("-")[0]
    pdf = render_preview_pdf(obj, language=language if language in organizer.languages else None)
    return file_response(pdf, "application/pdf", f"ticket-preview-{obj.pk}.pdf", inline=True)


ticket_template_delete = delete_view(
    delete_ticket_template,
    TicketTemplate.objects.select_related("organizer").all,
    "template",
    _("The ticket template has been deleted."),
    "web:tickets-admin-list",
)
