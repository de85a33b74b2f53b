"""Back-office ticket templates: elements, validated background, PDF preview."""

import io

import pypdfium2
import pytest
import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from rideau.catalog.models import TicketTemplate
from rideau.documents.ticket_preview import PREVIEW_SECRET, render_preview_pdf
from tests.factories import TicketTemplateFactory

pytestmark = pytest.mark.django_db


def image_upload(size=(3000, 1000), fmt="PNG", name="bg.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#eeeeff").save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def pdf_text(pdf: bytes) -> str:
    return pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()


def test_create_a_template_with_chosen_elements_and_background(organizer, owner_client):
    response = owner_client.post(
        f"/control/{organizer.slug}/ticket-templates/",
        {"name": "Gala", "elements": ["event_name", "qr"], "background": image_upload()},
    )
    assert response.status_code == 302
    template = TicketTemplate.objects.get(organizer=organizer)
    assert (template.name, template.elements) == ("Gala", ["event_name", "qr"])
    with template.background.open("rb") as f, Image.open(f) as img:
        assert (img.format, img.size) == ("PNG", (2480, 827))


def test_a_background_that_is_not_an_image_is_a_field_error(organizer, owner_client):
    fake = SimpleUploadedFile("bg.png", b"not an image", content_type="image/png")
    response = owner_client.post(
        f"/control/{organizer.slug}/ticket-templates/",
        {"name": "Gala", "elements": ["qr"], "background": fake},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["background"]
    assert TicketTemplate.objects.count() == 0


def test_a_gif_background_is_refused_and_nothing_is_created(organizer, owner_client):
    response = owner_client.post(
        f"/control/{organizer.slug}/ticket-templates/",
        {"name": "Gala", "elements": ["qr"], "background": image_upload((10, 10), "GIF", "b.gif")},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"background": ["Upload a PNG or JPEG image."]}
    assert TicketTemplate.objects.count() == 0


def test_preview_draws_only_the_chosen_elements(organizer, owner_client):
    template = TicketTemplateFactory(organizer=organizer, elements=["event_name", "qr"])
    response = owner_client.get(
        f"/control/{organizer.slug}/ticket-templates/{template.pk}/preview.pdf"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Sample event" in text
    assert "Jane Doe" not in text
    assert "25.00 EUR" not in text
    assert "Order PREVIEW" in text  # what the door needs is always printed
    image = pypdfium2.PdfDocument(response.content)[0].render(scale=2).to_pil()
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [PREVIEW_SECRET]


def test_preview_with_every_element_and_a_background(organizer):
    template = TicketTemplateFactory(organizer=organizer, elements=list(TicketTemplate.ELEMENTS))
    template.background.save("bg.png", image_upload((200, 280)), save=True)
    text = pdf_text(render_preview_pdf(template, language="en"))
    assert "Jane Doe" in text
    assert "Order PREVIEW" in text
    assert "25.00 EUR" in text


def test_edit_elements_and_remove_background(organizer, owner_client):
    owner_client.post(
        f"/control/{organizer.slug}/ticket-templates/",
        {"name": "Gala", "elements": ["qr"], "background": image_upload((100, 100))},
    )
    template = TicketTemplate.objects.get()
    old = template.background.name
    url = f"/control/{organizer.slug}/ticket-templates/{template.pk}/"
    response = owner_client.post(
        url, {"name": "Gala 2", "elements": ["qr", "seat"], "remove_background": "on"}
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.name, template.elements, template.background.name) == (
        "Gala 2",
        ["qr", "seat"],
        "",
    )
    assert template.background.storage.exists(old) is False
    assert owner_client.post(f"{url}delete/").status_code == 302
    assert TicketTemplate.objects.count() == 0


def test_a_refused_edit_shows_the_template_as_stored(organizer, owner_client):
    template = TicketTemplateFactory(organizer=organizer, name="Gala", elements=["qr"])
    response = owner_client.post(
        f"/control/{organizer.slug}/ticket-templates/{template.pk}/",
        {"name": "Gala 2", "elements": ["seat"], "background": image_upload((10, 10), "GIF")},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["background"]
    shown = response.context["template"]
    assert (shown.name, shown.elements) == ("Gala", ["qr"])
    template.refresh_from_db()
    assert (template.name, template.elements) == ("Gala", ["qr"])


def test_another_organisers_template_is_not_found(organizer, other_organizer, owner_client):
    theirs = TicketTemplateFactory(organizer=other_organizer)
    base = f"/control/{organizer.slug}/ticket-templates/{theirs.pk}/"
    assert owner_client.get(base).status_code == 404
    assert owner_client.get(f"{base}preview.pdf").status_code == 404
    assert owner_client.post(f"{base}delete/").status_code == 404
    assert TicketTemplate.objects.count() == 1


def test_template_list_queries_do_not_grow(organizer, owner_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(rows: int) -> int:
        TicketTemplate.objects.all().delete()
        for _ in range(rows):
            TicketTemplateFactory(organizer=organizer)
        with CaptureQueriesContext(connection) as queries:
            url = f"/control/{organizer.slug}/ticket-templates/"
            assert owner_client.get(url).status_code == 200
        return len(queries)

    assert count(1) == count(3)
