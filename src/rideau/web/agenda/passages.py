"""Back-office event passes (SPEC A1, A2): define, change and delete the passes of an
event with event-level registration, each granting a preset set of sessions. Writes go
through `rideau.registration.passages`; a refused form comes back with 422 and its field
errors. (Season passes and subscriptions are another thing: `web/passes`.)"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rideau.catalog.models import Product
from rideau.core.errors import RideauError
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.events.models import Event, Session
from rideau.registration import passages as service
from rideau.registration import queries
from rideau.registration.models import EventPassage

from ..decorators import Request, organizer_view
from ..toolkit import run_service
from .forms import PassageForm
from .views import _error_text, _event

SWITCHED_OFF = gettext_lazy(
    "This event now has an event pass: registrants can no longer build their own agenda "
    "(the setting was switched off) and they register to the event, choosing a pass."
)


def _sessions(ev: Event) -> list[Session]:
    return list(Session.objects.filter(event=ev).order_by("start", "pk"))


def _products(ev: Event) -> list[Product]:
    """The event's ticket products a pass may be sold with (ADR 0023)."""
    return list(
        Product.objects.filter(event=ev, kind=Product.Kind.TICKET).order_by("position", "pk")
    )


@organizer_view(Perm.CHANGE_EVENTS)
def staff_passages(request: Request, organizer: Organizer, event: str) -> HttpResponse:
    """The event's passes and a form to define one."""
    ev = _event(organizer, event)
    with timezone.override(organizer.timezone):
        form = PassageForm(
            request.POST or None,
            organizer=organizer,
            sessions=_sessions(ev),
            products=_products(ev),
        )
        had_agenda = ev.self_agenda
        if run_service(
            request,
            form,
            lambda: service.create_passage(ev, actor=request.actor, **form.changes()),
            _("The event pass has been added."),
        ):
            if had_agenda and not ev.self_agenda:
                messages.warning(request, SWITCHED_OFF)
            return redirect("web:registrations-passes", organizer=organizer.slug, event=ev.slug)
        return render(
            request,
            "web/agenda/passes.html",
            {
                "organizer": organizer,
                "event": ev,
                "form": form,
                "passages": queries.event_passages(ev),
                "tab": "registrations",
                "active": "events",
            },
            status=422 if form.errors else 200,
        )


@organizer_view(Perm.CHANGE_EVENTS)
def staff_passage(request: Request, organizer: Organizer, event: str, passage: int) -> HttpResponse:
    """Change or delete one pass."""
    ev = _event(organizer, event)
    obj = get_object_or_404(EventPassage.objects.prefetch_related("sessions"), pk=passage, event=ev)
    with timezone.override(organizer.timezone):
        posted = request.POST if request.method == "POST" else None
        if posted is not None and posted.get("action") == "delete":
            try:
                service.delete_passage(obj, actor=request.actor)
            except RideauError as exc:
                messages.error(request, _error_text(exc))
                return redirect(request.path)
            messages.success(request, _("The event pass has been deleted."))
            return redirect("web:registrations-passes", organizer=organizer.slug, event=ev.slug)
        form = PassageForm(
            posted,
            organizer=organizer,
            sessions=_sessions(ev),
            products=_products(ev),
            passage=obj,
        )
        if run_service(
            request,
            form,
            lambda: service.update_passage(obj, actor=request.actor, **form.changes()),
            _("The event pass has been saved."),
        ):
            return redirect("web:registrations-passes", organizer=organizer.slug, event=ev.slug)
        return render(
            request,
            "web/agenda/pass.html",
            {
                "organizer": organizer,
                "event": ev,
                "passage": obj,
                "form": form,
                "tab": "registrations",
                "active": "events",
            },
            status=422 if form.errors else 200,
        )
