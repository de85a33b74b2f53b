"""The release screen (C6): staff see reservations past or near their deadline, extend one
(audited) or cancel several (places released); the organiser's policy."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from rideau.core.models import AuditLogEntry
from rideau.reservations import services
from rideau.reservations.models import ReleasePolicy, Reservation
from tests.factories import member
from tests.reservations.conftest import SCHOOL, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def due(organizer):
    world = make_world(organizer)
    world.rule.days_after_booking = 1
    world.rule.save()
    made = [
        services.reserve(
            organizer,
            event=world.event,
            lines=world.lines(1),
            buyer=SCHOOL,
            point_of_sale=world.phone,
        )
        for _i in range(3)
    ]
    return world, made


def test_staff_extend_one_and_cancel_two(client, organizer, due):
    world, made = due
    client.force_login(member(organizer))
    url = f"/control/{organizer.slug}/reservations/"
    page = client.get(url)
    assert page.status_code == 200
    assert [row["reservation"] for row in page.context["rows"]] == made

    zone = zoneinfo.ZoneInfo(organizer.timezone)
    new = (timezone.now() + datetime.timedelta(days=10)).astimezone(zone)
    new = new.replace(second=0, microsecond=0)
    bad = client.post(url, {"action": "extend", "selected": [made[0].pk]})
    assert bad.status_code == 422 and "deadline" in bad.context["form"].errors
    response = client.post(
        url,
        {"action": "extend", "selected": [made[0].pk], "deadline": new.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    extended = Reservation.objects.get(pk=made[0].pk)
    assert extended.deadline == new and extended.extensions == 1
    assert AuditLogEntry.objects.filter(action="reservation.extended").count() == 1

    response = client.post(
        url,
        {"action": "cancel", "selected": [made[1].pk, made[2].pk], "reason": "No answer"},
    )
    assert response.status_code == 302
    statuses = Reservation.objects.filter(pk__in=[made[1].pk, made[2].pk]).values_list(
        "status", flat=True
    )
    assert set(statuses) == {"cancelled"}
    world.quota.refresh_from_db()
    assert world.quota.taken == 1


def test_the_policy_page_saves_a_lenient_policy(client, organizer):
    client.force_login(member(organizer))
    response = client.post(
        f"/control/{organizer.slug}/reservations/policy/",
        {"mode": "lenient", "grace_hours": "24", "remind_hours_before": "48"},
    )
    assert response.status_code == 302
    policy = ReleasePolicy.objects.get(organizer=organizer, event__isnull=True)
    assert (policy.mode, policy.grace_hours) == ("lenient", 24)
    bad = client.post(
        f"/control/{organizer.slug}/reservations/policy/",
        {"mode": "sloppy", "grace_hours": "-1", "remind_hours_before": "x"},
    )
    assert bad.status_code == 422


def test_staff_options_are_extended_or_released_and_the_forecast_shows_them(client, organizer):
    from django.db import transaction

    from rideau.inventory import services as engine
    from rideau.inventory.models import Hold

    world = make_world(organizer)
    with transaction.atomic():
        (option,) = engine.take(
            organizer=organizer,
            items=[
                engine.HoldRequest(
                    quantity=3, date=world.date, product=world.product, rate=world.rate
                )
            ],
            expires_at=timezone.now() + datetime.timedelta(hours=20),
            owner_ref="option:college-moulin",
            kind=Hold.Kind.OPTION,
        )
    client.force_login(member(organizer))
    url = f"/control/{organizer.slug}/reservations/"
    page = client.get(url)
    assert page.context["options"] == [option]
    assert [(row["kind"], row["places"]) for row in page.context["forecast"]] == [
        ("Staff option", 3)
    ]
    assert client.post(url, {"action": "cancel"}).status_code == 422  # nothing ticked

    zone = zoneinfo.ZoneInfo(organizer.timezone)
    new = (
        (timezone.now() + datetime.timedelta(days=4))
        .astimezone(zone)
        .replace(second=0, microsecond=0)
    )
    response = client.post(
        url,
        {"action": "extend", "options": [option.pk], "deadline": new.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    option.refresh_from_db()
    assert option.expires_at == new
    response = client.post(url + "?within=200", {"action": "cancel", "options": [option.pk]})
    assert response.status_code == 302
    option.refresh_from_db()
    assert option.state == Hold.State.RELEASED
    world.quota.refresh_from_db()
    assert world.quota.taken == 0


def test_an_event_gets_its_own_policy(client, organizer):
    world = make_world(organizer)
    client.force_login(member(organizer))
    url = f"/control/{organizer.slug}/reservations/policy/?event={world.event.slug}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"mode": "lenient", "grace_hours": "6", "remind_hours_before": "0"})
    assert response.status_code == 302
    policy = ReleasePolicy.objects.get(organizer=organizer, event=world.event)
    assert (policy.mode, policy.grace_hours) == ("lenient", 6)
    assert not ReleasePolicy.objects.filter(organizer=organizer, event__isnull=True).exists()
    reservation = services.reserve(
        organizer, event=world.event, lines=world.lines(1), buyer=SCHOOL, point_of_sale=world.phone
    )
    assert reservation.release_at == reservation.deadline + datetime.timedelta(hours=6)
    assert client.get(url.replace(world.event.slug, "nope")).status_code == 404


def test_the_box_office_takes_a_reservation_for_a_buyer(client, organizer):
    """C4: staff reserve by phone; it is the buyer's, in their personal space, by e-mail."""
    from rideau.messaging.models import OutboxMessage

    world = make_world(organizer)
    client.force_login(member(organizer))
    url = f"/control/{organizer.slug}/reservations/new/"
    assert client.get(url).status_code == 200
    data = {
        "point_of_sale": world.phone.pk,
        "rate": world.rate.pk,
        "date": world.date.pk,
        "quantity": "3",
        "email": "teacher@school.example",
        "name": "A Teacher",
        "language": "en",
    }
    bad = client.post(url, {**data, "email": "not an address"})
    assert bad.status_code == 422 and not Reservation.objects.exists()
    world.phone.may_reserve = False
    world.phone.save()
    closed = client.post(url, data)
    assert closed.status_code == 422 and not Reservation.objects.exists()
    world.phone.may_reserve = True
    world.phone.save()
    response = client.post(url, data)
    assert response.status_code == 302
    reservation = Reservation.objects.get()
    assert (reservation.order.channel, reservation.order.email) == (
        "phone",
        "teacher@school.example",
    )
    assert reservation.items.count() == 3
    assert OutboxMessage.objects.filter(to=["teacher@school.example"]).count() == 1
