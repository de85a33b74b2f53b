"""Back-office event management: create, edit (general, dates, rates & products, quotas,
sessions), duplicate and delete. SPEC D8, CORE-3..5.

Every view resolves the organiser with `organizer_view` and every write goes through the
domain services; a form shows the services' field errors next to the inputs.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
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
from rideau.core.errors import PermissionDenied, RideauError, ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
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

from ..decorators import organizer_view
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

ROWS_PER_PAGE = 50


def events_view(view: Callable) -> Callable:
    """`organizer_view(CHANGE_EVENTS)` in the organiser's time zone, with the event (if the
    URL names one) resolved within the organiser."""

    @organizer_view(Perm.CHANGE_EVENTS)
    @wraps(view)
    def wrapper(request: HttpRequest, *args, organizer: Organizer, **kwargs) -> HttpResponse:
        if "event" in kwargs:
            kwargs["event"] = get_scoped_or_404(
                Event.objects.select_related("organizer"), organizer, slug=kwargs["event"]
            )
        with timezone.override(organizer.timezone):
            return view(request, *args, organizer=organizer, **kwargs)

    return wrapper


def _service_errors(form, exc: RideauError) -> None:
    """A service's errors onto the form's fields (unknown fields: a form-wide error)."""
    if isinstance(exc, PermissionDenied):
        raise exc
    errors = exc.errors if isinstance(exc, ValidationFailed) else {exc.field: [exc.message]}
    if hasattr(form, "add_service_errors"):
        form.add_service_errors(errors)
        return
    for field, messages_ in errors.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


def _submit(request: HttpRequest, form, write: Callable[[], object], done: str) -> bool:
    """On a valid POST run the service `write`; its errors go onto the form. True when saved
    (after flashing `done`), so the view redirects; False to show the form again."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        write()
    except RideauError as exc:
        _service_errors(form, exc)
        return False
    messages.success(request, done)
    return True


def _context(organizer: Organizer, event: Event | None, tab: str, **extra) -> dict:
    return {"organizer": organizer, "event": event, "tab": tab, "active": "events", **extra}


# --- create / general ----------------------------------------------------------------------


@events_view
def event_create(request: HttpRequest, organizer: Organizer) -> HttpResponse:
    form = EventForm(request.POST or None, organizer=organizer)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            event = create_event(
                organizer,
                actor=request.actor,
                **changes,
            )
        except RideauError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The event has been created. Now add its dates."))
            return redirect("web:events-admin-dates", organizer=organizer.slug, event=event.slug)
    return render(
        request, "web/events_admin/general.html", _context(organizer, None, "general", form=form)
    )


@events_view
def event_edit(request: HttpRequest, organizer: Organizer, event: Event) -> HttpResponse:
    form = EventForm(request.POST or None, request.FILES or None, organizer=organizer, event=event)
    if _submit(
        request,
        form,
        lambda: update_event(event, actor=request.actor, **form.changes(), **form.image_changes()),
        _("The event has been saved."),
    ):
        return redirect("web:events-admin-edit", organizer=organizer.slug, event=event.slug)
    return render(
        request, "web/events_admin/general.html", _context(organizer, event, "general", form=form)
    )


# --- dates ---------------------------------------------------------------------------------


@events_view
def event_dates(request: HttpRequest, organizer: Organizer, event: Event) -> HttpResponse:
    form = EventDateForm(request.POST or None, organizer=organizer)
    if _submit(
        request,
        form,
        lambda: create_date(
            event,
            actor=request.actor,
            start=form.cleaned_data["start"],
            capacity=form.cleaned_data["capacity"],
            **form.changes(),
        ),
        _("The date has been added."),
    ):
        return redirect("web:events-admin-dates", organizer=organizer.slug, event=event.slug)
    dates = event.dates.select_related("location__venue").order_by("start", "pk")
    page = Paginator(dates, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/events_admin/dates.html",
        _context(organizer, event, "dates", form=form, page=page, dates=page.object_list),
    )


@events_view
def event_date_edit(
    request: HttpRequest, organizer: Organizer, event: Event, date: int
) -> HttpResponse:
    obj = _get_or_404(EventDate.objects.filter(event=event).select_related("event"), date)
    form = EventDateForm(request.POST or None, organizer=organizer, date=obj)
    if _submit(
        request,
        form,
        lambda: update_date(
            obj,
            actor=request.actor,
            start=form.cleaned_data["start"],
            capacity=form.cleaned_data["capacity"],
            **form.changes(),
        ),
        _("The date has been saved."),
    ):
        return redirect("web:events-admin-dates", organizer=organizer.slug, event=event.slug)
    return render(
        request,
        "web/events_admin/date.html",
        _context(organizer, event, "dates", form=form, date=obj, quota=date_quota(obj)),
    )


@events_view
@require_POST
def event_date_delete(
    request: HttpRequest, organizer: Organizer, event: Event, date: int
) -> HttpResponse:
    obj = _get_or_404(EventDate.objects.filter(event=event), date)
    try:
        delete_date(obj, actor=request.actor)
    except PermissionDenied:
        raise
    except RideauError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The date has been deleted."))
    return redirect("web:events-admin-dates", organizer=organizer.slug, event=event.slug)


def _get_or_404(queryset, pk: int):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404("Not found")
    return obj


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
            _service_errors(product_form, exc)
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
            _service_errors(rate_form, exc)
        else:
            messages.success(request, _("The rate has been added."))
            return redirect("web:events-admin-rates", organizer=organizer.slug, event=event.slug)
    listed = products.prefetch_related(
        Prefetch(
            "rates",
            queryset=Rate.objects.order_by("position", "pk").prefetch_related("audience_types"),
        )
    )
    page = Paginator(listed, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/events_admin/rates.html",
        _context(
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
    obj = _get_or_404(
        Product.objects.filter(event=event, organizer=organizer).select_related("organizer"),
        product,
    )
    form = ProductForm(request.POST or None, organizer=organizer, product=obj)
    if _submit(
        request,
        form,
        lambda: update_product(obj, actor=request.actor, **form.changes()),
        _("The product has been saved."),
    ):
        return redirect("web:events-admin-rates", organizer=organizer.slug, event=event.slug)
    return render(
        request,
        "web/events_admin/item.html",
        _context(organizer, event, "rates", form=form, title=obj),
    )


@events_view
def event_rate_edit(
    request: HttpRequest, organizer: Organizer, event: Event, rate: int
) -> HttpResponse:
    obj = _get_or_404(
        Rate.objects.filter(product__event=event, product__organizer=organizer).select_related(
            "product__organizer"
        ),
        rate,
    )
    form = RateForm(request.POST or None, organizer=organizer, rate=obj)
    if _submit(
        request,
        form,
        lambda: update_rate(obj, actor=request.actor, **form.changes()),
        _("The rate has been saved."),
    ):
        return redirect("web:events-admin-rates", organizer=organizer.slug, event=event.slug)
    return render(
        request,
        "web/events_admin/item.html",
        _context(organizer, event, "rates", form=form, title=f"{obj.product} – {obj}"),
    )


@events_view
@require_POST
def event_product_delete(
    request: HttpRequest, organizer: Organizer, event: Event, product: int
) -> HttpResponse:
    obj = _get_or_404(Product.objects.filter(event=event, organizer=organizer), product)
    _delete(request, delete_product, obj, _("The product has been deleted."))
    return redirect("web:events-admin-rates", organizer=organizer.slug, event=event.slug)


@events_view
@require_POST
def event_rate_delete(
    request: HttpRequest, organizer: Organizer, event: Event, rate: int
) -> HttpResponse:
    obj = _get_or_404(Rate.objects.filter(product__event=event, product__organizer=organizer), rate)
    _delete(request, delete_rate, obj, _("The rate has been deleted."))
    return redirect("web:events-admin-rates", organizer=organizer.slug, event=event.slug)


def _delete(request: HttpRequest, service: Callable, obj, done: str) -> None:
    try:
        service(obj, actor=request.actor)
    except PermissionDenied:
        raise
    except RideauError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)


# --- quotas --------------------------------------------------------------------------------


@events_view
def event_quotas(request: HttpRequest, organizer: Organizer, event: Event) -> HttpResponse:
    dates = event.dates.order_by("start", "pk")
    form = QuotaForm(request.POST or None, dates=dates)
    if request.method == "POST" and form.is_valid():
        date = form.cleaned_data["date"]
        try:
            create_quota(
                actor=request.actor,
                organizer=organizer,
                name=form.cleaned_data["name"],
                size=form.cleaned_data["size"],
                event=None if date else event,
                date=date,
                covers_sessions=form.cleaned_data["covers_sessions"],
            )
        except RideauError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The quota has been added."))
            return redirect("web:events-admin-quotas", organizer=organizer.slug, event=event.slug)
    quotas = programme.event_quotas(event).select_related("date", "product", "rate", "session")
    page = Paginator(quotas.order_by("pk"), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/events_admin/quotas.html",
        _context(organizer, event, "quotas", form=form, page=page, quotas=page.object_list),
    )


@events_view
@require_POST
def event_quota_resize(
    request: HttpRequest, organizer: Organizer, event: Event, quota: int
) -> HttpResponse:
    obj = _get_or_404(programme.event_quotas(event), quota)
    form = ResizeQuotaForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a size of 0 or more."))
    else:
        try:
            resize_quota(obj, size=form.cleaned_data["size"], actor=request.actor)
        except PermissionDenied:
            raise
        except RideauError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The quota has been resized."))
    return redirect("web:events-admin-quotas", organizer=organizer.slug, event=event.slug)


# --- sessions ------------------------------------------------------------------------------


@events_view
def event_sessions(request: HttpRequest, organizer: Organizer, event: Event) -> HttpResponse:
    dates = event.dates.order_by("start", "pk")
    form = SessionForm(request.POST or None, organizer=organizer, dates=dates)
    if _submit(
        request,
        form,
        lambda: create_session(
            event,
            actor=request.actor,
            title=form.i18n_value("title"),
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            **form.changes(),
        ),
        _("The session has been added."),
    ):
        return redirect("web:events-admin-sessions", organizer=organizer.slug, event=event.slug)
    sessions = event.sessions.select_related("location__venue", "date").order_by("start", "pk")
    page = Paginator(sessions, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/events_admin/sessions.html",
        _context(organizer, event, "sessions", form=form, page=page, sessions=page.object_list),
    )


@events_view
@require_POST
def event_session_delete(
    request: HttpRequest, organizer: Organizer, event: Event, session: int
) -> HttpResponse:
    obj = _get_or_404(Session.objects.filter(event=event), session)
    _delete(request, delete_session, obj, _("The session has been deleted."))
    return redirect("web:events-admin-sessions", organizer=organizer.slug, event=event.slug)


# --- duplicate and delete ------------------------------------------------------------------


@events_view
def event_duplicate(request: HttpRequest, organizer: Organizer, event: Event) -> HttpResponse:
    form = DuplicateForm(request.POST or None, initial={"slug": f"{event.slug}-copy"[:50]})
    if request.method == "POST" and form.is_valid():
        try:
            copy = duplicate_event(event, actor=request.actor, slug=form.cleaned_data["slug"])
        except PermissionDenied:
            raise
        except ValidationFailed as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except RideauError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The event has been duplicated."))
            return redirect("web:events-admin-edit", organizer=organizer.slug, event=copy.slug)
    return render(
        request,
        "web/events_admin/duplicate.html",
        _context(organizer, event, "duplicate", form=form),
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
        _context(organizer, event, "delete", error=error),
    )
