"""Back office of passes (SPEC D1–D7): passes with search, a pass's page, seasons, pass
products (with “Update the passes”), renewal campaigns with their tracking, resale payouts,
the CSV export. Views parse input, call `rideau.passes`, and render."""

import csv
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from rideau.core.access import get_scoped_or_404
from rideau.core.models import AuditLogEntry, Job, Organizer
from rideau.core.roles import Perm
from rideau.core.text import cell_text
from rideau.documents.seats import seat_labels
from rideau.passes import queries, renewals, resale, services, updates
from rideau.passes.models import Pass, PassProduct, RenewalCampaign, Resale, Season

from ...decorators import Request, organizer_view
from ..collection import collection, delete_view, edit, rows_page
from .forms import CampaignForm, CampaignWindowForm, PassProductForm, SeasonForm
from .history import history_lines


def _ctx(organizer: Organizer, tab: str, request: Request | None = None, **extra) -> dict:
    """A passes page's context; with `request`, what its member may do (read-only members
    see no form that would end in "access denied")."""
    can = {}
    if request is not None:
        can = {
            "can_change": request.actor.has(organizer, Perm.CHANGE_EVENTS),
            "can_pay_out": request.actor.has(organizer, Perm.CHANGE_ORDERS),
        }
    return {"organizer": organizer, "active": "passes", "tab": tab, **can, **extra}


def _edit_page(
    request: Request,
    organizer: Organizer,
    obj: Any,
    *,
    form: forms.BaseForm,
    save: Callable[[], Any],
    done: str,
    url: str,
    template: str,
    tab: str,
    **context: Any,
) -> HttpResponse:
    """A passes row's page with its edit form (the toolkit's `edit`): once saved, back to the
    row's page (the URL named `url`); refused, 422 with the errors on the form."""
    return edit(
        request,
        form=form,
        save=save,
        done=done,
        back=reverse(url, args=[organizer.slug, obj.pk]),
        template=template,
        context=_ctx(organizer, tab, request, **context),
        invalid_status=422,
    )


# --- passes ------------------------------------------------------------------------------------


@organizer_view(Perm.VIEW_ORDERS)
def pass_list(request: Request, organizer: Organizer) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    page = Paginator(queries.search_passes(organizer, q), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/passes/backoffice/passes.html",
        _ctx(organizer, "passes", page_obj=page, q=q, season=queries.current_season(organizer)),
    )


@organizer_view(Perm.VIEW_ORDERS)
def pass_export(request: Request, organizer: Organizer) -> HttpResponse:
    """The passes as CSV; every cell safe against formula injection (`cell_text`)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="passes.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Pass"),
            _("Season"),
            _("Status"),
            _("Last name"),
            _("First name"),
            _("E-mail"),
            _("Company"),
            _("Mobile phone"),
            _("Code ends with"),
            pgettext("pass credit", "Credit"),
            _("Created"),
        ]
    )
    for p in queries.search_passes(organizer, request.GET.get("q", "")):
        writer.writerow(
            [
                cell_text(str(v))
                for v in (
                    p.pass_product,
                    p.pass_product.season.name,
                    p.get_status_display(),
                    p.last_name,
                    p.first_name,
                    p.email,
                    p.company,
                    p.mobile,
                    p.code_hint,
                    p.credit,
                    p.created.isoformat(),
                )
            ]
        )
    return response


@organizer_view(Perm.VIEW_ORDERS)
def pass_detail(request: Request, organizer: Organizer, pass_id: int) -> HttpResponse:
    p = get_scoped_or_404(
        Pass.objects.select_related("pass_product__product", "pass_product__season", "order"),
        organizer,
        pk=pass_id,
    )
    tickets = list(
        p.tickets.select_related("date__event", "position__order")
        .prefetch_related("position__hold__seat_holds__seat")
        .order_by("date__start")
    )
    labels = seat_labels([t.position for t in tickets])
    for t in tickets:
        t.seat = labels.get(t.position.pk, "")  # type: ignore[attr-defined]
    history = (
        AuditLogEntry.objects.filter(
            organizer=organizer, object_type=Pass._meta.label_lower, object_id=str(p.pk)
        )
        .select_related("actor", "actor_token")
        .order_by("-created", "-id")[:100]
    )
    return render(
        request,
        "web/passes/backoffice/pass.html",
        _ctx(
            organizer,
            "passes",
            pass_obj=p,
            tickets=tickets,
            history=history_lines(history, p),
            resales=Resale.objects.filter(ticket__pass_obj=p).select_related("ticket__date__event"),
            renewals_of=p.renewals.select_related("campaign", "new_pass"),
        ),
    )


# --- seasons -----------------------------------------------------------------------------------


@organizer_view(Perm.VIEW)
def season_list(request: Request, organizer: Organizer) -> HttpResponse:
    form = SeasonForm(request.POST or None, organizer=organizer)
    return collection(
        request,
        form=form,
        create=lambda: services.create_season(organizer, actor=request.actor, **form.cleaned_data),
        done=_("The season was created."),
        back=reverse("web:passes-seasons", args=[organizer.slug]),
        rows=queries.seasons(organizer).order_by("-starts", "id"),
        name="seasons",
        template="web/passes/backoffice/seasons.html",
        context=_ctx(organizer, "seasons", request, current=queries.current_season(organizer)),
        invalid_status=422,
    )


@organizer_view(Perm.VIEW)
def season_detail(request: Request, organizer: Organizer, season_id: int) -> HttpResponse:
    season = get_scoped_or_404(Season.objects.all(), organizer, pk=season_id)
    form = SeasonForm(
        request.POST or None,
        organizer=organizer,
        initial={
            "name": season.name,
            "starts": season.starts,
            "ends": season.ends,
            "events": list(season.events.all()),
        },
    )
    return _edit_page(
        request,
        organizer,
        season,
        form=form,
        save=lambda: services.update_season(season, actor=request.actor, **form.cleaned_data),
        done=_("The season was saved."),
        url="web:passes-season",
        template="web/passes/backoffice/season.html",
        tab="seasons",
        season=season,
        products=queries.pass_products(organizer, season),
        into=queries.renewals_into(organizer, season),
        from_here=queries.renewals_from(organizer, season),
    )


# --- pass products -----------------------------------------------------------------------------


def _product_input(data: dict, *, name: str | None = None) -> services.PassProductInput:
    rates = []
    if "price" in data:
        rates = [services.RateInput(name=data["rate_name"], price=data["price"])]
    return services.PassProductInput(
        name=name or data["name"],
        season=data["season"],
        mode=data["mode"],
        choices=data.get("choices") or 0,
        events=list(data["events"]),
        rates=rates,
        size=data.get("size") or 100,
        holder_fields=data["holder_fields"],
        resale_methods=data["resale_methods"],
        extra_tickets=data["extra_tickets"],
        card_format=data["card_format"],
        card_orientation=data["card_orientation"],
        card_elements=data["card_elements"],
        holder_audience=data.get("holder_audience"),
    )


@organizer_view(Perm.VIEW)
def product_list(request: Request, organizer: Organizer) -> HttpResponse:
    form = PassProductForm(
        request.POST or None,
        organizer=organizer,
        initial={
            "holder_fields": ["last_name", "first_name", "email"],
            "card_elements": ["name", "pass_name", "season", "qr"],
        },
    )
    return collection(
        request,
        form=form,
        create=lambda: services.create_pass_product(
            organizer, actor=request.actor, data=_product_input(form.cleaned_data)
        ),
        done=_("The pass was created."),
        back=lambda product: reverse("web:passes-product", args=[organizer.slug, product.pk]),
        rows=queries.pass_products(organizer).order_by("id"),
        name="products",
        template="web/passes/backoffice/products.html",
        context=_ctx(organizer, "products", request),
        invalid_status=422,
    )


@organizer_view(Perm.VIEW)
def product_detail(request: Request, organizer: Organizer, pass_product: int) -> HttpResponse:
    product = get_scoped_or_404(
        PassProduct.objects.select_related("product", "season"), organizer, pk=pass_product
    )
    form = PassProductForm(
        request.POST or None,
        request.FILES or None,
        organizer=organizer,
        editing=True,
        initial={
            "name": str(product.product),
            "season": product.season,
            "mode": product.mode,
            "choices": product.choices,
            "events": list(product.events.all()),
            "holder_fields": product.holder_fields,
            "resale_methods": product.resale_methods,
            "extra_tickets": product.extra_tickets,
            "holder_audience": product.holder_audience,
            "card_format": product.card_format,
            "card_orientation": product.card_orientation,
            "card_elements": product.card_elements,
        },
    )

    def save() -> None:
        services.update_pass_product(
            product, actor=request.actor, data=_product_input(form.cleaned_data)
        )
        if form.cleaned_data.get("card_background"):
            services.set_card_background(
                product, form.cleaned_data["card_background"], actor=request.actor
            )

    return _edit_page(
        request,
        organizer,
        product,
        form=form,
        save=save,
        done=_("The pass was saved."),
        url="web:passes-product",
        template="web/passes/backoffice/product.html",
        tab="products",
        product=product,
        to_update=updates.preview(product),
        last_update=updates.last_update(product),
    )


@require_POST
@organizer_view(Perm.CHANGE_EVENTS)
def product_update(request: Request, organizer: Organizer, pass_product: int) -> HttpResponse:
    product = get_scoped_or_404(PassProduct.objects.all(), organizer, pk=pass_product)
    job = updates.start_update(product, actor=request.actor)
    return redirect("web:passes-update", organizer=organizer.slug, update_id=job.pk)


@organizer_view(Perm.VIEW)
def update_detail(request: Request, organizer: Organizer, update_id: int) -> HttpResponse:
    job = get_scoped_or_404(Job.objects.filter(kind=updates.UPDATE_KIND), organizer, pk=update_id)
    template = (
        "web/passes/backoffice/_update_progress.html"
        if request.headers.get("HX-Request")
        else "web/passes/backoffice/update.html"
    )
    product = get_scoped_or_404(
        PassProduct.objects.select_related("product"), organizer, pk=job.params.get("pass_product")
    )
    return render(request, template, _ctx(organizer, "products", job=job, product=product))


# --- renewals and payouts ----------------------------------------------------------------------


@organizer_view(Perm.VIEW)
def campaign_list(request: Request, organizer: Organizer) -> HttpResponse:
    form = CampaignForm(request.POST or None, organizer=organizer)
    return collection(
        request,
        form=form,
        create=lambda: renewals.create_campaign(
            organizer, actor=request.actor, **form.cleaned_data
        ),
        done=_("The renewal campaign was created."),
        back=reverse("web:passes-renewals", args=[organizer.slug]),
        rows=queries.campaigns(organizer).order_by("-created", "id"),
        name="campaigns",
        template="web/passes/backoffice/renewals.html",
        context=_ctx(organizer, "renewals", request),
        invalid_status=422,
    )


@organizer_view(Perm.VIEW)
def campaign_detail(request: Request, organizer: Organizer, campaign: int) -> HttpResponse:
    """A campaign: what it renews into what, its window (editable), each offered pass and
    what became of it; its delete button."""
    obj = get_scoped_or_404(
        queries.campaigns(organizer).prefetch_related("to_products__product"),
        organizer,
        pk=campaign,
    )
    form = CampaignWindowForm(
        request.POST or None,
        initial={"name": obj.name, "opens": obj.opens, "closes": obj.closes},
    )
    return _edit_page(
        request,
        organizer,
        obj,
        form=form,
        save=lambda: renewals.update_campaign(obj, actor=request.actor, **form.cleaned_data),
        done=_("The renewal campaign was saved."),
        url="web:passes-renewal",
        template="web/passes/backoffice/renewal.html",
        tab="renewals",
        campaign=obj,
        page=rows_page(request, queries.campaign_renewals(obj)),
        upcoming=obj.opens is not None and timezone.now() < obj.opens,
        is_open=obj.is_open(),
    )


campaign_delete = delete_view(
    renewals.delete_campaign,
    RenewalCampaign.objects.select_related("organizer").all,
    "campaign",
    gettext_lazy(
        "The renewal campaign was deleted; the seats held for its holders are on sale again."
    ),
    "web:passes-renewals",
)


@organizer_view(Perm.VIEW_ORDERS)
def payout_list(request: Request, organizer: Organizer) -> HttpResponse:
    return render(
        request,
        "web/passes/backoffice/payouts.html",
        _ctx(organizer, "payouts", request, payouts=resale.payouts(organizer)),
    )


@require_POST
@organizer_view(Perm.CHANGE_ORDERS)
def payout_done(request: Request, organizer: Organizer, resale_id: int) -> HttpResponse:
    listing = get_scoped_or_404(Resale.objects.all(), organizer, pk=resale_id)
    resale.mark_paid_out(listing, actor=request.actor)
    messages.success(request, _("Marked as paid out."))
    return redirect("web:passes-payouts", organizer=organizer.slug)
