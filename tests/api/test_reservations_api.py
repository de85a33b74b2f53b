"""Reservations over the API (SPEC C1–C7): create at a point of sale, list, pay, extend,
cancel, with the rules of the shop and the release screen."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rideau.catalog.models import AudienceType
from rideau.core.access import Actor
from rideau.core.models import AuditLogEntry
from rideau.orders import services as orders
from rideau.orders.models import SalesChannel
from rideau.reservations.models import PointOfSale, Reservation
from tests.factories import member
from tests.reservations.conftest import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(organizer):
    return make_world(organizer)


def body(world, quantity=2, **extra):
    return {
        "event": world.event.slug,
        "point_of_sale": world.phone.pk,
        "lines": [{"rate": world.rate.pk, "date": world.date.pk, "quantity": quantity}],
        "buyer": {"email": "claire@college.example", "name": "Claire", "locale": "fr"},
        **extra,
    }


def base(world):
    return f"/organizers/{world.organizer.slug}/reservations"


def test_create_list_extend_pay(api, world):
    made = api.post(base(world), body(world))
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["status"] == "active" and data["state"] == "active"
    assert len(data["items"]) == 2 and data["email"] == "claire@college.example"
    world.quota.refresh_from_db()
    assert world.quota.taken == 2

    listing = api.get(base(world) + "?status=active").json()
    assert [r["code"] for r in listing["results"]] == [data["code"]]

    new = (timezone.now() + datetime.timedelta(days=12)).replace(microsecond=0)
    extended = api.post(f"{base(world)}/{data['code']}/extend", {"deadline": new.isoformat()})
    assert extended.status_code == 200, extended.content
    assert extended.json()["extensions"] == 1
    assert AuditLogEntry.objects.filter(action="reservation.extended").exists()

    wrong = api.post(f"{base(world)}/{data['code']}/pay", {"provider": "cash", "amount": "1.00"})
    assert wrong.status_code == 422
    paid = api.post(f"{base(world)}/{data['code']}/pay", {"provider": "cash", "amount": "24.00"})
    assert paid.status_code == 200, paid.content
    assert paid.json()["status"] == "paid"
    again = api.post(f"{base(world)}/{data['code']}/cancel", {"reason": "late"})
    assert again.status_code == 409


def test_cancel_with_a_reason_and_the_rules_refuse(api, world):
    world.phone.may_reserve = False
    world.phone.save()
    refused = api.post(base(world), body(world))
    assert refused.status_code == 422 and not Reservation.objects.exists()
    world.phone.may_reserve = True
    world.phone.save()
    code = api.post(base(world), body(world, quantity=1)).json()["code"]
    past = api.post(
        f"{base(world)}/{code}/extend",
        {"deadline": (timezone.now() - datetime.timedelta(hours=1)).isoformat()},
    )
    assert past.status_code == 422
    cancelled = api.post(f"{base(world)}/{code}/cancel", {"reason": "Trip postponed"})
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["cancel_reason"]) == (
        "cancelled",
        "Trip postponed",
    )
    world.quota.refresh_from_db()
    assert world.quota.taken == 0


def test_another_organiser_sees_and_changes_nothing(api, rival_api, world):
    code = api.post(base(world), body(world)).json()["code"]
    assert rival_api.get(base(world)).status_code == 404
    assert rival_api.get(f"{base(world)}/{code}").status_code == 404
    for action in ("pay", "extend", "cancel"):
        response = rival_api.post(f"{base(world)}/{code}/{action}", {})
        assert response.status_code in (404, 422)
    assert Reservation.objects.get(code=code).status == "active"


def amounts(data: dict) -> tuple[str, str, str]:
    return data["total"], data["amount_paid"], data["amount_due"]


def test_the_answers_say_what_was_paid_and_is_still_due_as_an_order_does(api, world):
    code = api.post(base(world), body(world)).json()["code"]
    order = Reservation.objects.get(code=code).order
    assert amounts(api.get(f"{base(world)}/{code}").json()) == ("24.00", "0.00", "24.00")
    actor = Actor(user=member(world.organizer))
    orders.record_part_payment(order, provider="cash", amount=Decimal("10.00"), actor=actor)

    fetched = api.get(f"{base(world)}/{code}").json()
    listed = api.get(base(world)).json()["results"]
    paid = api.post(f"{base(world)}/{code}/pay", {"provider": "cash", "amount": "14.00"})

    assert amounts(fetched) == ("24.00", "10.00", "14.00")
    assert [amounts(r) for r in listed] == [("24.00", "10.00", "14.00")]
    assert paid.status_code == 200, paid.content
    assert amounts(paid.json()) == ("24.00", "24.00", "0.00")
    order_answer = api.get(f"/organizers/{world.organizer.slug}/orders/{code}").json()
    assert amounts(order_answer) == amounts(paid.json())  # the same rule as the order's


def test_a_cancelled_reservation_owes_nothing(api, world):
    code = api.post(base(world), body(world, quantity=1)).json()["code"]

    cancelled = api.post(f"{base(world)}/{code}/cancel", {"reason": "Trip postponed"})

    assert amounts(cancelled.json()) == ("12.00", "0.00", "0.00")


def test_the_list_costs_the_same_for_1_and_3_reservations(api, world):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(base(world)).status_code == 200
        return len(queries)

    api.post(base(world), body(world, quantity=1))
    count()  # the token's first use records it
    one = count()
    for _ in range(2):
        assert api.post(base(world), body(world, quantity=1)).status_code == 201

    assert count() == one


# --- points of sale ----------------------------------------------------------------------


def points_url(world):
    return f"/organizers/{world.organizer.slug}/points-of-sale"


def test_points_of_sale_are_listed_by_channel_with_who_may_reserve(api, world):
    schools = AudienceType.objects.create(
        organizer=world.organizer, code="schools", name={"en": "Schools"}
    )
    world.phone.reserving_audiences.add(schools)
    till = PointOfSale.objects.create(
        organizer=world.organizer, name="Till 1", channel=SalesChannel.BOX_OFFICE, active=False
    )

    response = api.get(points_url(world))

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["count"] == 3
    assert [
        (p["id"], p["name"], p["channel"], p["may_reserve"], p["reserving_audiences"], p["active"])
        for p in data["results"]
    ] == [
        (till.pk, "Till 1", "box_office", False, [], False),
        (world.phone.pk, "Phone", "phone", True, ["schools"], True),
        (world.web.pk, "Web shop", "web", True, [], True),
    ]
    active = api.get(points_url(world) + "?active=true&channel=phone").json()
    assert [p["id"] for p in active["results"]] == [world.phone.pk]


def test_an_unknown_channel_filter_is_a_field_error(api, world):
    response = api.get(points_url(world) + "?channel=moon")

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["query", "channel"]]


def test_another_organiser_cannot_list_the_points_of_sale(rival_api, world):
    response = rival_api.get(points_url(world))

    assert response.status_code == 404
    assert "results" not in response.json()


def test_the_points_of_sale_list_costs_the_same_for_2_and_3(api, world):
    AudienceType.objects.create(organizer=world.organizer, code="schools", name={"en": "S"})

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(points_url(world)).status_code == 200
        return len(queries)

    count()  # the token's first use records it
    two = count()
    PointOfSale.objects.create(
        organizer=world.organizer, name="Partner", channel=SalesChannel.PARTNER
    ).reserving_audiences.add(*AudienceType.objects.filter(code="schools"))
    assert count() == two
