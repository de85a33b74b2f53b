"""Tenants are isolated (DESIGN rule 4): every surface, tried across organisers.

An owner of organiser B walks EVERY URL pattern of `rideau.urls` (recursively, through
`get_resolver()`) and EVERY operation of the API's OpenAPI document (with a team API token
of B, and with B's session) against organiser A's objects; then every API write on B's own
objects whose body refers to A's objects (`"venue": <A's venue>`). Path parameters are
filled generically from a fixture world of organiser A: a parameter's name (or, for
`pk`/`id`/`slug`, the path segment before it) names a model, and A's instance of that
model is used. A parameter that cannot be mapped fails the test with a message saying what
to add, so a new surface is either covered or flagged — never silently skipped.

For each request: staff surfaces must answer 403 or 404 (405 for a method the view does
not offer); pages of A's personal space (`rideau_account` views, `/<organizer>/account/`)
must answer 404/405 or send the visitor to A's personal-space login page; and NOTHING may
change — the row count and a hash of every row of every model
of every app are compared before and after each request; the audit log and the outbox must
not grow. Public views (`rideau_public`) may show A's public data, never A's private data,
and must not change anything on POST either. Objects of models added later are made
with their factory (`tests.factories.<Model>Factory`) when the world has none.

Control tests prove the walk can fail: A's owner is not refused, and a deliberately leaky
view (below) is caught.
"""

import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import connection, models, transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.utils import timezone

from rideau.catalog.models import AudienceType
from rideau.contacts.models import Contact
from rideau.core.models import ApiToken, AuditLogEntry, Organizer, Team, User
from rideau.core.roles import Role
from rideau.messaging.models import OutboxAttachment, OutboxMessage
from rideau.venues.models import Location
from tests import factories
from tests.accounts.conftest import log_in_account
from tests.factories import (
    AccountFactory,
    ContactFactory,
    CustomFieldFactory,
    EventDateFactory,
    EventFactory,
    LocationFactory,
    OrganizerFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
    SessionFactory,
    TeamFactory,
    TicketTemplateFactory,
    VenueFactory,
    member,
)
from tests.passes.conftest import cross_org_objects

pytestmark = pytest.mark.django_db
# the full walks take a minute and a half together: `make quick` leaves them to `make test` (CI)
SLOW_WALK = pytest.mark.slow


API_PREFIX = "api/v1/"
OPENAPI_URL = "/api/v1/openapi.json"

# Words in A's private data (contacts, teams, tokens, custom fields): they must never appear
# in any response to B, public pages included. A's public data (event, venue, products)
# carries PUBLIC_CANARY: allowed on public pages, never on B's staff pages.
PRIVATE_CANARY = "privcanary"
PUBLIC_CANARY = "pubcanary"

# URL patterns not checked against A's objects, each with the reason. Matched against the
# route (the path pattern without the leading slash).
ALLOW_LIST = [
    # the REST API is walked operation by operation from its OpenAPI document below, with
    # the API's own authentication (a team token)
    (re.compile("^" + re.escape(API_PREFIX)), "API: covered by the OpenAPI walk"),
    # static files and uploaded media: not organiser data behind a login
    (re.compile(r"^static/"), "static files"),
    (re.compile(r"^media/"), "uploaded media (served by the web server in production)"),
    # language switch: changes only the visitor's own session/cookie
    (re.compile(r"^i18n/"), "language switch"),
    (re.compile(r"jsi18n"), "JavaScript translation catalogue"),
    # logging in, out and resetting a password act on the visitor's own account; a POST to
    # logout would end B's session and break the rest of the walk
    (re.compile(r"(^|/)login/"), "login"),
    (re.compile(r"(^|/)logout/"), "logout"),
    (re.compile(r"(^|/)password-reset/"), "password reset"),
    # opens, clicks and unsubscribes of marketing messages: the signed message token is the
    # credential, whoever asks (forged and foreign tokens: tests/scenarios/test_journeys.py)
    (re.compile(r"^m/"), "message tracking (signed token)"),
]

# Model fields that legitimately change when B merely makes a request.
IGNORED_FIELDS = {
    ("core.ApiToken", "last_used"),  # B's token records its own last use
}
# Whole models that change for reasons unrelated to A's data.
IGNORED_MODELS = {
    "sessions.Session",  # B's own session (messages, CSRF, 2FA setup) lives here
}

# Parameter or path-segment words → model label. Words not listed here are matched against
# the model names of Rideau's apps (`quota_id` → inventory.Quota); anything else fails.
ALIASES = {
    "organizer": "core.Organizer",
    "organiser": "core.Organizer",
    "org": "core.Organizer",
    "team": "core.Team",
    "token": "core.ApiToken",
    "apitoken": "core.ApiToken",
    "member": "core.User",
    "user": "core.User",
    "event": "events.Event",
    "date": "events.EventDate",
    "eventdate": "events.EventDate",
    "performance": "events.EventDate",
    "session": "events.Session",
    "venue": "venues.Venue",
    "location": "venues.Location",
    "building": "venues.Location",
    "room": "venues.Location",
    "layout": "venues.Location",
    "product": "catalog.Product",
    "rate": "catalog.Rate",
    "template": "catalog.TicketTemplate",
    "tickettemplate": "catalog.TicketTemplate",
    "contact": "contacts.Contact",
    "field": "contacts.CustomField",
    "customfield": "contacts.CustomField",
    "contactfield": "contacts.CustomField",
    "ordersecret": "orders.Order",  # the buyer's order links (the shop)
    "access": "checkin.CheckinList",  # a check-in list's access code (the scanner)
    "audience": "catalog.AudienceType",
    "registration": "registration.Registration",
    "entry": "registration.WaitlistEntry",
    "passage": "registration.EventPassage",  # an event pass (not a season pass)
    "point": "reservations.PointOfSale",
    "profile": "reservations.ProductProfile",
    "message": "messaging.OutboxMessage",  # the back office's mailbox
    "messagetemplate": "messaging.MessageTemplate",
    "attachment": "messaging.OutboxAttachment",
    "campaign": "passes.RenewalCampaign",
    "update": "core.Job",  # "Update the passes" (a kind of core.jobs)
}
# `position` in a body is a sort order, not a ticket (orders.Position)
# ("seats" in a body is a number of places, e.g. a group's waitlist entry, not seat ids)
GENERIC_PARAMS = {"pk", "id", "slug", "code", "uuid", "key", "position", "seats"}
STAFF_REFUSALS = {403, 404}
# a page of organiser A's personal space, asked by someone not logged in to it: 404, or a
# redirect to A's login page (checked by `_check`'s `login_prefix`)
ACCOUNT_REFUSALS = {302, 404, 405}
WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


class UnmappedParameter(AssertionError):
    pass


@dataclass
class World:
    a: Organizer
    b: Organizer
    owner_a: User
    owner_b: User
    token_a: str
    token_b: str
    objects: dict[str, models.Model] = field(default_factory=dict)
    b_objects: dict[str, models.Model] = field(default_factory=dict)
    # set when an object was created on demand (from a factory) after a snapshot was taken
    dirty: bool = False


@pytest.fixture
def world(db) -> World:
    a = OrganizerFactory(slug="alpha", name="Alpha Theatre")
    b = OrganizerFactory(slug="bravo", name="Bravo Productions")
    owner_a = member(a, Role.OWNER, email="owner-a@example.org")
    owner_b = member(b, Role.OWNER, email="owner-b@example.org")
    team_a = Team.objects.get(organizer=a)
    team_a.name = f"{PRIVATE_CANARY} owners"
    team_a.save()
    TeamFactory(organizer=a, role=Role.READ_ONLY, name=f"{PRIVATE_CANARY} readers")
    _token, raw_a = ApiToken.generate(team=team_a, name=f"{PRIVATE_CANARY} token")
    _token, raw_b = ApiToken.generate(team=Team.objects.get(organizer=b), name="bravo token")

    venue = VenueFactory(organizer=a, name=f"{PUBLIC_CANARY} hall", capacity=500)
    building = LocationFactory(venue=venue, kind=Location.Kind.BUILDING, name="Main building")
    room = LocationFactory(
        venue=venue, kind=Location.Kind.ROOM, parent=building, name="Room", capacity=100
    )
    layout = LocationFactory(
        venue=venue, kind=Location.Kind.LAYOUT, parent=room, name="Seated", capacity=80
    )
    event = EventFactory(
        organizer=a,
        slug="gala",
        name={"en": f"{PUBLIC_CANARY} gala", "fr": f"{PUBLIC_CANARY} gala"},
        venue=venue,
    )
    date = EventDateFactory(event=event, location=layout, capacity=80)
    session = SessionFactory(event=event, date=date, location=room, capacity=40)
    template = TicketTemplateFactory(organizer=a, name=f"{PUBLIC_CANARY} template")
    product = ProductFactory(
        event=event, organizer=a, ticket_template=template, name={"en": f"{PUBLIC_CANARY}"}
    )
    rate = RateFactory(product=product, name={"en": f"{PUBLIC_CANARY} full"})
    contact = ContactFactory(
        organizer=a, email=f"{PRIVATE_CANARY}@alpha.example", first_name=PRIVATE_CANARY
    )
    custom_field = CustomFieldFactory(organizer=a, key=PRIVATE_CANARY)
    message = OutboxMessage.objects.create(
        organizer=a,
        to=[f"{PRIVATE_CANARY}@alpha.example"],
        subject=f"{PRIVATE_CANARY} tickets",
        body_text=f"Dear {PRIVATE_CANARY}",
    )
    attachment = OutboxAttachment.objects.create(
        message=message, filename=f"{PRIVATE_CANARY}.txt", mimetype="text/plain", content=b"x"
    )
    # B has the same kinds of objects: B's own pages are not empty, and B's own API paths
    # are tried with references to A's objects in the body
    b_venue = VenueFactory(organizer=b, name="Bravo hall")
    b_room = LocationFactory(venue=b_venue, kind=Location.Kind.ROOM, name="Bravo room")
    b_event = EventFactory(organizer=b, slug="bravo-night", venue=b_venue)
    b_date = EventDateFactory(event=b_event, location=b_room)
    b_product = ProductFactory(event=b_event, organizer=b)
    b_team = Team.objects.get(organizer=b)
    return World(
        a=a,
        b=b,
        owner_a=owner_a,
        owner_b=owner_b,
        token_a=raw_a,
        token_b=raw_b,
        objects={
            "core.Organizer": a,
            "core.User": owner_a,
            "core.Team": team_a,
            "core.ApiToken": ApiToken.objects.get(team=team_a),
            "venues.Venue": venue,
            "venues.Location": layout,
            "events.Event": event,
            "events.EventDate": date,
            "events.Session": session,
            "catalog.TicketTemplate": template,
            "catalog.Product": product,
            "catalog.Rate": rate,
            "contacts.Contact": contact,
            "contacts.CustomField": custom_field,
            "catalog.AudienceType": AudienceType.objects.create(
                organizer=a, code="schools", name={"en": f"{PRIVATE_CANARY} schools"}
            ),
            "inventory.Quota": QuotaFactory(date=date, name=f"{PRIVATE_CANARY} quota"),
            "messaging.OutboxMessage": message,
            "messaging.OutboxAttachment": attachment,
            "reservations.Reservation": _reservation(a, event, date, rate),
            **cross_org_objects(a, owner_a),
        },
        b_objects={
            "core.Organizer": b,
            "core.User": owner_b,
            "core.Team": b_team,
            "core.ApiToken": ApiToken.objects.get(team=b_team),
            "venues.Venue": b_venue,
            "venues.Location": b_room,
            "events.Event": b_event,
            "events.EventDate": b_date,
            "events.Session": SessionFactory(event=b_event, date=b_date, location=b_room),
            "catalog.TicketTemplate": TicketTemplateFactory(organizer=b, name="Bravo"),
            "catalog.Product": b_product,
            "catalog.Rate": RateFactory(product=b_product),
            "contacts.Contact": ContactFactory(organizer=b, email="fan@bravo.example"),
            "contacts.CustomField": CustomFieldFactory(organizer=b, key="bravo_field"),
            "catalog.AudienceType": AudienceType.objects.create(
                organizer=b, code="bravo-groups", name={"en": "Bravo groups"}
            ),
            "inventory.Quota": QuotaFactory(date=b_date, name="Bravo quota"),
            "reservations.Reservation": _reservation(
                b, b_event, b_date, RateFactory(product=b_product)
            ),
            **cross_org_objects(b, owner_b),
        },
    )


def _reservation(organizer, event, date, rate):
    """A reservation of A's, made by phone (C4)."""
    from rideau.orders.models import SalesChannel
    from rideau.orders.services import Buyer, OrderLine
    from rideau.reservations import services as reservations
    from rideau.reservations.models import (
        PointOfSale,
        ProductProfile,
        ProfileProduct,
        ReservationRule,
    )

    phone = PointOfSale.objects.create(
        organizer=organizer, name="Phone", channel=SalesChannel.PHONE, may_reserve=True
    )
    canary = PRIVATE_CANARY if organizer.slug == "alpha" else "Bravo"  # A's private data
    profile = ProductProfile.objects.create(organizer=organizer, name=canary)
    ProfileProduct.objects.create(profile=profile, product=rate.product, reservable=True)
    ReservationRule.objects.create(product=rate.product, days_after_booking=3)
    return reservations.reserve(
        organizer,
        event=event,
        lines=[OrderLine(rate=rate, quantity=1, date=date)],
        buyer=Buyer(email=f"group@{organizer.slug}.example", name=canary),
        point_of_sale=phone,
    )


# --- what "nothing changed" means ---------------------------------------------------------


def _plain(value):
    return bytes(value) if isinstance(value, memoryview) else value


def snapshot() -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row, per model, for every model of every app."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        if label in IGNORED_MODELS:
            continue
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if (label, f.attname) not in IGNORED_FIELDS
        ]
        rows = list(model._base_manager.order_by("pk").values_list(*columns))
        digest = hashlib.sha256(
            repr([tuple(_plain(v) for v in row) for row in rows]).encode()
        ).hexdigest()
        state[label] = (len(rows), digest)
    return state


def rows_written() -> int:
    """Rows inserted, updated or deleted so far by this connection (SQLite) or transaction
    (PostgreSQL, subtransactions included). Every change to a table moves it, so a request
    after which it has not moved changed nothing, and the walk skips its snapshot (the
    expensive part: a read of every table)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT total_changes()")
        else:
            cursor.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
                " FROM pg_stat_xact_all_tables"
            )
        return int(cursor.fetchone()[0])


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(label for label in after if before.get(label) != after[label])


# --- mapping parameters to organiser A's objects ----------------------------------------


def _rideau_models() -> dict[str, type[models.Model]]:
    return {
        m._meta.model_name: m
        for m in apps.get_models()
        if m._meta.app_config.name.startswith("rideau.")
    }


def _word(text: str) -> str:
    text = text.lower().replace("-", "").replace("_", "")
    if text.endswith("ies"):
        return text[:-3] + "y"
    if text.endswith("s") and not text.endswith("ss"):
        return text[:-1]
    return text


def _base_word(name: str) -> str:
    """`event_slug` → `event`, `date_id` → `date`, `pk` → ``."""
    lowered = name.lower()
    if lowered in GENERIC_PARAMS:
        return ""
    for suffix in ("_id", "_pk", "_slug", "_code", "_uuid", "_key", "id", "pk", "slug"):
        if lowered.endswith(suffix) and len(lowered) > len(suffix):
            return _word(lowered[: -len(suffix)])
    return _word(lowered)


def model_for(name: str, previous_segment: str, where: str) -> type[models.Model]:
    word = _base_word(name) or _word(previous_segment)
    label = ALIASES.get(word)
    if label:
        return apps.get_model(label)
    model = _rideau_models().get(word)
    if model is not None:
        return model
    raise UnmappedParameter(
        f"{where}: the parameter {name!r} (after segment {previous_segment!r}) names no "
        f"known model. Add it to ALIASES in tests/test_cross_organizer.py (and an object of "
        f"organiser A to the `world` fixture) so this surface is checked across organisers."
    )


def _path_to_organizer(model, depth=0, seen=()) -> str | None:
    if model is Organizer:
        return ""
    if depth > 4:
        return None
    for f in model._meta.concrete_fields:
        if isinstance(f, models.ForeignKey) and f.related_model not in seen:
            rest = _path_to_organizer(f.related_model, depth + 1, (*seen, model))
            if rest is not None:
                return f.name + ("__" + rest if rest else "")
    return None


def instance_of(world: World, model, where: str, *, of_b: bool = False) -> models.Model:
    """Organiser A's (or, with `of_b`, B's) instance of `model` in the world."""
    label = model._meta.label
    known = world.b_objects if of_b else world.objects
    if label in known:
        return known[label]
    lookup = _path_to_organizer(model)
    if lookup is None:
        raise UnmappedParameter(f"{where}: {label} has no path to an organiser.")
    organizer = world.b if of_b else world.a
    obj = model._base_manager.filter(**{lookup: organizer}).order_by("pk").first()
    if obj is None:
        obj = _create_from_factory(world, model, lookup, of_b=of_b)
    if obj is None:
        raise UnmappedParameter(
            f"{where}: organiser {'B' if of_b else 'A'} has no {label}; add one to the "
            f"`world` fixture in tests/test_cross_organizer.py so this surface is checked "
            f"across organisers."
        )
    return obj


def _create_from_factory(world: World, model, lookup: str, *, of_b: bool):
    """An object of a model added after this test was written, made with its factory
    (`tests.factories.<Model>Factory`) and attached to the world's objects it refers to."""
    factory_class = getattr(factories, f"{model.__name__}Factory", None)
    if factory_class is None:
        return None
    known = world.b_objects if of_b else world.objects
    kwargs = {}
    for f in model._meta.concrete_fields:
        if not isinstance(f, models.ForeignKey) or f.related_model is model:
            continue
        label = f.related_model._meta.label
        if label in known:
            kwargs[f.name] = known[label]
        elif not f.null and _path_to_organizer(f.related_model) is not None:
            kwargs[f.name] = instance_of(
                world, f.related_model, f"{model.__name__}.{f.name}", of_b=of_b
            )
    obj = factory_class(**kwargs)
    organizer = world.b if of_b else world.a
    assert model._base_manager.filter(pk=obj.pk, **{lookup: organizer}).exists(), (
        f"{model.__name__}Factory({kwargs}) made an object outside the organiser"
    )
    known[model._meta.label] = obj
    world.dirty = True
    return obj


def instance_of_a(world: World, model, where: str) -> models.Model:
    return instance_of(world, model, where)


def reference_model(name: str) -> type[models.Model] | None:
    """The model a body field such as `venue`, `location_id` or `ticket_template` refers to."""
    if name.lower() in GENERIC_PARAMS:
        return None
    try:
        return model_for(name, "", "body")
    except UnmappedParameter:
        return None


def value_for(obj: models.Model, name: str, kind: str, where: str) -> str:
    """The value of `obj` for a parameter: `kind` is int, str, slug, uuid (converter/type)."""
    lowered = name.lower()
    names = {f.name for f in obj._meta.concrete_fields}
    if kind == "int":
        return str(obj.pk)
    if kind == "uuid":
        for f in obj._meta.concrete_fields:
            if isinstance(f, models.UUIDField):
                return str(getattr(obj, f.attname))
        raise UnmappedParameter(f"{where}: {obj._meta.label} has no UUID for {name!r}.")
    if lowered in names:  # a field named like the parameter (`access_code`)
        return str(getattr(obj, lowered))
    for wanted in ("slug", "code", "secret", "key"):
        if lowered.endswith(wanted) and wanted in names:
            return str(getattr(obj, wanted))
    if "slug" in names:
        return obj.slug
    if "code" in names:
        return str(obj.code)
    return str(obj.pk)


# --- walking the URL patterns ------------------------------------------------------------

_ROUTE_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def _route_text(pattern) -> str:
    """A pattern as a route with `<conv:name>` placeholders (regexes translated)."""
    if hasattr(pattern, "_route"):
        return str(pattern._route)
    regex = pattern._regex.lstrip("^").rstrip("$").removesuffix(r"\Z")
    route = _REGEX_PARAM.sub(lambda m: f"<str:{m['name']}>", regex)
    return route.replace("\\", "")


def iter_patterns(resolver=None, prefix=""):
    """(route, URLPattern) for every URL pattern, recursively through includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + _route_text(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from iter_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def is_public(callback) -> bool:
    view_class = getattr(callback, "view_class", None)
    return bool(
        getattr(callback, "rideau_public", False) or getattr(view_class, "rideau_public", False)
    )


def is_account_view(callback) -> bool:
    """A page of an organiser's personal space (buyers' login, not staff)."""
    return bool(getattr(callback, "rideau_account", False))


def allow_listed(route: str) -> str | None:
    for regex, reason in ALLOW_LIST:
        if regex.search(route):
            return reason
    return None


def fill_route(route: str, world: World) -> tuple[str, int]:
    """The URL for `route` with A's objects; returns (url, number of parameters filled)."""
    filled = 0

    def replace(match):
        nonlocal filled
        before = route[: match.start()].rstrip("/").split("/")
        previous = before[-1] if before and before[-1] else ""
        conv = match["conv"] or "str"
        model = model_for(match["name"], previous, f"URL /{route}")
        obj = instance_of_a(world, model, f"URL /{route}")
        filled += 1
        return value_for(obj, match["name"], conv, f"URL /{route}")

    url = "/" + _ROUTE_PARAM.sub(replace, route)
    if re.search(r"[()\[\]*+?|]", url):
        raise UnmappedParameter(f"URL /{route}: cannot build a URL from this regex pattern.")
    return url, filled


def form_body(world: World) -> dict:
    """A plausible form body: valid-looking values, with A's objects for every reference."""
    o = world.objects
    start = timezone.now() + datetime.timedelta(days=60)
    return {
        "name": "Cross-tenant attempt",
        "slug": "cross-tenant",
        "title": "Cross-tenant attempt",
        "email": "intruder@bravo.example",
        "first_name": "Intruder",
        "last_name": "Bravo",
        "price": "1.00",
        "capacity": "5",
        "size": "5",
        "quantity": "1",
        "start": start.strftime("%Y-%m-%d %H:%M"),
        "end": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
        "role": Role.OWNER,
        "kind": "onsite",
        "visibility": "public",
        "currency": "EUR",
        "timezone": "Europe/Paris",
        "languages": "en",
        "key": "intruder",
        "code": "000000",
        "team": str(o["core.Team"].pk),
        "event": str(o["events.Event"].pk),
        "date": str(o["events.EventDate"].pk),
        "session": str(o["events.Session"].pk),
        "venue": str(o["venues.Venue"].pk),
        "location": str(o["venues.Location"].pk),
        "product": str(o["catalog.Product"].pk),
        "rate": str(o["catalog.Rate"].pk),
        "contact": str(o["contacts.Contact"].pk),
        "user": world.owner_b.email,
    }


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # the last snapshot taken: nothing may change, so it is also the next "before"
    state: dict | None = None


def _send(client: Client, method: str, url: str, body: dict | None, **extra) -> HttpResponse:
    if method == "GET":
        return client.get(url, **extra)
    if method == "POST" and not extra.get("json"):
        return client.post(url, body or {}, **extra)
    extra.pop("json", None)
    return client.generic(
        method, url, json.dumps(body or {}), content_type="application/json", **extra
    )


def _check(
    report: Report,
    client: Client,
    method: str,
    url: str,
    body: dict | None,
    *,
    allowed: set[int] | None,
    public: bool,
    login_prefix: str = "",
    **extra,
) -> int:
    """One request: status check, canary check, nothing-changed check. Returns the status."""
    label = f"{method} {url}"
    before = report.state or snapshot()
    written = rows_written()
    audit, outbox = AuditLogEntry.objects.count(), OutboxMessage.objects.count()
    # a savepoint, so that a view crashing on a database error cannot poison the rest of the
    # walk (on PostgreSQL an error aborts the whole transaction)
    savepoint = transaction.savepoint()
    try:
        response = _send(client, method, url, body, **extra)
    except Exception as exc:  # a crash is a finding too, reported with its URL
        transaction.savepoint_rollback(savepoint)
        report.problems.append(f"{label}: raised {exc!r}")
        report.state = snapshot()
        report.checked.append(label)
        return 500
    transaction.savepoint_commit(savepoint)
    status = response.status_code
    if status >= 500:
        report.problems.append(f"{label}: server error {status}")
    if allowed is not None and status not in allowed:
        report.problems.append(f"{label}: status {status}, expected one of {sorted(allowed)}")
    if login_prefix and 300 <= status < 400:
        location = response.get("Location", "")
        if not location.startswith(login_prefix):
            report.problems.append(f"{label}: redirects to {location}, not to {login_prefix}")
    content = b"".join(response) if response.streaming else response.content
    text = content.decode(errors="replace").lower()
    if PRIVATE_CANARY in text:
        report.problems.append(f"{label}: shows organiser A's private data")
    if not public and PUBLIC_CANARY in text:
        report.problems.append(f"{label}: a staff page shows organiser A's data")
    after = report.state = before if rows_written() == written else snapshot()
    if changed := _changed(before, after):
        report.problems.append(f"{label}: changed rows of {', '.join(changed)}")
    if AuditLogEntry.objects.count() != audit or OutboxMessage.objects.count() != outbox:
        report.problems.append(f"{label}: wrote to the audit log or the outbox")
    report.checked.append(label)
    return status


def walk_urls(world: World, client: Client, urlconf: str | None = None) -> Report:
    """Try every URL pattern as the client (an owner of B) against A's objects."""
    report = Report()
    body = form_body(world)
    for route, pattern in iter_patterns(get_resolver(urlconf)):
        if reason := allow_listed(route):
            report.skipped.append(f"/{route} ({reason})")
            continue
        url, filled = fill_route(route, world)
        report.state = None if world.dirty else report.state
        world.dirty = False
        public = is_public(pattern.callback)
        if is_account_view(pattern.callback):
            # A's personal space: B (staff or buyer of B) has no account there
            login = f"/{world.a.slug}/account/login/"
            for method in ["GET", *WRITE_METHODS]:
                _check(
                    report,
                    client,
                    method,
                    url,
                    body,
                    allowed=ACCOUNT_REFUSALS,
                    public=False,
                    login_prefix=login,
                )
        elif getattr(pattern.callback, "rideau_portal", False):
            # a partner portal of A: B's people hold no portal session there (404, or a
            # redirect to that portal's login page)
            for method in ["GET", *WRITE_METHODS]:
                _check(
                    report,
                    client,
                    method,
                    url,
                    body,
                    allowed=ACCOUNT_REFUSALS,
                    public=False,
                    login_prefix=f"/{world.a.slug}/",
                )
        elif filled == 0:
            # no reference to A: B's own pages (or public pages) — they may answer, but
            # must not show A's data; writes here would be B's own legitimate changes
            _check(report, client, "GET", url, None, allowed=None, public=public)
        elif public:
            _check(report, client, "GET", url, None, allowed=None, public=True)
            _check(report, client, "POST", url, body, allowed=None, public=True)
        else:
            statuses = [
                _check(
                    report, client, method, url, body, allowed=STAFF_REFUSALS | {405}, public=False
                )
                for method in ["GET", *WRITE_METHODS]
            ]
            if not STAFF_REFUSALS & set(statuses):
                report.problems.append(f"/{route}: no method was refused with 403/404")
    return report


# --- walking the OpenAPI document --------------------------------------------------------


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        target = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        schema = target
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            if options:
                return _resolve(spec, options[0])
    return schema


def _example(spec: dict, name: str, schema: dict, world: World, where: str):
    """A plausible value for a schema; a field naming a model takes organiser A's object."""
    schema = _resolve(spec, schema)
    kind = schema.get("type")
    fmt = schema.get("format", "")
    if "enum" in schema:
        return schema["enum"][0]
    if kind in ("integer", "string") and fmt not in ("date", "date-time", "email"):
        model = reference_model(name)
        if model is not None:
            obj = instance_of_a(world, model, where)
            return obj.pk if kind == "integer" else value_for(obj, name, "str", where)
    if "default" in schema and schema["default"] is not None and kind != "object":
        return schema["default"]
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "array":
        return [_example(spec, name, schema.get("items", {}), world, where)]
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        if not props:
            # translatable texts are {language: text} objects
            translatable = isinstance(schema.get("additionalProperties"), dict) or name in (
                "name",
                "title",
                "description",
                "label",
            )
            return {"en": "Cross-tenant attempt"} if translatable else {}
        body = {}
        for key, sub in props.items():
            required = key in schema.get("required", [])
            if not required and reference_model(key) is None:
                continue
            try:
                body[key] = _example(spec, key, sub, world, where)
            except UnmappedParameter:
                if required:
                    raise
        return body
    if fmt == "email":
        return "intruder@bravo.example"
    if fmt == "date-time":
        days = 61 if name.startswith("end") or name.endswith("_end") else 60
        return (timezone.now() + datetime.timedelta(days=days)).isoformat()
    if fmt == "date":
        return (timezone.now() + datetime.timedelta(days=60)).date().isoformat()
    if fmt == "decimal":
        return "1.00"
    if fmt == "uuid":
        return "00000000-0000-4000-8000-000000000000"
    if name == "provider":
        return "cash"  # a payment method staff record (an unknown one is refused first)
    return "cross-tenant"


def openapi_operations(client: Client):
    response = client.get(OPENAPI_URL)
    assert response.status_code == 200, f"{OPENAPI_URL} answered {response.status_code}"
    spec = response.json()
    for api_path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                params = [*item.get("parameters", []), *op.get("parameters", [])]
                yield spec, api_path, method.upper(), op, params


def fill_operation(
    spec, api_path, method, op, params, world, *, of_b: bool = False
) -> tuple[str, dict | None, int]:
    """URL (path parameters from A's objects, or B's with `of_b`), body, parameters filled.
    The body always refers to A's objects."""
    where = f"API {method} {api_path}"
    filled = 0
    url = api_path if api_path.startswith("/") else "/" + api_path
    query = {}
    for param in params:
        param = _resolve(spec, param) if "$ref" in param else param
        schema = _resolve(spec, param.get("schema", {}))
        if param.get("in") == "path":
            segments = url.split("{" + param["name"] + "}")[0].rstrip("/").split("/")
            model = model_for(param["name"], segments[-1] if segments else "", where)
            obj = instance_of(world, model, where, of_b=of_b)
            conv = {"integer": "int"}.get(schema.get("type"), "str")
            if schema.get("format") == "uuid":
                conv = "uuid"
            value = value_for(obj, param["name"], conv, where)
            url = url.replace("{" + param["name"] + "}", value)
            filled += 1
        elif param.get("in") == "query" and param.get("required"):
            query[param["name"]] = _example(spec, param["name"], schema, world, where)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    body = None
    content = (op.get("requestBody") or {}).get("content", {})
    if "application/json" in content:
        body = _example(spec, "body", content["application/json"].get("schema", {}), world, where)
    return url, body, filled


def _references_a(body) -> bool:
    """Whether a generated body refers to an object (always one of organiser A's)."""
    if isinstance(body, dict):
        return any(reference_model(k) is not None or _references_a(v) for k, v in body.items())
    if isinstance(body, list):
        return any(_references_a(v) for v in body)
    return False


def walk_api(world: World, client: Client, **auth) -> Report:
    """Every OpenAPI operation as `client` (with the `auth` headers) against A's objects."""
    report = Report()
    for spec, api_path, method, op, params in openapi_operations(client):
        url, body, filled = fill_operation(spec, api_path, method, op, params, world)
        report.state = None if world.dirty else report.state
        world.dirty = False
        public = not (op.get("security") or spec.get("security"))
        if filled == 0 and method != "GET" and not _references_a(body):
            # B writing in its own space with no reference to A: legitimate, not checked here
            report.skipped.append(f"{method} {api_path} (no reference to organiser A)")
            continue
        if public or (filled == 0 and method == "GET"):
            allowed = None  # B's own lists, or public data
        else:
            allowed = STAFF_REFUSALS if filled else STAFF_REFUSALS | {400, 422}
        _check(report, client, method, url, body, allowed=allowed, public=public, json=True, **auth)
    return report


def walk_api_foreign_references(world: World, client: Client, **auth) -> Report:
    """B's own objects in the path, A's objects in the body (`venue`, `location`, …): the
    classic leak through a foreign key. Must be refused with a 4xx and change nothing."""
    report = Report()
    for spec, api_path, method, op, params in openapi_operations(client):
        if method not in ("POST", "PUT", "PATCH"):
            continue
        url, body, _filled = fill_operation(spec, api_path, method, op, params, world, of_b=True)
        report.state = None if world.dirty else report.state
        world.dirty = False
        if not _references_a(body):
            report.skipped.append(f"{method} {api_path} (the body refers to no object)")
            continue
        allowed = STAFF_REFUSALS | {400, 422}
        _check(report, client, method, url, body, allowed=allowed, public=False, json=True, **auth)
    return report


# --- the tests ---------------------------------------------------------------------------


@pytest.fixture
def client_b(world) -> Client:
    client = Client()
    client.force_login(world.owner_b)
    return client


@SLOW_WALK
def test_every_url_refuses_organiser_b_and_changes_nothing(world, client_b):
    report = walk_urls(world, client_b)

    assert report.problems == []
    # the walk really covered the back office against A (not only B's own pages)
    assert any("/control/alpha/" in label for label in report.checked), report.checked
    # the API token pages (issue 10): A's token cannot be revoked by B
    assert any("/control/alpha/teams/tokens/" in label for label in report.checked)
    # the team pages: B adds nobody to, and removes nobody from, A's teams
    team, owner = world.objects["core.Team"].pk, world.owner_a.pk
    for url in (
        f"/control/alpha/teams/{team}/members/",
        f"/control/alpha/teams/{team}/members/{owner}/remove/",
        f"/control/alpha/teams/{team}/members/{owner}/invite/",
    ):
        assert f"POST {url}" in report.checked, url
    # a renewal campaign's page (its window edited) and its delete button: B neither sees
    # nor changes A's campaign, nor withdraws its offers
    campaign = world.objects["passes.RenewalCampaign"].pk
    for url in (
        f"/control/alpha/passes/renewals/{campaign}/",
        f"/control/alpha/passes/renewals/{campaign}/delete/",
    ):
        assert f"GET {url}" in report.checked, url
        assert f"POST {url}" in report.checked, url


@SLOW_WALK
def test_a_buyer_of_b_walks_every_personal_space_page_of_a(world, client_b):
    """B's owner also logged in to B's personal space, as a buyer whose e-mail address A
    knows too: A's personal space stays closed (each space has its own login)."""
    email = f"{PRIVATE_CANARY}@alpha.example"  # A's contact's address
    b_contact = ContactFactory(organizer=world.b, email=email)
    account = AccountFactory(contact=b_contact)
    log_in_account(client_b, account, method="code")
    assert client_b.get(f"/{world.b.slug}/account/").status_code == 200

    report = walk_urls(world, client_b)

    assert report.problems == []
    account_pages = [c for c in report.checked if c.split()[1].startswith("/alpha/account/")]
    assert len(account_pages) >= 5 * 5  # five pages at least, every method


@SLOW_WALK
@pytest.mark.parametrize("credentials", ["token", "session"])
def test_every_api_operation_refuses_organiser_b_and_changes_nothing(world, client_b, credentials):
    if credentials == "token":
        report = walk_api(world, Client(), HTTP_AUTHORIZATION=f"Bearer {world.token_b}")
    else:  # the API also accepts the back-office session
        report = walk_api(world, client_b)

    assert report.problems == []
    # every operation of the document was either tried or skipped for a stated reason
    operations = list(openapi_operations(Client()))
    assert len(report.checked) + len(report.skipped) == len(operations)
    # the API token operations (issue 10) are walked, not skipped
    assert sum("/api-tokens" in label for label in report.checked) == 4, report.checked
    # the integrators' operations: points of sale, ticket templates, new check-in lists
    for label in (
        "GET /api/v1/organizers/alpha/points-of-sale",
        "GET /api/v1/organizers/alpha/ticket-templates",
        "POST /api/v1/organizers/alpha/checkin-lists",
    ):
        assert label in report.checked, label


@SLOW_WALK
def test_api_refuses_references_to_organiser_a_in_b_s_own_space(world):
    client = Client()
    report = walk_api_foreign_references(
        world, client, HTTP_AUTHORIZATION=f"Bearer {world.token_b}"
    )

    assert report.problems == []
    writes = [op for op in openapi_operations(client) if op[2] in ("POST", "PUT", "PATCH")]
    assert len(report.checked) + len(report.skipped) == len(writes)
    # a new check-in list naming A's event, products and dates from B's space
    assert "POST /api/v1/organizers/bravo/checkin-lists" in report.checked, report.checked


def _list_urls(world: World) -> list[str]:
    """Staff URLs whose only parameter is the organiser (its lists and overview pages)."""
    urls = []
    for route, pattern in iter_patterns():
        if allow_listed(route) or is_public(pattern.callback):
            continue
        names = [m["name"] for m in _ROUTE_PARAM.finditer(route)]
        if names and all(ALIASES.get(_base_word(n)) == "core.Organizer" for n in names):
            urls.append(fill_route(route, world)[0])
    return urls


@SLOW_WALK
def test_the_same_lists_answer_organiser_a(world):
    """Control: A's owner is NOT refused, so the walk above can fail."""
    client = Client()
    client.force_login(world.owner_a)
    urls = _list_urls(world)
    assert urls, "no organiser-scoped staff page found: the URL walk would be vacuous"
    for url in urls:
        response = client.get(url)
        if response.status_code == 405:
            # a form's POST-only target (a new team): A's owner passed the organiser check
            # (the decorator runs before `require_POST`), B never does (the walk: 404)
            assert response["Allow"] == "POST", url
            continue
        assert response.status_code in (200, 302), f"GET {url} as A's owner: {response.status_code}"
        assert response.status_code not in STAFF_REFUSALS

    api = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world.token_a}"}
    for spec, api_path, method, op, params in openapi_operations(api):
        if method != "GET" or api_path.rstrip("/").endswith("}"):
            continue  # only list endpoints (the path ends with a collection name)
        url, _body, _filled = fill_operation(spec, api_path, method, op, params, world)
        response = api.get(url, **auth)
        assert response.status_code == 200, f"GET {url} with A's token: {response.status_code}"


# --- the walk finds a leak when there is one ---------------------------------------------


def _leaky_contact(request, organizer, pk):
    """A deliberately broken view: fetches by bare pk, deletes on POST, shows data on GET."""
    contact = Contact.objects.get(pk=pk)
    if request.method == "POST":
        contact.delete()
    return HttpResponse(f"{contact.email}")


def _sealed_event(request, organizer, pk):
    return HttpResponse(status=404)


urlpatterns = [
    path("control/<slug:organizer>/contacts/<int:pk>/", _leaky_contact),
    path("control/<slug:organizer>/events/<int:pk>/sealed/", _sealed_event),
]


def test_the_walk_detects_a_leaky_view(world, client_b, settings):
    settings.ROOT_URLCONF = __name__

    report = walk_urls(world, client_b, urlconf=__name__)

    contact_url = f"/control/alpha/contacts/{world.objects['contacts.Contact'].pk}/"
    assert f"GET {contact_url}: status 200, expected one of [403, 404, 405]" in report.problems
    assert f"GET {contact_url}: shows organiser A's private data" in report.problems
    assert f"POST {contact_url}: changed rows of contacts.Contact" in report.problems
    assert not any("/sealed/" in p for p in report.problems)
    assert len([c for c in report.checked if "/sealed/" in c]) == 5


def test_an_unknown_parameter_is_flagged(world, settings):
    settings.ROOT_URLCONF = __name__
    with pytest.raises(UnmappedParameter, match="'gizmo_id'"):
        fill_route("control/<slug:organizer>/gizmos/<int:gizmo_id>/", world)


def test_a_new_model_is_made_for_organiser_a_with_its_factory(world):
    """Surfaces added later (here: seats) get A's object from `tests.factories`."""
    url, filled = fill_route("control/<slug:organizer>/seats/<int:seat_id>/", world)

    seat = world.objects["venues.Seat"]
    assert (url, filled) == (f"/control/alpha/seats/{seat.pk}/", 2)
    assert seat.plan.location.venue.organizer == world.a
    assert world.dirty is True


def test_a_valid_agenda_token_of_organiser_a_is_refused_under_organiser_b(organizer, actor):
    """The walk fills the signed agenda-link routes with a meaningless token; here A's real,
    valid token is tried under B's path, on an event of B with the same short name."""
    from rideau.registration import services
    from tests.registration.conftest import make_session

    client = Client()
    conference = EventFactory(organizer=organizer, self_agenda=True)
    talk = make_session(conference, actor)
    (reg,) = services.register(conference, email="a@example.org", sessions=[talk.pk]).registrations
    token = services.agenda_token(reg.contact, conference)
    mine = reverse("web:agenda-mine", args=[conference.organizer.slug, conference.slug, token])
    assert client.get(mine).status_code == 200  # the control: valid where it belongs
    other = OrganizerFactory(slug="bravo")
    twin = EventFactory(organizer=other, slug=conference.slug, self_agenda=True)
    for name in ("web:agenda-mine", "web:agenda-ical"):
        url = reverse(name, args=[other.slug, twin.slug, token])
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "cancel", "id": reg.pk}).status_code == 404
    reg.refresh_from_db()
    assert reg.state == "registered"


def test_a_gift_voucher_code_of_organiser_a_is_unknown_under_organiser_b(
    organizer, other_organizer, actor
):
    """The walk posts a made-up code to the public gift voucher pages; here A's real, valid
    code is typed on B's balance check and B's "Pay with a gift voucher" box."""
    from decimal import Decimal

    from rideau.giftcards import services as giftcards
    from rideau.orders import services as orders

    client = Client()
    voucher = giftcards.create_voucher(organizer, value=Decimal("40"), actor=actor)
    mine = reverse("web:shop-gift-voucher-balance", args=[organizer.slug])
    assert "40.00 EUR" in client.post(mine, {"code": voucher.code}).content.decode()  # control
    event = EventFactory(organizer=other_organizer)
    date = EventDateFactory(event=event)
    QuotaFactory(date=date, size=5)
    rate = RateFactory(product__event=event, product__organizer=other_organizer)
    b_order = orders.place_order(
        other_organizer,
        event=event,
        lines=[orders.OrderLine(rate=rate, date=date)],
        buyer=orders.Buyer(email="buyer@bravo.example"),
        provider="demo_card",
    )

    balance = client.post(
        reverse("web:shop-gift-voucher-balance", args=[other_organizer.slug]),
        {"code": voucher.code},
    )
    paying = client.post(
        reverse(
            "web:shop-order-gift-voucher",
            args=[other_organizer.slug, b_order.code, b_order.secret],
        ),
        {"code": voucher.code},
    )

    assert balance.status_code == 422 and paying.status_code == 422
    for response in (balance, paying):
        page = response.content.decode()
        assert "This gift voucher code is not valid." in page
        assert "40.00" not in page
    voucher.refresh_from_db()
    b_order.refresh_from_db()
    assert (voucher.balance, voucher.entries.count()) == (Decimal("40"), 1)
    assert (b_order.status, b_order.payments.count()) == ("pending", 0)
