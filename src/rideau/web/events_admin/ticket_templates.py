"""Back-office ticket templates: the elements on the ticket, a background image and a PDF
preview drawn by the real ticket renderer."""

import io

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.catalog.models import TicketTemplate
from rideau.catalog.services import (
    create_ticket_template,
    delete_ticket_template,
    update_ticket_template,
)
from rideau.core import audit
from rideau.core.access import Actor, get_scoped_or_404, scoped
from rideau.core.errors import RideauError, ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.services import save_with_audit
from rideau.orders.ticket_preview import render_preview_pdf

from .forms import TicketTemplateForm
from .views import ROWS_PER_PAGE, _delete, _service_errors, events_view

BACKGROUND_MAX_BYTES = 5 * 1024 * 1024
BACKGROUND_MAX_SIDE = 2480  # A4 at 300 dpi
BACKGROUND_MAX_PIXELS = 40_000_000
BACKGROUND_FORMATS = {"PNG", "JPEG"}


def prepare_background(upload) -> ContentFile:
    """A validated background, re-encoded (PNG or JPEG) to at most A4 at 300 dpi."""
    from PIL import Image, UnidentifiedImageError

    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed({"background": [message]})

    if getattr(upload, "size", 0) > BACKGROUND_MAX_BYTES:
        raise refuse(_g("The background image must be at most 5 MB."))
    try:
        upload.seek(0)
        image = Image.open(upload)
        if image.format not in BACKGROUND_FORMATS:
            raise refuse(_g("Upload a PNG or JPEG image."))
        if image.width * image.height > BACKGROUND_MAX_PIXELS:
            raise refuse(_g("This image is too large."))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refuse(_g("Upload a PNG or JPEG image.")) from None
    fmt = image.format
    image.thumbnail((BACKGROUND_MAX_SIDE, BACKGROUND_MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if fmt == "PNG":
        image.save(out, format="PNG", optimize=True)
        return ContentFile(out.getvalue(), name="background.png")
    image.convert("RGB").save(out, format="JPEG", quality=90)
    return ContentFile(out.getvalue(), name="background.jpg")


def set_ticket_background(template: TicketTemplate, upload, *, actor: Actor) -> TicketTemplate:
    """Replace (or, with `upload=None`, remove) a template's background; the old file is
    deleted once the change is saved."""
    old = template.background.name if template.background else ""
    new = prepare_background(upload) if upload is not None else None
    with transaction.atomic():
        before = audit.snapshot(template)
        if new is not None:
            template.background = new
        else:
            template.background = ""
        save_with_audit(
            template,
            actor=actor,
            organizer=template.organizer,
            action="ticket_template.background_changed",
            perm=Perm.CHANGE_EVENTS,
            before=before,
            validate_exclude=["organizer"],
        )
    if old and old != (template.background.name if template.background else ""):
        template.background.storage.delete(old)
    return template


def _save(request: HttpRequest, organizer: Organizer, form, template=None):
    data = form.cleaned_data
    with transaction.atomic():
        if template is None:
            template = create_ticket_template(
                organizer, actor=request.actor, name=data["name"], elements=data["elements"]
            )
        else:
            update_ticket_template(
                template, actor=request.actor, name=data["name"], elements=data["elements"]
            )
        if data.get("background"):
            set_ticket_background(template, data["background"], actor=request.actor)
        elif data.get("remove_background"):
            set_ticket_background(template, None, actor=request.actor)
    return template


@events_view
def ticket_template_list(request: HttpRequest, organizer: Organizer) -> HttpResponse:
    form = TicketTemplateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = _save(request, organizer, form)
        except RideauError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The ticket template has been created."))
            return redirect("web:tickets-admin", organizer=organizer.slug, template=template.pk)
    templates = scoped(TicketTemplate.objects.all(), organizer).order_by("name", "pk")
    page = Paginator(templates, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/events_admin/ticket_templates.html",
        {
            "organizer": organizer,
            "form": form,
            "page": page,
            "templates": page.object_list,
            "active": "tickets",
        },
    )


@events_view
def ticket_template_edit(request: HttpRequest, organizer: Organizer, template: int) -> HttpResponse:
    obj = get_scoped_or_404(
        TicketTemplate.objects.select_related("organizer"), organizer, pk=template
    )
    form = TicketTemplateForm(request.POST or None, request.FILES or None, template=obj)
    if request.method == "POST" and form.is_valid():
        try:
            _save(request, organizer, form, obj)
        except RideauError as exc:
            obj.refresh_from_db()
            _service_errors(form, exc)
        else:
            messages.success(request, _("The ticket template has been saved."))
            return redirect("web:tickets-admin", organizer=organizer.slug, template=obj.pk)
    return render(
        request,
        "web/events_admin/ticket_template.html",
        {"organizer": organizer, "template": obj, "form": form, "active": "tickets"},
    )


@events_view
def ticket_template_preview(
    request: HttpRequest, organizer: Organizer, template: int
) -> HttpResponse:
    obj = get_scoped_or_404(
        TicketTemplate.objects.select_related("organizer"), organizer, pk=template
    )
    language = (request.LANGUAGE_CODE or "").split("-")[0]
    pdf = render_preview_pdf(obj, language=language if language in organizer.languages else None)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ticket-preview-{obj.pk}.pdf"'
    return response


@events_view
@require_POST
def ticket_template_delete(
    request: HttpRequest, organizer: Organizer, template: int
) -> HttpResponse:
    obj = get_scoped_or_404(
        TicketTemplate.objects.select_related("organizer"), organizer, pk=template
    )
    background = obj.background.name if obj.background else ""
    storage = obj.background.storage
    _delete(request, delete_ticket_template, obj, _("The ticket template has been deleted."))
    if background and not TicketTemplate.objects.filter(pk=obj.pk).exists():
        storage.delete(background)
    return redirect("web:tickets-admin-list", organizer=organizer.slug)
