"""Writes on the catalogue: products, their rates, ticket templates. SPEC CORE-5."""

import datetime
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TypedDict, Unpack

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from rideau.core import audit
from rideau.core.access import Actor, require
from rideau.core.errors import RideauError, ValidationFailed
from rideau.core.i18n import clean_i18n, clean_i18n_attr, localize
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.services import (
    AuditedWrites,
    old_file_dropped,
    save_with_audit,
    taken,
)
from rideau.events.models import Event
from rideau.events.services import self_agenda_off

from .models import AudienceType, Product, Question, Rate, SalesChannel, TicketTemplate

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")
NAME_LENGTH = 200
DESCRIPTION_LENGTH = 20000
# An order never needs more of one product than this (pretix learned to cap it).
MAX_PER_ORDER = 500


# --- ticket templates ----------------------------------------------------------------------


class TicketTemplateChanges(TypedDict, total=False):
    name: str
    elements: list[str]


TICKET_TEMPLATE_CHANGES = tuple(TicketTemplateChanges.__annotations__)
TICKET_TEMPLATES = AuditedWrites("ticket_template", TICKET_TEMPLATE_CHANGES)


def create_ticket_template(
    organizer: Organizer, *, actor: Actor, name: str, elements: list[str] | None = None
) -> TicketTemplate:
    template = TicketTemplate(
        organizer=organizer,
        name=name,
        elements=list(TicketTemplate.ELEMENTS) if elements is None else elements,
    )
    return TICKET_TEMPLATES.create(template, actor=actor)


def update_ticket_template(
    template: TicketTemplate, *, actor: Actor, **changes: Unpack[TicketTemplateChanges]
) -> TicketTemplate:
    return TICKET_TEMPLATES.update(template, changes, actor=actor)


def delete_ticket_template(template: TicketTemplate, *, actor: Actor) -> None:
    """Delete a template (and its background file); products using it fall back to the
    default layout."""
    with old_file_dropped(template, "background", deleted=True):
        TICKET_TEMPLATES.delete(template, actor=actor)


BACKGROUND_MAX_BYTES = 5 * 1024 * 1024
BACKGROUND_MAX_SIDE = 2480  # A4 at 300 dpi
BACKGROUND_MAX_PIXELS = 40_000_000
BACKGROUND_FORMATS = {"PNG", "JPEG"}


def prepare_background(upload) -> ContentFile:
    """A validated background, re-encoded (PNG or JPEG) to at most A4 at 300 dpi."""
    from PIL import Image, UnidentifiedImageError

    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed({"background": [message]})

    if getattr(upload, "size", 0) > BACKGROUND_MAX_BYTES:
        raise refuse(_("The background image must be at most 5 MB."))
    try:
        upload.seek(0)
        image = Image.open(upload)
        if image.format not in BACKGROUND_FORMATS:
            raise refuse(_("Upload a PNG or JPEG image."))
        if image.width * image.height > BACKGROUND_MAX_PIXELS:
            raise refuse(_("This image is too large."))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refuse(_("Upload a PNG or JPEG image.")) from None
    fmt = image.format
    image.thumbnail((BACKGROUND_MAX_SIDE, BACKGROUND_MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if fmt == "PNG":
        image.save(out, format="PNG", optimize=True)
        return ContentFile(out.getvalue(), name="background.png")
    image.convert("RGB").save(out, format="JPEG", quality=90)
    return ContentFile(out.getvalue(), name="background.jpg")


def set_ticket_background(template: TicketTemplate, upload, *, actor: Actor) -> TicketTemplate:
    """Replace (or, with `upload=None`, remove) a template's background; the old file is
    deleted once the change is saved."""
    new = prepare_background(upload) if upload is not None else None
    with old_file_dropped(template, "background"), transaction.atomic():
        before = audit.snapshot(template)
        if new is not None:
            template.background = new
        else:
            template.background = ""
        save_with_audit(
            template,
            actor=actor,
            action="ticket_template.background_changed",
            perm=Perm.CHANGE_EVENTS,
            before=before,
            validate_exclude=["organizer"],
        )
    return template


def save_ticket_template(
    organizer: Organizer,
    *,
    actor: Actor,
    template: TicketTemplate | None = None,
    name: str,
    elements: list[str],
    background=None,
    remove_background: bool = False,
) -> TicketTemplate:
    """Create (`template=None`) or change a template with its background (an upload, or
    `remove_background`), in one transaction."""
    with transaction.atomic():
        if template is None:
            template = create_ticket_template(organizer, actor=actor, name=name, elements=elements)
        else:
            update_ticket_template(template, actor=actor, name=name, elements=elements)
        if background:
            set_ticket_background(template, background, actor=actor)
        elif remove_background:
            set_ticket_background(template, None, actor=actor)
    return template


# --- products ------------------------------------------------------------------------------


class ProductOptions(TypedDict, total=False):
    """What a creation takes besides its required arguments."""

    event: Event | None
    kind: str
    description: dict[str, str] | str
    ticket_template: TicketTemplate | None
    active: bool
    max_per_order: int
    position: int
    sales_start: datetime.datetime | None
    sales_end: datetime.datetime | None


class ProductChanges(ProductOptions, total=False):
    name: dict[str, str] | str


PRODUCT_CHANGES = tuple(ProductChanges.__annotations__)


def _clean_product(product: Product, errors: dict[str, list[str]]) -> None:
    organizer = product.organizer
    clean_i18n_attr(
        product, "name", organizer.languages, errors, required=True, max_length=NAME_LENGTH
    )
    clean_i18n_attr(
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


PRODUCTS = AuditedWrites("product", PRODUCT_CHANGES, clean=_clean_product)


def create_product(
    organizer: Organizer,
    *,
    actor: Actor,
    name: dict[str, str] | str,
    **fields: Unpack[ProductOptions],
) -> Product:
    """A new product: an admission ticket (of an event), a pass or a gift voucher."""
    with transaction.atomic():
        saved = PRODUCTS.create(Product(organizer=organizer, name=name), fields, actor=actor)
        _passes_end_self_agenda(saved, actor)
    return saved


def _passes_end_self_agenda(product: Product, actor: Actor) -> None:
    """SPEC A2: defining an event pass switches the event's self-built agenda off, in the
    same transaction, audited (`event.self_agenda_off`)."""
    event = product.event
    if product.kind != Product.Kind.PASS or event is None:
        return
    self_agenda_off(event, actor=actor, why={"pass": product.pk})


def update_product(product: Product, *, actor: Actor, **changes: Unpack[ProductChanges]) -> Product:
    with transaction.atomic():
        saved = PRODUCTS.update(product, changes, actor=actor)
        _passes_end_self_agenda(saved, actor)
    return saved


def delete_product(product: Product, *, actor: Actor) -> None:
    """Delete a product with its rates."""
    PRODUCTS.delete(product, actor=actor)


# --- audience types (CORE-8) --------------------------------------------------------------


class AudienceTypeOptions(TypedDict, total=False):
    """What a creation takes besides its required arguments."""

    description: dict[str, str] | str
    position: int
    active: bool


class AudienceTypeChanges(AudienceTypeOptions, total=False):
    code: str
    name: dict[str, str] | str


AUDIENCE_TYPE_CHANGES = tuple(AudienceTypeChanges.__annotations__)


def _audience_code_taken() -> dict[str, list[str]]:
    return {"code": [_("Another audience type already has this code.")]}


def _clean_audience_type(audience: AudienceType, errors: dict[str, list[str]]) -> None:
    languages = audience.organizer.languages
    clean_i18n_attr(audience, "name", languages, errors, required=True, max_length=NAME_LENGTH)
    clean_i18n_attr(
        audience,
        "description",
        languages,
        errors,
        required=False,
        max_length=DESCRIPTION_LENGTH,
    )
    if isinstance(audience.code, str):
        audience.code = audience.code.strip().lower()
    if _code_clash(audience):
        errors.update(_audience_code_taken())


def _code_clash(audience: AudienceType) -> bool:
    """Whether another audience type of the organiser has this code (checked before saving,
    so the message is on the field; the unique constraint catches a concurrent twin)."""
    if not isinstance(audience.code, str) or not SLUG.fullmatch(audience.code):
        return False  # not a code at all: the model's validation says so
    return taken(audience, organizer_id=audience.organizer_id, code=audience.code)


AUDIENCE_TYPES = AuditedWrites(
    "audience_type",
    AUDIENCE_TYPE_CHANGES,
    clean=_clean_audience_type,
    unique_errors=_audience_code_taken,
)


def create_audience_type(
    organizer: Organizer,
    *,
    actor: Actor,
    code: str,
    name: dict[str, str] | str,
    **fields: Unpack[AudienceTypeOptions],
) -> AudienceType:
    """A new public the organiser sells to (individuals, groups, schools, members…)."""
    audience = AudienceType(organizer=organizer, code=code, name=name)
    return AUDIENCE_TYPES.create(audience, fields, actor=actor)


def update_audience_type(
    audience: AudienceType, *, actor: Actor, **changes: Unpack[AudienceTypeChanges]
) -> AudienceType:
    return AUDIENCE_TYPES.update(audience, changes, actor=actor)


def delete_audience_type(audience: AudienceType, *, actor: Actor) -> None:
    """Delete an unused audience type. One that rates or orders name is refused (deleting it
    would open its rates to everyone and blur the reports): deactivate it instead."""
    require(actor, audience.organizer, Perm.CHANGE_EVENTS)
    if audience.rates.exists() or audience.orders.exists():
        raise RideauError(
            "audience_type_in_use",
            message=_(
                "Rates or orders use this audience type: deactivate it instead of deleting it."
            ),
        )
    AUDIENCE_TYPES.delete(audience, actor=actor)


# --- rates ---------------------------------------------------------------------------------


class RateOptions(TypedDict, total=False):
    """What a creation takes besides its required arguments."""

    position: int
    active: bool
    sales_start: datetime.datetime | None
    sales_end: datetime.datetime | None
    channels: list[str]
    audience_types: Iterable[AudienceType]


class RateChanges(RateOptions, total=False):
    name: dict[str, str] | str
    price: Decimal


RATE_CHANGES = tuple(c for c in RateChanges.__annotations__ if c != "audience_types")


def _clean_rate(rate: Rate, errors: dict[str, list[str]]) -> None:
    languages = rate.product.organizer.languages
    clean_i18n_attr(rate, "name", languages, errors, required=True, max_length=NAME_LENGTH)
    if isinstance(rate.price, float):
        rate.price = Decimal(str(rate.price))
    _clean_channels(rate, errors)


def _clean_channels(rate: Rate, errors: dict[str, list[str]]) -> None:
    """`channels`: distinct sales channels, kept in the channels' own order (empty = all)."""
    channels = rate.channels
    if channels is None:
        channels = []
    if not isinstance(channels, list | tuple) or not all(isinstance(c, str) for c in channels):
        errors["channels"] = [_("Give a list of sales channels.")]
        return
    unknown = sorted({c for c in channels if c not in SalesChannel.values})
    if unknown:
        errors["channels"] = [
            _("Unknown sales channels: %(unknown)s (choose from %(known)s).")
            % {"unknown": ", ".join(unknown), "known": ", ".join(SalesChannel.values)}
        ]
        return
    rate.channels = [c for c in SalesChannel.values if c in channels]


def _checked_audiences(
    organizer: Organizer, audiences: Iterable[AudienceType] | None, errors: dict
) -> list[AudienceType] | None:
    """The rate's new audience types (None: unchanged), each of the rate's organiser."""
    if audiences is None:
        return None
    audiences = list(audiences)
    if any(not isinstance(a, AudienceType) or a.organizer_id != organizer.pk for a in audiences):
        errors["audience_types"] = [_("Unknown or not available here.")]
        return None
    return sorted({a.pk: a for a in audiences}.values(), key=lambda a: (a.position, a.pk))


def _set_audiences(
    rate: Rate, audiences: list[AudienceType] | None, *, actor: Actor, created: bool
) -> None:
    """Replace the rate's audience types; the change is logged with the codes before and
    after (the rate's own entry holds its columns only)."""
    if audiences is None:
        return
    before = [] if created else [a.code for a in rate.audience_types.order_by("position", "pk")]
    after = [a.code for a in audiences]
    if rate.audience_restricted != bool(after):
        rate.audience_restricted = bool(after)
        Rate.objects.filter(pk=rate.pk).update(audience_restricted=rate.audience_restricted)
    if before == after:
        return
    rate.audience_types.set(audiences)
    audit.record(
        "rate.audience_types_changed",
        rate,
        actor=actor,
        organizer=rate.product.organizer,
        before={"audience_types": before},
        after={"audience_types": after},
    )


RATES = AuditedWrites("rate", RATE_CHANGES, set_by_service=("product",), clean=_clean_rate)


def create_rate(
    product: Product,
    *,
    actor: Actor,
    name: dict[str, str] | str,
    price: Decimal,
    **fields: Unpack[RateOptions],
) -> Rate:
    """A new rate (tariff) of a product; the price is a Decimal ≥ 0 in the organiser's
    currency. `channels` (sales channels that may sell it) and `audience_types` (publics it
    is reserved to) are empty by default: every channel, everyone."""
    organizer = product.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    errors: dict[str, list[str]] = {}
    audiences = _checked_audiences(organizer, fields.pop("audience_types", None), errors)
    rate = Rate(product=product, name=name, price=price)
    with transaction.atomic():
        RATES.create(rate, fields, actor=actor, errors=errors)
        _set_audiences(rate, audiences, actor=actor, created=True)
    return rate


def update_rate(rate: Rate, *, actor: Actor, **changes: Unpack[RateChanges]) -> Rate:
    organizer = rate.product.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    errors: dict[str, list[str]] = {}
    audiences = _checked_audiences(organizer, changes.pop("audience_types", None), errors)
    with transaction.atomic():
        RATES.update(rate, changes, actor=actor, errors=errors)
        _set_audiences(rate, audiences, actor=actor, created=False)
        if audiences is None:
            # the save wrote the row as loaded: re-derive the flag from the M2M, in case a
            # concurrent change of the audiences committed since (one UPDATE, no read)
            restricted = Exists(Rate.audience_types.through.objects.filter(rate_id=OuterRef("pk")))
            Rate.objects.filter(pk=rate.pk).update(audience_restricted=restricted)
    return rate


def delete_rate(rate: Rate, *, actor: Actor) -> None:
    RATES.delete(rate, actor=actor)


# --- questions -----------------------------------------------------------------------------

QUESTION_LABEL_LENGTH = 500
OPTION_LENGTH = 200
MAX_OPTIONS = 100


class QuestionChanges(TypedDict, total=False):
    product: Product
    label: dict[str, str] | str
    kind: str
    required: bool
    choices: list[dict[str, str] | str]


QUESTION_CHANGES = tuple(QuestionChanges.__annotations__)


def _clean_choices(question: Question, languages: list[str], errors: dict) -> None:
    """A choice question's options: 1 to MAX_OPTIONS texts per language, no duplicates.
    Other kinds keep no options."""
    if question.kind != Question.Kind.CHOICE:
        question.choices = []
        return
    options = question.choices
    if not isinstance(options, list):
        errors["choices"] = [_("Give a list of options.")]
        return
    if len(options) > MAX_OPTIONS:
        errors["choices"] = [_("At most %(n)d options.") % {"n": MAX_OPTIONS}]
        return
    cleaned = []
    for number, option in enumerate(options, start=1):
        try:
            cleaned.append(clean_i18n(option, languages, required=True, max_length=OPTION_LENGTH))
        except ValueError as exc:
            errors["choices"] = [
                _("Option %(number)d: %(problem)s") % {"number": number, "problem": exc}
            ]
            return
    seen: set[tuple] = set()
    for option in cleaned:
        key = tuple(sorted((code, text.casefold()) for code, text in option.items()))
        if key in seen:
            errors["choices"] = [
                _("The option “%(option)s” is given twice.")
                % {"option": localize(option, fallbacks=languages)}
            ]
            return
        seen.add(key)
    if not cleaned:
        errors["choices"] = [_("A choice question needs at least one option.")]
        return
    question.choices = cleaned


def _clean_question(question: Question, errors: dict[str, list[str]]) -> None:
    organizer = question.product.organizer
    clean_i18n_attr(
        question,
        "label",
        organizer.languages,
        errors,
        required=True,
        max_length=QUESTION_LABEL_LENGTH,
    )
    if question.kind in Question.Kind.values:
        _clean_choices(question, organizer.languages, errors)


def _check_product(product: Product, organizer: Organizer) -> None:
    if product.organizer_id != organizer.pk:
        raise ValidationFailed({"product": [_("This product belongs to another organiser.")]})


QUESTIONS = AuditedWrites(
    "question", QUESTION_CHANGES, set_by_service=("product",), clean=_clean_question
)


def create_question(
    product: Product,
    *,
    actor: Actor,
    label: dict[str, str] | str,
    kind: str = Question.Kind.TEXT,
    required: bool = False,
    choices: list | None = None,
) -> Question:
    """A new question asked for each ticket of `product` at checkout, after its others."""
    organizer = product.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    last = product.questions.order_by("-position").values_list("position", flat=True).first()
    question = Question(
        product=product,
        label=label,
        kind=kind,
        required=required,
        choices=choices or [],
        position=0 if last is None else last + 1,
    )
    return QUESTIONS.create(question, actor=actor)


def update_question(
    question: Question, *, actor: Actor, **changes: Unpack[QuestionChanges]
) -> Question:
    """Change a question. Answers already given stay on the tickets as they were written."""
    organizer = question.product.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    if "product" in changes:
        _check_product(changes["product"], organizer)
    return QUESTIONS.update(question, changes, actor=actor)


def delete_question(question: Question, *, actor: Actor) -> None:
    """Delete a question. The answers given are kept on the tickets (`Position.answers`)."""
    QUESTIONS.delete(question, actor=actor)


def move_question(question: Question, *, actor: Actor, offset: int) -> Question:
    """Move a question `offset` places among its product's questions (-1: up, 1: down).

    The product's questions are renumbered 0…n-1 in their new order (under a lock on them,
    so two moves at once cannot give two questions the same place)."""
    organizer = question.product.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    with transaction.atomic():
        siblings = list(
            Question.objects.select_for_update()
            .filter(product_id=question.product_id)
            .order_by("position", "pk")
        )
        index = next((i for i, q in enumerate(siblings) if q.pk == question.pk), None)
        if index is None:
            raise ValidationFailed({"__all__": [_("This question no longer exists.")]})
        target = max(0, min(len(siblings) - 1, index + offset))
        before = {"position": index}
        siblings.insert(target, siblings.pop(index))
        for position, sibling in enumerate(siblings):
            sibling.position = position
        Question.objects.bulk_update(siblings, ["position"])
        audit.record(
            "question.moved",
            question,
            actor=actor,
            organizer=organizer,
            before=before,
            after={"position": target},
        )
    question.position = target
    return question
