"""The event overview (SPEC D8): visibility, sales report and chart, the public links and
the widget snippet; the buyers' export and the e-mail to buyers, started as jobs."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.core.access import get_scoped_or_404, require
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.events import services as event_services
from rideau.events.models import Event
from rideau.orders import jobs, queries

from ...decorators import Request, organizer_view
from ...public.embed import embed_url
from ...toolkit import act
from ..jobs.views import contact_page, job_url
from .charts import sales_chart
from .context import overview_context
from .forms import ContactBuyersForm, ExportForm, VisibilityForm


@organizer_view(Perm.VIEW_ORDERS)
def event_overview(request: Request, organizer: Organizer, event: str) -> HttpResponse:
    """Visibility, sales window, sales per rate per date, a chart, the public links."""
    obj = get_scoped_or_404(Event.objects.select_related("organizer"), organizer, slug=event)
    report = queries.sales_report(obj)
    days, series = queries.sales_per_day(obj)
    public_url = request.build_absolute_uri(reverse("web:event", args=[organizer.slug, obj.slug]))
    tickets_url = request.build_absolute_uri(
        reverse("web:shop-tickets", args=[organizer.slug, obj.slug])
    )
    widget_url = request.build_absolute_uri(embed_url(obj))
    return render(
        request,
        "web/backoffice/event.html",
        {
            "organizer": organizer,
            "event": obj,
            "report": report,
            "breakdown": queries.sales_by_channel(obj),
            "chart": sales_chart(days, series, currency=organizer.currency),
            "visibility_form": VisibilityForm(initial={"visibility": obj.visibility}),
            "visibilities": Event.Visibility.choices,
            "can_change": request.actor.has(organizer, Perm.CHANGE_EVENTS),
            "can_contact": request.actor.has(organizer, Perm.CHANGE_ORDERS),
            "public_url": public_url,
            "tickets_url": tickets_url,
            "widget_url": widget_url,
            "embed_snippet": (
                f'<iframe src="{escape(widget_url)}" title="{escape(obj.display_name)}" '
                'style="width:100%;min-height:420px;border:0" loading="lazy"></iframe>'
            ),
            # a draft sells nothing, whatever its sales window says
            "on_sale_now": obj.visibility != Event.Visibility.DRAFT and obj.sales_open_at(),
            **overview_context(request, organizer, obj),
            "active": "events",
        },
    )


@require_POST
@organizer_view(Perm.CHANGE_EVENTS)
def event_visibility(request: Request, organizer: Organizer, event: str) -> HttpResponse:
    """The one-click visibility change of the overview."""
    obj = get_scoped_or_404(Event.objects.all(), organizer, slug=event)
    require(request.actor, organizer, Perm.CHANGE_EVENTS)
    form = VisibilityForm(request.POST)
    if form.is_valid():
        visibility = form.cleaned_data["visibility"]
        act(
            request,
            lambda: event_services.update_event(obj, actor=request.actor, visibility=visibility),
            _("The visibility is changed."),
        )
    else:
        messages.error(request, _("Choose a visibility."))
    return redirect("web:backoffice-event", organizer=organizer.slug, event=obj.slug)


def _event_or_404(organizer: Organizer, slug: str) -> Event:
    return get_scoped_or_404(Event.objects.select_related("organizer"), organizer, slug=slug)


@require_POST
@organizer_view(Perm.VIEW_ORDERS)
def event_export(request: Request, organizer: Organizer, event: str) -> HttpResponse:
    """Start an export of the event's buyers and answers; its page shows the progress."""
    obj = _event_or_404(organizer, event)
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose CSV or Excel."))
        return redirect("web:backoffice-event", organizer=organizer.slug, event=obj.slug)
    job = jobs.start_export(obj, actor=request.actor, fmt=form.cleaned_data["format"])
    return redirect(job_url(job))


@organizer_view(Perm.CHANGE_ORDERS)
def event_contact(request: Request, organizer: Organizer, event: str) -> HttpResponse:
    """Write one e-mail to every buyer of the event (or of a date, or of a rate)."""
    obj = _event_or_404(organizer, event)
    form = ContactBuyersForm(request.POST or None, event=obj)
    return contact_page(
        request,
        form,
        # the form's fields (subject, body, date, rate) are the service's arguments
        lambda: jobs.start_email_buyers(obj, actor=request.actor, **form.cleaned_data),
        {
            "organizer": organizer,
            "event": obj,
            "back_url": reverse("web:backoffice-event", args=[organizer.slug, obj.slug]),
        },
    )
