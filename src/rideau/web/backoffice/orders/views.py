"""Back-office orders: search, detail and staff actions (SPEC D8).

Every view resolves its organiser with `organizer_view`; every write goes through the order,
payment and event services (STYLE §1), which check the finer permission and audit.
"""

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.checkin import services as checkin
from rideau.core.access import get_scoped_or_404
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.documents.seats import seat_labels
from rideau.orders import changes, queries
from rideau.orders import services as order_services
from rideau.orders.answers import answer_labels, answer_text, questions_by_product
from rideau.orders.models import Order, Payment, Position, Refund
from rideau.orders.payments import services as payment_services

from ...decorators import Request, organizer_view
from ...toolkit import act, call_service
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

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ORDERS_PER_PAGE = 50
HISTORY_LIMIT = 100


def order_or_404(organizer: Organizer, pk: int) -> Order:
    return get_scoped_or_404(Order.objects.select_related("event", "organizer"), organizer, pk=pk)


def detail_url(order: Order) -> str:
    return reverse("web:backoffice-order", args=[order.organizer.slug, order.pk])


def list_context(request: Request, organizer: Organizer, data, bulk_form=None) -> dict:
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
def order_list(request: Request, organizer: Organizer) -> HttpResponse:
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
        position.seat_label = seats.get(position.pk, "")  # type: ignore[attr-defined]
        answers = position.answers if isinstance(position.answers, dict) else {}
        position.answer_rows = [  # type: ignore[attr-defined]
            (labels[str(k)], answer_text(v)) for k, v in answers.items()
        ]
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
        "refunds": list(
            Refund.objects.filter(order=order).select_related("payment").order_by("id")
        ),
        "mail": order_messages(organizer, order),
        "refundable": payment_services.refundable_amount(order),
        "entered": checkin.entered_count(order),
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
def order_detail(request: Request, organizer: Organizer, order: int) -> HttpResponse:
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


def order_action(view: Callable) -> Callable:
    """A staff action on one order (a button or a form of its page): POST only,
    `CHANGE_ORDERS`, the order resolved within the organiser."""

    @require_POST
    @organizer_view(Perm.CHANGE_ORDERS)
    @wraps(view)
    def wrapper(request: Request, organizer: Organizer, order: int) -> HttpResponse:
        return view(request, organizer, order_or_404(organizer, order))

    return wrapper


def form_action(
    request: Request,
    organizer: Organizer,
    order: Order,
    form: forms.BaseForm,
    name: str,
    write: Callable[[dict], Any],
    done: "StrOrPromise | Callable[[Any], StrOrPromise]",
) -> HttpResponse:
    """A staff action's form: when valid, `write(form.cleaned_data)` runs (its errors go on
    the form) and the browser goes back to the order, told `done` (a message, or a function
    of what `write` returned); otherwise the order's page again with `form` (as `name`) and
    its errors, 422."""
    if form.is_valid():
        saved = call_service(request, form, lambda: write(form.cleaned_data))
        if saved:
            messages.success(request, done(saved.value) if callable(done) else done)
            return redirect(detail_url(order))
    return rerender(request, organizer, order, **{name: form})


def order_form(
    name: str,
    form_class: type[forms.BaseForm],
    done: "StrOrPromise | Callable[[Any], StrOrPromise]",
    *,
    of_order: bool = False,
) -> Callable:
    """A staff action through the order page's form `name`, a `form_class` (built with
    `order=` when `of_order`): the decorated `write(request, order, data)` is the service
    call that `form_action` runs on the posted form, `done` what it tells after."""

    def decorate(write: Callable[[HttpRequest, Order, dict], Any]) -> Callable:
        @order_action
        @wraps(write)
        def view(request: Request, organizer: Organizer, order: Order) -> HttpResponse:
            options: dict[str, Any] = {"order": order} if of_order else {}
            form = form_class(request.POST, **options)
            return form_action(
                request,
                organizer,
                order,
                form,
                name,
                lambda data: write(request, order, data),
                done,
            )

        return view

    return decorate


@order_form("mark_paid", MarkPaidForm, _("The order is marked paid."))
def order_mark_paid(request: Request, order: Order, data: dict) -> object:
    if data["provider"] == "bank_transfer":
        return payment_services.confirm_bank_transfer(
            order, amount=order.total, reference=data["reference"], actor=request.actor
        )
    return payment_services.settle_at_box_office(
        order, provider=data["provider"], actor=request.actor
    )


@order_form("cancel", CancelForm, _("The order is cancelled."))
def order_cancel(request: Request, order: Order, data: dict) -> object:
    return order_services.cancel_order(
        order, actor=request.actor, reason=data["reason"], notify=data["notify"]
    )


@order_form("refund", RefundForm, _("The refund is recorded."))
def order_refund(request: Request, order: Order, data: dict) -> object:
    return payment_services.refund_order(
        order, amount=data["amount"], actor=request.actor, reason=data["reason"]
    )


@order_action
def order_resend(request: Request, organizer: Organizer, order: Order) -> HttpResponse:
    act(
        request,
        lambda: order_services.resend_tickets(order, actor=request.actor),
        _("The tickets will be sent again to %(email)s.") % {"email": order.email},
    )
    return redirect(detail_url(order))


@order_action
def order_attendee(request: Request, organizer: Organizer, order: Order) -> HttpResponse:
    position_id = request.POST.get("position", "")
    position = (
        Position.objects.filter(order=order, pk=int(position_id)).first()
        if position_id.isdigit()
        else None
    )
    if position is None:
        messages.error(request, _("This ticket is not part of the order."))
        return redirect(detail_url(order))
    questions = questions_by_product([position.product_id])
    form = attendee_form(position, questions, organizer.languages, data=request.POST)
    return form_action(
        request,
        organizer,
        order,
        form,
        f"attendee_{position.pk}",
        lambda data: changes.change_answers(
            position,
            actor=request.actor,
            name=data["attendee_name"],
            email=data["attendee_email"],
            answers=form.answers(),
        ),
        _("The attendee is changed."),
    )
