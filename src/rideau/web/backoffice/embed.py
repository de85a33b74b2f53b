"""The ticket widget organisers put on their own website (an iframe; SPEC D8).

The widget is the one page of Rideau that other sites may frame (`xframe_options_exempt`,
everything else is `X-Frame-Options: DENY`). It shows public data only — the event, its
upcoming dates and the rates on sale — and its button opens the shop in a new tab, where the
cart and checkout run first-party (a framed checkout would lose its cookies in browsers that
block third-party cookies).
"""

import secrets

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from rideau.catalog.models import Product, Rate
from rideau.events.models import Event, EventDate

from ..decorators import activate_organizer_timezone, public_view, staff_preview


def _visible_event(request: HttpRequest, organizer: str, event: str) -> tuple[Event, str]:
    ev = (
        Event.objects.select_related("organizer")
        .filter(organizer__slug=organizer, slug=event)
        .first()
    )
    if ev is None:
        raise Http404("No such event")
    activate_organizer_timezone(ev.organizer)
    token = ""
    if ev.visibility == Event.Visibility.PRIVATE:
        token = request.GET.get("token", "")
    if ev.visibility == Event.Visibility.DRAFT or (
        ev.visibility == Event.Visibility.PRIVATE
        and not (token and secrets.compare_digest(token, ev.private_token))
    ):
        request.rideau_preview = staff_preview(request, ev)  # the organiser's staff only
        if not request.rideau_preview:
            raise Http404("No such event")
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
    now = timezone.now()
    dates = list(
        EventDate.objects.filter(event=ev, start__gte=now, is_cancelled=False).order_by(
            "start", "id"
        )[:20]
    )
    products = [
        product
        for product in Product.objects.filter(event=ev, active=True)
        .prefetch_related(
            Prefetch("rates", queryset=Rate.objects.filter(active=True).order_by("price", "id"))
        )
        .order_by("id")
        if product.sales_open_at(now)
    ]
    rates = [
        (product, rate)
        for product in products
        for rate in product.rates.all()
        if rate.sales_open_at(now) and rate.sold_in_shop()
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
            "on_sale": ev.sales_open_at(now) and bool(rates),
            "shop_url": shop_url,
        },
    )
