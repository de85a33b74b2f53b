"""The catalogue: products (tickets, passes, gift vouchers) and their rates."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from rideau.catalog import services
from rideau.catalog.models import AudienceType, Product, Rate, TicketTemplate
from rideau.core.access import scoped
from rideau.core.errors import ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.events.models import Event

from .auth import actor_of
from .common import child_or_404, organizer_for, reference, slug_path
from .pagination import PageParams, page_of, paginate
from .paths import ProductPath, RatePath
from .schemas.catalog import (
    ProductIn,
    ProductOut,
    ProductPatch,
    RateIn,
    RateOut,
    RatePatch,
    TicketTemplateOut,
)

router = Router(tags=["catalogue"])
ProductPage = page_of(ProductOut, "ProductPage")
RatePage = page_of(RateOut, "RatePage")
TicketTemplatePage = page_of(TicketTemplateOut, "TicketTemplatePage")

PRODUCTS = "/organizers/{organizer}/products"
PRODUCT = PRODUCTS + "/{product_id}"
RATES = PRODUCT + "/rates"
RATE = RATES + "/{rate_id}"
TICKET_TEMPLATES = "/organizers/{organizer}/ticket-templates"


def _product(request: HttpRequest, path: ProductPath, perm: str = Perm.VIEW) -> Product:
    products = Product.objects.select_related("organizer", "event", "ticket_template")
    return path.get_or_404(request, products, perm, pk=path.product_id)


def _rate(product: Product, rate_id: int) -> Rate:
    rates = Rate.objects.select_related("product__organizer").prefetch_related("audience_types")
    return child_or_404(rates, product, rate_id, of="product")


def _resolve_refs(organizer: Organizer, data: dict) -> dict:
    if data.get("event") is not None:
        data["event"] = reference(Event.objects.all(), organizer, field="event", slug=data["event"])
    if data.get("ticket_template") is not None:
        data["ticket_template"] = reference(
            TicketTemplate.objects.all(),
            organizer,
            field="ticket_template",
            pk=data["ticket_template"],
        )
    return data


def _rate_refs(organizer: Organizer, data: dict) -> dict:
    """The body's audience type codes as the organiser's audience types (one query)."""
    codes = data.get("audience_types")
    if codes is not None:
        found = {
            a.code: a
            for a in scoped(AudienceType.objects.all(), organizer).filter(code__in=set(codes))
        }
        unknown = sorted(set(codes) - set(found))
        if unknown:
            raise ValidationFailed(
                {
                    "audience_types": [
                        _("Unknown audience types: %(codes)s.") % {"codes": ", ".join(unknown)}
                    ]
                }
            )
        data["audience_types"] = [found[c] for c in codes]
    return data


@router.get(PRODUCTS, response=ProductPage)
def list_products(request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()):
    org = organizer_for(request, organizer)
    qs = scoped(Product.objects.select_related("event"), org).order_by("position", "id")
    return paginate(qs, page)


@router.post(PRODUCTS, response={201: ProductOut})
def create_product(request: HttpRequest, payload: ProductIn, organizer: str = slug_path()):
    org = organizer_for(request, organizer, Perm.CHANGE_EVENTS)
    data = _resolve_refs(org, payload.dict())
    return Status(201, services.create_product(org, actor=actor_of(request), **data))


@router.get(PRODUCT, response=ProductOut)
def get_product(request: HttpRequest, path: Path[ProductPath]):
    return _product(request, path)


@router.patch(PRODUCT, response=ProductOut)
def patch_product(request: HttpRequest, payload: ProductPatch, path: Path[ProductPath]):
    product = _product(request, path, Perm.CHANGE_EVENTS)
    data = _resolve_refs(product.organizer, payload.dict(exclude_unset=True))
    return services.update_product(product, actor=actor_of(request), **data)


@router.delete(PRODUCT, response={204: None})
def delete_product(request: HttpRequest, path: Path[ProductPath]):
    product = _product(request, path, Perm.CHANGE_EVENTS)
    services.delete_product(product, actor=actor_of(request))
    return Status(204, None)


@router.get(RATES, response=RatePage)
def list_rates(request: HttpRequest, page: Query[PageParams], path: Path[ProductPath]):
    product = _product(request, path)
    rates = Rate.objects.filter(product=product).prefetch_related("audience_types")
    return paginate(rates.order_by("position", "id"), page)


@router.post(RATES, response={201: RateOut})
def create_rate(request: HttpRequest, payload: RateIn, path: Path[ProductPath]):
    product = _product(request, path, Perm.CHANGE_EVENTS)
    data = _rate_refs(product.organizer, payload.dict())
    return Status(201, services.create_rate(product, actor=actor_of(request), **data))


@router.get(RATE, response=RateOut)
def get_rate(request: HttpRequest, path: Path[RatePath]):
    return _rate(_product(request, path), path.rate_id)


@router.patch(RATE, response=RateOut)
def patch_rate(request: HttpRequest, payload: RatePatch, path: Path[RatePath]):
    product = _product(request, path, Perm.CHANGE_EVENTS)
    rate = _rate(product, path.rate_id)
    data = _rate_refs(product.organizer, payload.dict(exclude_unset=True))
    for name in ("channels", "audience_types"):
        if name in data and data[name] is None:
            data[name] = []  # null: no restriction
    return services.update_rate(rate, actor=actor_of(request), **data)


@router.delete(RATE, response={204: None})
def delete_rate(request: HttpRequest, path: Path[RatePath]):
    product = _product(request, path, Perm.CHANGE_EVENTS)
    services.delete_rate(_rate(product, path.rate_id), actor=actor_of(request))
    return Status(204, None)


@router.get(TICKET_TEMPLATES, response=TicketTemplatePage)
def list_ticket_templates(
    request: HttpRequest, page: Query[PageParams], organizer: str = slug_path()
):
    """The organiser's ticket templates by name: the ids a product's `ticket_template`
    takes (the layouts are edited and previewed in the back office)."""
    org = organizer_for(request, organizer)
    templates = scoped(TicketTemplate.objects.all(), org).order_by("name", "id")
    return paginate(templates, page)
