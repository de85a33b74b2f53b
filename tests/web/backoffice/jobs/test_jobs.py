"""Exports of buyers and answers (CSV, XLSX) and e-mails to the buyers, as tasks with progress."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from rideau.core import jobs as core_jobs
from rideau.core.access import Actor
from rideau.core.models import AuditLogEntry, Job
from rideau.core.roles import Role
from rideau.documents.tables import safe_cell
from rideau.messaging import bulk
from rideau.messaging.models import OutboxMessage
from rideau.orders import jobs
from rideau.orders.models import Order, Position
from tests.factories import JobFactory, member

from ..conftest import place

pytestmark = pytest.mark.django_db
EVENT = "/control/theatre/events/hamlet/"


def run(job: Job) -> Job:
    """Run the job's task in this process (the worker test below runs it for real)."""
    core_jobs.run_job.call(job.pk)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("\x0b=cmd", "'=cmd"),
        ("Ana\x07\x1b", "Ana"),
        ("line\nbreak", "line\nbreak"),
        ("Ana = Bob", "Ana = Bob"),
        (Decimal("25.00"), Decimal("25.00")),
        (None, ""),
    ],
)
def test_safe_cell_defuses_formulas(value, expected):
    assert safe_cell(value) == expected


def _buyers(organizer, shop):
    first = place(organizer, shop, quantity=2, paid=True, email="ana@example.net", name="Ana")
    Position.objects.filter(order=first).update(answers={"diet": "=cmd|' /C calc'!A0", "size": "M"})
    place(organizer, shop, rate="reduced", date="second", email="bob@example.net", name="Bob")
    cancelled = place(organizer, shop, email="gone@example.net")
    Order.objects.filter(pk=cancelled.pk).update(status=Order.Status.CANCELLED)
    return first


def test_csv_export_lists_tickets_with_answers_and_is_formula_safe(organizer, shop, owner_client):
    first = _buyers(organizer, shop)
    response = owner_client.post(f"{EVENT}export/", {"format": "csv"})
    job = Job.objects.get()
    assert response.url == f"/control/theatre/jobs/{job.pk}/"
    assert (job.kind, job.status, job.progress) == ("export_csv", "queued", 0)
    assert AuditLogEntry.objects.filter(action="job.export_csv").count() == 1

    job = run(job)
    assert (job.status, job.progress, job.total, job.percent) == ("done", 3, 3, 100)
    download = owner_client.get(f"/control/theatre/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][-2:] == ["diet", "size"]
    assert len(table) == 4  # header + 2 tickets of Ana + 1 of Bob; the cancelled order is out
    assert [row[0] for row in table[1:]] == [first.code, first.code, table[3][0]]
    assert [row[4] for row in table[1:]] == [
        "ana@example.net",
        "ana@example.net",
        "bob@example.net",
    ]
    assert table[1][-2:] == ["'=cmd|' /C calc'!A0", "M"]
    assert table[3][6] == "Seat – Reduced"
    assert table[3][-2:] == ["", ""]


def test_xlsx_export_has_the_same_rows(organizer, shop, owner_client):
    _buyers(organizer, shop)
    owner_client.post(f"{EVENT}export/", {"format": "xlsx"})
    job = run(Job.objects.get())
    download = owner_client.get(f"/control/theatre/jobs/{job.pk}/download/")
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    values = list(sheet.values)
    assert len(values) == 4
    assert values[1][-2:] == ("'=cmd|' /C calc'!A0", "M")
    assert values[1][7] == 25  # numbers stay numbers
    ordered = sheet.cell(row=2, column=3)  # a date cell Excel sorts as one, not a text
    assert isinstance(ordered.value, datetime.datetime) and ordered.is_date
    assert sheet.cell(row=2, column=len(values[0]) - 1).data_type == "s"  # text, not a formula


def test_xlsx_export_survives_control_characters_stored_before_the_input_rule(
    organizer, shop, owner_client
):
    """Issue 10 item 2: one buyer name with a vertical tab broke every XLSX export."""
    order = place(organizer, shop, paid=True, name="Ana\u000bLopez\x07")
    Position.objects.filter(order=order).update(
        attendee_name="=\x0bcmd", answers={"note": "a\x1fb\nc"}
    )
    owner_client.post(f"{EVENT}export/", {"format": "xlsx"})
    job = run(Job.objects.get())
    assert job.status == "done", job.error
    download = owner_client.get(f"/control/theatre/jobs/{job.pk}/download/")
    values = list(load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.values)
    assert values[1][3] == "AnaLopez"
    assert values[1][9] == "'=cmd"  # stripped, then still neutralised
    assert values[1][-1] == "ab\nc"


def test_job_page_polls_until_done_then_offers_the_download(organizer, shop, owner_client):
    job = JobFactory(event=shop["event"])
    page = owner_client.get(f"/control/theatre/jobs/{job.pk}/")
    content = page.content.decode()
    assert 'hx-trigger="every 1s"' in content
    assert "does not seem to be running" not in content
    # still queued minutes later: no worker takes jobs, and the page says so
    Job.objects.filter(pk=job.pk).update(created=job.created - datetime.timedelta(minutes=3))
    content = owner_client.get(f"/control/theatre/jobs/{job.pk}/").content.decode()
    assert "does not seem to be running" in content
    assert "Download the file" not in content
    assert owner_client.get(f"/control/theatre/jobs/{job.pk}/download/").status_code == 404
    run(job)
    fragment = owner_client.get(f"/control/theatre/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    content = fragment.content.decode()
    assert content.startswith('<div id="job-progress"')
    assert "hx-trigger" not in content
    assert f"/control/theatre/jobs/{job.pk}/download/" in content


def test_another_organisers_job_and_file_are_404(organizer, other_organizer, shop, client_for):
    job = run(JobFactory(event=shop["event"]))
    rival = client_for(member(other_organizer, Role.OWNER, email="rival@example.org"))
    assert rival.get(f"/control/theatre/jobs/{job.pk}/download/").status_code == 404
    assert rival.get(f"/control/rival/jobs/{job.pk}/download/").status_code == 404
    assert rival.get(f"/control/rival/jobs/{job.pk}/").status_code == 404


def test_contact_buyers_writes_one_email_per_distinct_buyer(organizer, shop, owner_client):
    place(organizer, shop, paid=True, email="ana@example.net")
    place(organizer, shop, rate="reduced", paid=True, email="ANA@example.net")
    place(organizer, shop, date="second", paid=True, email="bob@example.net")
    place(organizer, shop, date="second", email="pending@example.net")  # not a buyer yet
    before = OutboxMessage.objects.count()
    response = owner_client.post(
        f"{EVENT}contact/", {"subject": "Doors at 19:30", "body": "See you tonight."}
    )
    job = Job.objects.get()
    assert response.url == f"/control/theatre/jobs/{job.pk}/"
    job = run(job)
    assert (job.status, job.progress, job.total) == ("done", 2, 2)
    sent = OutboxMessage.objects.order_by("id")[before:]
    assert [(m.to, m.subject, m.body_text) for m in sent] == [
        (["ana@example.net"], "Doors at 19:30", "See you tonight."),
        (["bob@example.net"], "Doors at 19:30", "See you tonight."),
    ]
    entry = AuditLogEntry.objects.get(action="event.buyers_contacted")
    assert entry.after == {"job": job.pk, "recipients": 2, "subject": "Doors at 19:30"}


def test_contact_buyers_of_one_date_or_one_rate(organizer, shop, owner):
    place(organizer, shop, paid=True, email="ana@example.net")
    place(organizer, shop, rate="reduced", date="second", paid=True, email="bob@example.net")
    place(organizer, shop, date="second", paid=True, email="cyd@example.net")
    event = shop["event"]
    assert jobs.buyer_emails(event, date=shop["second"]) == ["bob@example.net", "cyd@example.net"]
    assert jobs.buyer_emails(event, rate=shop["reduced"]) == ["bob@example.net"]
    job = jobs.start_email_buyers(
        event, actor=Actor(user=owner), subject="Hi", body="Text", rate=shop["full"]
    )
    before = OutboxMessage.objects.count()
    run(job)
    assert sorted(m.to[0] for m in OutboxMessage.objects.order_by("id")[before:]) == [
        "ana@example.net",
        "cyd@example.net",
    ]


def test_a_rerun_does_not_send_twice(organizer, shop, owner, monkeypatch):
    for i in range(3):
        place(organizer, shop, paid=True, email=f"b{i}@example.net")
    monkeypatch.setattr(bulk, "BATCH", 2)
    job = jobs.start_email_buyers(shop["event"], actor=Actor(user=owner), subject="S", body="B")
    Job.objects.filter(pk=job.pk).update(
        progress=2,
        status=Job.Status.RUNNING,
        params={**job.params, "recipients": [f"b{i}@example.net" for i in range(3)]},
    )  # crashed after two, with its list fixed
    # a buyer ordering meanwhile sorts first: the list is the first run's, not a new one
    place(organizer, shop, paid=True, email="a0@example.net")
    before = OutboxMessage.objects.count()
    job = run(job)
    assert [m.to for m in OutboxMessage.objects.order_by("id")[before:]] == [["b2@example.net"]]
    assert (job.status, job.progress) == ("done", 3)


def test_contact_form_errors_and_permissions(organizer, shop, owner_client, client_for):
    response = owner_client.post(f"{EVENT}contact/", {"subject": "", "body": ""})
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"subject", "body"}
    reader = client_for(member(organizer, Role.READ_ONLY))
    assert reader.get(f"{EVENT}contact/").status_code == 403
    assert reader.post(f"{EVENT}contact/", {"subject": "S", "body": "B"}).status_code == 403
    assert Job.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_export_is_enqueued_on_commit_and_run_by_the_worker(organizer, shop, owner):
    place(organizer, shop, quantity=2, paid=True)
    with transaction.atomic():
        job = jobs.start_export(shop["event"], actor=Actor(user=owner), fmt="csv")
        assert DBTaskResult.objects.filter(task_path=core_jobs.run_job.module_path).count() == 0
    assert DBTaskResult.objects.filter(task_path=core_jobs.run_job.module_path).count() == 1
    call_command("worker", "--once")
    job.refresh_from_db()
    assert (job.status, job.progress, job.total) == ("done", 2, 2)
    with job.file.open("rb") as handle:
        assert len(handle.read().decode("utf-8-sig").splitlines()) == 3


def test_export_columns_and_the_order_page_name_questions_by_their_label(
    organizer, shop, owner_client
):
    from rideau.catalog.models import Question

    diet = Question.objects.create(
        product=shop["full"].product, label={"en": "Dietary needs", "fr": "Régime"}
    )
    gone = Question.objects.create(product=shop["full"].product, label={"en": "Old question"})
    order = place(organizer, shop, paid=True, email="ana@example.net", name="Ana")
    Position.objects.filter(order=order).update(
        answers={str(diet.pk): "Vegetarian", str(gone.pk): True}
    )
    gone_pk = gone.pk
    gone.delete()

    owner_client.post(f"{EVENT}export/", {"format": "csv"})
    job = run(Job.objects.get())
    download = owner_client.get(f"/control/theatre/jobs/{job.pk}/download/")
    table = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert table[0][-4:] == [
        "Sales channel",
        "Audience type",
        "Dietary needs",
        f"Question {gone_pk} (deleted)",
    ]
    assert table[1][-4:] == ["Box office", "", "Vegetarian", "yes"]

    owner_client.force_login(member(organizer, role=Role.READ_ONLY))  # sees answers as text
    page = owner_client.get(f"/control/theatre/orders/{order.pk}/").content.decode()
    assert "<dt>Dietary needs</dt><dd>Vegetarian</dd>" in page
    assert f"<dt>Question {gone_pk} (deleted)</dt><dd>yes</dd>" in page
