"""Public pages: home, organiser page, event page; visibility rules; languages; queries."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from rideau.events.models import Event
from tests.factories import (
    EventDateFactory,
    EventFactory,
    LocationFactory,
    OrganizerFactory,
    ProductFactory,
    RateFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def public_event(organizer):
    organizer.description = {"en": "Plays since 1901.", "fr": "Du théâtre depuis 1901."}
    organizer.save()
    venue = VenueFactory(organizer=organizer, name="Grande Salle", city="Lyon")
    event = EventFactory(
        organizer=organizer,
        slug="hamlet",
        name={"en": "Hamlet", "fr": "Hamlet, prince"},
        description={"en": "To be or not to be.", "fr": "Être ou ne pas être."},
        kind=Event.Kind.ONSITE,
        venue=venue,
    )
    EventDateFactory(event=event, start=at(2031, 1, 15, 18, 0), end=at(2031, 1, 15, 20, 30))
    EventDateFactory(event=event, start=at(2020, 1, 1, 18, 0), end=at(2020, 1, 1, 20, 0))
    return event


def test_home_lists_organisers_with_public_events(public_event, other_organizer):
    EventFactory(organizer=other_organizer, visibility=Event.Visibility.DRAFT)
    EventFactory(organizer=OrganizerFactory(name="Secretive"), visibility=Event.Visibility.PRIVATE)
    response = Client().get("/")
    assert response.status_code == 200
    assert [o.slug for o in response.context["organizers"]] == ["theatre"]
    html = response.content.decode()
    assert "Théâtre du Rideau" in html
    assert "Rival Productions" not in html
    assert "Secretive" not in html


def test_home_without_public_events(db):
    response = Client().get("/")
    assert "No events are published yet." in response.content.decode()


def test_base_template_landmarks_and_htmx_csrf(db):
    response = Client().get("/")
    html = response.content.decode()
    token = str(response.context["csrf_token"])
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in html
    assert '<main id="main" class="container" tabindex="-1">' in html
    assert f"""<body hx-headers='{{"X-CSRFToken": "{token}"}}'>""" in html
    assert '<script src="/static/rideau/vendor/htmx-2.0.11.min.js" defer></script>' in html
    assert '<label for="language-select" class="visually-hidden">Language</label>' in html
    assert Client().get("/static/rideau/rideau.css").status_code == 200


def test_organizer_page_shows_public_events_in_the_organisers_timezone(public_event, organizer):
    EventFactory(
        organizer=organizer,
        slug="secret",
        name={"en": "Secret show"},
        visibility=Event.Visibility.PRIVATE,
    )
    EventFactory(
        organizer=organizer,
        slug="wip",
        name={"en": "Work in progress"},
        visibility=Event.Visibility.DRAFT,
    )
    response = Client().get("/theatre/")
    assert response.status_code == 200
    html = response.content.decode()
    assert [e.slug for e in response.context["events"]] == ["hamlet"]
    assert "Hamlet" in html
    assert "Plays since 1901." in html
    # 18:00 UTC is 19:00 in Paris in January; the past date is not listed
    assert "Wednesday 15 January 2031, 19:00" in html
    assert 'datetime="2031-01-15T19:00:00+01:00"' in html
    assert "2020" not in html
    assert "Secret show" not in html
    assert "Work in progress" not in html
    # organiser branding
    assert "--pico-primary: #1d4ed8;" in html
    assert "--pico-primary-inverse: #ffffff;" in html


def test_organizer_page_in_french(public_event):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/theatre/"})
    assert response.status_code == 302
    assert response["Location"] == "/theatre/"
    html = client.get("/theatre/").content.decode()
    assert '<html lang="fr"' in html
    assert "Hamlet, prince" in html
    assert "Du théâtre depuis 1901." in html
    assert "Aller au contenu principal" in html  # "Skip to main content", translated
    assert '<h2 id="events-title">Événements</h2>' in html


def test_unknown_organizer_is_404(db):
    assert Client().get("/nobody/").status_code == 404


def test_public_event_page(public_event):
    location = LocationFactory(venue=public_event.venue, name="Studio B")
    EventDateFactory(event=public_event, start=at(2031, 2, 1, 9, 0), end=None, location=location)
    response = Client().get("/theatre/hamlet/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Hamlet</h1>" in html
    assert "To be or not to be." in html
    assert "On-site" in html
    assert "Grande Salle" in html
    assert "Studio B" in html
    assert "Wednesday 15 January 2031, 19:00" in html
    assert "Saturday 1 February 2031, 10:00" in html
    assert [d.start for d in response.context["event"].upcoming_dates] == [
        at(2031, 1, 15, 18, 0),
        at(2031, 2, 1, 9, 0),
    ]


def test_buy_tickets_only_when_the_shop_sells_some(public_event):
    """No ticket on sale (registration only, box office only): no button to an empty page."""
    assert "Buy tickets" not in Client().get("/theatre/hamlet/").content.decode()
    RateFactory(product=ProductFactory(event=public_event), price=Decimal("12.00"))
    html = Client().get("/theatre/hamlet/").content.decode()
    assert "Buy tickets" in html and "from 12.00" in html


def test_a_conference_of_sessions_points_to_its_agenda_not_to_no_dates(organizer):
    EventFactory(organizer=organizer, slug="summit", self_agenda=True)
    html = Client().get("/theatre/summit/").content.decode()
    assert "No upcoming dates" not in html
    assert 'href="/theatre/summit/agenda/"' in html


def test_private_event_needs_its_token(organizer):
    event = EventFactory(organizer=organizer, slug="gala", visibility=Event.Visibility.PRIVATE)
    client = Client()
    assert client.get("/theatre/gala/").status_code == 404
    assert client.get("/theatre/gala/?token=wrong").status_code == 404
    response = client.get(f"/theatre/gala/?token={event.private_token}")
    assert response.status_code == 200
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_draft_event_is_404_even_with_its_token(organizer):
    event = EventFactory(organizer=organizer, slug="wip", visibility=Event.Visibility.DRAFT)
    assert Client().get("/theatre/wip/").status_code == 404
    assert Client().get(f"/theatre/wip/?token={event.private_token}").status_code == 404


def test_event_of_another_organiser_is_404(public_event, other_organizer):
    assert Client().get("/rival/hamlet/").status_code == 404


def _count(url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert Client().get(url).status_code == 200
    return len(ctx.captured_queries)


def test_public_pages_query_counts_do_not_grow(organizer):
    first = EventFactory(organizer=organizer)
    EventDateFactory(event=first)
    one = _count("/theatre/")
    for _ in range(2):
        event = EventFactory(organizer=organizer)
        EventDateFactory(event=event)
        EventDateFactory(event=event)
    three = _count("/theatre/")
    # organiser, count (pages), events, next dates, lowest prices, and whether the footer
    # links to gift vouchers (a shared fragment: once per version of the public pages)
    assert one == three == 6
    assert _count(f"/theatre/{first.slug}/") == 4  # … and its partners by level
    assert _count("/") == 1


def test_public_views_are_marked_and_control_views_are_not():
    for path in [
        "/",
        "/theatre/",
        "/theatre/hamlet/",
        "/control/login/",
        "/control/login/code/",
        "/control/password-reset/",
        "/i18n/setlang/",
    ]:
        assert getattr(resolve(path).func, "rideau_public", False) is True, path
    for path in [
        "/control/",
        "/control/theatre/",
        "/control/theatre/events/",
        "/control/theatre/settings/",
        "/control/theatre/teams/",
        "/control/account/two-factor/",
    ]:
        assert getattr(resolve(path).func, "rideau_public", False) is False, path


@pytest.mark.parametrize(
    ("colour", "text"),
    [("#1d4ed8", "#ffffff"), ("#ffff00", "#000000"), ("#000000", "#ffffff"), ("bad", "#ffffff")],
)
def test_brand_text_colour_keeps_contrast(colour, text):
    from rideau.web.templatetags.rideau import contrast_colour

    assert contrast_colour(colour) == text


def test_the_organiser_page_shows_20_events_a_page_soonest_first(organizer):
    from django.utils import timezone

    soon = timezone.now() + datetime.timedelta(days=1)
    for i in range(21):
        event = EventFactory(organizer=organizer, slug=f"show-{i:02}", name={"en": f"Show {i:02}"})
        EventDateFactory(event=event, start=soon + datetime.timedelta(days=30 - i))
    EventFactory(organizer=organizer, slug="no-dates", name={"en": "Someday"})
    first = Client().get("/theatre/").content.decode()
    assert first.index("Show 20") < first.index("Show 19")  # soonest first
    assert "Show 01" in first and "Show 00" not in first and 'rel="next"' in first
    last = Client().get("/theatre/?page=2").content.decode()
    assert "Show 00" in last and "Someday" in last  # events without dates come last
    assert "Show 01" not in last


def test_event_cards_and_page_show_an_image_and_the_lowest_price(organizer, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    event = EventFactory(organizer=organizer, slug="gala", visibility=Event.Visibility.PUBLIC)
    EventDateFactory(event=event)
    product = ProductFactory(event=event)
    RateFactory(product=product, price=Decimal("25.00"))
    RateFactory(product=product, price=Decimal("12.50"))
    RateFactory(product=product, price=Decimal("5.00"), active=False)  # not on sale
    RateFactory(product=product, price=Decimal("1.00"), channels=["box_office"])  # not online
    EventFactory(organizer=organizer, slug="bare", visibility=Event.Visibility.PUBLIC)
    event.image.save("poster.jpg", ContentFile(_jpeg()), save=True)

    listing = Client().get("/theatre/").content.decode()
    page = Client().get("/theatre/gala/").content.decode()

    assert listing.count("from 12.50 EUR") == 1  # the bare event sells nothing: no price
    assert "from 12.50 EUR" in page
    assert f'src="{event.image.url}"' in listing
    assert f'src="{event.image.url}"' in page
    assert event.image.url.startswith("/media/events/images/")
    assert "event-image-placeholder" in listing  # the event without an image
    image = Client().get(event.image.url)
    assert image.status_code == 200
    assert image["Content-Type"] == "image/jpeg"
    assert b"".join(image.streaming_content).startswith(b"\xff\xd8")
    assert Client().get("/media/events/images/..%2Fsecret.jpg").status_code == 404
    assert Client().get("/media/events/images/missing.jpg").status_code == 404


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()
