"""Back-office order changes: add tickets, remove one, settle the balance, and bulk changes of
many orders as a background job. Thin shells over `rideau.orders.changes` and
`rideau.orders.jobs` (STYLE §1); forms with errors come back with 422 and nothing changed.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.orders import changes, jobs, queries
from rideau.orders.models import Order, Position
from rideau.orders.services import Attendee, OrderLine

from ...decorators import Request, organizer_view
from ...toolkit import call_service
from ..jobs.views import job_url
from .forms import (
    AddPositionsForm,
    BalanceForm,
    BulkOrdersForm,
    OrderFilterForm,
    RemovePositionForm,
)
from .views import list_context, order_form


def _added(added: list) -> str:
    n = len(added)
    return ngettext(
        "%(n)s ticket is added to the order.", "%(n)s tickets are added to the order.", n
    ) % {"n": n}


@order_form("add", AddPositionsForm, _added, of_order=True)
def order_add_positions(request: Request, order: Order, data: dict) -> list:
    """Add tickets of one rate and date to a pending or paid order."""
    line = OrderLine(
        rate=data["rate"],
        date=data["date"],
        quantity=data["quantity"],
        attendees=[Attendee(name=name) for name in data["attendee_names"]],
    )
    return changes.add_positions(
        order,
        lines=[line],
        actor=request.actor,
        provider=data.get("provider") or "",
        notify=data["notify"],
        answers_required=False,  # staff answer the questions on each ticket after
    )


@order_form("remove", RemovePositionForm, str)
def order_remove_position(request: Request, order: Order, data: dict) -> str:
    """Remove (cancel) one ticket; optionally refund its price. Says which ticket went."""
    position = Position.objects.filter(order=order, pk=data["position"]).first()
    if position is None:
        raise changes.OrderChangeError("not_in_order")
    result = changes.remove_position(
        position, actor=request.actor, refund=data["refund"], reason=data["reason"]
    )
    if result.refund_error:
        messages.error(request, result.refund_error)
    elif result.refunded:
        messages.success(
            request,
            _("%(amount)s %(currency)s refunded.")
            % {"amount": result.refunded, "currency": order.currency},
        )
    return _("Ticket #%(id)s is removed.") % {"id": position.pk}


@order_form("balance", BalanceForm, _("The payment is recorded."))
def order_balance(request: Request, order: Order, data: dict) -> object:
    """Record a payment of what is due on a paid order after tickets were added."""
    return changes.pay_balance(
        order,
        provider=data["provider"],
        amount=data["amount"],
        reference=data["reference"],
        actor=request.actor,
    )


@organizer_view(Perm.CHANGE_ORDERS)
def order_bulk(request: Request, organizer: Organizer) -> HttpResponse:
    """Start a bulk change of the selected orders (or of all matching the search) as a job.
    The form is on the orders list, where a GET goes back to."""
    if request.method != "POST":
        return redirect("web:backoffice-orders", organizer=organizer.slug)
    form = BulkOrdersForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ids: list[int] = []
        if data["scope"] == "all":
            search = OrderFilterForm(request.POST, organizer=organizer)
            if search.is_valid():
                ids = list(
                    queries.search_orders(organizer, **search.filters()).values_list(
                        "pk", flat=True
                    )[: jobs.MAX_BULK_ORDERS + 1]
                )
            else:  # never widen a broken search to every order
                form.add_error("scope", _("The search is not valid: correct it first."))
        else:
            ids = [int(pk) for pk in request.POST.getlist("orders") if pk.isdigit()]
    if form.is_valid():
        started = call_service(
            request,
            form,
            lambda: jobs.start_bulk_orders(
                organizer,
                actor=request.actor,
                action=data["action"],
                order_ids=ids,
                provider=data["provider"],
                reason=data["reason"],
                notify=data["notify"],
            ),
        )
        if started:
            return redirect(job_url(started.value))
    context = list_context(request, organizer, request.POST, bulk_form=form)
    return render(request, "web/backoffice/orders.html", context, status=422)
