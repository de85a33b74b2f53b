"""Orders: staff creation, list, retrieve, mark paid, cancel, refund; and the public shop's
order creation and availability (no authentication, public events only).

Every creation goes through `rideau.orders.services.place_order`. Both creation endpoints
accept an `Idempotency-Key` header (8–64 characters of `A-Z a-z 0-9 . _ : -`, e.g. a UUID):

- the key is remembered with a fingerprint of the body in the order's own transaction
  (written with the order, or not at all);
- a replay with the same key and body gets the same answer (rebuilt from the order) and
  creates nothing, even when the order could not be placed again now (sold out);
- a duplicate sent while the first request is still running waits for it and gets its
  answer (409 `idempotency_in_flight` only for a key row an earlier version left without
  its order, less than a minute old);
- the same key with another body gets 422 on the `Idempotency-Key` header;
- a request that failed (sold out, invalid) leaves nothing behind: the key can be used again.

Keys are per organiser and per caller: each API token and each staff user have their own;
in the shop a key is scoped to the client address and the buyer's e-mail address (another
client sending the same key and body does not get the first buyer's answer, with its
secrets: it places its own order). Ticket and order secrets are in an answer only for the
buyer who just created the order (shop) and for staff with `orders.change`; `orders.view`
alone sees them as null.

The shop endpoint ignores cookies (no session, so no CSRF exposure), accepts only
`application/json` bodies, and is rate-limited per client address and organiser
(`RIDEAU_SHOP_ORDER_RATE`, default 30 orders a minute, counted in the cache: per process with
the default local-memory cache, shared with Redis).
"""

import dataclasses
import datetime
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Literal

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from ninja.responses import NinjaJSONEncoder

from rideau.catalog.models import AudienceType, Question, Rate
from rideau.core.access import Actor, get_scoped_or_404, scoped
from rideau.core.errors import RideauError, ValidationFailed
from rideau.core.instances import new
from rideau.core.models import Organizer
from rideau.core.ratelimit import within_shop_rate
from rideau.core.roles import Perm
from rideau.events.models import Event, EventDate, Session
from rideau.inventory.errors import InventoryError
from rideau.orders import changes, queries, sellable, services
from rideau.orders.answers import MESSAGES as ANSWER_MESSAGES
from rideau.orders.answers import clean_answers
from rideau.orders.changes import OrderChangeError
from rideau.orders.errors import OrderError
from rideau.orders.models import Order, Position, SalesChannel
from rideau.orders.payments.errors import PaymentError
from rideau.orders.payments.services import refund_order
from rideau.orders.vouchers import code_attempt

from . import catalogue
from .auth import actor_of
from .common import organizer_for, public_event, reference, slug_path
from .errors import header_error
from .models import IdempotentRequest
from .pagination import PageParams, page_of, paginate
from .paths import EventPath, OrderPath, PositionPath
from .schemas.common import SlugRef, Text
from .schemas.order_changes import PositionsIn
from .schemas.orders import (
    AttendeeIn,
    AvailabilityOut,
    CancelIn,
    Channel,
    LineIn,
    MarkPaidIn,
    OrderIn,
    OrderOut,
    OrderSummaryOut,
    RefundIn,
    ShopOrderIn,
    order_answer,
)

router = Router(tags=["orders"])
shop_router = Router(tags=["shop"], auth=None)
OrderPage = page_of(OrderSummaryOut, "OrderPage")

ORDERS = "/organizers/{organizer}/orders"
ORDER = ORDERS + "/{code}"
SHOP = "/shop/{organizer}/{event}"

IDEMPOTENCY_HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# A key still "in flight" after this long belongs to a request that died: it may be retried.
IN_FLIGHT_TIMEOUT = datetime.timedelta(seconds=60)
# Errors that mean "not possible now" rather than "wrong input".
CONFLICT_CODES = frozenset(
    {"sold_out", "seats_sold_out", "seat_taken", "places_gone", "not_pending", "cannot_cancel"}
)
# Where the services' field names live in the request body.
FIELD_LOCATIONS = {
    "email": "buyer.email",
    "rate": "lines.rate",
    "quantity": "lines.quantity",
    "date": "lines.date",
    "session": "lines.session",
    "seats": "lines",
    "items": "lines",
}


def _json_response(data: dict | None, status: int) -> HttpResponse:
    body = b"" if data is None else json.dumps(data, cls=NinjaJSONEncoder).encode()
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def _error(status: int, code: str, message: str) -> HttpResponse:
    return _json_response({"detail": message, "code": code}, status)


class _Conflict(RideauError):
    status = 409


@contextmanager
def _domain_errors() -> Iterator[None]:
    """Sold out and state conflicts answer 409; other service errors name the body field."""
    try:
        yield
    except (OrderError, InventoryError) as exc:
        if exc.code in CONFLICT_CODES:
            raise _Conflict(exc.code, message=exc.message) from exc
        if exc.field:
            exc.field = FIELD_LOCATIONS.get(exc.field, exc.field)
        raise


# --- idempotency -----------------------------------------------------------------------------


def _idempotent(
    request: HttpRequest,
    organizer: Organizer,
    *,
    caller: str,
    body: dict,
    create: Callable[[IdempotentRequest | None], tuple[int, dict]],
) -> HttpResponse:
    """Run `create(record)` at most once per Idempotency-Key (see the module docstring).

    `record` (unsaved) is the key's row: `create` hands it to `place_order(unique_first=…)`,
    so it is written in the order's own transaction (on PostgreSQL inside the engine's one
    statement, ADR 0020): no statement before the order and none after it. A key already
    taken refuses the order (IntegrityError; a concurrent request holding it is waited for
    until it commits) and the answer is then rebuilt from the order that holds the key."""
    raw = request.headers.get(IDEMPOTENCY_HEADER)
    if raw is None:
        status, data = create(None)
        return _json_response(data, status)
    if not KEY_PATTERN.match(raw):
        raise header_error(
            IDEMPOTENCY_HEADER,
            _("Idempotency-Key: give 8 to 64 letters, digits or . _ : - (e.g. a UUID)."),
        )
    key = f"{caller}:{raw}"
    fingerprint = hashlib.sha256(
        (request.path + "\n" + json.dumps(body, sort_keys=True, cls=NinjaJSONEncoder)).encode()
    ).hexdigest()
    for _attempt in range(2):
        record = new(
            IdempotentRequest,
            organizer=organizer,
            key=key,
            fingerprint=fingerprint,
            status=201,  # written with the order: the answer is rebuilt from it on a replay
            response="",
            created=timezone.now(),
        )
        try:
            status, data = create(record)
        except IntegrityError:
            answer = _replay(organizer, key, fingerprint)
            if answer is None:
                raise
            if answer is _RETRY:
                continue
            return answer
        except RideauError:
            # not possible now (sold out, sales closed…): a replay of a request that
            # succeeded before still gets its answer (a read on the error path only)
            answer = _replay(organizer, key, fingerprint)
            if answer is None or answer is _RETRY:
                raise
            return answer
        return _json_response(data, status)
    return _error(409, "idempotency_in_flight", _in_flight_message())


_RETRY = HttpResponse(status=409)  # the key's row of a dead request was removed: try again


def _replay(organizer: Organizer, key: str, fingerprint: str) -> HttpResponse | None:
    """The answer a request with a taken `key` gets: the stored one, rebuilt from the order
    that holds the key, or 422 for another body. None: the key is free after all."""
    record = IdempotentRequest.objects.filter(organizer=organizer, key=key).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise header_error(
            IDEMPOTENCY_HEADER,
            _("This Idempotency-Key was already used with a different request."),
            "idempotency_key_reused",
        )
    if record.status is not None and record.response:  # stored by an earlier version
        return _raw_response(record.response, record.status)
    order = Order.objects.filter(organizer=organizer, idempotency_key=key).first()
    if order is not None:
        return _json_response(order_answer(order, secrets=True), 201)
    # a row without an order: written before its order by an earlier version, whose
    # request is still running or died (then the key may be used again)
    if record.created > timezone.now() - IN_FLIGHT_TIMEOUT:
        return _error(409, "idempotency_in_flight", _in_flight_message())
    IdempotentRequest.objects.filter(pk=record.pk, created=record.created).delete()
    return _RETRY


def _in_flight_message() -> str:
    return _("A request with this Idempotency-Key is still being processed; retry later.")


def _raw_response(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="application/json; charset=utf-8")


# --- creating orders -------------------------------------------------------------------------


def _lines(event: Event, lines: Sequence[LineIn]) -> list[services.OrderLine]:
    """The body's lines with their rates, dates and sessions, each looked up in `event`:
    rates and dates from the event's catalogue kept per version (`catalogue`, PostgreSQL),
    else one query per kind of reference."""
    rate_ids = {line.rate for line in lines}
    date_ids = {line.date for line in lines if line.date is not None}
    kept = catalogue.rates_and_dates(event, rate_ids, date_ids)  # per event version
    if kept is not None:
        rates, dates = kept
    else:
        rates = {
            r.pk: r
            for r in Rate.objects.select_related("product")
            .prefetch_related(
                Prefetch("product__questions", queryset=Question.objects.order_by("position", "id"))
            )
            .filter(pk__in=rate_ids, product__event=event)
        }
        dates = {d.pk: d for d in EventDate.objects.filter(pk__in=date_ids, event=event)}
    session_ids = {line.session for line in lines if line.session is not None}
    sessions = (
        {s.pk: s for s in Session.objects.filter(pk__in=session_ids, event=event)}
        if session_ids
        else {}  # an empty `pk__in` sends nothing but still costs the query's compilation
    )
    errors: dict[str, list[str]] = {}
    unknown = _("Unknown or not available here.")
    result = []
    for i, line in enumerate(lines):
        rate = rates.get(line.rate)
        if rate is None:
            errors[f"lines.{i}.rate"] = [unknown]
        if line.date is not None and line.date not in dates:
            errors[f"lines.{i}.date"] = [unknown]
        if line.session is not None and line.session not in sessions:
            errors[f"lines.{i}.session"] = [unknown]
        if len(line.attendees) > line.quantity:
            errors[f"lines.{i}.attendees"] = [_("Give at most one attendee per ticket.")]
        if errors:
            continue
        assert rate is not None  # an unknown rate is an error above
        date = dates.get(line.date) if line.date is not None else None
        if date is not None:
            date.event = event  # checked above: saves the engine a query
        result.append(
            services.OrderLine(
                rate=rate,
                quantity=line.quantity,
                date=date,
                session=sessions.get(line.session) if line.session is not None else None,
                attendees=_attendees(event, rate, line, f"lines.{i}.attendees", errors),
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return result


def _attendees(
    event: Event, rate: Rate, line: LineIn, where: str, errors: dict[str, list[str]]
) -> list[services.Attendee]:
    """The line's attendees with their answers checked against the product's questions
    (`clean_answers`, as in the shop): every ticket of a product with a required question
    needs its attendee and answer."""
    questions = list(rate.product.questions.all())
    given = list(line.attendees)
    if not questions:
        if any(a.answers for a in given):
            errors[f"{where}.answers"] = [str(ANSWER_MESSAGES["unknown"])]
        return [services.Attendee(name=a.name, email=a.email) for a in given]
    attendees = []
    for j in range(line.quantity):
        attendee = given[j] if j < len(given) else AttendeeIn()
        try:
            answers = clean_answers(
                questions, attendee.answers, languages=event.organizer.languages
            )
        except ValidationFailed as exc:
            for key, messages in exc.errors.items():
                errors[f"{where}.{j}.answers.{key}"] = messages
            continue
        attendees.append(
            services.Attendee(name=attendee.name, email=attendee.email, answers=answers)
        )
    return attendees


def _place(
    organizer: Organizer,
    event: Event,
    payload: ShopOrderIn,
    *,
    record: IdempotentRequest | None,
    actor: Actor | None,
    channel: str = SalesChannel.WEB,
    audience_type: AudienceType | None = None,
    paid: bool = False,
    provider: str = "",
    secrets: bool,
) -> tuple[int, dict]:
    lines = _lines(event, payload.lines)
    with _domain_errors():
        order = services.place_order(
            organizer,
            event=event,
            lines=lines,
            buyer=services.Buyer(
                email=payload.buyer.email,
                name=payload.buyer.name,
                locale=payload.buyer.locale or organizer.default_language,
            ),
            channel=channel,
            audience_type=audience_type,
            paid=paid,
            provider=provider,
            idempotency_key=record.key if record is not None else None,
            unique_first=[record] if record is not None else [],
            actor=actor,
            voucher_code=payload.voucher.strip() or None,
        )
    order.event = event
    return 201, order_answer(order, secrets=secrets)


@router.post(ORDERS, response={201: OrderOut})
def create_order(request: HttpRequest, payload: OrderIn, organizer: str = slug_path()):
    """Staff sale (`orders.change`). `paid: true` records cash or card taken at the box
    office (channel `box_office` only; provider defaults to `cash`). Accepts an
    `Idempotency-Key` header (per token or user): a replay gets the same answer."""
    actor = actor_of(request)
    org = organizer_for(request, organizer, Perm.CHANGE_ORDERS)
    event = reference(
        Event.objects.select_related("organizer"), org, field="event", slug=payload.event
    )
    if payload.paid and payload.channel != SalesChannel.BOX_OFFICE:
        raise ValidationFailed({"paid": [_("Only a box-office sale can be paid at once.")]})
    audience_type = (
        reference(
            AudienceType.objects.all(), org, field="audience_type", code=payload.audience_type
        )
        if payload.audience_type
        else None
    )
    if actor.token:
        caller = f"token:{actor.token.pk}"
    else:
        assert actor.user is not None  # an API call is a token's or a logged-in user's
        caller = f"user:{actor.user.pk}"

    def create(record: IdempotentRequest | None) -> tuple[int, dict]:
        return _place(
            org,
            event,
            payload,
            record=record,
            actor=actor,
            channel=payload.channel,
            audience_type=audience_type,
            paid=payload.paid,
            provider=(payload.provider or "cash") if payload.paid else payload.provider,
            secrets=True,
        )

    return _idempotent(request, org, caller=caller, body=payload.dict(), create=create)


OrderStatus = Literal["pending", "paid", "cancelled", "expired", "refunded"]


class OrderFilters(Schema):
    status: OrderStatus | None = None
    event: SlugRef | None = None
    email: Annotated[str, Text(254)] | None = None
    code: Annotated[str, Text(16)] | None = None
    channel: Channel | None = None
    audience_type: SlugRef | None = None


@router.get(ORDERS, response=OrderPage)
def list_orders(
    request: HttpRequest,
    page: Query[PageParams],
    filters: Query[OrderFilters],
    organizer: str = slug_path(),
):
    org = organizer_for(request, organizer, Perm.VIEW_ORDERS)
    orders = scoped(
        queries.with_amount_paid(Order.objects.select_related("event", "audience_type")), org
    )
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.event:
        orders = orders.filter(event__slug=filters.event)
    if filters.email:
        orders = orders.filter(email__iexact=filters.email)
    if filters.code:
        orders = orders.filter(code=filters.code.upper())
    if filters.channel:
        orders = orders.filter(channel=filters.channel)
    if filters.audience_type:
        orders = orders.filter(audience_type__code=filters.audience_type)
    return paginate(orders.order_by("-created", "-id"), page)


def _order(request: HttpRequest, path: OrderPath, perm: str) -> Order:
    org = path.organizer_for(request, perm)
    order = get_scoped_or_404(
        queries.with_amount_paid(
            Order.objects.select_related("event", "organizer", "audience_type")
        ).prefetch_related(Prefetch("positions", queryset=Position.objects.order_by("id"))),
        org,
        code=path.code,
    )
    order.show_secrets = actor_of(request).has(org, Perm.CHANGE_ORDERS)  # type: ignore[attr-defined]
    return order


@router.get(ORDER, response=OrderOut)
def get_order(request: HttpRequest, path: Path[OrderPath]):
    return _order(request, path, Perm.VIEW_ORDERS)


def _reloaded(request: HttpRequest, path: OrderPath) -> Order:
    return _order(request, path, Perm.CHANGE_ORDERS)


@router.post(ORDER + "/mark-paid", response=OrderOut)
def mark_order_paid(request: HttpRequest, payload: MarkPaidIn, path: Path[OrderPath]):
    order = _order(request, path, Perm.CHANGE_ORDERS)
    with _domain_errors():
        services.mark_paid(order, actor=actor_of(request), **payload.dict())
    return _reloaded(request, path)


@router.post(ORDER + "/cancel", response=OrderOut)
def cancel_order(request: HttpRequest, payload: CancelIn, path: Path[OrderPath]):
    order = _order(request, path, Perm.CHANGE_ORDERS)
    with _domain_errors():
        services.cancel_order(
            order, actor=actor_of(request), reason=payload.reason, notify=payload.notify
        )
    return _reloaded(request, path)


@router.post(ORDER + "/refund", response=OrderOut)
def refund(request: HttpRequest, payload: RefundIn, path: Path[OrderPath]):
    """Give money back through the payment's provider (all of it without `amount`). A
    refund up to what was paid releases the places and makes the order `refunded`."""
    order = _order(request, path, Perm.CHANGE_ORDERS)
    with _domain_errors():
        refund_order(order, amount=payload.amount, actor=actor_of(request), reason=payload.reason)
    return _reloaded(request, path)


# --- the public shop -------------------------------------------------------------------------


def _within_rate(request: HttpRequest, organizer: str) -> bool:
    """A fixed-window count of orders per client address and organiser, in the cache."""
    address = request.META.get("REMOTE_ADDR", "")
    return within_shop_rate(f"rideau:shop-orders:{organizer}:{address}")


@shop_router.post(
    SHOP + "/orders",
    response={201: OrderOut, 409: dict, 415: dict, 429: dict},
    url_name="shop_create_order",
)
def create_shop_order(request: HttpRequest, payload: ShopOrderIn, path: Path[EventPath]):
    """Order tickets of a public event as a buyer (no authentication, cookies ignored,
    `application/json` only): a web order waiting for payment (paid at once when free). The
    answer holds the order and ticket secrets. Send an `Idempotency-Key` (e.g. a UUID) to
    retry safely: a replay gets the same answer, a duplicate still running gets 409.
    Rate-limited per client address and organiser (`RIDEAU_SHOP_ORDER_RATE`, default 30 a
    minute): over it, 429 with `Retry-After`. Wrong discount codes are limited per client
    address and per buyer (`RIDEAU_VOUCHER_RATE`, default 10 in 10 minutes): over it, every
    code is refused with 429 `voucher_rate_limited` for a while."""
    if request.content_type != "application/json":
        return _error(415, "unsupported_media_type", _("Send the order as application/json."))
    if not _within_rate(request, path.organizer):
        response = _error(429, "rate_limited", _("Too many orders; try again in a minute."))
        response["Retry-After"] = str(settings.RIDEAU_SHOP_ORDER_RATE[1])
        return response
    ev = public_event(path.organizer, path.event)
    # wrong discount codes are limited per client address and per buyer (429)
    code_keys = [
        f"voucher:ip:{request.META.get('REMOTE_ADDR', '')}",
        f"voucher:buyer:{payload.buyer.email.strip().lower()}",
    ]

    def create(record: IdempotentRequest | None) -> tuple[int, dict]:
        def place() -> tuple[int, dict]:
            return _place(ev.organizer, ev, payload, record=record, actor=None, secrets=True)

        return code_attempt(code_keys, place) if payload.voucher.strip() else place()

    return _idempotent(
        request,
        ev.organizer,
        caller=_shop_caller(request, payload),
        body=payload.dict(),
        create=create,
    )


def _shop_caller(request: HttpRequest, payload: ShopOrderIn) -> str:
    return shop_scope(request.META.get("REMOTE_ADDR", ""), payload.buyer.email)


def shop_scope(address: str, email: str) -> str:
    """The scope of a shop Idempotency-Key: the client address and the buyer's e-mail."""
    who = f"{address}\n{email.strip().lower()}"
    return "shop:" + hashlib.sha256(who.encode()).hexdigest()[:24]


class SoldTo(Schema):
    channel: Channel = "web"
    audience_type: SlugRef | None = None


@shop_router.get(SHOP + "/availability", response=AvailabilityOut)
def shop_availability(request: HttpRequest, sold: Query[SoldTo], path: Path[EventPath]):
    """Places left per date and rate of a public event, with prices and whether each is on
    sale now (`available` is null where no quota applies: not sold, `on_sale` false; a date
    is on sale when one of its rates is, sold out or not).

    Only the rates sold on `channel` (default `web`) to `audience_type` (an audience type's
    code; default none: the general public, i.e. rates without an audience restriction) are
    listed (CORE-8, ADR 0006)."""
    ev = public_event(path.organizer, path.event)
    audience = None
    if sold.audience_type:
        audience = reference(
            AudienceType.objects.filter(active=True),
            ev.organizer,
            field="audience_type",
            code=sold.audience_type,
        )
    offer = sellable.on_offer(
        ev, channel=sold.channel, audience_type=audience, every_rate=True, cancelled=True
    )

    def rate_rows(date: EventDate | None) -> list[dict]:
        return [
            {
                "rate": rate.pk,
                "product": rate.product_id,
                "name": rate.name,
                "price": rate.price,
                "available": offer.left(date, rate),
                "on_sale": offer.on_sale(date, rate),
            }
            for rate in offer.rates
        ]

    return {
        "event": ev.slug,
        "currency": ev.organizer.currency,
        "on_sale": offer.event_on_sale,
        "dates": [
            {
                "date": date.pk if date else None,
                "start": date.start if date else None,
                "on_sale": offer.date_sold(date),
                "rates": rate_rows(date),
            }
            for date in offer.dates
        ],
    }


# --- staff changes: add tickets to an order, remove one ---------------------------------------

CHANGE_CONFLICTS = frozenset(
    {"not_changeable", "deadline_passed", "last_position", "already_removed"}
)


@contextmanager
def _change_errors() -> Iterator[None]:
    with _domain_errors():
        try:
            yield
        except OrderChangeError as exc:
            if exc.code in CHANGE_CONFLICTS:
                raise _Conflict(exc.code, message=exc.message) from exc
            raise


@router.post(ORDER + "/positions", response={201: OrderOut})
def add_positions(
    request: HttpRequest,
    payload: PositionsIn,
    path: Path[OrderPath],
):
    """Add tickets to a pending or paid order (`orders.change`), all or nothing.

    A pending order's new places are held until its payment deadline and its total rises; a
    paid order stays paid, its new tickets are valid at once and their price is recorded as
    paid with `provider`, or left due (see the order's payments). 409 when the order cannot
    be changed or the places are sold out."""
    order = _order(request, path, Perm.CHANGE_ORDERS)
    if order.event is None:
        raise ValidationFailed({"lines": [str(OrderChangeError("no_event").message)]})
    lines = _lines(order.event, payload.lines)
    lines = [
        dataclasses.replace(
            line,
            attendees=[
                services.Attendee(name=a.name, email=a.email, answers=a.answers)
                for a in body.attendees
            ],
        )
        for line, body in zip(lines, payload.lines, strict=True)
    ]
    with _change_errors():
        changes.add_positions(
            order,
            lines=lines,
            actor=actor_of(request),
            provider=payload.provider,
            notify=payload.notify,
            answers_required=payload.answers_required,
        )
    return Status(201, _reloaded(request, path))


@router.delete(ORDER + "/positions/{position_id}", response=OrderOut)
def remove_position(
    request: HttpRequest,
    path: Path[PositionPath],
    refund: bool = False,
    reason: Annotated[str, Text(500, multiline=True)] = "",
):
    """Remove (cancel) one ticket of a pending or paid order; its place is given back and the
    ticket stays in the order, cancelled. `refund=true` refunds its price on a paid order.
    The last ticket cannot be removed (409 `last_position`): cancel the order instead."""
    order = _order(request, path, Perm.CHANGE_ORDERS)
    position = Position.objects.filter(order=order, pk=path.position_id).first()
    if position is None:
        raise Http404("No such ticket")
    with _change_errors():
        result = changes.remove_position(
            position, actor=actor_of(request), refund=refund, reason=reason
        )
    if result.refund_error:
        raise PaymentError("refund_failed", error=result.refund_error)
    return _reloaded(request, path)
