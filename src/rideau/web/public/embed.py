"""The ticket widget organisers put on their own website (an iframe; SPEC D8).

The widget is the one page of Rideau that other sites may frame (`xframe_options_exempt`,
everything else is `X-Frame-Options: DENY`). It shows public data only — the event, its
upcoming dates and the rates on sale — and its button opens the shop in a new tab, where the
cart and checkout run first-party (a framed checkout would lose its cookies in browsers that
block third-party cookies).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from rideau.events.models import Event
from rideau.orders import sellable

from ..decorators import event_for_visitor, public_view


def _visible_event(request: HttpRequest, organizer: str, event: str) -> tuple[Event, str]:
    ev = event_for_visitor(request, organizer, event)
    token = request.GET.get("token", "") if ev.visibility == Event.Visibility.PRIVATE else ""
    return ev, token


def embed_url(event: Event) -> str:
    """The widget's path (with the private link's token for a private event)."""
    url = reverse("web:embed-tickets", args=[event.organizer.slug, event.slug])
    if event.visibility == Event.Visibility.PRIVATE:
        url += f"?token={event.private_token}"
    return url


@public_view
@xframe_options_exempt
@require_GET
def embed_tickets(request: HttpRequest, organizer: str, event: str) -> HttpResponse:
    ev, token = _visible_event(request, organizer, event)
    offer = sellable.on_offer(ev, max_dates=20, places=False)
    dates = [date for date in offer.dates if date is not None]
    rates = [
        (rate.product, rate)
        for rate in sorted(offer.rates, key=lambda r: (r.product_id, r.price, r.pk))
    ]
    shop_url = request.build_absolute_uri(
        reverse("web:shop-tickets", args=[ev.organizer.slug, ev.slug])
    )
    if token:
        shop_url += f"?token={token}"
    return render(
        request,
        "web/backoffice/embed.html",
        {
            "organizer": ev.organizer,
            "event": ev,
            "dates": dates,
            "rates": rates,
            "on_sale": offer.event_on_sale and bool(rates),
            "shop_url": shop_url,
        },
    )
