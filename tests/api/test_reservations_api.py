"""Reservations over the API (SPEC C1–C7): create at a point of sale, list, pay, extend,
cancel, with the rules of the shop and the release screen."""

import datetime

import pytest
from django.utils import timezone

from rideau.core.models import AuditLogEntry
from rideau.reservations.models import Reservation
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

    listing = api.get(base(world), params={"status": "active"}).json()
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
