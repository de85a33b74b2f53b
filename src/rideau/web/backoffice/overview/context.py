"""The parts of the event overview (SPEC D8) about selling and controlling: end-of-sales
information per date and rate with the tickets left, and the event's check-in lists with
their scanner links (the access code is the scanner's credential: shown only to members who
may check in)."""

from django.core.paginator import Paginator
from django.urls import reverse

from rideau.checkin import services as checkin_services
from rideau.checkin.models import CheckinList
from rideau.core.access import scoped
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.events.models import Event
from rideau.orders.overview import sales_windows

from ...decorators import Request

DATES_PER_PAGE = 25
CHECKIN_LISTS_SHOWN = 20


def overview_context(request: Request, organizer: Organizer, event: Event) -> dict:
    dates = event.dates.select_related("location").order_by("start", "id")
    dates_page = Paginator(dates, DATES_PER_PAGE).get_page(request.GET.get("dates_page"))
    windows = sales_windows(event, list(dates_page.object_list))
    context = {
        "windows": windows,
        "dates_page": dates_page,
        "can_checkin": request.actor.has(organizer, Perm.CHECKIN),
        "checkin_lists": [],
    }
    if context["can_checkin"]:
        lists = list(
            checkin_services.with_counts(
                scoped(CheckinList.objects.filter(event=event), organizer)
            ).order_by("name", "id")[: CHECKIN_LISTS_SHOWN + 1]
        )
        context["more_checkin_lists"] = len(lists) > CHECKIN_LISTS_SHOWN
        context["checkin_lists"] = [
            (
                checkin_list,
                request.build_absolute_uri(
                    reverse("web:checkin-scanner", args=[checkin_list.access_code])
                ),
            )
            for checkin_list in lists[:CHECKIN_LISTS_SHOWN]
        ]
    return context
