"""Passes (SPEC D1–D7): seasons, pass products, passes sold (search by holder or code),
selling a pass, adding a choice pass's events, “Update the passes” (preview and start),
renewal campaigns, resales and their withdrawal. The same services as the back office.

Reading needs the orders view permission (passes hold people's details); selling and adding
tickets the orders change permission; seasons, products and updates the events change one.
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from rideau.catalog.models import Rate
from rideau.core.access import require, scoped
from rideau.core.errors import ValidationFailed
from rideau.core.roles import Perm
from rideau.events.models import EventDate
from rideau.orders.models import SalesChannel
from rideau.orders.services import Buyer
from rideau.passes import queries, resale, services, updates
from rideau.passes.models import Pass, PassProduct, Resale, Season

from .auth import actor_of
from .common import organizer_for, slug_path
from .pagination import PageParams, page_of, paginate
from .paths import PassPath, PassProductPath, ResalePath
from .schemas.passes import (
    CampaignOut,
    ChoicesIn,
    OrderRef,
    PassFilter,
    PassOut,
    PassProductOut,
    PassSaleIn,
    PassSoldOut,
    PreviewOut,
    ResaleOut,
    SeasonIn,
    SeasonOut,
    UpdateOut,
)

router = Router(tags=["passes"])
ORG = "/organizers/{organizer}"


SeasonPage = page_of(SeasonOut, "SeasonPage")
PassProductPage = page_of(PassProductOut, "PassProductPage")
PassPage = page_of(PassOut, "PassPage")
CampaignPage = page_of(CampaignOut, "RenewalCampaignPage")
ResalePage = page_of(ResaleOut, "ResalePage")


@router.get(ORG + "/seasons", response=SeasonPage)
def list_seasons(request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()):
    org = organizer_for(request, organizer, Perm.VIEW)
    return paginate(
        scoped(Season.objects.prefetch_related("events"), org).order_by("-starts", "id"), page
    )


@router.post(ORG + "/seasons", response={201: SeasonOut})
def create_season(request: HttpRequest, payload: SeasonIn, organizer: str = slug_path()):
    org = organizer_for(request, organizer, Perm.CHANGE_EVENTS)
    events = list(org.events.filter(slug__in=payload.events))
    if len(events) != len(set(payload.events)):
        raise ValidationFailed({"events": ["Unknown event."]})
    season = services.create_season(
        org,
        actor=actor_of(request),
        name=payload.name,
        starts=payload.starts,
        ends=payload.ends,
        events=events,
    )
    return Status(201, season)


@router.get(ORG + "/pass-products", response=PassProductPage)
def list_pass_products(request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()):
    org = organizer_for(request, organizer, Perm.VIEW)
    qs = scoped(PassProduct.objects.select_related("product"), org).prefetch_related(
        "events", "product__rates"
    )
    return paginate(qs.order_by("id"), page)


def _pass_product(request: HttpRequest, path: PassProductPath, perm: str) -> PassProduct:
    return path.get_or_404(request, PassProduct.objects.all(), perm, pk=path.pass_product_id)


@router.get(ORG + "/pass-products/{pass_product_id}/update-preview", response=PreviewOut)
def preview_update(request: HttpRequest, path: Path[PassProductPath]):
    """How many passes “Update the passes” would change (SPEC D2)."""
    product = _pass_product(request, path, Perm.VIEW)
    return {"passes": updates.preview(product)}


@router.post(ORG + "/pass-products/{pass_product_id}/update", response={202: UpdateOut})
def start_update(request: HttpRequest, path: Path[PassProductPath]):
    """Start “Update the passes” as a background task (safe to run twice)."""
    product = _pass_product(request, path, Perm.CHANGE_EVENTS)
    return Status(202, updates.start_update(product, actor=actor_of(request)))


@router.get(ORG + "/passes", response=PassPage)
def list_passes(
    request: HttpRequest,
    page: Query[PageParams],
    filters: Query[PassFilter],
    organizer: str = slug_path(),
):
    org = organizer_for(request, organizer, Perm.VIEW_ORDERS)
    return paginate(queries.search_passes(org, filters.search), page)


@router.post(ORG + "/passes", response={201: PassSoldOut})
def sell_pass(request: HttpRequest, payload: PassSaleIn, organizer: str = slug_path()):
    """Sell a pass (the pass, its code and, for an automatic pass, a place on each date:
    all or nothing). The code is in the answer once."""
    org = organizer_for(request, organizer, Perm.CHANGE_ORDERS)
    actor = actor_of(request)
    rate = (
        scoped(Rate.objects.select_related("product"), org, "product__organizer")
        .filter(pk=payload.rate)
        .first()
    )
    if rate is None:
        raise ValidationFailed({"rate": [_("Unknown or not available here.")]})
    p = services.sell_pass(
        org,
        rate=rate,
        holder=services.HolderInput(**payload.holder.dict()),
        buyer=Buyer(email=payload.email, name=payload.name),
        channel=SalesChannel.API,
        provider=payload.provider,
        paid=payload.paid,
        actor=actor,
    )
    return Status(201, p)


def _pass(request: HttpRequest, path: PassPath, perm: str) -> Pass:
    return path.get_or_404(
        request, Pass.objects.select_related("pass_product"), perm, pk=path.pass_id
    )


@router.get(ORG + "/passes/{pass_id}", response=PassOut)
def get_pass(request: HttpRequest, path: Path[PassPath]):
    return _pass(request, path, Perm.VIEW_ORDERS)


@router.post(ORG + "/passes/{pass_id}/choices", response={201: OrderRef})
def add_choices(request: HttpRequest, payload: ChoicesIn, path: Path[PassPath]):
    """Add events to a choice pass (SPEC D3): one date per event, within the choices left."""
    p = _pass(request, path, Perm.CHANGE_ORDERS)
    require(actor_of(request), p.organizer, Perm.CHANGE_ORDERS)
    dates = list(EventDate.objects.filter(pk__in=payload.dates, event__organizer=p.organizer))
    if len(dates) != len(set(payload.dates)):
        raise ValidationFailed({"dates": ["Unknown date."]})
    order = services.add_choices(p, dates=dates, actor=actor_of(request), channel=SalesChannel.API)
    return Status(201, order)


@router.get(ORG + "/renewal-campaigns", response=CampaignPage)
def list_campaigns(request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()):
    org = organizer_for(request, organizer, Perm.VIEW)
    return paginate(queries.campaigns(org).prefetch_related("to_products").order_by("id"), page)


@router.get(ORG + "/resales", response=ResalePage)
def list_resales(request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()):
    """Resales of pass tickets (the payout list: `method` transfer, `state` sold)."""
    org = organizer_for(request, organizer, Perm.VIEW_ORDERS)
    qs = scoped(Resale.objects.select_related("ticket__event"), org).order_by("id")
    return paginate(qs, page)


@router.post(ORG + "/resales/{resale_id}/withdraw", response=ResaleOut)
def withdraw_resale(request: HttpRequest, path: Path[ResalePath]):
    """Take a listed ticket off resale (409 when it was sold or withdrawn already, or while
    a cart or an unpaid order keeps it for a buyer: `being_bought`)."""
    listing = path.get_or_404(request, Resale.objects.all(), Perm.CHANGE_ORDERS, pk=path.resale_id)
    return resale.withdraw(listing, actor=actor_of(request))
