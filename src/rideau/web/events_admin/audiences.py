"""Back-office audience types (SPEC CORE-8): the publics an organiser sells to — individuals,
groups, schools, members, companies — which rates can be reserved to (ADR 0006).

Every write goes through `rideau.catalog.services`; a refused form comes back with 422, its
field errors next to the inputs, and nothing changed.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.catalog.models import AudienceType
from rideau.catalog.services import (
    create_audience_type,
    delete_audience_type,
    update_audience_type,
)
from rideau.core.access import get_scoped_or_404, scoped
from rideau.core.errors import RideauError
from rideau.core.models import Organizer

from .forms import I18nForm
from .views import ROWS_PER_PAGE, _delete, _service_errors, events_view

# What organisers usually start with; shown as a hint on an empty list.
SUGGESTIONS = (
    _("Individuals"),
    _("Groups"),
    _("Schools"),
    _("Members"),
    _("Companies (B2B)"),
)


class AudienceTypeForm(I18nForm):
    i18n = {
        "name": (_("Name"), True, 200, 0),
        "description": (_("Description"), False, 20000, 3),
    }

    code = forms.SlugField(
        label=_("Code"),
        max_length=50,
        help_text=_("Short name used by the API and in exports: letters, digits and hyphens."),
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=10000, initial=0)
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive audience type can no longer be chosen for new orders."),
    )

    def __init__(self, *args, organizer: Organizer, audience: AudienceType | None = None, **kw):
        if audience is not None:
            kw["values"] = {"name": audience.name, "description": audience.description}
            kw["initial"] = {
                "code": audience.code,
                "position": audience.position,
                "active": audience.active,
            }
        super().__init__(*args, organizer=organizer, **kw)

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "name": self.i18n_value("name"),
            "description": self.i18n_value("description"),
            "position": data["position"],
            "active": data["active"],
        }


def _submit(request: HttpRequest, form, write) -> bool:
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        write()
    except RideauError as exc:
        _service_errors(form, exc)
        return False
    return True


def _audience(organizer: Organizer, pk: int) -> AudienceType:
    return get_scoped_or_404(AudienceType.objects.select_related("organizer"), organizer, pk=pk)


@events_view
def audience_list(request: HttpRequest, organizer: Organizer) -> HttpResponse:
    form = AudienceTypeForm(request.POST or None, organizer=organizer)
    if _submit(
        request,
        form,
        lambda: create_audience_type(organizer, actor=request.actor, **form.changes()),
    ):
        messages.success(request, _("The audience type has been added."))
        return redirect("web:audiences-admin", organizer=organizer.slug)
    audiences = (
        scoped(AudienceType.objects.all(), organizer)
        .annotate(rate_count=Count("rates", distinct=True))
        .order_by("position", "pk")
    )
    page = Paginator(audiences, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/events_admin/audiences.html",
        {
            "organizer": organizer,
            "form": form,
            "page": page,
            "audiences": page.object_list,
            "suggestions": SUGGESTIONS,
            "active": "audiences",
        },
        status=422 if form.errors else 200,
    )


@events_view
def audience_edit(request: HttpRequest, organizer: Organizer, audience: int) -> HttpResponse:
    obj = _audience(organizer, audience)
    form = AudienceTypeForm(request.POST or None, organizer=organizer, audience=obj)
    if _submit(
        request, form, lambda: update_audience_type(obj, actor=request.actor, **form.changes())
    ):
        messages.success(request, _("The audience type has been saved."))
        return redirect("web:audiences-admin", organizer=organizer.slug)
    return render(
        request,
        "web/events_admin/audience.html",
        {"organizer": organizer, "audience": obj, "form": form, "active": "audiences"},
        status=422 if form.errors else 200,
    )


@events_view
@require_POST
def audience_delete(request: HttpRequest, organizer: Organizer, audience: int) -> HttpResponse:
    obj = _audience(organizer, audience)
    _delete(request, delete_audience_type, obj, _("The audience type has been deleted."))
    if AudienceType.objects.filter(pk=obj.pk).exists():
        return redirect("web:audiences-admin-edit", organizer=organizer.slug, audience=obj.pk)
    return redirect("web:audiences-admin", organizer=organizer.slug)
