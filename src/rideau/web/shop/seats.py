"""Chosen seats in the shop: the seat map of a seated date, and adding exactly those seats.

The map is SVG drawn on the server with one checkbox per seat, so it works without
JavaScript and with the keyboard. The buyer picks seats and one rate for all of them, or a
rate per seat (a second look at the same page). Adding holds exactly those seats through
the capacity engine, all or nothing: a seat taken meanwhile is named in the error and
nothing is held. A seat its holder put back on sale (a pass ticket on resale, D7) shows
free and marked; the cart claims it (`carts.add_to_cart`). "Best available" stays on the
tickets page (quantities per rate).
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from rideau.catalog.models import Rate
from rideau.core.errors import RideauError
from rideau.core.i18n import localize
from rideau.events.models import EventDate
from rideau.inventory.queries import free_seats, seating_plan_for
from rideau.orders import carts, hooks
from rideau.venues.models import Seat

from ..decorators import public_view
from ..seatmap import build_map
from .views import (
    _cart_token,
    _event_or_404,
    _offers,
    _refuse_draft_sale,
    _set_cart_token,
    _within_rate,
)

MAX_SEATS = carts.MAX_PER_ADD


class SeatChoice:
    """The parsed POST of the seat page: the seats picked and the rate of each.

    Not a Django form: the seat inputs live in the SVG map and the per-seat rate fields are
    named after the seats, so the checks are simpler written out. Errors are kept per field
    ("seat", "rate", "rate-<seat id>") and as a list of messages for the whole form.
    """

    def __init__(self, data, *, seats: dict[int, Seat], rates: list[tuple[Rate, int]]):
        self.data = data
        self.seats = seats
        self.rates = {rate.pk: (rate, left) for rate, left in rates}
        self.errors: dict[str, list[str]] = {}
        self.picked: list[Seat] = []
        self.rate_of: dict[int, Rate | None] = {}
        self.common_rate: Rate | None = None

    def add_error(self, field: str | None, message: str) -> None:
        self.errors.setdefault(field or "__all__", []).append(message)

    @property
    def non_field_errors(self) -> list[str]:
        return self.errors.get("__all__", [])

    def rate_for(self, value: str) -> Rate | None:
        try:
            return self.rates[int(value)][0]
        except (KeyError, TypeError, ValueError):
            return None

    def parse_seats(self) -> bool:
        picked: list[Seat] = []
        for value in self.data.getlist("seat"):
            try:
                seat = self.seats[int(value)]
            except (KeyError, ValueError):
                self.add_error("seat", _("This seat is not on this date's plan."))
                return False
            if seat not in picked:
                picked.append(seat)
        if not picked:
            self.add_error("seat", _("Choose at least one seat on the plan."))
        elif len(picked) > MAX_SEATS:
            self.add_error(
                "seat", _("Choose at most %(max)s seats at a time.") % {"max": MAX_SEATS}
            )
        self.picked = sorted(picked, key=lambda s: (s.row_order, s.section, s.row, s.number))
        return "seat" not in self.errors

    def is_valid(self, *, per_seat: bool) -> bool:
        if not self.parse_seats():
            return False
        self.common_rate = self.rate_for(self.data.get("rate", ""))
        if not per_seat and self.common_rate is None:
            self.add_error("rate", _("Choose a rate."))
            return False
        for seat in self.picked:
            field = f"rate-{seat.pk}"
            rate = self.rate_for(self.data[field]) if per_seat and field in self.data else None
            if per_seat and field in self.data and rate is None:
                self.add_error(field, _("Choose a rate."))
            self.rate_of[seat.pk] = rate or self.common_rate
            if self.rate_of[seat.pk] is None:
                self.add_error(field, _("Choose a rate."))
        if self.errors:
            return False
        counts: dict[int, int] = {}
        for rate in self.rate_of.values():
            assert rate is not None  # refused above
            counts[rate.pk] = counts.get(rate.pk, 0) + 1
        for rate_id, wanted in counts.items():
            rate, left = self.rates[rate_id]
            if left is not None and wanted > left:
                self.add_error(
                    None,
                    ngettext(
                        "Only %(n)s place left at the rate “%(rate)s”.",
                        "Only %(n)s places left at the rate “%(rate)s”.",
                        left,
                    )
                    % {"n": left, "rate": localize(rate.name) or str(rate)},
                )
        return not self.errors

    def items(self, date: EventDate) -> list[carts.CartItem]:
        by_rate: dict[int, list[Seat]] = {}
        for seat in self.picked:
            rate = self.rate_of[seat.pk]
            assert rate is not None  # is_valid() refused a seat without a rate
            by_rate.setdefault(rate.pk, []).append(seat)
        return [
            carts.CartItem(rate=self.rates[rate_id][0], date=date, quantity=len(seats), seats=seats)
            for rate_id, seats in by_rate.items()
        ]


@public_view
@require_http_methods(["GET", "POST"])
def choose_seats(request: HttpRequest, organizer: str, event: str, date: int) -> HttpResponse:
    ev = _event_or_404(request, organizer, event)
    now = timezone.now()
    the_date = (
        EventDate.objects.filter(event=ev, pk=date, is_cancelled=False, start__gte=now)
        .select_related("location")
        .first()
    )
    plan = seating_plan_for(the_date) if the_date is not None else None
    if the_date is None or plan is None:
        raise Http404("No seating plan for this date")
    _months, offers = _offers(ev, now)
    rates = [(rate, left) for d, rate, left in offers if d is not None and d.pk == the_date.pk]
    seats = {seat.pk: seat for seat in plan.seats.all()}
    choice = SeatChoice(
        request.POST if request.method == "POST" else None, seats=seats, rates=rates
    )
    action = request.POST.get("action", "add") if request.method == "POST" else ""
    per_seat = action == "rates" or "per_seat" in request.POST
    if action == "rates":
        choice.parse_seats()
        choice.common_rate = choice.rate_for(request.POST.get("rate", ""))
    elif action and not rates:
        choice.add_error(None, _("No tickets are on sale for this date."))
    elif action and choice.is_valid(per_seat=per_seat):
        if _refuse_draft_sale(ev, choice):
            pass
        elif not _within_rate(request, organizer):
            choice.add_error(None, _("Too many attempts; please try again in a minute."))
        else:
            try:
                token = carts.add_to_cart(
                    ev.organizer,
                    ev,
                    token=_cart_token(request, ev),
                    items=choice.items(the_date),
                    now=now,
                )
            except RideauError as exc:
                choice.add_error(None, exc.message)
            else:
                _set_cart_token(request, ev, token)
                return redirect("web:shop-cart", organizer=organizer, event=event)
    # seats put back on sale by their holders are free to choose (D7): the cart claims them
    resale = set(hooks.listed_seats(ev.organizer, the_date, now))
    free = set(free_seats(plan=plan, date=the_date, now=now).values_list("pk", flat=True))
    free |= resale
    taken = set(seats) - free
    chosen = {seat.pk for seat in choice.picked if seat.pk in free}
    cart = carts.get_cart(ev.organizer, ev, _cart_token(request, ev), now=now)
    return render(
        request,
        "web/shop/seats.html",
        {
            "organizer": ev.organizer,
            "event": ev,
            "date": the_date,
            "plan": plan,
            "map": build_map(seats.values(), taken=taken, chosen=chosen, resale=resale),
            "rates": rates,
            "choice": choice,
            "per_seat": per_seat and bool(choice.picked),
            "picked": [
                (seat, choice.rate_of.get(seat.pk) or choice.common_rate)
                for seat in choice.picked
                if seat.pk in free
            ],
            "cart": cart,
        },
        status=422 if choice.errors else 200,
    )
