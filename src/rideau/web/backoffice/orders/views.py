"""Back-office orders: search, detail and staff actions (SPEC D8).

Every view resolves its organiser with `organizer_view`; every write goes through the order,
payment and event services (STYLE §1), which check the finer permission and audit.
"""

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.core.access import get_scoped_or_404
from rideau.core.errors import RideauError
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.documents.seats import seat_labels
from rideau.orders import changes, queries
from rideau.orders import services as order_services
from rideau.orders.answers import answer_labels, answer_text, questions_by_product
from rideau.orders.models import Order, Payment, Position, Refund
from rideau.orders.payments import services as payment_services

from ...decorators import organizer_view
from ...toolkit import call_service
from .forms import (
    AddPositionsForm,
    AttendeeForm,
    BalanceForm,
    BulkOrdersForm,
    CancelForm,
    MarkPaidForm,
    OrderFilterForm,
    RefundForm,
)
from .history import history_lines
from .mailbox import order_messages

ORDERS_PER_PAGE = 50
HISTORY_LIMIT = 100


def order_or_404(organizer: Organizer, pk: int) -> Order:
    return get_scoped_or_404(Order.objects.select_related("event", "organizer"), organizer, pk=pk)


def detail_url(order: Order) -> str:
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
    obj = order_or_404(organizer, order)
    can_change = request.actor.has(organizer, Perm.CHANGE_ORDERS)
    return render(
        request,
        "web/backoffice/order.html",
        _detail_context(organizer, obj, can_change=can_change),
    )


def rerender(request, organizer, order, status=422, **forms) -> HttpResponse:
    context = _detail_context(organizer, order, can_change=True, **forms)
    return render(request, "web/backoffice/order.html", context, status=status)


@require_POST
@organizer_view(Perm.CHANGE_ORDERS)
def order_mark_paid(request: HttpRequest, organizer: Organizer, order: int) -> HttpResponse:
    obj = order_or_404(organizer, order)
    form = MarkPaidForm(request.POST)
    if form.is_valid():
        provider = form.cleaned_data["provider"]

        def pay() -> object:
            if provider == "bank_transfer":
                return payment_services.confirm_bank_transfer(
                    obj,
                    amount=obj.total,
                    reference=form.cleaned_data["reference"],
                    actor=request.actor,
                )
            return payment_services.settle_at_box_office(
                obj, provider=provider, actor=request.actor
            )

        if call_service(request, form, pay, _("The order is marked paid.")):
            return redirect(detail_url(obj))
    return rerender(request, organizer, obj, mark_paid=form)


@require_POST
@organizer_view(Perm.CHANGE_ORDERS)
def order_cancel(request: HttpRequest, organizer: Organizer, order: int) -> HttpResponse:
    obj = order_or_404(organizer, order)
    form = CancelForm(request.POST)
    if form.is_valid():
        if call_service(
            request,
            form,
            lambda: order_services.cancel_order(
                obj,
                actor=request.actor,
                reason=form.cleaned_data["reason"],
                notify=form.cleaned_data["notify"],
            ),
            _("The order is cancelled."),
        ):
            return redirect(detail_url(obj))
    return rerender(request, organizer, obj, cancel=form)


@require_POST
@organizer_view(Perm.CHANGE_ORDERS)
def order_refund(request: HttpRequest, organizer: Organizer, order: int) -> HttpResponse:
    obj = order_or_404(organizer, order)
    form = RefundForm(request.POST)
    if form.is_valid():
        amount: Decimal | None = form.cleaned_data["amount"]
        if call_service(
            request,
            form,
            lambda: payment_services.refund_order(
                obj, amount=amount, actor=request.actor, reason=form.cleaned_data["reason"]
            ),
            _("The refund is recorded."),
        ):
            return redirect(detail_url(obj))
    return rerender(request, organizer, obj, refund=form)


@require_POST
@organizer_view(Perm.CHANGE_ORDERS)
def order_resend(request: HttpRequest, organizer: Organizer, order: int) -> HttpResponse:
    obj = order_or_404(organizer, order)
    try:
        order_services.resend_tickets(obj, actor=request.actor)
    except RideauError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The tickets will be sent again to %(email)s.") % {"email": obj.email}
        )
    return redirect(detail_url(obj))


@require_POST
@organizer_view(Perm.CHANGE_ORDERS)
def order_attendee(request: HttpRequest, organizer: Organizer, order: int) -> HttpResponse:
    obj = order_or_404(organizer, order)
    position_id = request.POST.get("position", "")
    position = (
        Position.objects.filter(order=obj, pk=int(position_id)).first()
        if position_id.isdigit()
        else None
    )
    if position is None:
        messages.error(request, _("This ticket is not part of the order."))
        return redirect(detail_url(obj))
    questions = questions_by_product([position.product_id])
    form = attendee_form(position, questions, organizer.languages, data=request.POST)
    if form.is_valid():
        if call_service(
            request,
            form,
            lambda: changes.change_answers(
                position,
                actor=request.actor,
                name=form.cleaned_data["attendee_name"],
                email=form.cleaned_data["attendee_email"],
                answers=form.answers(),
            ),
            _("The attendee is changed."),
        ):
            return redirect(detail_url(obj))
    return rerender(request, organizer, obj, **{f"attendee_{position.pk}": form})
