"""No N+1 on any list page (STYLE §10): every list page of the back office and of the public
site makes exactly as many queries with 3 rows as with 1.

Each case either adds rows one at a time to a page with a fixed address (`add`), or builds
a new object with n rows and returns its page (`build`, for pages that list the parts of
one thing: an order's tickets, a cart's lines). Every page is requested once before it is
measured, so first-request work (session, caches) is not counted. `rows` reads how many rows
the page really showed, so a case cannot pass by showing nothing.

Pages elsewhere with their own query tests keep them; this module is the one list of every
list page, to extend when a page is added. Not here: the scanner (tests/checkin/
test_scanner_queries.py), the seat map of a seated date (tests/web/shop/test_shop_seats.py);
there is no web list of jobs (one job's page only).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rideau.accounts.models import Account
from rideau.boxoffice import services as boxoffice
from rideau.checkin import services as checkin_services
from rideau.contacts.models import Contact
from rideau.core.access import Actor
from rideau.core.models import ApiToken, Job, Organizer, User
from rideau.core.roles import Role
from rideau.events.models import Event
from rideau.giftcards import services as giftcards
from rideau.inventory import services as inventory
from rideau.orders import jobs
from rideau.orders import services as orders
from rideau.orders.models import SalesChannel
from rideau.orders.services import Buyer, OrderLine
from rideau.venues.models import Location
from tests.accounts.conftest import log_in_account
from tests.factories import (
    AccountFactory,
    EventDateFactory,
    EventFactory,
    FestivalPageFactory,
    LocationFactory,
    OrganizerFactory,
    ProductFactory,
    RateFactory,
    SessionFactory,
    TeamFactory,
    TicketTemplateFactory,
    UserFactory,
    VenueFactory,
    member,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@dataclass
class World:
    organizer: Organizer
    owner: User
    actor: Actor
    event: Event  # public, with a product and its rate, no dates
    product: object
    rate: object
    owner_client: Client
    public_client: Client
    extra: dict

    def new_date(self, i: int = 0, *, event: Event | None = None, size: int = 50):
        """A date in the future with a quota of `size` places, in a room of a venue."""
        event = event or self.event
        venue = self.extra.setdefault("venue", VenueFactory(organizer=self.organizer))
        date = EventDateFactory(
            event=event,
            start=NOW + datetime.timedelta(days=10 + i),
            location=LocationFactory(venue=venue),
        )
        inventory.create_quota(
            actor=self.actor, organizer=self.organizer, name=f"Hall {i}", size=size, date=date
        )
        return date

    def first_date(self):
        if "date" not in self.extra:
            self.extra["date"] = self.new_date(0)
        return self.extra["date"]

    def order(self, *, quantity: int = 1, date=None, rate=None, email="ana@example.net"):
        return orders.place_order(
            self.organizer,
            event=self.event,
            lines=[
                OrderLine(rate=rate or self.rate, date=date or self.first_date(), quantity=quantity)
            ],
            buyer=Buyer(email=email, name="Ana Lopez"),
            paid=True,
            provider="cash",
            channel=SalesChannel.BOX_OFFICE,
        )


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RIDEAU_DEMO_PAYMENTS = True
    settings.RIDEAU_PUBLIC_PAGE_SECONDS = 0  # measure the rendering, not the page cache
    settings.RIDEAU_PUBLIC_FRAGMENT_SECONDS = 0  # nor the event body's (test_event_fragment)
    cache.clear()  # the shop's add-to-cart rate limit counts in the cache
    organizer = OrganizerFactory(slug="theatre", name="Théâtre du Rideau")
    owner = member(organizer, Role.OWNER, email="owner@example.org")
    event = EventFactory(organizer=organizer, slug="hamlet", name={"en": "Hamlet"})
    product = ProductFactory(event=event, organizer=organizer, name={"en": "Seat"})
    rate = RateFactory(product=product, name={"en": "Full"}, price=Decimal("25.00"))
    owner_client = Client()
    owner_client.force_login(owner)
    return World(
        organizer, owner, Actor(user=owner), event, product, rate, owner_client, Client(), {}
    )


# --- how each page grows ------------------------------------------------------------------


def add_event(w: World, i: int) -> None:
    event = EventFactory(organizer=w.organizer, name={"en": f"Play {i}"})
    w.new_date(i, event=event)
    w.new_date(i + 1, event=event)


def add_order(w: World, i: int) -> None:
    w.order(quantity=2, email=f"buyer{i}@example.net")


def add_job(w: World, i: int) -> None:
    Job.objects.create(
        organizer=w.organizer, event=w.event, kind=jobs.EXPORT_CSV, created_by=w.owner
    )


def add_team(w: World, i: int) -> None:
    team = TeamFactory(organizer=w.organizer, role=Role.CHECKIN, members=[UserFactory()])
    ApiToken.generate(team=team, name=f"token {i}")


def add_checkin_list(w: World, i: int) -> None:
    checkin_services.create_checkin_list(
        actor=w.actor,
        organizer=w.organizer,
        event=w.event,
        name=f"Door {i}",
        products=[w.product],
        dates=[w.first_date()],
    )


def add_venue(w: World, i: int) -> None:
    venue = VenueFactory(organizer=w.organizer, name=f"Venue {i}")
    LocationFactory(venue=venue)


def add_location(w: World, i: int) -> None:
    """A building, then rooms in it (a room shows its parent)."""
    venue = w.extra.setdefault("venue", VenueFactory(organizer=w.organizer))
    if "building" not in w.extra:
        w.extra["building"] = LocationFactory(venue=venue, kind=Location.Kind.BUILDING)
    else:
        LocationFactory(venue=venue, parent=w.extra["building"], name=f"Room {i}")


def add_festival_page(w: World, i: int) -> None:
    page = FestivalPageFactory(organizer=w.organizer)
    page.events.add(w.event)


def add_festival_event(w: World, i: int) -> None:
    page = w.extra.setdefault("festival", FestivalPageFactory(organizer=w.organizer))
    event = EventFactory(organizer=w.organizer, name={"en": f"Play {i}"})
    w.new_date(i, event=event)
    if i % 2:
        page.events.add(event)


def add_ticket_template(w: World, i: int) -> None:
    template = TicketTemplateFactory(organizer=w.organizer, name=f"Layout {i}")
    ProductFactory(event=w.event, organizer=w.organizer, ticket_template=template)


def add_date(w: World, i: int) -> None:
    w.new_date(i)


def add_product(w: World, i: int) -> None:
    product = ProductFactory(event=w.event, organizer=w.organizer, name={"en": f"Product {i}"})
    RateFactory(product=product, name={"en": "Full"})
    RateFactory(product=product, name={"en": "Reduced"}, price=Decimal("10.00"))


def add_quota(w: World, i: int) -> None:
    w.new_date(i)  # each date comes with its quota


def add_session(w: World, i: int) -> None:
    date = w.first_date()
    SessionFactory(event=w.event, date=date, location=date.location, title={"en": f"Talk {i}"})


def add_overview_row(w: World, i: int) -> None:
    """One more date, rate, check-in list and sale on the event overview."""
    date = w.new_date(i)
    rate = RateFactory(product=w.product, name={"en": f"Rate {i}"}, price=Decimal("5.00"))
    checkin_services.create_checkin_list(
        actor=w.actor, organizer=w.organizer, event=w.event, name=f"Door {i}"
    )
    w.order(date=date, rate=rate, email=f"buyer{i}@example.net")


def add_voucher(w: World, i: int) -> None:
    from rideau.orders.models import Voucher

    voucher = Voucher.objects.create(
        organizer=w.organizer, code=f"SPRING{i}", value=Decimal("10"), event=w.event
    )
    voucher.products.add(w.product)


def add_audience_type(w: World, i: int) -> None:
    from rideau.catalog.models import AudienceType

    AudienceType.objects.create(organizer=w.organizer, code=f"public-{i}", name={"en": f"P{i}"})


def add_product_with_questions(w: World, i: int, product=None) -> None:
    from rideau.catalog.models import Question

    product = product or ProductFactory(event=w.event, organizer=w.organizer)
    for n in range(2):
        Question.objects.create(product=product, label={"en": f"Question {n}"}, position=n)


def add_public_organizer(w: World, i: int) -> None:
    organizer = OrganizerFactory()
    EventFactory(organizer=organizer)


def add_public_event(w: World, i: int) -> None:
    event = EventFactory(organizer=w.organizer, name={"en": f"Play {i}"})
    w.new_date(i, event=event)
    w.new_date(i + 1, event=event)


def add_festival_public_event(w: World, i: int) -> None:
    page = w.extra["festival"]
    event = EventFactory(organizer=w.organizer, name={"en": f"Play {i}"})
    w.new_date(i, event=event)
    page.events.add(event)


def add_gift_voucher(w: World, i: int) -> None:
    giftcards.create_voucher(w.organizer, value=Decimal("20"), actor=w.actor, name=f"G{i}")


def build_gift_voucher(w: World, n: int) -> str:
    voucher = giftcards.create_voucher(w.organizer, value=Decimal("100"), actor=w.actor)
    for _i in range(n - 1):
        giftcards.redeem(voucher, amount=Decimal("1"))
    return f"/control/theatre/giftcards/{voucher.pk}/"


def build_pos_report(w: World, n: int) -> str:
    """A shift with n sales, each on another date (n lines per event, date and rate)."""
    shift = boxoffice.open_session(
        w.organizer, actor=w.actor, device=f"tablet-{n}", opening_float=Decimal("0")
    )
    for i in range(n):
        date = w.new_date(100 + 10 * n + i)
        cart = f"t{n}-{i}"
        boxoffice.add_places(w.organizer, token=cart, rate=w.rate, date=date, actor=w.actor)
        boxoffice.sell(
            shift,
            token=cart,
            tenders=[boxoffice.Tender(method="cash", amount=w.rate.price)],
            actor=w.actor,
        )
    return f"/control/theatre/boxoffice/shifts/{shift.pk}/"


def build_order(w: World, n: int) -> str:
    order = w.order(quantity=n, email=f"buyer{n}@example.net")
    return f"/control/theatre/orders/{order.pk}/"


def build_shop_order(w: World, n: int) -> str:
    order = w.order(quantity=n, email=f"buyer{n}@example.net")
    return f"/theatre/order/{order.code}/{order.secret}/"


def _buyer_client(w: World, email: str) -> Client:
    """A fresh visitor logged in to the personal space of the buyer with this address."""
    contact = Contact.objects.get(organizer=w.organizer, email=email)
    account = Account.objects.filter(contact=contact).first() or AccountFactory(contact=contact)
    w.public_client = Client()
    log_in_account(w.public_client, account)
    return w.public_client


def build_account_orders(w: World, n: int) -> str:
    """A buyer with n orders (alternately paid and pending), on their orders page."""
    email = f"account{n}@example.net"
    for i in range(n):
        if i % 2:
            w.order(email=email)
        else:
            orders.place_order(
                w.organizer,
                event=w.event,
                lines=[OrderLine(rate=w.rate, date=w.first_date(), quantity=1)],
                buyer=Buyer(email=email, name="Ana Lopez"),
                provider="bank_transfer",
            )
    _buyer_client(w, email)
    return "/theatre/account/orders/"


def build_account_dashboard(w: World, n: int) -> str:
    """A buyer with n orders waiting for payment, on the personal space's home page."""
    email = f"dashboard{n}@example.net"
    for _i in range(n):
        orders.place_order(
            w.organizer,
            event=w.event,
            lines=[OrderLine(rate=w.rate, date=w.first_date(), quantity=1)],
            buyer=Buyer(email=email, name="Ana Lopez"),
            provider="bank_transfer",
        )
    _buyer_client(w, email)
    return "/theatre/account/"


def build_account_order(w: World, n: int) -> str:
    """A buyer's order with n tickets, on its page in the personal space."""
    order = w.order(quantity=n, email=f"tickets{n}@example.net")
    _buyer_client(w, order.email)
    return f"/theatre/account/orders/{order.code}/"


def build_shop_dates(w: World, n: int) -> str:
    """An event with n + 1 dates on sale, on the shop's date choice."""
    event = EventFactory(organizer=w.organizer, name={"en": f"Dates {n}"})
    product = ProductFactory(event=event, organizer=w.organizer)
    RateFactory(product=product)
    for i in range(n + 1):
        w.new_date(i, event=event)
    return f"/theatre/{event.slug}/tickets/"


def build_cart(w: World, n: int) -> str:
    """A fresh buyer's cart with n lines (n dates), on the cart page."""
    w.public_client = Client()
    event = EventFactory(organizer=w.organizer, name={"en": f"Cart {n}"})
    product = ProductFactory(event=event, organizer=w.organizer)
    rate = RateFactory(product=product)
    data = {}
    for i in range(n):
        date = w.new_date(i, event=event)
        data[f"q-{date.pk}-{rate.pk}"] = "1"
    tickets = f"/theatre/{event.slug}/tickets/"
    assert w.public_client.post(tickets, data).status_code == 302
    return tickets + "cart/"


def build_organizers_home(w: World, n: int) -> str:
    """A staff member of n + 1 organisers (with one, the page redirects to it)."""
    user = UserFactory()
    for _ in range(n + 1):
        TeamFactory(organizer=OrganizerFactory(), role=Role.READ_ONLY, members=[user])
    w.owner_client = Client()
    w.owner_client.force_login(user)
    return "/control/"


# --- the pages ----------------------------------------------------------------------------


def add_contact(w: World, i: int) -> None:
    Contact.objects.create(organizer=w.organizer, email=f"listed{i}@example.org")


def add_scenario(w: World, i: int) -> None:
    from tests.factories import ScenarioFactory, StepFactory

    StepFactory(scenario=ScenarioFactory(organizer=w.organizer), position=1)


def build_scenario(w: World, n: int) -> str:
    """A scenario of n steps, each with a sent message (the statistics are one query)."""
    from rideau.messaging.models import OutboxMessage
    from tests.factories import ScenarioFactory, StepFactory

    scenario = ScenarioFactory(organizer=w.organizer)
    for position in range(1, n + 1):
        step = StepFactory(scenario=scenario, position=position)
        OutboxMessage.objects.create(
            organizer=w.organizer, reference=step.reference, status="sent", to=["x@example.org"]
        )
    return f"/control/theatre/marketing/scenarios/{scenario.pk}/"


def _context_len(key: str) -> Callable:
    return lambda response: len(response.context[key])


def _shop_dates(response) -> int:
    return sum(
        1 for month in response.context["months"] for group in month["dates"] if group["date"]
    )


@dataclass
class Case:
    url: str | None
    rows: Callable
    add: Callable | None = None
    build: Callable | None = None
    public: bool = False
    shown: tuple[int, int] = (1, 3)


CASES = {
    # back office
    "home: next dates": Case(
        "/control/theatre/", lambda r: len(r.context["board"].upcoming), add=add_date
    ),
    "home: latest orders": Case(
        "/control/theatre/", lambda r: len(r.context["board"].recent_orders), add=add_order
    ),
    "home: work in progress": Case(
        "/control/theatre/", lambda r: len(r.context["board"].jobs), add=add_job
    ),
    "events": Case("/control/theatre/events/", _context_len("events"), add=add_event),
    "orders": Case("/control/theatre/orders/", _context_len("orders"), add=add_order),
    "gift vouchers": Case(
        "/control/theatre/giftcards/", _context_len("vouchers"), add=add_gift_voucher
    ),
    "gift voucher history": Case(None, _context_len("entries"), build=build_gift_voucher),
    "box office orders": Case(
        "/control/theatre/boxoffice/orders/", _context_len("today_orders"), add=add_order
    ),
    "box office shift report": Case(
        None, lambda r: len(r.context["report"].lines), build=build_pos_report
    ),
    "order tickets": Case(None, _context_len("positions"), build=build_order),
    "teams": Case("/control/theatre/teams/", _context_len("teams"), add=add_team),
    "contacts": Case(
        "/control/theatre/marketing/contacts/", _context_len("contacts"), add=add_contact
    ),
    "scenarios": Case(
        "/control/theatre/marketing/scenarios/", _context_len("scenarios"), add=add_scenario
    ),
    "scenario steps": Case(None, _context_len("stats"), build=build_scenario),
    "check-in lists": Case(
        "/control/theatre/checkin/", _context_len("lists"), add=add_checkin_list
    ),
    "venues": Case("/control/theatre/venues/", _context_len("venues"), add=add_venue),
    "venue locations": Case(None, _context_len("locations"), add=add_location),
    "multi-event pages": Case(
        "/control/theatre/programmes/", _context_len("pages"), add=add_festival_page
    ),
    "multi-event page events": Case(None, _context_len("events"), add=add_festival_event),
    "ticket templates": Case(
        "/control/theatre/ticket-templates/", _context_len("templates"), add=add_ticket_template
    ),
    "event dates": Case(
        "/control/theatre/events/hamlet/edit/dates/", _context_len("dates"), add=add_date
    ),
    "event products and rates": Case(
        "/control/theatre/events/hamlet/edit/rates/", _context_len("products"), add=add_product
    ),
    "event quotas": Case(
        "/control/theatre/events/hamlet/edit/quotas/", _context_len("quotas"), add=add_quota
    ),
    "event sessions": Case(
        "/control/theatre/events/hamlet/edit/sessions/", _context_len("sessions"), add=add_session
    ),
    "event overview": Case(
        "/control/theatre/events/hamlet/",
        lambda response: len(response.context["windows"].dates),
        add=add_overview_row,
    ),
    # with one organiser the page redirects to it: 2 and 4 organisers here
    "discount codes": Case("/control/theatre/vouchers/", _context_len("vouchers"), add=add_voucher),
    "audience types": Case(
        "/control/theatre/audiences/", _context_len("audiences"), add=add_audience_type
    ),
    "event questions": Case(
        "/control/theatre/events/hamlet/edit/questions/",
        _context_len("products"),
        add=add_product_with_questions,
    ),
    "organisers of a staff member": Case(
        None, _context_len("organizers"), build=build_organizers_home, shown=(2, 4)
    ),
    # public site
    "home": Case("/", _context_len("organizers"), add=add_public_organizer, public=True),
    "organiser page": Case("/theatre/", _context_len("events"), add=add_public_event, public=True),
    "event page dates": Case(
        "/theatre/hamlet/",
        lambda response: len(response.context["event"].upcoming_dates),
        add=add_date,
        public=True,
    ),
    "multi-event public page": Case(
        "/theatre/programme/season/",
        _context_len("events"),
        add=add_festival_public_event,
        public=True,
    ),
    # several dates: the date choice (one date has no choice: its rates at once)
    "shop date choice": Case(None, _shop_dates, build=build_shop_dates, public=True, shown=(2, 4)),
    "ticket widget": Case(
        "/theatre/hamlet/widget/", _context_len("dates"), add=add_date, public=True
    ),
    "shop cart": Case(
        None, lambda response: len(response.context["cart"].lines), build=build_cart, public=True
    ),
    "shop order tickets": Case(
        None, _context_len("positions"), build=build_shop_order, public=True
    ),
    # the personal space (logged in as the buyer)
    "personal space orders": Case(
        None, _context_len("orders"), build=build_account_orders, public=True
    ),
    "personal space dashboard": Case(
        None, _context_len("items"), build=build_account_dashboard, public=True
    ),
    "personal space order tickets": Case(
        None, _context_len("tickets"), build=build_account_order, public=True
    ),
}


def _measure(w: World, case: Case, url: str) -> tuple[int, int]:
    client = w.public_client if case.public else w.owner_client
    assert client.get(url).status_code == 200  # warm: session, caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), case.rows(response)


def _fixed_url(w: World, name: str) -> str:
    if name == "venue locations":
        venue = w.extra.setdefault("venue", VenueFactory(organizer=w.organizer))
        return f"/control/theatre/venues/{venue.pk}/"
    if name == "event questions":
        add_product_with_questions(w, 0, product=w.product)  # the first row has questions too
    if name == "multi-event public page":
        w.extra["festival"] = FestivalPageFactory(organizer=w.organizer, slug="season")
    if name == "multi-event page events":
        page = w.extra.setdefault("festival", FestivalPageFactory(organizer=w.organizer))
        return f"/control/theatre/programmes/{page.pk}/"
    return CASES[name].url


@pytest.mark.parametrize("name", list(CASES))
def test_list_page_makes_as_many_queries_for_1_and_3_rows(world, name):
    case = CASES[name]
    if case.build is not None:
        one, shown_one = _measure(world, case, case.build(world, 1))
        three, shown_three = _measure(world, case, case.build(world, 3))
    else:
        url = _fixed_url(world, name)
        i = 0
        while _measure(world, case, url)[1] < 1:
            case.add(world, i)
            i += 1
        one, shown_one = _measure(world, case, url)
        for _ in range(2):
            case.add(world, i)
            i += 1
        three, shown_three = _measure(world, case, url)
    assert (shown_one, shown_three) == case.shown, "the page must show the rows it measures"
    assert one == three, f"{name}: {one} queries with 1 row, {three} with 3"
