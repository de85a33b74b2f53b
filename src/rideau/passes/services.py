"""The write path of passes (SPEC D1–D3): seasons, pass products, selling a pass, adding
chosen events to a pass. Every place a pass takes goes through the capacity engine inside
the order's transaction (`orders.bundles`), all or nothing (ADR 0019).
"""

import datetime
import hashlib
import hmac
import io
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rideau.catalog import services as catalog
from rideau.catalog.models import AudienceType, Product, Rate
from rideau.core import audit, domain_events
from rideau.core.access import Actor, require
from rideau.core.errors import ValidationFailed
from rideau.core.models import Organizer
from rideau.core.roles import Perm
from rideau.core.services import full_clean, save_checked
from rideau.core.text import text_problem
from rideau.events.models import Event, EventDate
from rideau.inventory import services as inventory
from rideau.messaging.models import OutboxMessage
from rideau.messaging.services import queue_email
from rideau.orders import bundles
from rideau.orders import services as orders
from rideau.orders.models import CODE_ALPHABET, Order, SalesChannel

from .domain_events import PassIssued, about
from .errors import PassError
from .models import HOLDER_FIELDS, Pass, PassProduct, PassTicket, Season

PASS_CODE_LENGTH = 10
PHOTO_SIZE = (600, 600)
MAX_PHOTO_BYTES = 5 * 1024 * 1024


# --- codes -----------------------------------------------------------------------------------


def new_pass_code() -> str:
    """A pass code for people to type (no confusable characters): 25¹⁰ ≈ 10¹⁴ codes."""
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(PASS_CODE_LENGTH))


def normalize_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").upper()[:40]


def hash_code(organizer_id: int, code: str) -> str:
    """A keyed hash of a pass code: the database never holds the code itself, yet a code
    typed in finds its pass with one indexed lookup."""
    message = f"rideau.passes:{organizer_id}:{normalize_code(code)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def find_pass(organizer: Organizer, code: str) -> Pass | None:
    """The organiser's active pass of this code, or None."""
    if not normalize_code(code):
        return None
    return (
        Pass.objects.select_related("pass_product__product", "pass_product__season")
        .filter(
            organizer=organizer,
            code_hash=hash_code(organizer.pk, code),
            status=Pass.Status.ACTIVE,
        )
        .first()
    )


# --- seasons and pass products ------------------------------------------------------------


def _clean_season(season: Season, events: list[Event]) -> None:
    """The season's dates in order and its events the organiser's, with the model's rules."""
    errors: dict[str, list[str]] = {}
    if season.starts and season.ends and season.ends < season.starts:
        errors["ends"] = [_("The season ends before it starts.")]
    if any(e.organizer_id != season.organizer_id for e in events):
        errors["events"] = [_("Choose your own events.")]
    full_clean(season, errors=errors)


def create_season(
    organizer: Organizer,
    *,
    actor: Actor,
    name: str,
    starts: datetime.date,
    ends: datetime.date,
    events: Iterable[Event] = (),
) -> Season:
    require(actor, organizer, Perm.CHANGE_EVENTS)
    events = list(events)
    season = Season(organizer=organizer, name=name, starts=starts, ends=ends)
    _clean_season(season, events)
    with transaction.atomic():
        season.save()
        season.events.set(events)
        audit.record("season.created", season, actor=actor, organizer=organizer)
    return season


def update_season(
    season: Season,
    *,
    actor: Actor,
    name: str,
    starts: datetime.date,
    ends: datetime.date,
    events: Iterable[Event] = (),
) -> Season:
    organizer = season.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    events = list(events)
    before = audit.snapshot(season)
    season.name, season.starts, season.ends = name, starts, ends
    try:
        _clean_season(season, events)
    except ValidationFailed:
        season.refresh_from_db()
        raise
    with transaction.atomic():
        save_checked(
            season, actor=actor, organizer=organizer, action="season.updated", before=before
        )
        season.events.set(events)
    return season


@dataclass(frozen=True, kw_only=True)
class RateInput:
    name: str
    price: Decimal


@dataclass(frozen=True, kw_only=True)
class PassProductInput:
    name: str
    season: Season
    mode: str = PassProduct.Mode.AUTOMATIC
    choices: int = 0
    events: Sequence[Event] = ()
    rates: Sequence[RateInput] = ()
    size: int = 100  # how many passes are on sale (the product's quota)
    holder_fields: Sequence[str] = ("last_name", "first_name", "email")
    resale_methods: Sequence[str] = ()
    extra_tickets: bool = False
    card_format: str = PassProduct.Format.PAPER
    card_orientation: str = PassProduct.Orientation.HORIZONTAL
    card_elements: Sequence[str] = ("name", "pass_name", "season", "qr")
    holder_audience: AudienceType | None = None


def _check_settings(organizer: Organizer, data: PassProductInput, errors: dict) -> None:
    if data.season.organizer_id != organizer.pk:
        errors["season"] = [_("Choose one of your seasons.")]
    if any(e.organizer_id != organizer.pk for e in data.events):
        errors["events"] = [_("Choose your own events.")]
    if data.mode == PassProduct.Mode.CHOICE and not data.events:
        errors["events"] = [_("Choose the events the holder picks from.")]
    elif data.mode == PassProduct.Mode.CHOICE and not 1 <= data.choices <= len(data.events):
        errors["choices"] = [
            _("A choice pass lets the holder pick from 1 to %(n)d events.")
            % {"n": len(data.events)}
        ]
    unknown = [f for f in data.holder_fields if f not in HOLDER_FIELDS]
    if unknown:
        errors["holder_fields"] = [_("Unknown holder fields.")]
    if data.holder_audience is not None and data.holder_audience.organizer_id != organizer.pk:
        errors["holder_audience"] = [_("Choose one of your audience types.")]
    if any(m not in PassProduct.Proceeds.values for m in data.resale_methods):
        errors["resale_methods"] = [_("Unknown way of handling proceeds.")]


def _apply(pass_product: PassProduct, data: PassProductInput) -> None:
    pass_product.season = data.season
    pass_product.mode = data.mode
    pass_product.choices = data.choices if data.mode == PassProduct.Mode.CHOICE else 0
    pass_product.holder_fields = [f for f in HOLDER_FIELDS if f in data.holder_fields]
    pass_product.resale_methods = [
        m for m in PassProduct.Proceeds.values if m in data.resale_methods
    ]
    pass_product.extra_tickets = data.extra_tickets
    pass_product.holder_audience = data.holder_audience
    pass_product.card_format = data.card_format
    pass_product.card_orientation = data.card_orientation
    pass_product.card_elements = list(data.card_elements)


def create_pass_product(
    organizer: Organizer, *, actor: Actor, data: PassProductInput
) -> PassProduct:
    """A pass on sale: a catalogue product of kind *pass* with its rates and a quota of
    `size` passes, and what it grants. Raises ValidationFailed (nothing written)."""
    require(actor, organizer, Perm.CHANGE_EVENTS)
    errors: dict[str, list[str]] = {}
    _check_settings(organizer, data, errors)
    if not data.rates:
        errors["rates"] = [_("Give the pass at least one rate.")]
    if data.size < 1:
        errors["size"] = [_("Enter a number above 0.")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        product = catalog.create_product(
            organizer, actor=actor, name=data.name, kind=Product.Kind.PASS, max_per_order=1
        )
        for rate in data.rates:
            catalog.create_rate(product, actor=actor, name=rate.name, price=rate.price)
        inventory.create_quota(
            actor=actor,
            organizer=organizer,
            name=data.name[:190],
            size=data.size,
            product=product,
        )
        pass_product = PassProduct(organizer=organizer, product=product)
        _apply(pass_product, data)
        full_clean(pass_product, exclude=["card_background"])
        pass_product.save()
        pass_product.events.set(data.events)
        audit.record(
            "pass_product.created",
            pass_product,
            actor=actor,
            organizer=organizer,
            after=_settings_view(pass_product),
        )
    return pass_product


def update_pass_product(
    pass_product: PassProduct, *, actor: Actor, data: PassProductInput
) -> PassProduct:
    """Change what a pass grants and how it looks (events added after sales reach the
    passes already sold only through `update_passes`, SPEC D2)."""
    organizer = pass_product.organizer
    require(actor, organizer, Perm.CHANGE_EVENTS)
    errors: dict[str, list[str]] = {}
    _check_settings(organizer, data, errors)
    if errors:
        raise ValidationFailed(errors)
    before = _settings_view(pass_product)
    with transaction.atomic():
        _apply(pass_product, data)
        pass_product.save()
        pass_product.events.set(data.events)
        if data.name and str(pass_product.product) != data.name:
            catalog.update_product(pass_product.product, actor=actor, name=data.name)
        audit.record(
            "pass_product.updated",
            pass_product,
            actor=actor,
            organizer=organizer,
            before=before,
            after=_settings_view(pass_product),
        )
    return pass_product


def _settings_view(pass_product: PassProduct) -> dict:
    data = audit.snapshot(pass_product)
    data["events"] = sorted(e.pk for e in pass_product.events.all())
    return data


# --- what a pass grants -------------------------------------------------------------------


def dates_on_sale(events: Iterable[Event], now: datetime.datetime) -> list[EventDate]:
    """The dates of `events` a pass can still take a place on: not cancelled, not started."""
    return list(
        EventDate.objects.filter(event__in=list(events), is_cancelled=False, start__gt=now)
        .select_related("event")
        .order_by("start", "pk")
    )


# --- holders ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class HolderInput:
    email: str = ""
    civility: str = ""
    last_name: str = ""
    first_name: str = ""
    company: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    mobile: str = ""
    birth_date: datetime.date | None = None
    photo: UploadedFile | None = field(default=None, compare=False)
    free_field: str = ""


def _resized_photo(upload: UploadedFile, errors: dict) -> ContentFile | None:
    """The uploaded photo as a JPEG of at most PHOTO_SIZE, or None with an error."""
    from PIL import Image, UnidentifiedImageError

    if upload.size and upload.size > MAX_PHOTO_BYTES:
        errors["photo"] = [_("The photo is too large (5 MB at most).")]
        return None
    try:
        upload.seek(0)
        opened = Image.open(upload)
        opened.load()
        image = opened.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        errors["photo"] = [_("This file is not a picture we can read (JPEG or PNG).")]
        return None
    image.thumbnail(PHOTO_SIZE)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(8)}.jpg")


def clean_mobile(value: str, region: str = "FR") -> str:
    """A mobile number in E.164 form, or raises ValueError."""
    try:
        number = phonenumbers.parse(value, region or None)
    except phonenumbers.NumberParseException:
        raise ValueError from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def build_holder(
    pass_product: PassProduct, holder: HolderInput, *, fallback_email: str
) -> tuple[Pass, ContentFile | None]:
    """An unsaved pass with the holder's fields the pass asks for (the others stay empty),
    and its photo; raises ValidationFailed with field errors."""
    enabled = set(pass_product.holder_fields)
    errors: dict[str, list[str]] = {}
    p = Pass(organizer=pass_product.organizer, pass_product=pass_product)
    text_fields = {
        "civility": ["civility"],
        "last_name": ["last_name"],
        "first_name": ["first_name"],
        "company": ["company"],
        "address": ["street", "postcode", "city", "country"],
        "free_field": ["free_field"],
    }
    for key, names in text_fields.items():
        if key not in enabled:
            continue
        for name in names:
            value = (getattr(holder, name) or "").strip()
            if text_problem(value):
                errors[name] = [_("This text holds characters that are not allowed.")]
            setattr(p, name, value)
    for name in ("last_name", "first_name"):
        if name in enabled and not getattr(p, name):
            errors[name] = [_("This field is required.")]
    p.email = ((holder.email if "email" in enabled else "") or fallback_email).strip()
    if "mobile" in enabled and holder.mobile.strip():
        try:
            p.mobile = clean_mobile(
                holder.mobile.strip(), getattr(pass_product.organizer, "country", "") or "FR"
            )
        except ValueError:
            errors["mobile"] = [_("Enter a valid mobile phone number.")]
    if "birth_date" in enabled and holder.birth_date is not None:
        if holder.birth_date > timezone.now().date():
            errors["birth_date"] = [_("A birth date cannot be in the future.")]
        p.birth_date = holder.birth_date
    photo = None
    if "photo" in enabled and holder.photo is not None:
        photo = _resized_photo(holder.photo, errors)
    full_clean(p, exclude=["code_hash", "code_hint", "secret", "photo"], errors=errors)
    return p, photo


# --- selling ----------------------------------------------------------------------------------


def issue(p: Pass, photo: ContentFile | None) -> str:
    """Give an unsaved pass its code and secret and save it; returns the code (shown once)."""
    code = new_pass_code()
    p.code_hash = hash_code(p.organizer_id, code)
    p.code_hint = code[-3:]
    if not p.secret:
        p.secret = f"P{secrets.token_urlsafe(24)}"
    if photo is not None:
        p.photo.save(photo.name or "photo.jpg", photo, save=False)
    p.save()
    return code


@dataclass(kw_only=True)
class PreparedPass:
    """A pass checked and ready to be issued in an order: its unsaved row (the holder), its
    photo, the rate sold and the dates it will take a place on."""

    pass_obj: Pass
    photo: ContentFile | None
    rate: Rate
    dates: list[EventDate]


def prepare_pass(
    organizer: Organizer,
    *,
    rate: Rate,
    holder: HolderInput,
    fallback_email: str,
    chosen: Sequence[EventDate] = (),
    now: datetime.datetime | None = None,
) -> PreparedPass:
    """Check a pass before it is sold, writing nothing: the product is the organiser's
    pass, the holder's fields are those the pass asks for (ValidationFailed), an automatic
    pass grants a date still on sale, and the `chosen` dates of a choice pass are of its
    events, one per event, within its choices (PassError). An automatic pass takes every
    date of its events still on sale; a choice pass the chosen ones."""
    now = now or timezone.now()
    pass_product = pass_product_of(organizer, rate)
    p, photo = build_holder(pass_product, holder, fallback_email=fallback_email)
    if pass_product.mode == PassProduct.Mode.AUTOMATIC:
        dates = dates_on_sale(pass_product.events.all(), now)
        if not dates:
            raise PassError("no_events")
    else:
        dates = list(chosen)
        if dates:
            check_choices(pass_product, dates, have=set(), left=pass_product.choices, now=now)
    return PreparedPass(pass_obj=p, photo=photo, rate=rate, dates=dates)


def issue_in_order(
    prepared: PreparedPass,
    order: Order,
    *,
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
) -> Pass:
    """Issue a prepared pass in `order` (which holds the pass's ticket): its code and QR
    secret, one place per date through the engine as tickets of the order, the audit
    entry, `PassIssued` and the holder's e-mail. Runs in the order's transaction; an
    InventoryError leaves nothing. The code is on the returned pass as `plain_code`."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("issue_in_order needs a transaction")
    now = now or timezone.now()
    p = prepared.pass_obj
    p.order = order
    p.created = now
    code = issue(p, prepared.photo)
    tickets = grant(p, rate=prepared.rate, order=order, dates=prepared.dates, actor=actor, now=now)
    audit.record(
        "pass.issued",
        p,
        actor=actor,
        organizer=order.organizer,
        after={"order": order.code, "tickets": len(tickets), "product": p.pass_product_id},
    )
    domain_events.publish(issued_event(p, len(tickets)))
    if order.status == Order.Status.PAID:  # else once paid, with a fresh code (`mail_code`)
        queue_pass_email(p, code)
    p.plain_code = code  # type: ignore[attr-defined]
    return p


def mail_code(pass_id: int) -> bool:
    """The holder's e-mail with the pass code, for a pass whose order was paid after it was
    issued: the code made then was shown to no one (only its hash is kept), so a fresh one
    is made and sent. Once per pass (the e-mail's reference says it went); True if sent."""
    with transaction.atomic():
        p = (
            Pass.objects.select_for_update(of=("self",))
            .select_related("order", "organizer", "pass_product__product")
            .filter(pk=pass_id, status=Pass.Status.ACTIVE)
            .first()
        )
        if p is None or (p.order is not None and p.order.status != Order.Status.PAID):
            return False
        if OutboxMessage.objects.filter(reference=f"pass:{p.pk}:issued").exists():
            return False
        code = new_pass_code()
        p.code_hash = hash_code(p.organizer_id, code)
        p.code_hint = code[-3:]
        p.save(update_fields=["code_hash", "code_hint"])
        queue_pass_email(p, code)
    return True


def sell_pass(
    organizer: Organizer,
    *,
    rate: Rate,
    holder: HolderInput,
    buyer: orders.Buyer,
    channel: str = SalesChannel.WEB,
    provider: str = "",
    paid: bool = False,
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
) -> Pass:
    """Sell one pass of `rate`'s product: an order with the pass's ticket, the pass (holder,
    code, QR secret) and, for an automatic pass, one place on every date of its events still
    on sale (a seat on seated dates) — all in one transaction, all or nothing. Raises
    PassError, OrderError, InventoryError or ValidationFailed and writes nothing.

    The pass code is on the returned pass as `plain_code` and in the e-mail to the holder;
    only its keyed hash is stored. (The box office sells passes in its own orders, with
    other lines and split payments: `prepare_pass` then `issue_in_order`.)"""
    now = now or timezone.now()
    prepared = prepare_pass(
        organizer, rate=rate, holder=holder, fallback_email=buyer.email, now=now
    )
    with transaction.atomic():
        order = place_pass_order(
            organizer,
            rate=rate,
            buyer=buyer,
            channel=channel,
            provider=provider,
            paid=paid,
            actor=actor,
            now=now,
        )
        return issue_in_order(prepared, order, actor=actor, now=now)


def place_pass_order(
    organizer: Organizer,
    *,
    rate: Rate,
    buyer: orders.Buyer,
    channel: str,
    provider: str,
    paid: bool,
    actor: Actor | None,
    now: datetime.datetime,
) -> Order:
    """The order of one pass of `rate` (a sale or a renewal), in the caller's transaction:
    one line, paid now or waiting for `provider`'s payment as long as a pass order may
    (`payment_deadline`)."""
    return orders.place_order(
        organizer,
        lines=[orders.OrderLine(rate=rate, quantity=1)],
        buyer=buyer,
        channel=channel,
        provider=provider,
        paid=paid,
        actor=actor,
        now=now,
        payment_deadline=payment_deadline(provider),
    )


def pass_product_of(organizer: Organizer, rate: Rate) -> PassProduct:
    product = rate.product
    if product.organizer_id != organizer.pk or product.kind != Product.Kind.PASS:
        raise PassError("not_a_pass", field="rate")
    pass_product = (
        PassProduct.objects.filter(product=product)
        .select_related("season", "product", "organizer")
        .first()
    )
    if pass_product is None:
        raise PassError("not_a_pass", field="rate")
    return pass_product


def grant(
    p: Pass,
    *,
    rate: Rate,
    order: Order,
    dates: Sequence[EventDate],
    actor: Actor | None,
    now: datetime.datetime,
    places: Sequence[bundles.DatedPlace] | None = None,
) -> list[PassTicket]:
    """Places on `dates` (or the given `places`) as tickets of `order`, linked to the pass."""
    places = list(places) if places is not None else [bundles.DatedPlace(date=d) for d in dates]
    if not places:
        return []
    positions = bundles.add_dated_tickets(
        order, rate=rate, places=places, attendee_name=p.holder_name, actor=actor, now=now
    )
    return PassTicket.objects.bulk_create(
        [
            PassTicket(
                pass_obj=p,
                date=place.date,
                event_id=place.date.event_id,
                position=position,
                created=now,
            )
            for place, position in zip(places, positions, strict=True)
        ]
    )


def issued_event(p: Pass, tickets: int) -> PassIssued:
    return about(
        p,
        PassIssued,
        pass_id=p.pk,
        pass_product_id=p.pass_product_id,
        order_id=p.order_id,
        tickets=tickets,
    )


def _subscriber_space_url(organizer: Organizer) -> str:
    """The subscriber space's login page (empty where the web pages are not installed)."""
    from django.conf import settings
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse("web:account-subscriber-login", kwargs={"organizer": organizer.slug})
    except NoReverseMatch:
        return ""
    return settings.SITE_URL + path


def queue_pass_email(p: Pass, code: str) -> None:
    from django.template.loader import render_to_string

    from rideau.core.timezones import organizer_time

    organizer = p.organizer
    language = p.order.locale if p.order is not None else organizer.default_language
    with organizer_time(organizer, language):
        context = {
            "pass": p,
            "code": code,
            "organizer": organizer,
            "product": p.pass_product,
            "space_url": _subscriber_space_url(organizer),
        }
        subject = _("Your pass %(name)s") % {"name": str(p.pass_product)}
        text = render_to_string("passes/email/issued.txt", context)
    queue_email(
        to=[p.email],
        subject=subject,
        text=text,
        organizer=organizer,
        reference=f"pass:{p.pk}:issued",
    )


# --- adding chosen events (D3) ----------------------------------------------------------------


def remaining_choices(p: Pass) -> int:
    """How many more events a choice pass may add (an automatic pass: 0). A ticket resold
    stays a choice made: its proceeds went to the holder, who does not choose again."""
    if p.pass_product.mode != PassProduct.Mode.CHOICE:
        return 0
    chosen = p.tickets.values("event").distinct().count()
    return max(0, p.pass_product.choices - chosen)


def add_choices(
    p: Pass,
    *,
    dates: Sequence[EventDate],
    actor: Actor | None = None,
    now: datetime.datetime | None = None,
    channel: str = SalesChannel.WEB,
) -> Order:
    """Subscriber access (D3): tickets of a choice pass for chosen dates (one per event, of
    its associated events, within the choices left), as a free order of the pass holder,
    all or nothing. The pass row is locked so two checkouts cannot both use the last choice."""
    now = now or timezone.now()
    if not dates:
        raise PassError("no_events", field="dates")
    with transaction.atomic():
        locked = (
            Pass.objects.select_for_update(of=("self",))
            .select_related("pass_product__product", "organizer", "order")
            .get(pk=p.pk)
        )
        if locked.status != Pass.Status.ACTIVE or (
            locked.order is not None and locked.order.status != Order.Status.PAID
        ):
            raise PassError("pass_inactive")  # cancelled, or not paid yet
        pass_product = locked.pass_product
        have = set(locked.tickets.values_list("event_id", flat=True))  # resold ones too
        check_choices(pass_product, dates, have=have, left=remaining_choices(locked), now=now)
        rate = pass_product.product.rates.order_by("position", "pk").first()
        assert rate is not None
        order = bundles.open_order(
            locked.organizer,
            email=locked.email,
            name=locked.holder_name,
            channel=channel,
            actor=actor,
            now=now,
            reason=f"pass:{locked.pk}",
            # the holder's language, as their pass's order had it: the tickets' e-mail
            locale=locked.order.locale if locked.order is not None else "",
        )
        tickets = grant(locked, rate=rate, order=order, dates=list(dates), actor=actor, now=now)
        audit.record(
            "pass.tickets_added",
            locked,
            actor=actor,
            organizer=locked.organizer,
            after={"order": order.code, "dates": [d.pk for d in dates]},
        )
        # the tickets by e-mail, as every paid order's (the page says they were sent)
        orders.queue_order_email(order, [t.position for t in tickets], "paid")
    return order


def check_choices(
    pass_product: PassProduct,
    dates: Sequence[EventDate],
    *,
    have: set[int],
    left: int,
    now: datetime.datetime,
) -> None:
    """The chosen `dates` of a choice pass: of its events, not started nor cancelled, one per
    event and none of the events it `have`s already, at most `left` of them; or PassError."""
    allowed = {e.pk for e in pass_product.events.all()}
    seen: set[int] = set()
    for date in dates:
        if date.event_id not in allowed:
            raise PassError("not_granted", field="dates", event=str(date.event))
        if date.event_id in have:
            raise PassError("already_chosen", field="dates", event=str(date.event))
        if date.event_id in seen:  # two dates of one show in the same choice
            raise PassError("one_date_per_event", field="dates", event=str(date.event))
        if date.is_cancelled or date.start <= now:
            raise PassError("not_granted", field="dates", event=str(date.event))
        seen.add(date.event_id)
    if pass_product.mode != PassProduct.Mode.CHOICE or left == 0:
        raise PassError("no_choices_left")
    if len(seen) > left:
        raise PassError("too_many_choices", field="dates", n=left)


# --- credit -----------------------------------------------------------------------------------


def add_credit(p: Pass, amount: Decimal, *, reason: str, actor: Actor | None = None) -> None:
    """Credit on the pass (resale proceeds), in the caller's transaction."""
    Pass.objects.filter(pk=p.pk).update(credit=F("credit") + amount)
    audit.record(
        "pass.credited",
        p,
        actor=actor,
        organizer=p.organizer,
        after={"amount": str(amount), "reason": reason[:200]},
    )


def spend_credit(p: Pass, amount: Decimal, *, reason: str, actor: Actor | None = None) -> Decimal:
    """Take `amount` off the pass's credit with one conditional UPDATE (never below zero,
    whatever runs at the same time), or raise PassError("credit_too_low"). Returns what is
    left. Runs in the caller's transaction."""
    if amount <= 0:
        raise PassError("credit_too_low", field="amount")
    changed = Pass.objects.filter(pk=p.pk, credit__gte=amount).update(credit=F("credit") - amount)
    if not changed:
        raise PassError("credit_too_low", field="amount")
    audit.record(
        "pass.credit_spent",
        p,
        actor=actor,
        organizer=p.organizer,
        after={"amount": str(amount), "reason": reason[:200]},
    )
    return Pass.objects.values_list("credit", flat=True).get(pk=p.pk)


def payment_deadline(provider: str) -> datetime.timedelta:
    """How long a pass order waiting for `provider`'s payment holds its places."""
    from rideau.orders.payments.base import PaymentError, get_provider

    try:
        return get_provider(provider).payment_deadline() if provider else DEFAULT_DEADLINE
    except PaymentError:
        return DEFAULT_DEADLINE


DEFAULT_DEADLINE = datetime.timedelta(minutes=30)


def set_card_background(
    pass_product: PassProduct, upload: UploadedFile, *, actor: Actor
) -> PassProduct:
    """The background image of the pass's card (D4), resized like a photo (at most 2000 px)."""
    from PIL import Image, UnidentifiedImageError

    require(actor, pass_product.organizer, Perm.CHANGE_EVENTS)
    try:
        upload.seek(0)
        opened = Image.open(upload)
        opened.load()
        image = opened.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed(
            {"card_background": [_("This file is not a picture we can read (JPEG or PNG).")]}
        ) from None
    image.thumbnail((2000, 2000))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    with transaction.atomic():
        pass_product.card_background.save(
            f"{secrets.token_hex(8)}.jpg", ContentFile(out.getvalue()), save=True
        )
        audit.record(
            "pass_product.background_set",
            pass_product,
            actor=actor,
            organizer=pass_product.organizer,
        )
    return pass_product


# --- extra tickets at the holders' rates (D3) -------------------------------------------------


def holder_rates(p: Pass, now: datetime.datetime | None = None) -> list[tuple[EventDate, Rate]]:
    """(date, rate) pairs a holder may buy beyond the pass: the pass's events' rates reserved
    to the pass's holder audience, on sale on the web now (the sales rules' read side)."""
    from rideau.orders import sellable

    pass_product = p.pass_product
    audience = pass_product.holder_audience
    if not pass_product.extra_tickets or audience is None or p.status != Pass.Status.ACTIVE:
        return []
    now = now or timezone.now()
    rates = list(
        Rate.objects.filter(
            product__event__in=pass_product.events.all(),
            product__kind=Product.Kind.TICKET,
            audience_types=audience,
        )
        .select_related("product__event")
        .prefetch_related("audience_types")
        .order_by("product__event_id", "position", "pk")
    )
    pairs = []
    for date in dates_on_sale(pass_product.events.all(), now):
        if not sellable.date_on_sale(date.event, date, now):
            continue
        for rate in rates:
            if (
                rate.product.event_id == date.event_id
                and sellable.rate_on_sale(rate, now)
                and sellable.sold_to(rate, SalesChannel.WEB, audience)
            ):
                pairs.append((date, rate))
    return pairs


def buy_extra_tickets(
    p: Pass,
    *,
    lines: Sequence[tuple[EventDate, Rate, int]],
    provider: str = "",
    now: datetime.datetime | None = None,
) -> Order:
    """An order of the holder for extra tickets at the holders' rates (the pass's audience
    type, checked by the sales rules): the normal checkout, the pass holder as buyer."""
    now = now or timezone.now()
    offered = {(d.pk, r.pk) for d, r in holder_rates(p, now)}
    if not lines or any((d.pk, r.pk) not in offered or n < 1 for d, r, n in lines):
        raise PassError("not_granted", field="lines", event=str(p.pass_product))
    if p.order is not None and p.order.status != Order.Status.PAID:
        raise PassError("pass_inactive")
    return orders.place_order(
        p.organizer,
        lines=[orders.OrderLine(rate=r, date=d, quantity=n) for d, r, n in lines],
        buyer=orders.Buyer(email=p.email, name=p.holder_name),
        channel=SalesChannel.WEB,
        audience_type=p.pass_product.holder_audience,
        provider=provider,
        now=now,
        payment_deadline=payment_deadline(provider),
    )
