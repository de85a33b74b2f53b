"""Back-office orders (search, detail, actions) and the event overview (SPEC D8).

Every view resolves its organiser with `organizer_view`; every write goes through the order,
payment and event services (STYLE §1), which check the finer permission and audit.
"""

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.core.access import get_scoped_or_404, require
from rideau.core.errors import RideauError, ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.events import services as event_services
from rideau.events.models import Event
from rideau.orders import changes, jobs, queries
from rideau.orders import services as order_services
from rideau.orders.answers import answer_labels, answer_text, questions_by_product
from rideau.orders.models import Job, Order, Payment, Position, Refund
from rideau.orders.payments import services as payment_services
from rideau.orders.seats import seat_labels

from ..decorators import organizer_view
from .charts import sales_chart
from .embed import embed_url
from .forms import (
    AddPositionsForm,
    AttendeeForm,
    BalanceForm,
    BulkOrdersForm,
    CancelForm,
    ContactBuyersForm,
    ExportForm,
    MarkPaidForm,
    OrderFilterForm,
    RefundForm,
    VisibilityForm,
)
from .history import history_lines
from .mailbox import order_messages
from .overview import overview_context

ORDERS_PER_PAGE = 50
HISTORY_LIMIT = 100


def _order_or_404(organizer: Organizer, pk: int) -> Order:
    return get_scoped_or_404(Order.objects.select_related("event", "organizer"), organizer, pk=pk)


def _detail_url(order: Order) -> str:
    return reverse("web:backoffice-order", args=[order.organizer.slug, order.pk])


def list_context(request: HttpRequest, organizer: Organizer, data, bulk_form=None) -> dict:
    """The orders list for the filter in `data` (the query string, or a bulk form's copy)."""
    form = OrderFilterForm(data or None, organizer=organizer)
    orders = queries.search_orders(organizer, **form.filters())
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(data.get("page"))
    query = data.copy()
    query.pop("page", None)
    for name in ("csrfmiddlewaretoken", "orders", *BulkOrdersForm.base_fields):
        query.pop(name, None)
    can_change = request.actor.has(organizer, Perm.CHANGE_ORDERS)
    return {
        "organizer": organizer,
        "form": form,
        "page": page,
        "orders": page.object_list,
        "query": query.urlencode(),
        "filter_fields": [(k, v) for k, values in query.lists() for v in values],
        "can_change": can_change,
        "bulk_form": bulk_form or (BulkOrdersForm() if can_change else None),
        "selected": {str(pk) for pk in data.getlist("orders")} if bulk_form else set(),
        "active": "orders",
    }


@organizer_view(Perm.VIEW_ORDERS)
def order_list(request: HttpRequest, organizer: Organizer) -> HttpResponse:
    """Search and filter the organiser's orders (paginated); select some for a bulk change."""
    return render(
        request, "web/backoffice/orders.html", list_context(request, organizer, request.GET)
    )


def attendee_form(position: Position, questions: dict, languages, data=None) -> AttendeeForm:
    return AttendeeForm(
        data,
        initial={
            "attendee_name": position.attendee_name,
            "attendee_email": position.attendee_email,
        },
        prefix=f"p{position.pk}",
        questions=questions.get(position.product_id, []),
        languages=languages,
        position=position,
    )


def _detail_context(organizer: Organizer, order: Order, **forms) -> dict:
    positions = list(
        order.positions.select_related("rate", "product", "date")
        .prefetch_related("hold__seat_holds__seat")
        .order_by("id")
    )
    seats = seat_labels(positions)
    questions = questions_by_product({p.product_id for p in positions})
    labels = answer_labels(
        {key for p in positions if isinstance(p.answers, dict) for key in p.answers},
        organizer=organizer,
    )
    for position in positions:
        position.seat_label = seats.get(position.pk, "")
        answers = position.answers if isinstance(position.answers, dict) else {}
        position.answer_rows = [(labels[str(k)], answer_text(v)) for k, v in answers.items()]
    can_change = forms.pop("can_change")
    live = [p for p in positions if not p.cancelled]
    changeable = order.status in changes.CHANGEABLE
    balance = changes.balance_due(order)
    return {
        "organizer": organizer,
        "order": order,
        "positions": positions,
        "attendee_forms": [
            (
                position,
                forms.get(f"attendee_{position.pk}")
                or attendee_form(position, questions, organizer.languages),
            )
            for position in positions
        ],
        "balance_due": balance,
        "credit": -balance if balance < 0 else 0,
        "can_add": changeable and order.event_id is not None,
        "can_remove": changeable and len(live) > 1,
        "add_form": forms.get("add")
        or (AddPositionsForm(order=order, initial={"notify": True}) if changeable else None),
        "remove_form": forms.get("remove"),
        "balance_form": forms.get("balance") or BalanceForm(),
        "payments": list(Payment.objects.filter(order=order).order_by("id")),
        "refunds": list(Refund.objects.filter(order=order).order_by("id")),
        "mail": order_messages(organizer, order),
        "refundable": payment_services.refundable_amount(order),
        "history": history_lines(
            queries.order_history(order).select_related("actor_token")[:HISTORY_LIMIT], order
        ),
        "mark_paid_form": forms.get("mark_paid") or MarkPaidForm(),
        "cancel_form": forms.get("cancel") or CancelForm(initial={"notify": True}),
        "refund_form": forms.get("refund") or RefundForm(),
        "can_change": can_change,
        "can_mark_paid": order.status in (Order.Status.PENDING, Order.Status.EXPIRED),
        "can_cancel": order.status in (Order.Status.PENDING, Order.Status.PAID),
        "active": "orders",
    }


@organizer_view(Perm.VIEW_ORDERS)
def order_detail(request: HttpRequest, organizer: Organizer, order: int) -> HttpResponse:
    """One order: tickets, payments, refunds, history, and the staff actions."""
    obj = _order_or_404(organizer, order)
    can_change = request.actor.has(organizer, Perm.CHANGE_ORDERS)
    return render(
        request,
        "web/backoffice/order.html",
        _detail_context(organizer, obj, can_change=can_change),
    )


def _rerender(request, organizer, order, status=422, **forms) -> HttpResponse:
    context = _detail_context(organizer, order, can_change=True, **forms)
    return render(request, "web/backoffice/order.html", context, status=status)


def _apply_error(form, exc: RideauError) -> None:
    if isinstance(exc, ValidationFailed):
        for name, errors in exc.errors.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@require_POST
@organizer_view(Perm.CHANGE_ORDERS)
def order_mark_paid(request: HttpRequest, organizer: Organizer, order: int) -> HttpResponse:
    obj = _order_or_404(organizer, order)
    form = MarkPaidForm(request.POST)
    if form.is_valid():
        provider = form.cleaned_data["provider"]
        try:
            if provider == "bank_transfer":
                payment_services.confirm_bank_transfer(
                    obj,
                    amount=obj.total,
                    reference=form.cleaned_data["reference"],
                    actor=request.actor,
                )
            else:
                payment_services.settle_at_box_office(obj, provider=provider, actor=request.actor)
        except RideauError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The order is marked paid."))
            return redirect(_detail_url(obj))
    return _rerender(request, organizer, obj, mark_paid=form)


@require_POST
@organizer_view(Perm.CHANGE_ORDERS)
def order_cancel(request: HttpRequest, organizer: Organizer, order: int) -> HttpResponse:
    obj = _order_or_404(organizer, order)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            order_services.cancel_order(
                obj,
                actor=request.actor,
                reason=form.cleaned_data["reason"],
                notify=form.cleaned_data["notify"],
            )
        except RideauError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The order is cancelled."))
            return redirect(_detail_url(obj))
    return _rerender(request, organizer, obj, cancel=form)


@require_POST
@organizer_view(Perm.CHANGE_ORDERS)
def order_refund(request: HttpRequest, organizer: Organizer, order: int) -> HttpResponse:
    obj = _order_or_404(organizer, order)
    form = RefundForm(request.POST)
    if form.is_valid():
        amount: Decimal | None = form.cleaned_data["amount"]
        try:
            payment_services.refund_order(
                obj, amount=amount, actor=request.actor, reason=form.cleaned_data["reason"]
            )
        except RideauError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The refund is recorded."))
            return redirect(_detail_url(obj))
    return _rerender(request, organizer, obj, refund=form)


@require_POST
@organizer_view(Perm.CHANGE_ORDERS)
def order_resend(request: HttpRequest, organizer: Organizer, order: int) -> HttpResponse:
    obj = _order_or_404(organizer, order)
    try:
        order_services.resend_tickets(obj, actor=request.actor)
    except RideauError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The tickets will be sent again to %(email)s.") % {"email": obj.email}
        )
    return redirect(_detail_url(obj))


@require_POST
@organizer_view(Perm.CHANGE_ORDERS)
def order_attendee(request: HttpRequest, organizer: Organizer, order: int) -> HttpResponse:
    obj = _order_or_404(organizer, order)
    position_id = request.POST.get("position", "")
    position = (
        Position.objects.filter(order=obj, pk=int(position_id)).first()
        if position_id.isdigit()
        else None
    )
    if position is None:
        messages.error(request, _("This ticket is not part of the order."))
        return redirect(_detail_url(obj))
    questions = questions_by_product([position.product_id])
    form = attendee_form(position, questions, organizer.languages, data=request.POST)
    if form.is_valid():
        try:
            changes.change_answers(
                position,
                actor=request.actor,
                name=form.cleaned_data["attendee_name"],
                email=form.cleaned_data["attendee_email"],
                answers=form.answers(),
            )
        except RideauError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("The attendee is changed."))
            return redirect(_detail_url(obj))
    return _rerender(request, organizer, obj, **{f"attendee_{position.pk}": form})


@organizer_view(Perm.VIEW_ORDERS)
def event_overview(request: HttpRequest, organizer: Organizer, event: str) -> HttpResponse:
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
            "on_sale_now": obj.sales_open_at(),
            **overview_context(request, organizer, obj),
            "active": "events",
        },
    )


@require_POST
@organizer_view(Perm.CHANGE_EVENTS)
def event_visibility(request: HttpRequest, organizer: Organizer, event: str) -> HttpResponse:
    """The one-click visibility change of the overview."""
    obj = get_scoped_or_404(Event.objects.all(), organizer, slug=event)
    require(request.actor, organizer, Perm.CHANGE_EVENTS)
    form = VisibilityForm(request.POST)
    if form.is_valid():
        try:
            event_services.update_event(
                obj, actor=request.actor, visibility=form.cleaned_data["visibility"]
            )
        except RideauError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The visibility is changed."))
    else:
        messages.error(request, _("Choose a visibility."))
    return redirect("web:backoffice-event", organizer=organizer.slug, event=obj.slug)


def _event_or_404(organizer: Organizer, slug: str) -> Event:
    return get_scoped_or_404(Event.objects.select_related("organizer"), organizer, slug=slug)


def _job_url(job: Job) -> str:
    return reverse("web:backoffice-job", args=[job.organizer.slug, job.pk])


@require_POST
@organizer_view(Perm.VIEW_ORDERS)
def event_export(request: HttpRequest, organizer: Organizer, event: str) -> HttpResponse:
    """Start an export of the event's buyers and answers; its page shows the progress."""
    obj = _event_or_404(organizer, event)
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose CSV or Excel."))
        return redirect("web:backoffice-event", organizer=organizer.slug, event=obj.slug)
    job = jobs.start_export(obj, actor=request.actor, fmt=form.cleaned_data["format"])
    return redirect(_job_url(job))


@organizer_view(Perm.CHANGE_ORDERS)
def event_contact(request: HttpRequest, organizer: Organizer, event: str) -> HttpResponse:
    """Write one e-mail to every buyer of the event (or of a date, or of a rate)."""
    obj = _event_or_404(organizer, event)
    form = ContactBuyersForm(request.POST or None, event=obj)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = jobs.start_email_buyers(
                    obj,
                    actor=request.actor,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    date=form.cleaned_data["date"],
                    rate=form.cleaned_data["rate"],
                )
            except RideauError as exc:
                _apply_error(form, exc)
            else:
                return redirect(_job_url(job))
        status = 422
    return render(
        request,
        "web/backoffice/contact.html",
        {"organizer": organizer, "event": obj, "form": form, "active": "events"},
        status=status,
    )


@organizer_view(Perm.VIEW_ORDERS)
def job_detail(request: HttpRequest, organizer: Organizer, job: int) -> HttpResponse:
    """A job's progress; htmx polls the progress fragment until the job is finished."""
    obj = get_scoped_or_404(Job.objects.select_related("event", "organizer"), organizer, pk=job)
    template = (
        "web/backoffice/_job_progress.html"
        if request.headers.get("HX-Request")
        else "web/backoffice/job.html"
    )
    return render(
        request,
        template,
        {
            "organizer": organizer,
            "job": obj,
            "finished": obj.status in (Job.Status.DONE, Job.Status.FAILED),
            "active": "orders",
        },
    )


@organizer_view(Perm.VIEW_ORDERS)
def job_download(request: HttpRequest, organizer: Organizer, job: int) -> HttpResponse:
    """The finished export's file, for the organiser's members only."""
    obj = get_scoped_or_404(Job.objects.all(), organizer, pk=job)
    if obj.status != Job.Status.DONE or not obj.file:
        raise Http404("No file")
    content_type = (
        "text/csv; charset=utf-8"
        if obj.kind == Job.Kind.EXPORT_CSV
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return FileResponse(
        obj.file.open("rb"),
        as_attachment=True,
        filename=obj.file.name.rsplit("/", 1)[-1],
        content_type=content_type,
    )
