"""Back-office order changes: add tickets, remove one, settle the balance, and bulk changes of
many orders as a background job. Thin shells over `rideau.orders.changes` and
`rideau.orders.jobs` (STYLE §1); forms with errors come back with 422 and nothing changed.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rideau.core.errors import RideauError
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.orders import changes, jobs, queries
from rideau.orders.models import Position
from rideau.orders.services import Attendee, OrderLine

from ...decorators import organizer_view
from ...toolkit import errors_onto
from ..jobs.views import job_url
from .forms import (
    AddPositionsForm,
    BalanceForm,
    BulkOrdersForm,
    OrderFilterForm,
    RemovePositionForm,
)
from .views import detail_url, list_context, order_or_404, rerender


@require_POST
@organizer_view(Perm.CHANGE_ORDERS)
def order_add_positions(request: HttpRequest, organizer: Organizer, order: int) -> HttpResponse:
    """Add tickets of one rate and date to a pending or paid order."""
    obj = order_or_404(organizer, order)
    form = AddPositionsForm(request.POST, order=obj)
    if form.is_valid():
        data = form.cleaned_data
        line = OrderLine(
            rate=data["rate"],
            date=data["date"],
            quantity=data["quantity"],
            attendees=[Attendee(name=name) for name in data["attendee_names"]],
        )
        try:
            added = changes.add_positions(
                obj,
                lines=[line],
                actor=request.actor,
                provider=data.get("provider") or "",
                notify=data["notify"],
                answers_required=False,  # staff answer the questions on each ticket after
            )
        except RideauError as exc:
            errors_onto(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)s ticket is added to the order.",
                    "%(n)s tickets are added to the order.",
                    len(added),
                )
                % {"n": len(added)},
            )
            return redirect(detail_url(obj))
    return rerender(request, organizer, obj, add=form)


@require_POST
@organizer_view(Perm.CHANGE_ORDERS)
def order_remove_position(request: HttpRequest, organizer: Organizer, order: int) -> HttpResponse:
    """Remove (cancel) one ticket; optionally refund its price."""
    obj = order_or_404(organizer, order)
    form = RemovePositionForm(request.POST)
    if form.is_valid():
        position = Position.objects.filter(order=obj, pk=form.cleaned_data["position"]).first()
        if position is None:
            form.add_error(None, changes.OrderChangeError("not_in_order").message)
        else:
            try:
                result = changes.remove_position(
                    position,
                    actor=request.actor,
                    refund=form.cleaned_data["refund"],
                    reason=form.cleaned_data["reason"],
                )
            except RideauError as exc:
                errors_onto(form, exc)
            else:
                messages.success(request, _("Ticket #%(id)s is removed.") % {"id": position.pk})
                if result.refund_error:
                    messages.error(request, result.refund_error)
                elif result.refunded:
                    messages.success(
                        request,
                        _("%(amount)s %(currency)s refunded.")
                        % {"amount": result.refunded, "currency": obj.currency},
                    )
                return redirect(detail_url(obj))
    return rerender(request, organizer, obj, remove=form)


@require_POST
@organizer_view(Perm.CHANGE_ORDERS)
def order_balance(request: HttpRequest, organizer: Organizer, order: int) -> HttpResponse:
    """Record a payment of what is due on a paid order after tickets were added."""
    obj = order_or_404(organizer, order)
    form = BalanceForm(request.POST)
    if form.is_valid():
        try:
            changes.pay_balance(
                obj,
                provider=form.cleaned_data["provider"],
                amount=form.cleaned_data["amount"],
                reference=form.cleaned_data["reference"],
                actor=request.actor,
            )
        except RideauError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The payment is recorded."))
            return redirect(detail_url(obj))
    return rerender(request, organizer, obj, balance=form)


@organizer_view(Perm.CHANGE_ORDERS)
def order_bulk(request: HttpRequest, organizer: Organizer) -> HttpResponse:
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
        try:
            job = jobs.start_bulk_orders(
                organizer,
                actor=request.actor,
                action=data["action"],
                order_ids=ids,
                provider=data["provider"],
                reason=data["reason"],
                notify=data["notify"],
            )
        except RideauError as exc:
            errors_onto(form, exc)
        else:
            return redirect(job_url(job))
    context = list_context(request, organizer, request.POST, bulk_form=form)
    return render(request, "web/backoffice/orders.html", context, status=422)
