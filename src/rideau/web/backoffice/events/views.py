"""Back-office event management: create, edit (general, dates, rates & products, quotas,
sessions), duplicate and delete. SPEC D8, CORE-3..5.

Every view resolves the organiser with `organizer_view` and every write goes through the
domain services; a form shows the services' field errors next to the inputs.
"""

from collections.abc import Callable

from django.contrib import messages
from django.db.models import Model, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.catalog.models import Product, Rate
from rideau.catalog.services import (
    create_product,
    create_rate,
    delete_product,
    delete_rate,
    update_product,
    update_rate,
)
from rideau.core.access import get_scoped_or_404
from rideau.core.errors import PermissionDenied, RideauError
from rideau.core.models import Organizer
from rideau.events.models import Event, EventDate, Session
from rideau.events.services import delete_event
from rideau.inventory.services import create_quota, resize_quota
from rideau.programme import services as programme
from rideau.programme.services import (
    create_date,
    create_event,
    create_session,
    date_quota,
    delete_date,
    delete_session,
    duplicate_event,
    update_date,
    update_event,
)

from ...toolkit import act, errors_onto, run_service
from ..collection import collection, delete_view, edit, events_view, rows_page
from .forms import (
    DuplicateForm,
    EventDateForm,
    EventForm,
    ProductForm,
    QuotaForm,
    RateForm,
    ResizeQuotaForm,
    SessionForm,
)


def tab_context(organizer: Organizer, event: Event | None, tab: str, **extra) -> dict:
    return {"organizer": organizer, "event": event, "tab": tab, "active": "events", **extra}


def tab_url(tab: str, organizer: Organizer, event: Event) -> str:
    return reverse(f"web:events-admin-{tab}", args=[organizer.slug, event.slug])


def tab_delete(
    tab: str, key: str, model: type[Model], service: Callable, done: str, path: str = "event"
) -> Callable:
    """The delete button of a row of the event's `tab` (a `model` reached by `path`)."""

    def rows(event: Event) -> QuerySet:
        return model._default_manager.filter(**{path: event})

    return delete_view(service, rows, key, done, f"web:events-admin-{tab}")


# --- create / general ----------------------------------------------------------------------


@events_view
def event_create(request: HttpRequest, organizer: Organizer) -> HttpResponse:
    form = EventForm(request.POST or None, organizer=organizer)
    created = run_service(
        request,
        form,
        lambda: create_event(organizer, actor=request.actor, **form.changes()),
        _("The event has been created. Now add its dates."),
    )
    if created:
        return redirect(tab_url("dates", organizer, created.value))
    return render(
        request, "web/events_admin/general.html", tab_context(organizer, None, "general", form=form)
    )


@events_view
def event_edit(request: HttpRequest, organizer: Organizer, event: Event) -> HttpResponse:
    form = EventForm(request.POST or None, request.FILES or None, organizer=organizer, event=event)
    return edit(
        request,
        form=form,
        save=lambda: update_event(
            event, actor=request.actor, **form.changes(), **form.image_changes()
        ),
        done=_("The event has been saved."),
        back=lambda saved: reverse("web:events-admin-edit", args=[organizer.slug, saved.slug]),
        template="web/events_admin/general.html",
        context=tab_context(organizer, event, "general"),
    )


# --- dates ---------------------------------------------------------------------------------


@events_view
def event_dates(request: HttpRequest, organizer: Organizer, event: Event) -> HttpResponse:
    form = EventDateForm(request.POST or None, organizer=organizer)
    return collection(
        request,
        form=form,
        create=lambda: create_date(event, actor=request.actor, **form.changes()),
        done=_("The date has been added."),
        back=tab_url("dates", organizer, event),
        rows=event.dates.select_related("location__venue").order_by("start", "pk"),
        name="dates",
        template="web/events_admin/dates.html",
        context=tab_context(organizer, event, "dates"),
    )


@events_view
def event_date_edit(
    request: HttpRequest, organizer: Organizer, event: Event, date: int
) -> HttpResponse:
    obj = get_scoped_or_404(
        EventDate.objects.filter(event=event).select_related("event"), organizer, pk=date
    )
    form = EventDateForm(request.POST or None, organizer=organizer, date=obj)
    return edit(
        request,
        form=form,
        save=lambda: update_date(obj, actor=request.actor, **form.changes()),
        done=_("The date has been saved."),
        back=tab_url("dates", organizer, event),
        template="web/events_admin/date.html",
        context=tab_context(organizer, event, "dates", date=obj, quota=date_quota(obj)),
    )


event_date_delete = tab_delete(
    "dates", "date", EventDate, delete_date, _("The date has been deleted.")
)


# --- products and rates --------------------------------------------------------------------


@events_view
def event_rates(request: HttpRequest, organizer: Organizer, event: Event) -> HttpResponse:
    products = event.products.order_by("position", "pk")
    posted = request.POST.get("form") if request.method == "POST" else None
    product_form = ProductForm(
        request.POST if posted == "product" else None, organizer=organizer, prefix="product"
    )
    rate_form = RateForm(
        request.POST if posted == "rate" else None,
        organizer=organizer,
        products=products,
        prefix="rate",
    )
    if posted == "product" and product_form.is_valid():
        try:
            had_agenda = event.self_agenda
            product = create_product(
                organizer, actor=request.actor, event=event, **product_form.changes()
            )
        except RideauError as exc:
            errors_onto(product_form, exc)
        else:
            messages.success(request, _("The product has been added."))
            if had_agenda and product.kind == "pass":
                messages.warning(
                    request,
                    _(
                        "This event now has an event pass: registrants can no longer build "
                        "their own agenda (the setting was switched off)."
                    ),
                )
            return redirect("web:events-admin-rates", organizer=organizer.slug, event=event.slug)
    if posted == "rate" and rate_form.is_valid():
        try:
            create_rate(
                rate_form.cleaned_data["product"], actor=request.actor, **rate_form.changes()
            )
        except RideauError as exc:
            errors_onto(rate_form, exc)
        else:
            messages.success(request, _("The rate has been added."))
            return redirect("web:events-admin-rates", organizer=organizer.slug, event=event.slug)
    listed = products.prefetch_related(
        Prefetch(
            "rates",
            queryset=Rate.objects.order_by("position", "pk").prefetch_related("audience_types"),
        )
    )
    page = rows_page(request, listed)
    return render(
        request,
        "web/events_admin/rates.html",
        tab_context(
            organizer,
            event,
            "rates",
            product_form=product_form,
            rate_form=rate_form,
            page=page,
            products=page.object_list,
        ),
    )


@events_view
def event_product_edit(
    request: HttpRequest, organizer: Organizer, event: Event, product: int
) -> HttpResponse:
    obj = get_scoped_or_404(
        Product.objects.filter(event=event).select_related("organizer"), organizer, pk=product
    )
    form = ProductForm(request.POST or None, organizer=organizer, product=obj)
    return edit(
        request,
        form=form,
        save=lambda: update_product(obj, actor=request.actor, **form.changes()),
        done=_("The product has been saved."),
        back=tab_url("rates", organizer, event),
        template="web/events_admin/item.html",
        context=tab_context(organizer, event, "rates", title=obj),
    )


@events_view
def event_rate_edit(
    request: HttpRequest, organizer: Organizer, event: Event, rate: int
) -> HttpResponse:
    obj = get_scoped_or_404(
        Rate.objects.filter(product__event=event).select_related("product__organizer"),
        organizer,
        pk=rate,
    )
    form = RateForm(request.POST or None, organizer=organizer, rate=obj)
    return edit(
        request,
        form=form,
        save=lambda: update_rate(obj, actor=request.actor, **form.changes()),
        done=_("The rate has been saved."),
        back=tab_url("rates", organizer, event),
        template="web/events_admin/item.html",
        context=tab_context(organizer, event, "rates", title=f"{obj.product} – {obj}"),
    )


event_product_delete = tab_delete(
    "rates", "product", Product, delete_product, _("The product has been deleted.")
)


event_rate_delete = tab_delete(
    "rates", "rate", Rate, delete_rate, _("The rate has been deleted."), path="product__event"
)


# --- quotas --------------------------------------------------------------------------------


@events_view
def event_quotas(request: HttpRequest, organizer: Organizer, event: Event) -> HttpResponse:
    dates = event.dates.order_by("start", "pk")
    form = QuotaForm(request.POST or None, dates=dates)
    quotas = programme.event_quotas(event).select_related("date", "product", "rate", "session")
    return collection(
        request,
        form=form,
        create=lambda: create_quota(
            actor=request.actor,
            organizer=organizer,
            name=form.cleaned_data["name"],
            size=form.cleaned_data["size"],
            event=None if form.cleaned_data["date"] else event,
            date=form.cleaned_data["date"],
            covers_sessions=form.cleaned_data["covers_sessions"],
        ),
        done=_("The quota has been added."),
        back=tab_url("quotas", organizer, event),
        rows=quotas.order_by("pk"),
        name="quotas",
        template="web/events_admin/quotas.html",
        context=tab_context(organizer, event, "quotas"),
    )


@events_view
@require_POST
def event_quota_resize(
    request: HttpRequest, organizer: Organizer, event: Event, quota: int
) -> HttpResponse:
    obj = get_scoped_or_404(programme.event_quotas(event), organizer, pk=quota)
    form = ResizeQuotaForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a size of 0 or more."))
    else:
        act(
            request,
            lambda: resize_quota(obj, size=form.cleaned_data["size"], actor=request.actor),
            _("The quota has been resized."),
        )
    return redirect(tab_url("quotas", organizer, event))


# --- sessions ------------------------------------------------------------------------------


@events_view
def event_sessions(request: HttpRequest, organizer: Organizer, event: Event) -> HttpResponse:
    dates = event.dates.order_by("start", "pk")
    form = SessionForm(request.POST or None, organizer=organizer, dates=dates)
    return collection(
        request,
        form=form,
        create=lambda: create_session(
            event,
            actor=request.actor,
            title=form.i18n_value("title"),
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            **form.changes(),
        ),
        done=_("The session has been added."),
        back=tab_url("sessions", organizer, event),
        rows=event.sessions.select_related("location__venue", "date").order_by("start", "pk"),
        name="sessions",
        template="web/events_admin/sessions.html",
        context=tab_context(organizer, event, "sessions"),
    )


event_session_delete = tab_delete(
    "sessions", "session", Session, delete_session, _("The session has been deleted.")
)


# --- duplicate and delete ------------------------------------------------------------------


@events_view
def event_duplicate(request: HttpRequest, organizer: Organizer, event: Event) -> HttpResponse:
    form = DuplicateForm(request.POST or None, initial={"slug": f"{event.slug}-copy"[:50]})
    if request.method == "POST" and form.is_valid():
        try:
            copy = duplicate_event(event, actor=request.actor, slug=form.cleaned_data["slug"])
        except RideauError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The event has been duplicated."))
            return redirect("web:events-admin-edit", organizer=organizer.slug, event=copy.slug)
    return render(
        request,
        "web/events_admin/duplicate.html",
        tab_context(organizer, event, "duplicate", form=form),
    )


@events_view
def event_delete(request: HttpRequest, organizer: Organizer, event: Event) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            delete_event(event, actor=request.actor)
        except PermissionDenied:
            raise
        except RideauError as exc:
            error = exc.message
        else:
            messages.success(request, _("The event has been deleted."))
            return redirect("web:control-events", organizer=organizer.slug)
    return render(
        request,
        "web/events_admin/delete.html",
        tab_context(organizer, event, "delete", error=error),
    )
