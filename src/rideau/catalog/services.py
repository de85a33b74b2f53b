"""Writes on the catalogue: products, their rates, ticket templates. SPEC CORE-5."""

import datetime
from decimal import Decimal
from typing import TypedDict, Unpack

from django.utils.translation import gettext as _

from rideau.core.access import Actor, require
from rideau.core.i18n import clean_i18n
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.services import (
    apply_changes,
    delete_with_audit,
    save_with_audit,
    update_with_audit,
)
from rideau.events.models import Event

from .models import Product, Rate, TicketTemplate

NAME_LENGTH = 200
DESCRIPTION_LENGTH = 20000
# An order never needs more of one product than this (pretix learned to cap it).
MAX_PER_ORDER = 500


def _clean_i18n_attr(
    obj, name: str, languages: list[str], errors: dict, *, required: bool, max_length: int
) -> None:
    try:
        setattr(
            obj,
            name,
            clean_i18n(getattr(obj, name), languages, required=required, max_length=max_length),
        )
    except ValueError as exc:
        errors[name] = [str(exc)]


# --- ticket templates ----------------------------------------------------------------------


class TicketTemplateChanges(TypedDict, total=False):
    name: str
    elements: list[str]


TICKET_TEMPLATE_CHANGES = tuple(TicketTemplateChanges.__annotations__)


def create_ticket_template(
    organizer: Organizer, *, actor: Actor, name: str, elements: list[str] | None = None
) -> TicketTemplate:
    require(actor, organizer, Perm.CHANGE_EVENTS)
    template = TicketTemplate(
        organizer=organizer,
        name=name,
        elements=list(TicketTemplate.ELEMENTS) if elements is None else elements,
    )
    return save_with_audit(
        template,
        actor=actor,
        organizer=organizer,
        action="ticket_template.created",
        perm=Perm.CHANGE_EVENTS,
        validate_exclude=["organizer"],
    )


def update_ticket_template(
    template: TicketTemplate, *, actor: Actor, **changes: Unpack[TicketTemplateChanges]
) -> TicketTemplate:
    return update_with_audit(
        template,
        changes,
        allowed=TICKET_TEMPLATE_CHANGES,
        actor=actor,
        organizer=template.organizer,
        action="ticket_template.updated",
        perm=Perm.CHANGE_EVENTS,
        validate_exclude=["organizer"],
    )


def delete_ticket_template(template: TicketTemplate, *, actor: Actor) -> None:
    """Delete a template; products using it fall back to the default layout."""
    delete_with_audit(
        template,
        actor=actor,
        organizer=template.organizer,
        action="ticket_template.deleted",
        perm=Perm.CHANGE_EVENTS,
    )


# --- products ------------------------------------------------------------------------------


class ProductChanges(TypedDict, total=False):
    event: Event | None
    kind: str
    name: dict[str, str] | str
    description: dict[str, str] | str
    ticket_template: TicketTemplate | None
    active: bool
    max_per_order: int
    position: int
    sales_start: datetime.datetime | None
    sales_end: datetime.datetime | None


PRODUCT_CHANGES = tuple(ProductChanges.__annotations__)


def _clean_product(product: Product, errors: dict[str, list[str]]) -> None:
    organizer = product.organizer
    _clean_i18n_attr(
        product, "name", organizer.languages, errors, required=True, max_length=NAME_LENGTH
    )
    _clean_i18n_attr(
        product,
        "description",
        organizer.languages,
        errors,
        required=False,
        max_length=DESCRIPTION_LENGTH,
    )
    if product.event is not None and product.event.organizer_id != organizer.pk:
        errors["event"] = [_("This event belongs to another organiser.")]
    template = product.ticket_template
    if template is not None and template.organizer_id != organizer.pk:
        errors["ticket_template"] = [_("This template belongs to another organiser.")]
    if isinstance(product.max_per_order, int) and not 1 <= product.max_per_order <= MAX_PER_ORDER:
        errors["max_per_order"] = [_("Enter a number from 1 to %(n)d.") % {"n": MAX_PER_ORDER}]


def create_product(
    organizer: Organizer,
    *,
    actor: Actor,
    name: dict[str, str] | str,
    **fields: Unpack[ProductChanges],
) -> Product:
    """A new product: an admission ticket (of an event), a pass or a gift voucher."""
    require(actor, organizer, Perm.CHANGE_EVENTS)
    product = Product(organizer=organizer, name=name)
    apply_changes(product, fields, PRODUCT_CHANGES)
    errors: dict[str, list[str]] = {}
    _clean_product(product, errors)
    return save_with_audit(
        product,
        errors=errors,
        actor=actor,
        organizer=organizer,
        action="product.created",
        perm=Perm.CHANGE_EVENTS,
        validate_exclude=["organizer"],
    )


def update_product(product: Product, *, actor: Actor, **changes: Unpack[ProductChanges]) -> Product:
    return update_with_audit(
        product,
        changes,
        allowed=PRODUCT_CHANGES,
        actor=actor,
        organizer=product.organizer,
        action="product.updated",
        perm=Perm.CHANGE_EVENTS,
        clean=_clean_product,
        validate_exclude=["organizer"],
    )


def delete_product(product: Product, *, actor: Actor) -> None:
    """Delete a product with its rates."""
    delete_with_audit(
        product,
        actor=actor,
        organizer=product.organizer,
        action="product.deleted",
        perm=Perm.CHANGE_EVENTS,
    )


# --- rates ---------------------------------------------------------------------------------


class RateChanges(TypedDict, total=False):
    name: dict[str, str] | str
    price: Decimal
    position: int
    active: bool
    sales_start: datetime.datetime | None
    sales_end: datetime.datetime | None


RATE_CHANGES = tuple(RateChanges.__annotations__)


def _clean_rate(rate: Rate, errors: dict[str, list[str]]) -> None:
    languages = rate.product.organizer.languages
    _clean_i18n_attr(rate, "name", languages, errors, required=True, max_length=NAME_LENGTH)
    if isinstance(rate.price, float):
        rate.price = Decimal(str(rate.price))


def create_rate(
    product: Product,
    *,
    actor: Actor,
    name: dict[str, str] | str,
    price: Decimal,
    **fields: Unpack[RateChanges],
) -> Rate:
    """A new rate (tariff) of a product; the price is a Decimal ≥ 0 in the organiser's
    currency."""
    organizer = product.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    rate = Rate(product=product, name=name, price=price)
    apply_changes(rate, fields, RATE_CHANGES)
    errors: dict[str, list[str]] = {}
    _clean_rate(rate, errors)
    return save_with_audit(
        rate,
        errors=errors,
        actor=actor,
        organizer=organizer,
        action="rate.created",
        perm=Perm.CHANGE_EVENTS,
        validate_exclude=["product"],
    )


def update_rate(rate: Rate, *, actor: Actor, **changes: Unpack[RateChanges]) -> Rate:
    return update_with_audit(
        rate,
        changes,
        allowed=RATE_CHANGES,
        actor=actor,
        organizer=rate.product.organizer,
        action="rate.updated",
        perm=Perm.CHANGE_EVENTS,
        clean=_clean_rate,
        validate_exclude=["product"],
    )


def delete_rate(rate: Rate, *, actor: Actor) -> None:
    delete_with_audit(
        rate,
        actor=actor,
        organizer=rate.product.organizer,
        action="rate.deleted",
        perm=Perm.CHANGE_EVENTS,
    )
