"""Every date and time a buyer or staff member reads is the event's wall-clock time, in the
reader's language: the same 20:30 on the event page, tickets page, seat map, cart, checkout,
order page, e-mail, PDF, iCal, CSV export and back office, for a zone east and a zone west of
UTC, on dates either side of their daylight-saving change (27 March 2027 in Europe, 14 March
2027 in the United States: 13 and 29 March 2027 straddle both)."""

import datetime
import re
import zoneinfo
from decimal import Decimal

import pypdfium2
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import formats, translation

from rideau.core.models import Organizer
from rideau.documents.ical import render_ical
from rideau.inventory.models import Hold
from rideau.messaging.delivery import render_content
from rideau.messaging.models import OutboxMessage
from rideau.orders.exports import write_export
from rideau.orders.models import Order
from rideau.venues.models import Seat
from tests.factories import (
    EventDateFactory,
    EventFactory,
    OrderFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
    member,
)
from tests.web.shop.test_shop_seats import make_plan

pytestmark = pytest.mark.django_db

# wall-clock (zone-less) times: each test puts them in its organiser's zone
WALL_CLOCK = [(datetime.date(2027, 3, 13), "20:30"), (datetime.date(2027, 3, 29), "20:30")]


def at(day: datetime.date, clock: str, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.fromisoformat(clock), tzinfo=zone)


# the formats the pages and documents use for a performance's start
FORMATS = ["DATETIME_FORMAT", "SHORT_DATETIME_FORMAT", "l j F Y, H:i"]


def renderings(moment: datetime.datetime, language: str) -> set[str]:
    with translation.override(language):
        return {formats.date_format(moment, f) for f in FORMATS}


def assert_wall_clock(text: str, zone: zoneinfo.ZoneInfo, language: str, where: str) -> None:
    text = re.sub(r"\s+", " ", text.replace("\xa0", " "))
    for day, clock in WALL_CLOCK:
        local = at(day, clock, zone)
        found = renderings(local, language)
        assert any(r in text for r in found), f"{where}: none of {sorted(found)} shown"


@pytest.fixture(autouse=True)
def _reset_language():
    yield
    translation.activate("en")


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("zone_name", ["Europe/Paris", "America/Los_Angeles"])
def test_every_page_and_document_shows_the_events_wall_clock(zone_name, language, settings):
    cache.clear()
    settings.RIDEAU_DEMO_PAYMENTS = True
    zone = zoneinfo.ZoneInfo(zone_name)
    organizer = Organizer.objects.create(
        name="Scène", slug="scene", timezone=zone_name, currency="EUR", languages=["fr", "en"]
    )
    owner = member(organizer, email="owner@example.org")
    event = EventFactory(organizer=organizer, slug="cyrano", name={"en": "Cyrano", "fr": "Cyrano"})
    plan = make_plan(organizer, [("Stalls", "A", 4)])
    dates = [
        EventDateFactory(event=event, start=at(day, clock, zone), location=plan.location)
        for day, clock in WALL_CLOCK
    ]
    for date in dates:
        QuotaFactory(date=date, size=4)
    product = ProductFactory(event=event, max_per_order=4)
    rate = RateFactory(product=product, price=Decimal("30.00"))
    seat = Seat.objects.get(plan=plan, row="A", number=1)

    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    base = f"/{organizer.slug}/{event.slug}/"
    pages = {"event page": base, "tickets page": base + "tickets/"}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert_wall_clock(response.content.decode(), zone, language, name)
    seat_maps = ""
    for date in dates:
        response = client.get(f"{base}tickets/seats/{date.pk}/")
        assert response.status_code == 200
        seat_maps += response.content.decode()
        response = client.post(
            f"{base}tickets/seats/{date.pk}/", {"seat": [str(seat.pk)], "rate": str(rate.pk)}
        )
        assert response.status_code == 302
    assert_wall_clock(seat_maps, zone, language, "seat map")

    cart = client.get(base + "tickets/cart/").content.decode()
    assert_wall_clock(cart, zone, language, "cart")
    held_until = Hold.objects.order_by("expires_at").first().expires_at.astimezone(zone)
    assert held_until.strftime("%H:%M") in cart, "cart: held until, in the event's zone"
    checkout = client.get(base + "tickets/checkout/")
    assert_wall_clock(checkout.content.decode(), zone, language, "checkout")

    data = {"email": "ada@example.net", "name": "Ada", "provider": "demo_card"}
    data.update({"a0-name": "Guest 1", "a1-name": "Guest 2"})
    response = client.post(base + "tickets/checkout/", data)
    order = Order.objects.get()
    assert response["Location"] == f"/shop/pay/demo/{order.secret}/"
    assert not OutboxMessage.objects.exists()  # no "waiting for payment" for a card buyer
    response = client.post(response["Location"], {"number": "4242424242424242"})
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.locale == language
    order_page = client.get(response["Location"]).content.decode()
    assert_wall_clock(order_page, zone, language, "order page")

    [mail] = OutboxMessage.objects.all()
    assert mail.reference == f"order:{order.pk}"
    assert_wall_clock(render_content(mail).text, zone, language, "e-mail")
    pdf = pypdfium2.PdfDocument(client.get(order_page_pdf(order)).content)
    pdf_text = " ".join(page.get_textpage().get_text_range() for page in pdf)
    assert_wall_clock(pdf_text, zone, language, "PDF tickets")

    ical = render_ical(order).decode()
    for day, clock in WALL_CLOCK:
        assert f"DTSTART;TZID={zone_name}:{at(day, clock, zone):%Y%m%dT%H%M%S}" in ical
    assert "BEGIN:VTIMEZONE" in ical
    csv = write_export(event, "csv").decode("utf-8-sig")
    for day, clock in WALL_CLOCK:
        assert f"{day:%Y-%m-%d} {clock}" in csv

    client.force_login(owner)
    staff_pages = {
        "back-office order": f"/control/{organizer.slug}/orders/{order.pk}/",
        "event overview": f"/control/{organizer.slug}/events/{event.slug}/",
        "dates admin": f"/control/{organizer.slug}/events/{event.slug}/edit/dates/",
    }
    for name, url in staff_pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert_wall_clock(response.content.decode(), zone, language, name)


def order_page_pdf(order: Order) -> str:
    return f"/{order.organizer.slug}/order/{order.code}/{order.secret}/tickets.pdf"


def test_a_request_in_one_zone_leaves_the_next_in_utc(client, organizer):
    """The zone a shop page activates must not leak into the next request of the thread."""
    from django.utils import timezone

    organizer.timezone = "America/Los_Angeles"
    organizer.save()
    event = EventFactory(organizer=organizer, slug="show")
    EventDateFactory(event=event)
    assert client.get(f"/{organizer.slug}/{event.slug}/").status_code == 200
    assert timezone.get_current_timezone_name() == "UTC"


@pytest.mark.parametrize(
    ("language", "long", "short"),
    [
        ("en", "13 March 2027, 20:30", "13 Mar 2027, 20:30"),
        ("fr", "13 mars 2027 20:30", "13/03/2027 20:30"),
    ],
)
def test_dates_are_written_day_first_with_a_24_hour_clock(language, long, short):
    """ADR 0033: English dates are not Django's American ones ("03/13/2027 8:30 p.m.",
    which a European reader takes for the 3rd of a 13th month); French keep Django's."""
    moment = at(datetime.date(2027, 3, 13), "20:30", zoneinfo.ZoneInfo("UTC"))
    with translation.override(language):
        assert formats.date_format(moment, "DATETIME_FORMAT") == long
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == short


def test_the_english_back_office_lists_orders_day_first(organizer):
    """A list page in English: the order's time as "13 Mar 2027, 20:30" in the organiser's
    zone, with no a.m./p.m.; a narrow column may break the line after the comma only."""
    organizer.timezone = "Europe/Paris"
    organizer.save()
    owner = member(organizer, email="owner@example.org")
    event = EventFactory(organizer=organizer)
    order = OrderFactory(event=event, organizer=organizer)
    Order.objects.filter(pk=order.pk).update(
        created=at(datetime.date(2027, 3, 13), "20:30", zoneinfo.ZoneInfo("Europe/Paris"))
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(owner)
    page = client.get(f"/control/{organizer.slug}/orders/").content.decode()
    assert '<span class="nowrap">13 Mar 2027,</span> <span class="nowrap">20:30</span>' in page
    assert "p.m." not in page and "03/13/2027" not in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", '<span class="nowrap">13 Mar 2027,</span> <span class="nowrap">20:30</span>'),
        ("fr", '<span class="nowrap">13/03/2027</span> <span class="nowrap">20:30</span>'),
    ],
)
def test_when_keeps_the_date_and_the_time_whole(language, expected):
    """`|when`, the lists' date: the active zone, the language's short form, in `<time>`."""
    from django.template import Context, Template
    from django.utils import timezone

    moment = at(datetime.date(2027, 3, 13), "19:30", zoneinfo.ZoneInfo("UTC"))
    template = Template("{% load rideau %}{{ moment|when }}|{{ nothing|when|default:'…' }}")
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo("Europe/Paris")):
        html = template.render(Context({"moment": moment, "nothing": None}))
    assert html == f'<time datetime="2027-03-13T20:30:00+01:00">{expected}</time>|…'
