"""Back-office event management: create, edit tabs, dates with their quota, products and
rates, quotas, sessions, duplicate and delete, through the real views and services."""

import datetime
import zoneinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rideau.catalog.models import Product, Question, Rate
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.events.models import Event, EventDate, Session
from rideau.inventory.models import Quota
from tests.factories import (
    EventDateFactory,
    EventFactory,
    LocationFactory,
    OrderFactory,
    ProductFactory,
    QuotaFactory,
    RateFactory,
    SessionFactory,
    TicketTemplateFactory,
    member,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def event(organizer):
    return EventFactory(organizer=organizer, slug="hamlet", name={"en": "Hamlet", "fr": "Hamlet"})


def url(event, tail=""):
    return f"/control/{event.organizer.slug}/events/{event.slug}/{tail}"


def local(organizer, *args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=ZoneInfo(organizer.timezone))


EVENT_POST = {
    "slug": "tartuffe",
    "name_en": "Tartuffe",
    "name_fr": "Le Tartuffe",
    "description_en": "A comedy.",
    "description_fr": "",
    "kind": "onsite",
    "visibility": "public",
    "venue": "",
    "capacity": "",
    "sales_start": "2026-12-01T10:00",
    "sales_end": "",
}


# --- create / general ----------------------------------------------------------------------


def test_create_event_with_a_name_per_language(organizer, owner_client):
    response = owner_client.get(f"/control/{organizer.slug}/events/new/")
    assert response.status_code == 200
    assert 'name="name_fr"' in response.content.decode()
    response = owner_client.post(f"/control/{organizer.slug}/events/new/", EVENT_POST)
    assert response.status_code == 302
    assert response["Location"] == f"/control/{organizer.slug}/events/tartuffe/edit/dates/"
    event = Event.objects.get(organizer=organizer, slug="tartuffe")
    assert event.name == {"en": "Tartuffe", "fr": "Le Tartuffe"}
    assert event.description == {"en": "A comedy."}
    assert event.visibility == Event.Visibility.PUBLIC
    assert event.sales_start == local(organizer, 2026, 12, 1, 10, 0)
    assert AuditLogEntry.objects.filter(action="event.created").count() == 1


def test_create_event_shows_field_errors_and_writes_nothing(organizer, owner_client, event):
    data = {**EVENT_POST, "slug": "hamlet", "name_en": "", "name_fr": ""}
    response = owner_client.post(f"/control/{organizer.slug}/events/new/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name_en"] == ["This field is required in at least one language."]
    assert form.errors["slug"] == ["An event with this short name already exists."]
    assert Event.objects.filter(organizer=organizer).count() == 1


def test_sales_window_error_is_on_the_field(organizer, owner_client):
    data = {**EVENT_POST, "sales_end": "2026-11-30T10:00"}
    response = owner_client.post(f"/control/{organizer.slug}/events/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"sales_end": ["Sales must close after they open."]}
    assert Event.objects.filter(organizer=organizer).count() == 0


def test_edit_general_tab(organizer, owner_client, event):
    response = owner_client.get(url(event, "edit/"))
    assert response.status_code == 200
    assert response.context["form"]["name_en"].value() == "Hamlet"
    data = {**EVENT_POST, "slug": "hamlet", "name_en": "Hamlet, prince", "visibility": "private"}
    response = owner_client.post(url(event, "edit/"), data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.name == {"en": "Hamlet, prince", "fr": "Le Tartuffe"}
    assert event.visibility == Event.Visibility.PRIVATE
    assert AuditLogEntry.objects.filter(action="event.updated").count() == 1


def _png(width=1800, height=900) -> SimpleUploadedFile:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, format="PNG")
    return SimpleUploadedFile("poster.png", out.getvalue(), content_type="image/png")


def test_an_event_image_is_uploaded_shown_replaced_and_removed(
    organizer, owner_client, event, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    data = {**EVENT_POST, "slug": "hamlet", "visibility": "public"}

    response = owner_client.post(url(event, "edit/"), {**data, "image": _png()})

    assert response.status_code == 302
    event.refresh_from_db()
    first = event.image.name
    assert first.startswith(f"events/images/{organizer.pk}-") and first.endswith(".jpg")
    with event.image.open("rb") as stored:
        from PIL import Image

        assert Image.open(stored).size == (1600, 800)  # re-encoded, at most 1600 wide
    assert AuditLogEntry.objects.filter(action="event.image_changed").count() == 1
    assert Client().get(event.image.url).status_code == 200
    assert f'src="{event.image.url}"' in Client().get("/theatre/hamlet/").content.decode()

    owner_client.post(url(event, "edit/"), {**data, "image": _png(400, 300)})
    event.refresh_from_db()
    assert event.image.name != first
    assert not (tmp_path / first).exists()  # the old file is gone

    owner_client.post(url(event, "edit/"), {**data, "remove_image": "on"})
    event.refresh_from_db()
    assert not event.image


def test_a_file_that_is_not_an_image_is_a_field_error_and_changes_nothing(
    organizer, owner_client, event, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    data = {**EVENT_POST, "slug": "hamlet", "name_en": "Renamed"}
    text = SimpleUploadedFile("poster.png", b"not an image", content_type="image/png")

    response = owner_client.post(url(event, "edit/"), {**data, "image": text})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["image"]
    event.refresh_from_db()
    assert not event.image
    assert event.name["en"] == "Hamlet"
    assert not AuditLogEntry.objects.filter(action="event.updated").exists()


def test_read_only_member_cannot_create(organizer):
    client = client_for(member(organizer, Role.READ_ONLY))
    response = client.post(f"/control/{organizer.slug}/events/new/", EVENT_POST)
    assert response.status_code == 403
    assert Event.objects.count() == 0


def test_other_organisers_event_is_not_found(organizer, other_organizer, owner_client):
    theirs = EventFactory(organizer=other_organizer, slug="theirs")
    response = owner_client.get(f"/control/{organizer.slug}/events/theirs/edit/")
    assert response.status_code == 404
    response = owner_client.post(url(theirs, "delete/"))
    assert response.status_code == 404
    assert Event.objects.filter(pk=theirs.pk).count() == 1


# --- dates ---------------------------------------------------------------------------------


def test_add_a_date_with_its_quota(organizer, owner_client, event):
    room = LocationFactory(venue__organizer=organizer, capacity=300)
    response = owner_client.post(
        url(event, "edit/dates/"),
        {
            "start": "2026-12-05T20:00",
            "end": "2026-12-05T22:30",
            "name_en": "Premiere",
            "name_fr": "",
            "location": str(room.pk),
            "capacity": "250",
            "sales_start": "",
            "sales_end": "2026-12-05T19:00",
        },
    )
    assert response.status_code == 302
    date = EventDate.objects.get(event=event)
    assert date.start == local(organizer, 2026, 12, 5, 20, 0)
    assert date.name == {"en": "Premiere"}
    assert date.location == room
    assert date.capacity == 250
    quota = Quota.objects.get(date=date)
    assert (quota.size, quota.taken, quota.organizer_id) == (250, 0, organizer.pk)
    page = owner_client.get(url(event, "edit/dates/")).content.decode()
    assert "Premiere" in page


def test_an_invalid_date_creates_neither_date_nor_quota(organizer, owner_client, event):
    other_room = LocationFactory()
    response = owner_client.post(
        url(event, "edit/dates/"),
        {
            "start": "2026-12-05T20:00",
            "end": "2026-12-05T19:00",
            "location": str(other_room.pk),
            "capacity": "10",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["location"]  # not one of the organiser's locations
    response = owner_client.post(
        url(event, "edit/dates/"),
        {"start": "2026-12-05T20:00", "end": "2026-12-05T19:00", "capacity": "10"},
    )
    assert response.context["form"].errors == {"end": ["The end must be after the start."]}
    assert EventDate.objects.count() == 0
    assert Quota.objects.count() == 0


def test_delete_a_date(organizer, owner_client, event):
    date = EventDateFactory(event=event)
    assert owner_client.get(url(event, f"edit/dates/{date.pk}/delete/")).status_code == 405
    response = owner_client.post(url(event, f"edit/dates/{date.pk}/delete/"))
    assert response.status_code == 302
    assert EventDate.objects.filter(pk=date.pk).count() == 0


def test_dates_list_queries_do_not_grow_with_rows(organizer, owner_client, event):
    def count(rows: int) -> int:
        EventDate.objects.filter(event=event).delete()
        room = LocationFactory(venue__organizer=organizer)
        for _ in range(rows):
            EventDateFactory(event=event, location=room)
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(url(event, "edit/dates/")).status_code == 200
        return len(queries)

    assert count(1) == count(3)


# --- products, rates, quotas, sessions -----------------------------------------------------


def test_add_a_product_and_a_rate(organizer, owner_client, event):
    response = owner_client.post(
        url(event, "edit/rates/"),
        {
            "form": "product",
            "product-name_en": "Admission",
            "product-name_fr": "Entrée",
            "product-max_per_order": "6",
            "product-active": "on",
        },
    )
    assert response.status_code == 302
    product = Product.objects.get(event=event)
    assert (product.name, product.max_per_order, product.organizer_id, product.active) == (
        {"en": "Admission", "fr": "Entrée"},
        6,
        organizer.pk,
        True,
    )
    response = owner_client.post(
        url(event, "edit/rates/"),
        {
            "form": "rate",
            "rate-product": str(product.pk),
            "rate-name_en": "Reduced",
            "rate-price": "12.50",
            "rate-sales_start": "2026-12-01T09:00",
        },
    )
    assert response.status_code == 302
    rate = Rate.objects.get(product=product)
    assert (rate.name, rate.price) == ({"en": "Reduced"}, Decimal("12.50"))
    assert rate.sales_start == local(organizer, 2026, 12, 1, 9, 0)


def test_a_rate_for_another_events_product_is_refused(organizer, owner_client, event):
    elsewhere = ProductFactory(event=EventFactory(organizer=organizer))
    response = owner_client.post(
        url(event, "edit/rates/"),
        {"form": "rate", "rate-product": str(elsewhere.pk), "rate-name_en": "X", "rate-price": "1"},
    )
    assert response.status_code == 200
    assert list(response.context["rate_form"].errors) == ["product"]
    assert Rate.objects.count() == 0


def test_rates_list_queries_do_not_grow_with_rows(organizer, owner_client, event):
    def count(rows: int) -> int:
        Product.objects.filter(event=event).delete()
        for _ in range(rows):
            RateFactory(product=ProductFactory(event=event))
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(url(event, "edit/rates/")).status_code == 200
        return len(queries)

    assert count(1) == count(3)


def test_delete_product_and_rate(organizer, owner_client, event):
    rate = RateFactory(product=ProductFactory(event=event))
    other = RateFactory(product=rate.product)
    assert owner_client.post(url(event, f"edit/rates/{rate.pk}/delete/")).status_code == 302
    assert list(Rate.objects.values_list("pk", flat=True)) == [other.pk]
    response = owner_client.post(url(event, f"edit/products/{rate.product_id}/delete/"))
    assert response.status_code == 302
    assert Product.objects.count() == 0


def test_quotas_add_and_resize(organizer, owner_client, event):
    date = EventDateFactory(event=event)
    response = owner_client.post(
        url(event, "edit/quotas/"), {"name": "Balcony", "size": "40", "date": str(date.pk)}
    )
    assert response.status_code == 302
    quota = Quota.objects.get(name="Balcony")
    assert (quota.date_id, quota.event_id, quota.size) == (date.pk, None, 40)
    response = owner_client.post(url(event, "edit/quotas/"), {"name": "Whole", "size": "100"})
    assert Quota.objects.get(name="Whole").event_id == event.pk
    Quota.objects.filter(pk=quota.pk).update(taken=5)
    response = owner_client.post(url(event, f"edit/quotas/{quota.pk}/resize/"), {"size": "3"})
    assert response.status_code == 302
    quota.refresh_from_db()
    assert quota.size == 40
    response = owner_client.post(url(event, f"edit/quotas/{quota.pk}/resize/"), {"size": "20"})
    quota.refresh_from_db()
    assert quota.size == 20
    page = owner_client.get(url(event, "edit/quotas/"))
    assert [q.name for q in page.context["quotas"]] == ["Balcony", "Whole"]
    # the row renames too; a refused size leaves the name as it was
    owner_client.post(url(event, f"edit/quotas/{quota.pk}/resize/"), {"size": "2", "name": "Loge"})
    quota.refresh_from_db()
    assert (quota.name, quota.size) == ("Balcony", 20)
    response = owner_client.post(
        url(event, f"edit/quotas/{quota.pk}/resize/"), {"size": "20", "name": " Upper circle "}
    )
    quota.refresh_from_db()
    assert (quota.name, quota.size) == ("Upper circle", 20)
    assert "The quota has been renamed." in owner_client.get(response["Location"]).content.decode()
    assert AuditLogEntry.objects.filter(action="quota.renamed", object_id=str(quota.pk)).exists()


def test_add_a_session_takes_the_locations_capacity(organizer, owner_client, event):
    room = LocationFactory(venue__organizer=organizer, capacity=80)
    response = owner_client.post(
        url(event, "edit/sessions/"),
        {
            "title_en": "Talk",
            "start": "2026-12-05T10:00",
            "end": "2026-12-05T11:00",
            "location": str(room.pk),
        },
    )
    assert response.status_code == 302
    session = Session.objects.get(event=event)
    assert (session.title, session.capacity, session.location_id) == ({"en": "Talk"}, 80, room.pk)
    # the capacity reaches the engine: registrations count against the session's own quota
    assert Quota.objects.get(session=session).size == 80
    response = owner_client.post(url(event, f"edit/sessions/{session.pk}/delete/"))
    assert Session.objects.count() == 0
    assert not Quota.objects.exists()


def test_a_session_of_a_date_takes_place_on_its_day_and_dates_read_as_dates(
    organizer, owner_client, event
):
    """The Date choices read "16 January 2027, 09:00" (not "2027-01-16 09:00"); a session
    put on a date of another day is refused on the date."""
    zone = zoneinfo.ZoneInfo(organizer.timezone)
    date = EventDateFactory(event=event, start=datetime.datetime(2027, 1, 16, 9, 0, tzinfo=zone))
    page = owner_client.get(url(event, "edit/sessions/")).content.decode()
    assert "16 January 2027, 09:00" in page
    assert "16 January 2027, 09:00" in owner_client.get(url(event, "edit/quotas/")).content.decode()
    body = {"title_en": "Panel", "date": str(date.pk), "end": "2027-01-17T11:00"}
    wrong = owner_client.post(url(event, "edit/sessions/"), {**body, "start": "2027-01-17T10:00"})
    assert wrong.status_code == 200 and "not on this date" in wrong.content.decode()
    assert not Session.objects.exists()
    body["end"] = "2027-01-16T11:00"
    right = owner_client.post(url(event, "edit/sessions/"), {**body, "start": "2027-01-16T10:00"})
    assert right.status_code == 302 and Session.objects.get().date_id == date.pk
    # a date running past midnight (or over days) takes sessions on each of its days
    date.end = datetime.datetime(2027, 1, 17, 2, 0, tzinfo=zone)
    date.save(update_fields=["end"])
    late = {**body, "title_en": "Late", "start": "2027-01-17T00:30", "end": "2027-01-17T01:30"}
    assert owner_client.post(url(event, "edit/sessions/"), late).status_code == 302


def test_a_session_is_edited_on_its_own_page_and_keeps_its_quota(organizer, owner_client, event):
    """Fixing a session's time or capacity no longer means deleting it (and its
    registrations) and adding it again."""
    room = LocationFactory(venue__organizer=organizer, capacity=80)
    owner_client.post(
        url(event, "edit/sessions/"),
        {"title_en": "Talk", "start": "2026-12-05T10:00", "end": "2026-12-05T11:00"},
    )
    session = Session.objects.get(event=event)
    sessions_page = owner_client.get(url(event, "edit/sessions/")).content.decode()
    assert url(event, f"edit/sessions/{session.pk}/") in sessions_page
    page = owner_client.get(url(event, f"edit/sessions/{session.pk}/"))
    assert page.status_code == 200 and page.context["form"]["title_en"].value() == "Talk"
    bad = owner_client.post(
        url(event, f"edit/sessions/{session.pk}/"),
        {"title_en": "Talk", "start": "2026-12-05T12:00", "end": "2026-12-05T11:00"},
    )
    assert bad.context["form"].errors  # end before start: nothing saved
    saved = owner_client.post(
        url(event, f"edit/sessions/{session.pk}/"),
        {
            "title_en": "Keynote",
            "start": "2026-12-05T14:00",
            "end": "2026-12-05T15:00",
            "location": str(room.pk),
            "capacity": "40",
        },
    )
    assert saved.status_code == 302
    session.refresh_from_db()
    assert (session.title, session.capacity, session.location_id) == (
        {"en": "Keynote"},
        40,
        room.pk,
    )
    assert Quota.objects.get(session=session).size == 40


def test_a_quota_tied_to_sessions_and_overbooked_places_are_shown(organizer, owner_client, event):
    response = owner_client.post(
        url(event, "edit/quotas/"), {"name": "On site", "size": "2", "covers_sessions": "on"}
    )
    assert response.status_code == 302
    quota = Quota.objects.get(name="On site")
    assert quota.covers_sessions
    Quota.objects.filter(pk=quota.pk).update(taken=3, overbooked=1)

    page = owner_client.get(url(event, "edit/quotas/")).content.decode()

    assert "and session registrations" in page
    assert "1 beyond the size, by staff" in page


# --- duplicate and delete ------------------------------------------------------------------


def test_duplicate_copies_dates_products_rates_and_quotas(organizer, owner_client, event):
    dates = [EventDateFactory(event=event), EventDateFactory(event=event)]
    rate = RateFactory(product=ProductFactory(event=event), price=Decimal("9.00"))
    Question.objects.create(
        product=rate.product,
        label={"en": "Diet"},
        kind=Question.Kind.CHOICE,
        required=True,
        choices=[{"en": "None"}, {"en": "Vegan"}],
    )
    SessionFactory(event=event, date=dates[0])
    QuotaFactory(date=dates[0], size=30, name="First night")
    QuotaFactory(date=None, organizer=organizer, rate=rate, size=5, name="Cheap seats")
    response = owner_client.get(url(event, "duplicate/"))
    assert response.context["form"]["slug"].value() == "hamlet-copy"
    response = owner_client.post(url(event, "duplicate/"), {"slug": "hamlet-2027"})
    assert response.status_code == 302
    copy = Event.objects.get(organizer=organizer, slug="hamlet-2027")
    assert copy.visibility == Event.Visibility.DRAFT
    assert copy.name == event.name
    assert sorted(copy.dates.values_list("start", flat=True)) == sorted(d.start for d in dates)
    assert copy.sessions.get().date.event_id == copy.pk
    new_rate = Rate.objects.get(product__event=copy)
    assert new_rate.price == Decimal("9.00")
    [question] = new_rate.product.questions.all()  # the checkout's questions come along
    assert (question.label, question.kind, question.required) == ({"en": "Diet"}, "choice", True)
    assert question.choices == [{"en": "None"}, {"en": "Vegan"}]
    assert sorted(
        Quota.objects.filter(organizer=organizer)
        .exclude(pk__in=Quota.objects.filter(date__event=event).values("pk"))
        .exclude(rate__product__event=event)
        .values_list("name", "size", "taken")
    ) == [("Cheap seats", 5, 0), ("First night", 30, 0)]
    assert Quota.objects.get(name="Cheap seats", rate=new_rate).size == 5
    assert Quota.objects.filter(date__event=copy).count() == 1
    # the original is untouched
    assert EventDate.objects.filter(event=event).count() == 2


def test_duplicate_with_a_taken_slug_is_a_field_error(organizer, owner_client, event):
    EventDateFactory(event=event)
    EventFactory(organizer=organizer, slug="taken")
    response = owner_client.post(url(event, "duplicate/"), {"slug": "taken"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "slug": ["An event with this short name already exists."]
    }
    assert Event.objects.filter(organizer=organizer).count() == 2
    assert EventDate.objects.count() == 1


def test_delete_asks_then_deletes(organizer, owner_client, event):
    EventDateFactory(event=event)
    response = owner_client.get(url(event, "delete/"))
    assert response.status_code == 200
    assert "This cannot be undone." in response.content.decode()
    assert Event.objects.count() == 1
    response = owner_client.post(url(event, "delete/"))
    assert response.status_code == 302
    assert response["Location"] == f"/control/{organizer.slug}/events/"
    assert Event.objects.count() == 0
    assert EventDate.objects.count() == 0
    assert AuditLogEntry.objects.filter(action="event.deleted").count() == 1


def test_an_event_with_orders_says_why_it_cannot_be_deleted(organizer, owner_client, event):
    """Before: the page offered deletion, then said "still in use" without saying why."""
    OrderFactory(event=event, organizer=organizer)
    page = owner_client.get(url(event, "delete/")).content.decode()
    assert "This event has 1 order: it cannot be deleted" in page
    assert "Delete the event" not in page and "make it a draft" in page
    owner_client.post(url(event, "delete/"))  # a forged POST is still refused
    assert Event.objects.filter(pk=event.pk).exists()


def test_an_event_with_pass_tickets_only_cannot_be_deleted_either(organizer, actor, owner_client):
    """A pass's ticket: neither its order nor its product names the event, its date does."""
    from tests.passes.conftest import make_world

    world = make_world(organizer, actor, events=1, seated=False)
    from rideau.orders.services import Buyer
    from rideau.passes import services as passes

    passes.sell_pass(
        organizer,
        rate=world.auto_rate,
        holder=passes.HolderInput(last_name="Lopez", first_name="Ana"),
        buyer=Buyer(email="ana@example.net"),
        paid=True,
        provider="cash",
    )
    [event] = world.events
    page = owner_client.get(url(event, "delete/")).content.decode()
    assert "This event has 1 order: it cannot be deleted" in page


def test_edit_a_date_resizes_its_quota(organizer, owner_client, event):
    date = EventDateFactory(event=event, capacity=100)
    quota = QuotaFactory(date=date, size=100)
    base = url(event, f"edit/dates/{date.pk}/")
    response = owner_client.get(base)
    assert response.status_code == 200
    assert response.context["form"]["capacity"].value() == 100
    data = {
        "start": "2026-12-06T19:30",
        "end": "",
        "name_en": "Second night",
        "capacity": "120",
        "is_cancelled": "on",
    }
    response = owner_client.post(base, data)
    assert response.status_code == 302
    date.refresh_from_db()
    quota.refresh_from_db()
    assert date.start == local(organizer, 2026, 12, 6, 19, 30)
    assert (date.name, date.capacity, date.is_cancelled) == ({"en": "Second night"}, 120, True)
    assert quota.size == 120
    # below the places taken: a field error, and neither the date nor the quota changes
    Quota.objects.filter(pk=quota.pk).update(taken=50)
    response = owner_client.post(base, {**data, "capacity": "40", "name_en": "Changed"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["capacity"]
    date.refresh_from_db()
    quota.refresh_from_db()
    assert (date.name, date.capacity, quota.size) == ({"en": "Second night"}, 120, 120)


def test_edit_a_date_without_quota_creates_one(organizer, owner_client, event):
    date = EventDateFactory(event=event)
    response = owner_client.post(
        url(event, f"edit/dates/{date.pk}/"), {"start": "2026-12-06T19:30", "capacity": "30"}
    )
    assert response.status_code == 302
    assert Quota.objects.get(date=date).size == 30


def test_edit_a_product_and_a_rate(organizer, other_organizer, owner_client, event):
    template = TicketTemplateFactory(organizer=organizer)
    theirs = TicketTemplateFactory(organizer=other_organizer)
    rate = RateFactory(product=ProductFactory(event=event), price=Decimal("25.00"))
    product = rate.product
    response = owner_client.get(url(event, f"edit/rates/{rate.pk}/"))
    assert response.context["form"]["price"].value() == Decimal("25.00")
    assert "product" not in response.context["form"].fields
    response = owner_client.post(
        url(event, f"edit/rates/{rate.pk}/"),
        {"name_en": "Student", "price": "8", "sales_end": "2026-12-24T18:00"},
    )
    assert response.status_code == 302
    rate.refresh_from_db()
    assert (rate.name, rate.price, rate.active) == ({"en": "Student"}, Decimal("8.00"), False)
    assert rate.sales_end == local(organizer, 2026, 12, 24, 18, 0)
    response = owner_client.post(
        url(event, f"edit/products/{product.pk}/"),
        {"name_fr": "Entrée", "max_per_order": "101", "active": "on"},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["max_per_order"]
    response = owner_client.post(
        url(event, f"edit/products/{product.pk}/"),
        {
            "name_fr": "Entrée",
            "max_per_order": "4",
            "active": "on",
            "ticket_template": str(template.pk),
        },
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.max_per_order) == ({"fr": "Entrée"}, 4)
    assert product.ticket_template_id == template.pk
    # another organiser's template is not a choice
    response = owner_client.post(
        url(event, f"edit/products/{product.pk}/"),
        {"name_fr": "Entrée", "max_per_order": "4", "ticket_template": str(theirs.pk)},
    )
    assert list(response.context["form"].errors) == ["ticket_template"]


def test_quotas_and_sessions_lists_queries_do_not_grow_with_rows(organizer, owner_client, event):
    def count(rows: int) -> tuple[int, int]:
        EventDate.objects.filter(event=event).delete()
        Session.objects.filter(event=event).delete()
        room = LocationFactory(venue__organizer=organizer)
        for _ in range(rows):
            date = EventDateFactory(event=event)
            QuotaFactory(date=date)
            SessionFactory(event=event, date=date, location=room)
        with CaptureQueriesContext(connection) as quotas:
            assert owner_client.get(url(event, "edit/quotas/")).status_code == 200
        with CaptureQueriesContext(connection) as sessions:
            assert owner_client.get(url(event, "edit/sessions/")).status_code == 200
        return len(quotas), len(sessions)

    assert count(1) == count(3)


@pytest.mark.parametrize(
    ("tab", "make", "question", "action"),
    [
        ("dates", lambda e: EventDateFactory(event=e), "Delete this date?", "event_date.deleted"),
        ("sessions", lambda e: SessionFactory(event=e), "Delete this session?", "session.deleted"),
        ("rates", lambda e: RateFactory(product__event=e), "Delete this rate?", "rate.deleted"),
    ],
)
def test_every_delete_button_asks_first_and_deletes_with_an_audit_entry(
    organizer, owner_client, event, tab, make, question, action
):
    """One delete button for every list: it asks first (htmx `hx-confirm`; a session as a
    date) and the domain service deletes and audits."""
    row = make(event)
    page = owner_client.get(url(event, f"edit/{tab}/")).content.decode()
    assert f'hx-confirm="{question}"' in page
    response = owner_client.post(url(event, f"edit/{tab}/{row.pk}/delete/"))
    assert response.status_code == 302
    assert response["Location"] == url(event, f"edit/{tab}/")
    assert not type(row).objects.filter(pk=row.pk).exists()
    assert AuditLogEntry.objects.filter(action=action).count() == 1


def test_a_quota_without_places_taken_can_be_deleted(organizer, owner_client, event):
    """A quota added by mistake (a second whole-event limit) can go (one with places taken is
    refused by `inventory.delete_quota`, tests/inventory)."""
    date = EventDateFactory(event=event)
    spare = QuotaFactory(date=None, organizer=organizer, event=event, size=10, name="Mistake")
    QuotaFactory(date=date, size=30, name="First night")
    page = owner_client.get(url(event, "edit/quotas/")).content.decode()
    assert url(event, f"edit/quotas/{spare.pk}/delete/") in page
    owner_client.post(url(event, f"edit/quotas/{spare.pk}/delete/"))
    assert not Quota.objects.filter(pk=spare.pk).exists()
    assert AuditLogEntry.objects.filter(action="quota.deleted").count() == 1
