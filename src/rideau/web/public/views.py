"""Public pages: the home page, an organiser's page, an event's page, their uploaded
images. No login."""

import datetime
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Exists, F, Min, OuterRef, Prefetch, Q, prefetch_related_objects
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from rideau.catalog.models import Product, Rate
from rideau.core.models import Organizer
from rideau.events.models import EVENT_IMAGE_DIR, Event, EventDate
from rideau.partners import queries as partner_queries
from rideau.registration import services as registration_services

from ..decorators import Request, activate_organizer_timezone, event_for_visitor, public_view
from ..media import serve_image
from ..pagecache import cached_fragment, cached_page, csrf_context, shared_page

UPCOMING_DATES_SHOWN = 5


def upcoming_dates(now: datetime.datetime | None = None, limit: int | None = None) -> Prefetch:
    """An event's dates still to come (after `now`), not cancelled, soonest first (the first
    `limit`), as its `upcoming_dates`."""
    dates = (
        EventDate.objects.filter(start__gte=now or timezone.now(), is_cancelled=False)
        .select_related("location")
        .order_by("start")
    )
    return Prefetch("dates", queryset=dates[:limit], to_attr="upcoming_dates")


@public_view
def home(request: HttpRequest) -> HttpResponse:
    public_events = Event.objects.filter(
        organizer=OuterRef("pk"), visibility=Event.Visibility.PUBLIC
    )
    organizers = Organizer.objects.filter(Exists(public_events)).order_by("name")
    return render(request, "web/public/home.html", {"organizers": organizers})


EVENTS_PER_PAGE = 20


def _set_from_prices(events, now) -> None:
    """`event.from_price`: the lowest price the shop sells a ticket of it at (None when it
    sells none), for all `events` in one query."""
    lowest: dict[int, Decimal] = {}
    rates = Rate.objects.filter(
        product__event__in=[e.pk for e in events],
        product__active=True,
        product__kind=Product.Kind.TICKET,
        active=True,
    ).select_related("product")
    for rate in rates:
        if not (rate.sold_in_shop() and rate.product.sales_open_at(now)):
            continue
        event_id = rate.product.event_id
        if event_id is None:
            continue
        if event_id not in lowest or rate.price < lowest[event_id]:
            lowest[event_id] = rate.price
    for event in events:
        event.from_price = lowest.get(event.pk)


@public_view
@cached_page
def organizer_page(request: HttpRequest, organizer: str) -> HttpResponse:
    """The organiser's public events, soonest first (events without upcoming dates last),
    20 a page, each with its next few dates: a fixed number of queries, whatever the size
    of the programme."""
    org = get_object_or_404(Organizer, slug=organizer)
    activate_organizer_timezone(org)
    now = timezone.now()
    events = (
        org.events.filter(visibility=Event.Visibility.PUBLIC)
        .annotate(
            next_start=Min(
                "dates__start", filter=Q(dates__start__gte=now, dates__is_cancelled=False)
            )
        )
        .order_by(F("next_start").asc(nulls_last=True), "slug")
    )
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    prefetch_related_objects(
        list(page.object_list),  # the page's own instances (the list fills its cache)
        upcoming_dates(now, UPCOMING_DATES_SHOWN),
    )
    _set_from_prices(page.object_list, now)
    return render(
        request,
        "web/public/organizer.html",
        {
            "organizer": org,
            "events": page.object_list,
            "page": page,
            "dates_shown": UPCOMING_DATES_SHOWN,
            **csrf_context(),
        },
    )


@public_view
@cached_page
def event_page(request: Request, organizer: str, event: str) -> HttpResponse:
    ev = event_for_visitor(request, organizer, event)  # staff previews are never cached
    private = ev.visibility != "public"

    def body() -> str:
        prefetch_related_objects([ev], upcoming_dates())
        _set_from_prices([ev], timezone.now())
        # an event with a capacity and no self-built agenda: perhaps registration to the
        # event itself (SPEC A1), also beside tickets on sale (a ticket sold with an event
        # pass, ADR 0023); asked only then, so other events' pages cost no statement more
        registration = (
            not ev.self_agenda and ev.capacity is not None and registration_services.event_level(ev)
        )
        return render_to_string(
            "web/public/_event_body.html",
            {
                "organizer": ev.organizer,
                "event": ev,
                "event_registration": registration,
                "private": private,
                "partner_groups": partner_queries.public_partners(ev),  # SPEC B3
            },
        )

    # the body is the same for every visitor (no availability, nothing personal): kept a
    # few seconds for everyone, logged in or not; a staff preview of a draft is not. The
    # page around it too, but for the token, the nonce and the path (`shared_page`).
    preview = getattr(request, "rideau_preview", "")
    context = {"organizer": ev.organizer, "event": ev, "private": private, **csrf_context()}
    if preview:
        return render(request, "web/public/event.html", {**context, "body": _safe(body())})
    # a callable: the template calls it, only when the page is rendered
    context["body"] = lambda: _safe(cached_fragment(f"event:{ev.pk}:{private}", body))
    return shared_page(request, f"event-page:{ev.pk}:{private}", "web/public/event.html", context)


def _safe(html: str) -> str:
    return mark_safe(html)  # noqa: S308 (our own template's output)


LOGO_DIR = "organizers/logos/"


@public_view
def organizer_logo(request: HttpRequest, name: str) -> FileResponse:
    """Serve an uploaded organiser logo."""
    return serve_image(LOGO_DIR, name)


@public_view
def event_image(request: HttpRequest, name: str) -> FileResponse:
    """Serve an event's image (a JPEG with a random name, written by the events service)."""
    return serve_image(EVENT_IMAGE_DIR, name)
