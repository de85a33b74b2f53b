"""Back-office seating plans: generate by sections, import CSV, replace, delete, preview."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rideau.core.access import Actor
from rideau.core.errors import PermissionDenied, ValidationFailed
from rideau.core.models import AuditLogEntry
from rideau.core.roles import Role
from rideau.inventory import services as inventory
from rideau.venues.models import Location, Seat, SeatingPlan
from rideau.venues.services import (
    SectionSpec,
    parse_rows,
    save_seating_plan,
    seats_from_csv,
    seats_from_sections,
)
from tests.factories import (
    EventDateFactory,
    EventFactory,
    LocationFactory,
    QuotaFactory,
    RateFactory,
    VenueFactory,
    member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def layout(organizer):
    venue = VenueFactory(organizer=organizer, name="Grand Hall")
    room = LocationFactory(venue=venue, kind=Location.Kind.ROOM, name="Main room")
    return LocationFactory(venue=venue, parent=room, kind=Location.Kind.LAYOUT, name="Seated")


def url(layout, suffix="") -> str:
    org = layout.venue.organizer.slug
    return f"/control/{org}/venues/{layout.venue_id}/locations/{layout.pk}/seating{suffix}"


def generate(client, layout, sections, name="Main plan"):
    data = {
        "form": "generate",
        "plan-name": name,
        "section-TOTAL_FORMS": "6",
        "section-INITIAL_FORMS": "0",
        "section-MIN_NUM_FORMS": "0",
        "section-MAX_NUM_FORMS": "6",
    }
    for index in range(6):
        data[f"section-{index}-numbering"] = "ltr"
    for index, (section, rows, per_row, numbering) in enumerate(sections):
        data.update(
            {
                f"section-{index}-name": section,
                f"section-{index}-rows": rows,
                f"section-{index}-seats_per_row": str(per_row),
                f"section-{index}-numbering": numbering,
            }
        )
    return client.post(url(layout, "/"), data)


def test_generate_a_plan_by_sections(owner_client, layout):
    response = generate(
        owner_client, layout, [("Stalls", "A-C", 5, "ltr"), ("Balcony", "A, B", 4, "rtl")]
    )

    assert response.status_code == 302
    plan = SeatingPlan.objects.get(location=layout)
    assert plan.name == "Main plan"
    seats = list(plan.seats.order_by("row_order", "position"))
    assert len(seats) == 3 * 5 + 2 * 4
    # row order runs on from the stage across sections
    assert {(s.section, s.row): s.row_order for s in seats} == {
        ("Stalls", "A"): 0,
        ("Stalls", "B"): 1,
        ("Stalls", "C"): 2,
        ("Balcony", "A"): 3,
        ("Balcony", "B"): 4,
    }
    balcony_a = [s.number for s in seats if (s.section, s.row) == ("Balcony", "A")]
    assert balcony_a == [4, 3, 2, 1]  # seat 1 on the right
    # best seats: the nearest row, then the middle of the row
    best = min(seats, key=lambda s: s.rank)
    assert (best.section, best.row, best.number) == ("Stalls", "A", 3)
    row_a = sorted((s for s in seats if s.row_order == 0), key=lambda s: s.rank)
    assert row_a[0].number == 3
    assert {s.number for s in row_a[1:3]} == {2, 4}
    assert all(s.rank > max(r.rank for r in row_a) for s in seats if s.row_order == 1)
    entry = AuditLogEntry.objects.get(action="seating_plan.created")
    assert entry.after["seats"] == 23

    page = owner_client.get(url(layout, "/"))
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('<rect class="seat"') == 23
    assert "<title>Row A, seat 3 — section Stalls</title>" in text
    assert "23 seats" in text


def test_the_venue_page_links_layouts_to_their_plans(owner_client, layout, organizer):
    generate(owner_client, layout, [("", "A-B", 3, "ltr")])

    text = owner_client.get(f"/control/{organizer.slug}/venues/{layout.venue_id}/").content
    assert url(layout, "/").encode() in text
    assert b"6 seats" in text


@pytest.mark.parametrize(
    ("sections", "field", "message"),
    [
        ([("Stalls", "A-", 5, "ltr")], "rows", "“A-” is not a valid range of rows."),
        ([("Stalls", "M-A", 5, "ltr")], "rows", "“M-A” is not a valid range of rows."),
        ([("Stalls", "A, B, A", 5, "ltr")], "rows", "Row “A” is listed twice."),
        ([("Stalls", "A-C", 500, "ltr")], "seats_per_row", None),
        ([("Stalls", "A-C", "", "ltr")], "seats_per_row", "How many seats does each row have?"),
        ([("Stalls", "A-C", 5, "zigzag")], "numbering", None),
    ],
)
def test_bad_sections_are_field_errors_and_change_nothing(
    owner_client, layout, sections, field, message
):
    response = generate(owner_client, layout, sections)

    assert response.status_code == 422
    errors = response.context["sections"].forms[0].errors
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
    assert not SeatingPlan.objects.exists()
    assert not AuditLogEntry.objects.filter(action__startswith="seating_plan").exists()


def test_two_sections_with_one_name_are_refused(owner_client, layout):
    response = generate(
        owner_client, layout, [("Stalls", "A", 2, "ltr"), ("Stalls", "B", 2, "ltr")]
    )

    assert response.status_code == 422
    assert response.context["sections"].forms[1].errors == {
        "name": ["Two sections have this name."]
    }
    assert not Seat.objects.exists()


def test_no_section_at_all_is_an_error(owner_client, layout):
    response = generate(owner_client, layout, [])

    assert response.status_code == 422
    assert response.context["name_form"].non_field_errors() == ["Describe at least one section."]


def test_too_many_seats_are_refused(owner_client, layout):
    response = generate(owner_client, layout, [("Stalls", "1-30", 200, "ltr")])

    assert response.status_code == 422
    assert "at most 5000 seats" in response.context["name_form"].errors["__all__"][0]
    assert not SeatingPlan.objects.exists()


def test_import_csv_with_header_semicolons_and_computed_ranks(owner_client, layout):
    text = (
        "section;row;number;row_order;rank\n"
        "Stalls;A;1;;\nStalls;A;2;;\nStalls;A;3;;\nStalls;B;1;5;7\n"
    )

    response = owner_client.post(
        url(layout, "/"), {"form": "csv", "csv-name": "Imported", "csv-text": text}
    )

    assert response.status_code == 302
    seats = {(s.row, s.number): s for s in Seat.objects.filter(plan__location=layout)}
    assert len(seats) == 4
    assert seats[("A", 2)].rank < seats[("A", 1)].rank  # the middle first
    assert (seats[("B", 1)].row_order, seats[("B", 1)].rank) == (5, 7)
    assert seats[("A", 1)].row_order == 0

    download = owner_client.get(url(layout, ".csv"))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    lines = download.content.decode().splitlines()
    assert lines[0] == "section,row,number,row_order,rank"
    assert "Stalls,B,1,5,7" in lines


def test_import_csv_file_upload(owner_client, layout):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("plan.csv", b"\xef\xbb\xbf,A,1\n,A,2\n", content_type="text/csv")
    response = owner_client.post(
        url(layout, "/"), {"form": "csv", "csv-name": "From file", "csv-file": upload}
    )

    assert response.status_code == 302
    assert Seat.objects.filter(plan__location=layout).count() == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Stalls,A,one\n", "Line 1: the number, row order and rank must be whole numbers."),
        ("Stalls,A,0\n", "Line 1: the number, row order and rank must be whole numbers."),
        ("Stalls,A\n", "Line 1: expected section, row, number, row order, rank."),
        ("Stalls,,3\n", "Line 1: a row name of 1 to 20 characters and a section name of at most"),
        ("Stalls,A,1\nStalls,A,1\n", "Row A, seat 1 — section Stalls is listed twice."),
        ("section,row,number\n", "The file has no seats."),
        ("", "Choose a CSV file or paste its lines."),
    ],
)
def test_bad_csv_is_a_field_error_naming_the_line(owner_client, layout, text, message):
    response = owner_client.post(
        url(layout, "/"), {"form": "csv", "csv-name": "Imported", "csv-text": text}
    )

    assert response.status_code == 422
    errors = response.context["csv_form"].errors["file"]
    assert errors[0].startswith(message)
    assert not SeatingPlan.objects.exists()


def test_a_binary_file_is_refused(owner_client, layout):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("plan.csv", b"\xff\xfe\x00bad", content_type="text/csv")
    response = owner_client.post(
        url(layout, "/"), {"form": "csv", "csv-name": "x", "csv-file": upload}
    )
    assert response.status_code == 422
    assert response.context["csv_form"].errors == {"file": ["Save the file as CSV in UTF-8."]}


def _seated_date(layout, organizer):
    event = EventFactory(organizer=organizer)
    date = EventDateFactory(event=event, location=layout)
    rate = RateFactory(product__event=event)
    QuotaFactory(date=date, size=50)
    return date, rate


def test_replace_only_while_no_seat_is_held_or_sold(owner_client, layout, organizer, actor):
    generate(owner_client, layout, [("", "A", 4, "ltr")])
    date, rate = _seated_date(layout, organizer)
    seat = Seat.objects.get(row="A", number=2)
    with transaction.atomic():
        [hold] = inventory.take(
            organizer=organizer,
            items=[inventory.HoldRequest(date=date, rate=rate, product=rate.product, seats=[seat])],
            expires_at=timezone.now() + datetime.timedelta(minutes=10),
            owner_ref="cart:x",
        )

    response = generate(owner_client, layout, [("", "A-B", 4, "ltr")])

    assert response.status_code == 422  # the page says why
    assert "held or sold" in response.content.decode()
    assert Seat.objects.count() == 4
    with pytest.raises(ValidationFailed) as refused:
        save_seating_plan(
            layout,
            actor=actor,
            name="x",
            seats=seats_from_sections([SectionSpec(name="", rows="B", seats_per_row=2)]),
        )
    assert "1 seat of this plan is held or sold" in refused.value.errors["__all__"][0]
    delete = owner_client.post(url(layout, "/delete/"), follow=True)
    assert "1 seat of this plan is held or sold" in delete.content.decode()
    assert SeatingPlan.objects.filter(location=layout).exists()

    # once the cart is released, the seats may change
    inventory.release([hold])
    response = generate(owner_client, layout, [("", "A-B", 4, "ltr")])
    assert response.status_code == 302
    assert Seat.objects.count() == 8
    assert AuditLogEntry.objects.filter(action="seating_plan.replaced").count() == 1


def test_delete_a_plan(owner_client, layout):
    generate(owner_client, layout, [("", "A", 4, "ltr")])

    response = owner_client.post(url(layout, "/delete/"))

    assert response.status_code == 302
    assert not SeatingPlan.objects.exists()
    assert not Seat.objects.exists()
    assert AuditLogEntry.objects.filter(action="seating_plan.deleted").exists()
    assert owner_client.get(url(layout, ".csv")).status_code == 404
    assert owner_client.post(url(layout, "/delete/")).status_code == 404


def test_only_layouts_have_plans(owner_client, layout):
    room = layout.parent
    assert owner_client.get(url(room, "/")).status_code == 404


def test_read_only_members_cannot_change_plans(organizer, layout, client):
    reader = member(organizer, Role.READ_ONLY, email="reader@example.org")
    client.force_login(reader)

    assert generate(client, layout, [("", "A", 4, "ltr")]).status_code == 403
    assert not SeatingPlan.objects.exists()
    with pytest.raises(PermissionDenied):  # the service refuses too
        save_seating_plan(layout, actor=Actor(user=reader), name="x", seats=seats_from_csv(",A,1"))


def test_parse_rows():
    assert parse_rows("A-C") == ["A", "B", "C"]
    assert parse_rows("A-H, J-K") == ["A", "B", "C", "D", "E", "F", "G", "H", "J", "K"]
    assert parse_rows("Y-AB") == ["Y", "Z", "AA", "AB"]
    assert parse_rows("1-3, 5") == ["1", "2", "3", "5"]
    assert parse_rows("Loge 1, Loge 2") == ["Loge 1", "Loge 2"]
    for bad in ["", "A-1", "1-500", "a-C"]:
        with pytest.raises(ValueError):
            parse_rows(bad)


def test_the_date_form_shows_which_layouts_have_a_plan(owner_client, layout, organizer):
    generate(owner_client, layout, [("", "A", 4, "ltr")])
    event = EventFactory(organizer=organizer)

    page = owner_client.get(f"/control/{organizer.slug}/events/{event.slug}/edit/dates/")

    assert "Seated (Layout) · seating plan of 4 seats" in page.content.decode()


def test_seating_page_queries_do_not_grow_with_sections(owner_client, layout):
    def count(sections: int) -> int:
        SeatingPlan.objects.all().delete()
        generate(owner_client, layout, [(f"S{i}", "A-C", 6, "ltr") for i in range(sections)])
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(url(layout, "/")).status_code == 200
        return len(queries)

    assert count(1) == count(3)


def test_another_organisers_plan_is_not_found(organizer, other_organizer, owner_client, actor):
    theirs = _layout_of(other_organizer)
    rival = member(other_organizer, email="rival@example.org")
    save_seating_plan(
        theirs,
        actor=Actor(user=rival),
        name="Theirs",
        seats=seats_from_csv(",A,1\n,A,2\n"),
    )

    assert owner_client.get(url(theirs, "/")).status_code == 404
    assert owner_client.get(url(theirs, ".csv")).status_code == 404
    assert owner_client.post(url(theirs, "/delete/")).status_code == 404
    # their layout under our organiser's address: not found either
    mine = f"/control/{organizer.slug}/venues/{theirs.venue_id}/locations/{theirs.pk}/seating/"
    assert owner_client.get(mine).status_code == 404
    assert generate(owner_client, theirs, [("", "Z", 3, "ltr")]).status_code == 404
    assert Seat.objects.count() == 2
    with pytest.raises(PermissionDenied):
        save_seating_plan(theirs, actor=actor, name="x", seats=seats_from_csv(",A,1"))


def _layout_of(organizer):
    venue = VenueFactory(organizer=organizer)
    room = LocationFactory(venue=venue, kind=Location.Kind.ROOM)
    return LocationFactory(venue=venue, parent=room, kind=Location.Kind.LAYOUT)


def test_a_layout_or_venue_with_sold_seats_cannot_be_deleted(owner_client, layout, organizer):
    generate(owner_client, layout, [("", "A", 4, "ltr")])
    date, rate = _seated_date(layout, organizer)
    with transaction.atomic():
        inventory.take(
            organizer=organizer,
            items=[
                inventory.HoldRequest(
                    date=date, rate=rate, product=rate.product, seats=[Seat.objects.first()]
                )
            ],
            expires_at=None,
            owner_ref="order:1",
        )
    base = f"/control/{organizer.slug}/venues/{layout.venue_id}/"

    for target in (
        f"{base}locations/{layout.pk}/delete/",
        f"{base}locations/{layout.parent_id}/delete/",
        f"{base}delete/",
    ):
        response = owner_client.post(target, follow=True)
        assert "1 seat of its seating plan is held or sold: it cannot be deleted." in (
            response.content.decode()
        )
    assert Location.objects.filter(pk=layout.pk).exists()
    assert Seat.objects.count() == 4
