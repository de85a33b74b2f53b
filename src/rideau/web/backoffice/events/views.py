"""Back-office event management: create, edit (general, dates, rates & products, quotas,
sessions), duplicate and delete. SPEC D8, CORE-3..5.

Every view resolves the organiser with `organizer_view` and every write goes through the
domain services; a form shows the services' field errors next to the inputs.
"""

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db.models import Model, Prefetch, Q, QuerySet
from django.http import HttpResponse
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
from rideau.inventory.services import create_quota, delete_quota, rename_quota, resize_quota
from rideau.orders.models import Order
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
    update_session,
)

from ...decorators import Request
from ...toolkit import act, call_service, posted, run_service
from ..collection import collection, delete_view, edit, events_view, rows_page
from .forms import (
    DuplicateForm,
    EventDateForm,
    EventForm,
    ProductForm,
    QuotaForm,
    RateForm,
    ResizeQuotaForm,
    SessionEditForm,
    SessionForm,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def tab_context(organizer: Organizer, event: Event | None, tab: str, **extra) -> dict:
    return {"organizer": organizer, "event": event, "tab": tab, "active": "events", **extra}


def tab_url(tab: str, organizer: Organizer, event: Event) -> str:
    return reverse(f"web:events-admin-{tab}", args=[organizer.slug, event.slug])


def tab_delete(
    tab: str,
    key: str,
    model: type[Model],
    service: Callable,
    done: "StrOrPromise",
    path: str = "event",
) -> Callable:
    """The delete button of a row of the event's `tab` (a `model` reached by `path`)."""

    def rows(event: Event) -> QuerySet:
        return model._default_manager.filter(**{path: event})

    return delete_view(service, rows, key, done, f"web:events-admin-{tab}")


def tab_collection(
    request: Request,
    organizer: Organizer,
    event: Event,
    tab: str,
    *,
    name: str | None = None,
    **rest: Any,
) -> HttpResponse:
    """`collection` for the event's `tab`: its template, its rows in the template as `name`
    (by default the tab's name), back to the tab once added; `rest` as for `collection`."""
    return collection(
        request,
        back=tab_url(tab, organizer, event),
        name=name or tab,
        template=f"web/events_admin/{tab}.html",
        context=tab_context(organizer, event, tab),
        **rest,
    )


def tab_edit(
    request: Request,
    organizer: Organizer,
    event: Event,
    tab: str,
    *,
    extra: Mapping[str, Any] | None = None,
    **rest: Any,
) -> HttpResponse:
    """`edit` for a row of the event's `tab`: back to the tab once saved; `extra` adds to
    the tab's context, `rest` as for `edit`."""
    context = tab_context(organizer, event, tab, **(extra or {}))
    return edit(request, back=tab_url(tab, organizer, event), context=context, **rest)


def tab_edit_view(
    tab: str,
    key: str,
    rows: Callable[[Event], QuerySet],
    form_class: Callable[..., Any],  # a form taking organizer= and the row, with changes()
    update: Callable,
    done: "StrOrPromise",
    template: str,
    extra: Callable[[Any], dict],
) -> Callable:
    """The edit page of a row of the event's `tab`: the row named `key` in the URL, within
    `rows(event)` and the organiser (404 otherwise), edited by `form_class(…, key=row)` and
    saved by `update(row, actor=…, **form.changes())`; `extra(row)` adds to the context."""

    @events_view
    def view(request: Request, organizer: Organizer, event: Event, **url: int) -> HttpResponse:
        obj = get_scoped_or_404(rows(event), organizer, pk=url[key])
        form = form_class(request.POST or None, organizer=organizer, **{key: obj})
        return tab_edit(
            request,
            organizer,
            event,
            tab,
            form=form,
            save=lambda: update(obj, actor=request.actor, **form.changes()),
            done=done,
            template=template,
            extra=extra(obj),
        )

    return view


# --- create / general ----------------------------------------------------------------------


@events_view
def event_create(request: Request, organizer: Organizer) -> HttpResponse:
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
def event_edit(request: Request, organizer: Organizer, event: Event) -> HttpResponse:
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
def event_dates(request: Request, organizer: Organizer, event: Event) -> HttpResponse:
    form = EventDateForm(request.POST or None, organizer=organizer)
    return tab_collection(
        request,
        organizer,
        event,
        "dates",
        form=form,
        create=lambda: create_date(event, actor=request.actor, **form.changes()),
        done=_("The date has been added."),
        rows=event.dates.select_related("location__venue").order_by("start", "pk"),
    )


event_date_edit = tab_edit_view(
    "dates",
    "date",
    lambda event: EventDate.objects.filter(event=event).select_related("event"),
    EventDateForm,
    update_date,
    _("The date has been saved."),
    "web/events_admin/date.html",
    lambda date: {"date": date, "quota": date_quota(date)},
)


event_date_delete = tab_delete(
    "dates", "date", EventDate, delete_date, _("The date has been deleted.")
)


# --- products and rates --------------------------------------------------------------------


@events_view
def event_rates(request: Request, organizer: Organizer, event: Event) -> HttpResponse:
    products = event.products.order_by("position", "pk")
    product_form = ProductForm(posted(request, "product"), organizer=organizer, prefix="product")
    rate_form = RateForm(
        posted(request, "rate"),
        organizer=organizer,
        products=products,
        prefix="rate",
    )
    back = tab_url("rates", organizer, event)
    if product_form.is_valid():
        had_agenda = event.self_agenda
        product = call_service(
            request,
            product_form,
            lambda: create_product(
                organizer, actor=request.actor, event=event, **product_form.changes()
            ),
            _("The product has been added."),
        )
        if product:
            if had_agenda and product.value.kind == "pass":
                messages.warning(
                    request,
                    _(
                        "This event now has an event pass: registrants can no longer build "
                        "their own agenda (the setting was switched off)."
                    ),
                )
            return redirect(back)
    if rate_form.is_valid():
        rate = call_service(
            request,
            rate_form,
            lambda: create_rate(
                rate_form.cleaned_data["product"], actor=request.actor, **rate_form.changes()
            ),
            _("The rate has been added."),
        )
        if rate:
            return redirect(back)
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


event_product_edit = tab_edit_view(
    "rates",
    "product",
    lambda event: Product.objects.filter(event=event).select_related("organizer"),
    ProductForm,
    update_product,
    _("The product has been saved."),
    "web/events_admin/item.html",
    lambda product: {"title": product},
)


event_rate_edit = tab_edit_view(
    "rates",
    "rate",
    lambda event: Rate.objects.filter(product__event=event).select_related("product__organizer"),
    RateForm,
    update_rate,
    _("The rate has been saved."),
    "web/events_admin/item.html",
    lambda rate: {"title": f"{rate.product} – {rate}"},
)


event_product_delete = tab_delete(
    "rates", "product", Product, delete_product, _("The product has been deleted.")
)


event_rate_delete = tab_delete(
    "rates", "rate", Rate, delete_rate, _("The rate has been deleted."), path="product__event"
)


# --- quotas --------------------------------------------------------------------------------


@events_view
def event_quotas(request: Request, organizer: Organizer, event: Event) -> HttpResponse:
    dates = event.dates.order_by("start", "pk")
    form = QuotaForm(request.POST or None, dates=dates)
    quotas = programme.event_quotas(event).select_related("date", "product", "rate", "session")
    return tab_collection(
        request,
        organizer,
        event,
        "quotas",
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
        rows=quotas.order_by("pk"),
    )


@events_view
@require_POST
def event_quota_resize(
    request: Request, organizer: Organizer, event: Event, quota: int
) -> HttpResponse:
    obj = get_scoped_or_404(programme.event_quotas(event), organizer, pk=quota)
    form = ResizeQuotaForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Enter a size of 0 or more.")
            if "size" in form.errors
            else _("Give a name of 1 to 200 characters."),
        )
        return redirect(tab_url("quotas", organizer, event))
    size, name = form.cleaned_data["size"], form.cleaned_data["name"].strip()
    # the size first: a refused size (below the places taken) leaves the name as it was
    if size != obj.size and not act(
        request,
        lambda: resize_quota(obj, size=size, actor=request.actor),
        _("The quota has been resized."),
    ):
        return redirect(tab_url("quotas", organizer, event))
    if name and name != obj.name:
        act(
            request,
            lambda: rename_quota(obj, name=name, actor=request.actor),
            _("The quota has been renamed."),
        )
    return redirect(tab_url("quotas", organizer, event))


# --- sessions ------------------------------------------------------------------------------


@events_view
def event_sessions(request: Request, organizer: Organizer, event: Event) -> HttpResponse:
    dates = event.dates.order_by("start", "pk")
    form = SessionForm(request.POST or None, organizer=organizer, dates=dates)
    return tab_collection(
        request,
        organizer,
        event,
        "sessions",
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
        rows=event.sessions.select_related("location__venue", "date").order_by("start", "pk"),
    )


event_session_edit = tab_edit_view(
    "sessions",
    "session",
    lambda event: Session.objects.filter(event=event).select_related("event"),
    SessionEditForm,
    update_session,
    _("The session has been saved."),
    "web/events_admin/session.html",
    lambda session: {"session": session},
)


# a quota belongs to the event through its event, date, product, rate or session; one with
# places taken is refused (`inventory.delete_quota`)
event_quota_delete = delete_view(
    delete_quota,
    programme.event_quotas,
    "quota",
    _("The quota has been deleted."),
    "web:events-admin-quotas",
)


event_session_delete = tab_delete(
    "sessions", "session", Session, delete_session, _("The session has been deleted.")
)


# --- duplicate and delete ------------------------------------------------------------------


@events_view
def event_duplicate(request: Request, organizer: Organizer, event: Event) -> HttpResponse:
    form = DuplicateForm(request.POST or None, initial={"slug": f"{event.slug}-copy"[:50]})
    copy = run_service(
        request,
        form,
        lambda: duplicate_event(event, actor=request.actor, slug=form.cleaned_data["slug"]),
        _("The event has been duplicated."),
    )
    if copy:
        return redirect("web:events-admin-edit", organizer=organizer.slug, event=copy.value.slug)
    return render(
        request,
        "web/events_admin/duplicate.html",
        tab_context(organizer, event, "duplicate", form=form),
    )


@events_view
def event_delete(request: Request, organizer: Organizer, event: Event) -> HttpResponse:
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
    # an event that sold something cannot go (its orders keep their tickets): say so first
    orders = (
        Order.objects.filter(organizer=organizer)
        .filter(
            Q(event=event)
            | Q(positions__product__event=event)
            | Q(positions__date__event=event)  # a pass's ticket: the pass product has no event
            | Q(positions__session__event=event)
        )
        .distinct()
        .count()
    )
    return render(
        request,
        "web/events_admin/delete.html",
        tab_context(organizer, event, "delete", error=error, orders=orders),
    )
