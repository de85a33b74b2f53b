"""Back-office audience types (SPEC CORE-8): the publics an organiser sells to — individuals,
groups, schools, members, companies — which rates can be reserved to (ADR 0006).

Every write goes through `rideau.catalog.services`; a refused form comes back with 422, its
field errors next to the inputs, and nothing changed.
"""

from django import forms
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rideau.catalog.models import AudienceType
from rideau.catalog.services import (
    create_audience_type,
    delete_audience_type,
    update_audience_type,
)
from rideau.core.access import get_scoped_or_404, scoped
from rideau.core.models import Organizer

from ...decorators import Request
from ...forms import I18nForm, short_name_field
from ..collection import collection, edit, events_view, remove

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

    code = short_name_field(
        _("Code"), _("Short name used by the API and in exports: letters, digits and hyphens.")
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


def _audience(organizer: Organizer, pk: int) -> AudienceType:
    return get_scoped_or_404(AudienceType.objects.select_related("organizer"), organizer, pk=pk)


@events_view
def audience_list(request: Request, organizer: Organizer) -> HttpResponse:
    form = AudienceTypeForm(request.POST or None, organizer=organizer)
    return collection(
        request,
        form=form,
        create=lambda: create_audience_type(organizer, actor=request.actor, **form.changes()),
        done=_("The audience type has been added."),
        back=reverse("web:audiences-admin", args=[organizer.slug]),
        rows=scoped(AudienceType.objects.all(), organizer)
        .annotate(rate_count=Count("rates", distinct=True))
        .order_by("position", "pk"),
        name="audiences",
        template="web/events_admin/audiences.html",
        context={"organizer": organizer, "suggestions": SUGGESTIONS, "active": "audiences"},
        invalid_status=422,
    )


@events_view
def audience_edit(request: Request, organizer: Organizer, audience: int) -> HttpResponse:
    obj = _audience(organizer, audience)
    form = AudienceTypeForm(request.POST or None, organizer=organizer, audience=obj)
    return edit(
        request,
        form=form,
        save=lambda: update_audience_type(obj, actor=request.actor, **form.changes()),
        done=_("The audience type has been saved."),
        back=reverse("web:audiences-admin", args=[organizer.slug]),
        template="web/events_admin/audience.html",
        context={"organizer": organizer, "audience": obj, "active": "audiences"},
        invalid_status=422,
    )


@events_view
@require_POST
def audience_delete(request: Request, organizer: Organizer, audience: int) -> HttpResponse:
    obj = _audience(organizer, audience)
    remove(request, delete_audience_type, obj, _("The audience type has been deleted."))
    if AudienceType.objects.filter(pk=obj.pk).exists():
        return redirect("web:audiences-admin-edit", organizer=organizer.slug, audience=obj.pk)
    return redirect("web:audiences-admin", organizer=organizer.slug)
