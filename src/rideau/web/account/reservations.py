"""The reservations section of the personal space (SPEC C3–C5): list, detail with each
item's deadline, "pay now" (the normal payment flow) and "cancel" with a reason. The rules
are the reservations app's; these views parse, call, render."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rideau.accounts.models import Account
from rideau.core.errors import RideauError
from rideau.core.models import Organizer
from rideau.orders.payments.base import providers_for
from rideau.orders.payments.services import start_payment
from rideau.reservations import queries, services
from rideau.reservations.models import Reservation

from .reservation_forms import CancelForm, PayForm
from .space import account_view, space_context


def _reservation_or_404(account: Account, code: str) -> Reservation:
    reservation = queries.buyer_reservation(account, code)
    if reservation is None:
        raise Http404("No such reservation")
    return reservation


def _providers(reservation: Reservation):
    order = reservation.order
    return providers_for("web", amount=order.total, organizer=order.organizer)


@account_view
def reservations_view(request: HttpRequest, organizer: Organizer, account: Account) -> HttpResponse:
    now = timezone.now()
    rows = [
        {"reservation": r, "state": queries.state(r, now)}
        for r in queries.buyer_reservations(account)
    ]
    return render(
        request,
        "web/account/reservations.html",
        space_context(request, organizer, account, rows=rows, active="reservations"),
    )


def _detail(
    request, organizer, account, reservation, *, pay_form=None, cancel_form=None, status=200
):
    state = queries.state(reservation)
    items = list(
        reservation.items.select_related("position__product", "position__rate", "position__date")
    )
    return render(
        request,
        "web/account/reservation.html",
        space_context(
            request,
            organizer,
            account,
            reservation=reservation,
            order=reservation.order,
            state=state,
            items=items,
            open=state in ("active", "overdue"),
            pay_form=pay_form or PayForm(providers=_providers(reservation)),
            cancel_form=cancel_form or CancelForm(),
            active="reservations",
        ),
        status=status,
    )


@account_view
def reservation_view(
    request: HttpRequest, organizer: Organizer, account: Account, code: str
) -> HttpResponse:
    return _detail(request, organizer, account, _reservation_or_404(account, code))


@account_view
@require_POST
def reservation_pay_view(
    request: HttpRequest, organizer: Organizer, account: Account, code: str
) -> HttpResponse:
    """Pay now: the order goes through the normal payment flow (the provider's page)."""
    reservation = _reservation_or_404(account, code)
    form = PayForm(request.POST, providers=_providers(reservation))
    if queries.state(reservation) not in ("active", "overdue"):
        form.is_valid()
        form.add_error(None, _("This reservation can no longer be paid."))
    if not form.errors and form.is_valid():
        order = reservation.order
        order_url = reverse(
            "web:shop-order",
            kwargs={"organizer": organizer.slug, "code": order.code, "order_secret": order.secret},
        )
        try:
            start = start_payment(
                order,
                provider=form.cleaned_data["provider"],
                return_url=request.build_absolute_uri(order_url + "stripe/return/"),
                channel="web",
            )
        except RideauError as exc:
            form.add_error("provider" if exc.field == "provider" else None, exc.message)
        else:
            return redirect(start.redirect_url or order_url)
    return _detail(request, organizer, account, reservation, pay_form=form, status=422)


@account_view
@require_http_methods(["POST"])
def reservation_cancel_view(
    request: HttpRequest, organizer: Organizer, account: Account, code: str
) -> HttpResponse:
    reservation = _reservation_or_404(account, code)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel(reservation, reason=form.cleaned_data["reason"])
        except RideauError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your reservation was cancelled; its places are released."))
            return redirect("web:account-reservation", organizer=organizer.slug, code=code)
    return _detail(request, organizer, account, reservation, cancel_form=form, status=422)
