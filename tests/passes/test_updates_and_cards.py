"""“Update the passes” (SPEC D2) and the pass's appearance (SPEC D4)."""

import datetime
import io

import pypdfium2
import pytest
import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from rideau.core import jobs
from rideau.core.models import Job
from rideau.inventory.models import SeatHold
from rideau.orders import services as orders
from rideau.passes import cards, services, updates
from rideau.passes.models import PassProduct, PassTicket
from tests.factories import EventDateFactory, EventFactory, QuotaFactory

pytestmark = pytest.mark.django_db

BUYER = orders.Buyer(email="ana@example.net", name="Ana Lopez")


def sell(world, **holder):
    return services.sell_pass(
        world.organizer,
        rate=world.auto_rate,
        holder=services.HolderInput(last_name="Lopez", first_name="Ana", **holder),
        buyer=BUYER,
        paid=True,
        provider="cash",
    )


def decode(pdf: bytes) -> list[str]:
    found = []
    for page in pypdfium2.PdfDocument(pdf):
        image = page.render(scale=4).to_pil()
        found += [r.text for r in zxingcpp.read_barcodes(image) if r.format.name == "QRCode"]
    return found


def test_events_added_after_sales_reach_the_sold_passes_once(world, organizer):
    first, second = sell(world), sell(world)
    event = EventFactory(organizer=organizer, name={"en": "Late addition"})
    date = EventDateFactory(
        event=event,
        start=world.dates[-1].start + datetime.timedelta(days=7),
        location=world.plan.location,
    )
    QuotaFactory(date=date, size=50)
    world.automatic.events.add(event)

    assert updates.preview(world.automatic) == 2
    assert updates.update_passes(world.automatic) == (2, 0)
    assert updates.preview(world.automatic) == 0
    assert updates.update_passes(world.automatic) == (0, 0)  # safe to run twice

    for p in (first, second):
        assert PassTicket.objects.filter(pass_obj=p, date=date).count() == 1
    # the holder's usual seat, free on the same plan
    usual = SeatHold.objects.filter(
        hold__tickets__pass_ticket__pass_obj=first, date=world.dates[0]
    ).get()
    new = SeatHold.objects.filter(hold__tickets__pass_ticket__pass_obj=first, date=date).get()
    assert new.seat_id == usual.seat_id


def test_the_update_runs_as_a_task_with_progress(world, organizer, actor):
    sell(world)
    event = EventFactory(organizer=organizer)
    QuotaFactory(
        date=EventDateFactory(
            event=event, start=world.dates[-1].start + datetime.timedelta(days=3)
        ),
        size=5,
    )
    world.automatic.events.add(event)

    job = updates.start_update(world.automatic, actor=actor)
    jobs.run_job.call(job.pk)

    job.refresh_from_db()
    assert (job.status, job.total, job.progress) == ("done", 1, 1)
    assert job.result == {"updated": 1, "failed": 0}
    assert job.percent == 100
    assert Job.objects.filter(kind=updates.UPDATE_KIND).count() == 1
    assert updates.last_update(world.automatic) == job


@pytest.mark.parametrize("orientation", ["horizontal", "vertical"])
def test_a_pvc_card_is_cr80_and_its_qr_code_decodes(world, orientation):
    image = io.BytesIO()
    Image.new("RGB", (300, 400), "blue").save(image, format="PNG")
    p = sell(world, photo=SimpleUploadedFile("me.png", image.getvalue()))
    PassProduct.objects.filter(pk=world.automatic.pk).update(
        card_format="pvc",
        card_orientation=orientation,
        card_elements=["photo", "name", "pass_name", "season", "seat", "qr"],
    )
    p.pass_product.refresh_from_db()

    pdf = cards.render_card(p)

    page = pypdfium2.PdfDocument(pdf)[0]
    width_mm, height_mm = (round(v / 72 * 25.4, 1) for v in page.get_size())
    expected = (85.6, 54.0) if orientation == "horizontal" else (54.0, 85.6)
    assert (width_mm, height_mm) == expected
    assert decode(pdf) == [p.secret]


def test_a_paper_pass_is_an_a4_page_whose_qr_code_decodes(world):
    p = sell(world)

    pdf = cards.render_card(p)

    page = pypdfium2.PdfDocument(pdf)[0]
    assert tuple(round(v) for v in page.get_size()) == (595, 842)
    assert decode(pdf) == [p.secret]


@pytest.mark.django_db(transaction=True)
def test_pass_updates_become_jobs_and_back(world):
    """Migration `ops_pass_updates_to_jobs` (ADR 0029): each PassUpdate row becomes a job
    of kind `pass_update` with its counts, a task queued for it follows, and back again."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django_tasks_db.models import DBTaskResult

    before = [("passes", "0002_resale_checkout_offered_back")]
    old = MigrationExecutor(connection).migrate(before).apps
    update = old.get_model("passes", "PassUpdate").objects.create(
        organizer_id=world.organizer.pk,
        pass_product_id=world.automatic.pk,
        status="done",
        total=3,
        progress=3,
        updated=2,
        failed=1,
    )
    queued = jobs.run_job.enqueue(0)  # a task queued before the upgrade, by the old name
    DBTaskResult.objects.filter(pk=queued.id).update(
        task_path="rideau.passes.updates.run_update",
        args_kwargs={"args": [update.pk], "kwargs": {}},
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    job = Job.objects.get(kind=updates.UPDATE_KIND)
    assert (job.organizer_id, job.params, job.status, job.total, job.progress) == (
        world.organizer.pk,
        {"pass_product": world.automatic.pk},
        "done",
        3,
        3,
    )
    assert job.result == {"updated": 2, "failed": 1}
    assert updates.last_update(world.automatic) == job
    task = DBTaskResult.objects.get(pk=queued.id)
    assert (task.task_path, task.args_kwargs["args"]) == ("rideau.core.jobs.run_job", [job.pk])

    old = MigrationExecutor(connection).migrate(before).apps  # and back
    back = old.get_model("passes", "PassUpdate").objects.get()
    assert (back.pass_product_id, back.updated, back.failed, back.total) == (
        world.automatic.pk,
        2,
        1,
        3,
    )
    assert not Job.objects.filter(kind=updates.UPDATE_KIND).exists()
    task = DBTaskResult.objects.get(pk=queued.id)
    assert (task.task_path, task.args_kwargs["args"]) == (
        "rideau.passes.updates.run_update",
        [back.pk],
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Job.objects.filter(kind=updates.UPDATE_KIND).count() == 1


def test_a_pass_orders_tickets_name_each_show(world):
    """A pass's order has no event of its own: each ticket names the show it admits to, on
    the PDF and on the order page (it said only the pass's name and a date)."""
    from django.test import Client

    from rideau.documents.tickets import render_tickets_pdf

    sold = sell(world)
    order = sold.order
    pdf = pypdfium2.PdfDocument(render_tickets_pdf(order))
    text = " ".join(page.get_textpage().get_text_range() for page in pdf)
    for event in world.events:
        assert event.name["en"] in text
    page = Client().get(f"/{order.organizer.slug}/order/{order.code}/{order.secret}/")
    html = page.content.decode()
    assert all(f"{event.name['en']} · " in html for event in world.events)
