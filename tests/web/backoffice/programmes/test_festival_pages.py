"""D9 multi-event pages: back-office form (titles per language, validated and resized cover,
per-event switch) and the public page."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from rideau.core.models import AuditLogEntry
from rideau.events.models import Event, FestivalPage
from tests.factories import EventDateFactory, EventFactory

pytestmark = pytest.mark.django_db


def image_upload(size=(2400, 1200), fmt="PNG", name="cover.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#884422").save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def page_post(**extra) -> dict:
    return {
        "title_en": "Summer festival",
        "title_fr": "Festival d'été",
        "description_en": "Ten days of theatre.",
        "slug": "summer",
        "published": "on",
        **extra,
    }


def test_create_a_page_with_a_resized_cover(organizer, owner_client):
    response = owner_client.post(
        f"/control/{organizer.slug}/programmes/", page_post(cover=image_upload())
    )
    assert response.status_code == 302
    page = FestivalPage.objects.get(organizer=organizer)
    assert page.title == {"en": "Summer festival", "fr": "Festival d'été"}
    assert page.description == {"en": "Ten days of theatre."}
    assert page.published is True
    with page.cover.open("rb") as f, Image.open(f) as img:
        assert (img.format, img.size) == ("JPEG", (1600, 800))
    assert AuditLogEntry.objects.filter(action="festival_page.created").count() == 1
    cover = Client().get(f"/{organizer.slug}/programme/summer/cover/")
    assert cover.status_code == 200
    assert cover["Content-Type"] == "image/jpeg"


def test_a_small_cover_keeps_its_size(organizer, owner_client):
    owner_client.post(
        f"/control/{organizer.slug}/programmes/",
        page_post(cover=image_upload((800, 600), "JPEG", "c.jpg")),
    )
    page = FestivalPage.objects.get()
    with page.cover.open("rb") as f, Image.open(f) as img:
        assert img.size == (800, 600)


def test_a_cover_that_is_not_an_image_is_a_field_error(organizer, owner_client):
    fake = SimpleUploadedFile("cover.png", b"<svg></svg>", content_type="image/png")
    response = owner_client.post(f"/control/{organizer.slug}/programmes/", page_post(cover=fake))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["cover"]
    assert FestivalPage.objects.count() == 0


def test_a_cover_over_5_mb_is_refused(organizer, owner_client):
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024), "image/png")
    response = owner_client.post(f"/control/{organizer.slug}/programmes/", page_post(cover=big))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["cover"]
    assert FestivalPage.objects.count() == 0


def test_title_required_and_slug_unique(organizer, owner_client):
    FestivalPage.objects.create(organizer=organizer, slug="summer", title={"en": "X"})
    response = owner_client.post(
        f"/control/{organizer.slug}/programmes/", page_post(title_en="", title_fr="")
    )
    assert response.context["form"].errors == {
        "title_en": ["This field is required in at least one language."],
        "slug": ["A page with this short name already exists."],
    }
    assert FestivalPage.objects.count() == 1


def test_switch_events_and_public_page(organizer, owner_client):
    page = FestivalPage.objects.create(
        organizer=organizer, slug="season", title={"en": "Season"}, published=True
    )
    shown = EventFactory(organizer=organizer, slug="hamlet", name={"en": "Hamlet"})
    EventDateFactory(event=shown)
    draft = EventFactory(
        organizer=organizer, slug="draft", name={"en": "Secret"}, visibility="draft"
    )
    EventFactory(organizer=organizer, slug="other", name={"en": "Not on the page"})
    base = f"/control/{organizer.slug}/programmes/{page.pk}/"
    response = owner_client.post(f"{base}events/hamlet/", {"shown": "1"})
    assert response.status_code == 302
    response = owner_client.post(
        f"{base}events/draft/", {"shown": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'aria-checked="true"' in response.content.decode()
    assert sorted(page.events.values_list("slug", flat=True)) == ["draft", "hamlet"]
    public = Client().get(f"/{organizer.slug}/programme/season/")
    assert public.status_code == 200
    assert [e.slug for e in public.context["events"]] == ["hamlet"]
    assert "Secret" not in public.content.decode()
    owner_client.post(f"{base}events/hamlet/", {"shown": "0"})
    assert list(page.events.values_list("slug", flat=True)) == ["draft"]
    assert draft.festival_pages.count() == 1
    assert AuditLogEntry.objects.filter(action__startswith="festival_page.event_").count() == 3


def test_unpublished_page_is_not_public(organizer):
    FestivalPage.objects.create(organizer=organizer, slug="soon", title={"en": "Soon"})
    assert Client().get(f"/{organizer.slug}/programme/soon/").status_code == 404
    assert Client().get(f"/{organizer.slug}/programme/soon/cover/").status_code == 404


def test_another_organisers_event_cannot_be_switched_on(organizer, other_organizer, owner_client):
    page = FestivalPage.objects.create(organizer=organizer, slug="p", title={"en": "P"})
    EventFactory(organizer=other_organizer, slug="theirs")
    response = owner_client.post(
        f"/control/{organizer.slug}/programmes/{page.pk}/events/theirs/", {"shown": "1"}
    )
    assert response.status_code == 404
    assert page.events.count() == 0


def test_edit_replaces_cover_and_delete(organizer, owner_client):
    owner_client.post(f"/control/{organizer.slug}/programmes/", page_post(cover=image_upload()))
    page = FestivalPage.objects.get()
    old = page.cover.name
    base = f"/control/{organizer.slug}/programmes/{page.pk}/"
    response = owner_client.post(base, page_post(title_en="Winter", cover=image_upload((100, 50))))
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title == {"en": "Winter", "fr": "Festival d'été"}
    assert page.cover.name != old
    assert page.cover.storage.exists(old) is False
    new = page.cover.name
    assert owner_client.post(f"{base}delete/").status_code == 302
    assert FestivalPage.objects.count() == 0
    assert page.cover.storage.exists(new) is False


def test_pages_queries_do_not_grow_with_rows(organizer, owner_client):
    page = FestivalPage.objects.create(
        organizer=organizer, slug="p", title={"en": "P"}, published=True
    )

    def count(rows: int) -> tuple[int, int, int]:
        Event.objects.all().delete()
        FestivalPage.objects.exclude(pk=page.pk).delete()
        for n in range(rows):
            FestivalPage.objects.create(organizer=organizer, slug=f"x{n}", title={"en": "X"})
            event = EventFactory(organizer=organizer)
            EventDateFactory(event=event)
            page.events.add(event)
        with CaptureQueriesContext(connection) as listing:
            assert owner_client.get(f"/control/{organizer.slug}/programmes/").status_code == 200
        with CaptureQueriesContext(connection) as edit:
            url = f"/control/{organizer.slug}/programmes/{page.pk}/"
            assert owner_client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as public:
            assert Client().get(f"/{organizer.slug}/programme/p/").status_code == 200
        return len(listing), len(edit), len(public)

    assert count(1) == count(3)
