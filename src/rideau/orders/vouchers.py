"""Writes on discount codes (vouchers), and the preview of a code on a cart. SPEC CORE-7.

A code is unique per organiser whatever its case, and matched without regard to case (as
`services._find_voucher` does). `used` is never written here: it only changes through the
conditional UPDATE of `services._redeem_voucher`, and a change of a voucher locks its row
first, so an edit can neither lose a use nor set `max_usages` below the uses already made.
"""

import datetime
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypedDict, TypeVar, Unpack

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rideau.catalog.models import Product, Rate
from rideau.core import audit, ratelimit
from rideau.core.access import Actor, require
from rideau.core.errors import RideauError, ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.services import apply_changes, full_clean, restored_on_error
from rideau.events.models import Event

from .errors import OrderError
from .models import CODE_ALPHABET, Position, Voucher
from .services import OrderLine, _apply_voucher, _find_voucher

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
CODE_LENGTH = 50
GENERATED_LENGTH = 8  # random characters after the prefix: 25⁸ ≈ 1.5·10¹¹ codes
MAX_GENERATE = 1000
MAX_VALUE = Decimal("99999999.99")
CENT = Decimal("0.01")  # what value's column holds (10 digits, 2 decimals)
PERMISSION = Perm.CHANGE_EVENTS  # who sets prices (catalogue) sets discounts


class BatchOptions(TypedDict, total=False):
    """What generated codes share besides their value."""

    kind: str
    event: Event | None
    max_usages: int | None
    valid_from: datetime.datetime | None
    valid_until: datetime.datetime | None
    active: bool
    partner_ref: str


class VoucherOptions(BatchOptions, total=False):
    """What a creation takes besides its code and value."""

    products: Sequence[Product]


class VoucherChanges(VoucherOptions, total=False):
    code: str
    value: Decimal


VOUCHER_CHANGES = tuple(VoucherChanges.__annotations__)
# everything but the code and the products: what generated codes share
BATCH_FIELDS = tuple(f for f in VOUCHER_CHANGES if f not in ("code", "products"))


def _duplicate_message() -> str:
    return _("This organiser already has a discount code “%(code)s” (codes ignore case).")


def _clean_code(code, errors: dict[str, list[str]]) -> str:
    if not isinstance(code, str) or not code.strip():
        errors["code"] = [_("Enter a code.")]
        return code if isinstance(code, str) else ""
    code = code.strip()
    if len(code) > CODE_LENGTH:
        errors["code"] = [_("At most %(n)d characters.") % {"n": CODE_LENGTH}]
    elif not CODE_PATTERN.match(code):
        errors["code"] = [
            _("Use letters, digits, hyphens and underscores only, starting with a letter or digit.")
        ]
    return code


def _clean_value(voucher: Voucher, errors: dict[str, list[str]]) -> None:
    value = voucher.value
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            value = Decimal(str(value))
        except InvalidOperation:
            value = None
    if not isinstance(value, Decimal) or not value.is_finite():
        errors["value"] = [_("Enter a number.")]
        return
    if value <= 0:
        errors["value"] = [_("Enter a value above 0.")]
    elif value.as_tuple().exponent < -2:  # type: ignore[operator]
        errors["value"] = [_("At most 2 decimal places.")]
    elif voucher.kind == Voucher.Kind.PERCENT and value > 100:
        errors["value"] = [_("A percentage is at most 100.")]
    elif value > MAX_VALUE:
        errors["value"] = [_("Enter a smaller amount.")]
    else:
        value = value.quantize(CENT)  # as stored: 10 → 10.00
    voucher.value = value


def _clean_voucher(
    voucher: Voucher, products: Sequence[Product] | None, errors: dict[str, list[str]]
) -> None:
    """The domain rules; `products` is the new product restriction (None: unchanged)."""
    organizer = voucher.organizer
    voucher.code = _clean_code(voucher.code, errors)
    if "code" not in errors:
        taken = Voucher.objects.filter(organizer=organizer, code__iexact=voucher.code)
        if voucher.pk is not None:
            taken = taken.exclude(pk=voucher.pk)
        if taken.exists():
            errors["code"] = [_duplicate_message() % {"code": voucher.code}]
    _clean_value(voucher, errors)
    if isinstance(voucher.partner_ref, str):
        voucher.partner_ref = voucher.partner_ref.strip()
    _clean_restrictions(voucher, products, errors)
    if (
        isinstance(voucher.max_usages, int)
        and voucher.pk is not None
        and voucher.max_usages < voucher.used
    ):
        errors["max_usages"] = [
            _("This code was already used %(used)d times: the maximum cannot be lower.")
            % {"used": voucher.used}
        ]
    if (
        isinstance(voucher.valid_from, datetime.datetime)
        and isinstance(voucher.valid_until, datetime.datetime)
        and voucher.valid_until <= voucher.valid_from
    ):
        errors["valid_until"] = [_("The end of the validity must come after its start.")]


def _clean_restrictions(
    voucher: Voucher, products: Sequence[Product] | None, errors: dict[str, list[str]]
) -> None:
    organizer = voucher.organizer
    event = voucher.event
    if event is not None and event.organizer_id != organizer.pk:
        errors["event"] = [_("This event belongs to another organiser.")]
        return
    if products is None:
        if voucher.pk is None or event is None:
            return
        products = list(voucher.products.all())  # the event changed: do they still fit?
    if any(p.organizer_id != organizer.pk for p in products):
        errors["products"] = [_("A product belongs to another organiser.")]
    elif event is not None and any(p.event_id != event.pk for p in products):
        errors["products"] = [_("Choose products of the chosen event only.")]


def _product_ids(voucher: Voucher, products: Sequence[Product] | None) -> list[int]:
    if products is not None:
        return sorted(p.pk for p in products)
    if voucher.pk is None:
        return []
    return sorted(voucher.products.values_list("pk", flat=True))


def _save(
    voucher: Voucher,
    *,
    actor: Actor,
    action: str,
    products: Sequence[Product] | None,
    before: dict | None,
    errors: dict[str, list[str]],
) -> Voucher:
    """Validate (domain rules and model rules together), save, set the products, audit."""
    # the constraints on used/max_usages, value and the code's case are checked above with
    # clearer messages; excluding those fields keeps the model's generic ones out
    full_clean(voucher, exclude=["organizer", "used", "value"], errors=errors)
    try:
        with transaction.atomic():
            voucher.save()
            if products is not None:
                voucher.products.set(products)
            after = {**audit.snapshot(voucher), "products": _product_ids(voucher, products)}
            audit.record(
                action,
                voucher,
                actor=actor,
                organizer=voucher.organizer,
                before=before,
                after=after,
            )
    except IntegrityError as exc:  # a concurrent write took the code first
        raise ValidationFailed({"code": [_duplicate_message() % {"code": voucher.code}]}) from exc
    return voucher


def create_voucher(
    organizer: Organizer,
    *,
    actor: Actor,
    code: str,
    value: Decimal,
    **fields: Unpack[VoucherOptions],
) -> Voucher:
    """A new discount code of the organiser (percent by default)."""
    require(actor, organizer, PERMISSION)
    products = fields.pop("products", None)
    voucher = Voucher(organizer=organizer, code=code, value=value)
    apply_changes(voucher, fields, VOUCHER_CHANGES)
    errors: dict[str, list[str]] = {}
    _clean_voucher(voucher, products, errors)
    return _save(
        voucher,
        actor=actor,
        action="voucher.created",
        products=products,
        before=None,
        errors=errors,
    )


def update_voucher(voucher: Voucher, *, actor: Actor, **changes: Unpack[VoucherChanges]) -> Voucher:
    """Change a code. Its row is locked while it changes, so a concurrent order's use is
    counted, and `max_usages` is checked against the uses really made."""
    organizer = voucher.organizer
    require(actor, organizer, PERMISSION)
    products = changes.pop("products", None)
    with restored_on_error(voucher), transaction.atomic():
        locked = Voucher.objects.select_for_update().filter(pk=voucher.pk).first()
        if locked is None:
            raise ValidationFailed({"__all__": [_("This discount code no longer exists.")]})
        voucher.used = locked.used
        before = {**audit.snapshot(locked), "products": _product_ids(locked, None)}
        apply_changes(voucher, changes, VOUCHER_CHANGES)
        errors: dict[str, list[str]] = {}
        _clean_voucher(voucher, products, errors)
        _save(
            voucher,
            actor=actor,
            action="voucher.updated",
            products=products,
            before=before,
            errors=errors,
        )
    return voucher


def deactivate_voucher(voucher: Voucher, *, actor: Actor) -> Voucher:
    """Stop a code from being used (orders already placed keep their discount)."""
    return update_voucher(voucher, actor=actor, active=False)


def _random_code(prefix: str) -> str:
    return prefix + "".join(secrets.choice(CODE_ALPHABET) for _i in range(GENERATED_LENGTH))


def generate_vouchers(
    organizer: Organizer,
    *,
    actor: Actor,
    count: int,
    prefix: str = "",
    value: Decimal,
    products: Sequence[Product] | None = None,
    **fields: Unpack[BatchOptions],
) -> list[Voucher]:
    """`count` new single codes `<prefix><8 random characters>` with the same settings (for
    a partner's customers, say); every code is audited. All or nothing."""
    require(actor, organizer, PERMISSION)
    errors: dict[str, list[str]] = {}
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_GENERATE:
        errors["count"] = [_("Enter a number from 1 to %(n)d.") % {"n": MAX_GENERATE}]
    prefix = prefix.strip() if isinstance(prefix, str) else ""
    if prefix and len(prefix) > CODE_LENGTH - GENERATED_LENGTH:
        errors["prefix"] = [_("At most %(n)d characters.") % {"n": CODE_LENGTH - GENERATED_LENGTH}]
    elif prefix and not CODE_PATTERN.match(prefix):
        errors["prefix"] = [
            _("Use letters, digits, hyphens and underscores only, starting with a letter or digit.")
        ]
    unknown = set(fields) - set(BATCH_FIELDS)
    if unknown:
        raise TypeError(f"cannot set {', '.join(sorted(unknown))} on generated vouchers")
    # one voucher validated as the model of all (its code a sample of the real ones)
    model = Voucher(organizer=organizer, code=_random_code(prefix or "X"), value=value)
    apply_changes(model, fields, BATCH_FIELDS)
    _clean_voucher(model, products, errors)
    errors.pop("code", None)  # a sample code: the prefix carries the user's input
    full_clean(model, exclude=["organizer", "used", "value"], errors=errors)
    count = int(count)
    for _attempt in range(3):
        codes: set[str] = set()
        while len(codes) < count:
            codes.add(_random_code(prefix))
        taken = set(
            Voucher.objects.filter(organizer=organizer)
            .annotate(lower=Lower("code"))
            .filter(lower__in=[c.lower() for c in codes])
            .values_list("lower", flat=True)
        )
        codes = {c for c in codes if c.lower() not in taken}
        if len(codes) < count:
            continue  # (astronomically rare) collisions: draw again
        try:
            return _create_batch(organizer, actor, model, sorted(codes), products)
        except IntegrityError:
            continue  # a concurrent write took one of the codes: draw again
    raise ValidationFailed({"prefix": [_("Could not find free codes; try another prefix.")]})


def _create_batch(
    organizer: Organizer,
    actor: Actor,
    model: Voucher,
    codes: list[str],
    products: Sequence[Product] | None,
) -> list[Voucher]:
    shared = {f: getattr(model, f) for f in BATCH_FIELDS}
    with transaction.atomic():
        vouchers = Voucher.objects.bulk_create(
            [Voucher(organizer=organizer, code=code, **shared) for code in codes]
        )
        if vouchers and vouchers[0].pk is None:  # a backend that does not return keys
            vouchers = list(Voucher.objects.filter(organizer=organizer, code__in=codes))
        product_ids = sorted(p.pk for p in products or [])
        if product_ids:
            through = Voucher.products.through
            through.objects.bulk_create(
                [through(voucher_id=v.pk, product_id=pk) for v in vouchers for pk in product_ids]
            )
        for voucher in vouchers:
            audit.record(
                "voucher.created",
                voucher,
                actor=actor,
                organizer=organizer,
                after={**audit.snapshot(voucher), "products": product_ids, "generated": True},
            )
    return vouchers


# --- the shop's preview ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class VoucherPreview:
    voucher: Voucher
    subtotal: Decimal
    discount: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount


def preview_voucher(
    organizer: Organizer,
    event: Event,
    *,
    code: str,
    rates: Iterable[tuple[Rate, int]],
    now: datetime.datetime | None = None,
) -> VoucherPreview:
    """What `code` takes off `quantity` tickets of each rate, without writing anything.

    Raises OrderError (field "voucher") like `place_order` would: "invalid_voucher",
    "voucher_used_up", and "voucher_not_applicable" when none of the tickets is of the
    code's products (an order would use up the code for nothing)."""
    now = now or timezone.now()
    positions = [
        Position(product=rate.product, rate=rate, price=rate.price)
        for rate, quantity in rates
        for _i in range(quantity)
    ]
    return _preview(_usable(organizer, event, code, now), positions)


def discount_for(
    organizer: Organizer,
    lines: Sequence[OrderLine],
    code: str,
    *,
    now: datetime.datetime | None = None,
) -> VoucherPreview:
    """What `code` takes off an order of `lines` — of several events, gift vouchers at their
    amount (the box office's cart) — as `place_order` will take it, without writing: the
    order's event is its lines' one event, if they have exactly one. Raises OrderError like
    `preview_voucher`."""
    now = now or timezone.now()
    events = {line.rate.product.event_id for line in lines}
    event = lines[0].rate.product.event if len(events) == 1 and None not in events else None
    positions = [
        Position(
            product=line.rate.product,
            rate=line.rate,
            price=line.rate.price if line.amount is None else line.amount,
        )
        for line in lines
        for _i in range(line.quantity)
    ]
    return _preview(_usable(organizer, event, code, now), positions)


def _usable(
    organizer: Organizer, event: Event | None, code: str, now: datetime.datetime
) -> Voucher:
    voucher = _find_voucher(organizer, event, code, now)
    if voucher.max_usages is not None and voucher.used >= voucher.max_usages:
        raise OrderError("voucher_used_up", field="voucher")
    return voucher


def _preview(voucher: Voucher, positions: list[Position]) -> VoucherPreview:
    subtotal = sum((p.price for p in positions), Decimal("0"))
    discount = _apply_voucher(voucher, positions)  # may raise voucher_not_applicable
    return VoucherPreview(voucher=voucher, subtotal=subtotal, discount=discount.quantize(CENT))


# --- guessing codes --------------------------------------------------------------------------

T = TypeVar("T")


class TooManyCodeAttempts(RideauError):
    status = 429
    messages = {
        "voucher_rate_limited": gettext_lazy(
            "Too many wrong discount codes. Wait a few minutes before trying another one."
        )
    }


def code_attempt(keys: Sequence[str], attempt: Callable[[], T]) -> T:
    """Run `attempt` (a preview or an order using a discount code) under the wrong-code limit.

    `keys` name who is trying (`voucher:ip:<address>`, `voucher:cart:<token>`…). Each wrong
    code (`invalid_voucher`) counts against every key; once one of them has
    `RIDEAU_VOUCHER_RATE` wrong codes in its window, every code is refused with
    TooManyCodeAttempts (429), right ones included, so guessing cannot tell a hit from a miss.
    """
    limit, window = settings.RIDEAU_VOUCHER_RATE
    if any(ratelimit.over(key, limit=limit, window=window) for key in keys):
        raise TooManyCodeAttempts("voucher_rate_limited")
    try:
        return attempt()
    except OrderError as exc:
        if exc.code == "invalid_voucher" and limit > 0:
            for key in keys:
                ratelimit.record(key, window=window)
        raise
