"""Reserving (C1, C4), paying, cancelling, extending and releasing (C6), reminders, and the
ledger rules: a reservation holds places through the engine and, past its release time,
frees them for the next sale even when no worker ran (DESIGN rule 2)."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone

from rideau.core.access import Actor
from rideau.core.models import AuditLogEntry, DomainEventRecord
from rideau.inventory.models import Hold, Quota
from rideau.messaging.models import OutboxMessage
from rideau.orders.errors import OrderError
from rideau.orders.models import Order
from rideau.orders.services import Buyer, mark_paid, place_order
from rideau.reservations import queries, services
from rideau.reservations.errors import ReservationError
from rideau.reservations.models import ReleasePolicy, Reservation
from tests.factories import member

from .conftest import SCHOOL

pytestmark = pytest.mark.django_db


def _reserve(world, quantity=2, now=None, buyer=SCHOOL, point_of_sale=None):
    return services.reserve(
        world.organizer,
        event=world.event,
        lines=world.lines(quantity),
        buyer=buyer,
        point_of_sale=point_of_sale or world.phone,
        now=now,
    )


def test_a_reservation_holds_places_until_its_deadline_and_says_so(world):
    now = timezone.now()
    reservation = _reserve(world, now=now)

    order = reservation.order
    assert order.status == Order.Status.PENDING and order.expires_at is None
    holds = list(Hold.objects.filter(owner_ref=f"order:{order.pk}"))
    assert [h.kind for h in holds] == [Hold.Kind.RESERVATION] * 2
    assert all(h.expires_at == reservation.release_at == reservation.deadline for h in holds)
    world.quota.refresh_from_db()
    assert world.quota.taken == 2
    # 7 days after booking comes before 2 days before a date 30 days ahead
    zone = zoneinfo.ZoneInfo(world.organizer.timezone)
    local = reservation.deadline.astimezone(zone)
    assert (local.hour, local.minute, local.second) == (23, 59, 59)
    assert local.date() == (now.astimezone(zone) + datetime.timedelta(days=7)).date()
    assert [i.deadline for i in reservation.items.all()] == [reservation.deadline] * 2
    # one confirmation e-mail, in the buyer's language and the organiser's zone, with the link
    mails = list(OutboxMessage.objects.filter(to=[SCHOOL.email]))
    assert len(mails) == 1
    body = mails[0].body_text
    assert "Votre réservation" in body
    assert f"/{world.organizer.slug}/account/reservations/{order.code}/" in body
    assert "23:59" in body
    assert DomainEventRecord.objects.filter(name="reservation.made").count() == 1


def test_a_point_of_sale_that_takes_no_reservation_refuses_and_takes_nothing(world):
    world.phone.may_reserve = False
    world.phone.save()
    with pytest.raises(ReservationError) as caught:
        _reserve(world)
    assert caught.value.code == "closed"
    assert not Order.objects.exists() and not Hold.objects.exists()


def test_pay_now_makes_a_firm_purchase_through_the_payment_flow(world):
    reservation = _reserve(world)
    order = mark_paid(reservation.order, provider="demo_card", amount=Decimal("24.00"))
    assert order.status == Order.Status.PAID
    assert set(Hold.objects.values_list("state", flat=True)) == {Hold.State.CONFIRMED}
    assert queries.state(reservation) == Reservation.Status.PAID
    services.mark_settled(order.pk)  # what the OrderPaid handler does
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.PAID
    # the job never releases a paid reservation, even past its deadline
    assert not services.release(
        reservation, now=reservation.release_at + datetime.timedelta(days=1)
    )
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_the_buyer_cancels_with_a_reason_and_the_places_come_back(world):
    reservation = _reserve(world)
    services.cancel(reservation, reason="Class trip postponed")
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCELLED
    assert reservation.cancel_reason == "Class trip postponed"
    assert reservation.order.status == Order.Status.CANCELLED
    world.quota.refresh_from_db()
    assert world.quota.taken == 0
    with pytest.raises(ReservationError):
        services.cancel(reservation)


def test_strict_release_at_the_deadline(world):
    reservation = _reserve(world)
    before = reservation.deadline - datetime.timedelta(minutes=1)
    assert services.release_due(now=before) == 0
    assert services.release_due(now=reservation.deadline) == 1
    assert services.release_due(now=reservation.deadline) == 0  # idempotent
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.EXPIRED
    assert reservation.order.status == Order.Status.CANCELLED
    world.quota.refresh_from_db()
    assert world.quota.taken == 0
    assert DomainEventRecord.objects.filter(name="reservation.expired").count() == 1
    # a late payment cannot revive it: the payment flow refunds
    with pytest.raises(OrderError):
        mark_paid(reservation.order, provider="demo_card", amount=Decimal("24.00"))


def test_lenient_policy_keeps_the_places_during_the_grace_and_staff_extend(world, organizer):
    ReleasePolicy.objects.create(
        organizer=organizer, mode=ReleasePolicy.Mode.LENIENT, grace_hours=48
    )
    reservation = _reserve(world)
    assert reservation.release_at == reservation.deadline + datetime.timedelta(hours=48)
    during = reservation.deadline + datetime.timedelta(hours=1)
    assert services.release_due(now=during) == 0
    assert queries.state(reservation, during) == "overdue"
    assert reservation in queries.release_screen(organizer, now=during)

    staff = Actor(user=member(organizer))
    new_deadline = during + datetime.timedelta(days=3)
    services.extend(reservation, deadline=new_deadline, actor=staff, now=during)
    reservation.refresh_from_db()
    assert reservation.deadline == new_deadline
    assert reservation.release_at == new_deadline + datetime.timedelta(hours=48)
    assert set(Hold.objects.values_list("expires_at", flat=True)) == {reservation.release_at}
    entry = AuditLogEntry.objects.get(action="reservation.extended")
    assert entry.actor_id == staff.user.pk and "deadline" in entry.after
    assert services.release_due(now=during + datetime.timedelta(days=2)) == 0


def test_an_event_policy_overrides_the_organisers(world, organizer):
    ReleasePolicy.objects.create(
        organizer=organizer, mode=ReleasePolicy.Mode.LENIENT, grace_hours=5
    )
    ReleasePolicy.objects.create(
        organizer=organizer, event=world.event, mode=ReleasePolicy.Mode.STRICT
    )
    reservation = _reserve(world)
    assert reservation.release_at == reservation.deadline


def test_an_expired_reservation_frees_its_places_for_the_next_sale_without_any_worker(organizer):
    from .conftest import make_world

    world = make_world(organizer, size=2)
    reservation = _reserve(world, quantity=2)
    after = reservation.release_at + datetime.timedelta(seconds=1)
    # no job ran: the next sale finds the quota full and reclaims the expired holds
    order = place_order(
        organizer,
        event=world.event,
        lines=world.lines(2),
        buyer=Buyer(email="walk-in@example.org"),
        provider="cash",
        paid=True,
        now=after,
    )
    assert order.status == Order.Status.PAID
    quota = Quota.objects.get(pk=world.quota.pk)
    assert quota.taken == 2
    assert queries.state(Reservation.objects.get(pk=reservation.pk), after) == "expired"
    # the job comes later and only tidies up: the order is cancelled, no place given twice
    assert services.release_due(now=after) == 1
    quota.refresh_from_db()
    assert quota.taken == 2


def test_reminders_go_once_before_the_deadline_and_publish_an_event(world, organizer):
    ReleasePolicy.objects.create(organizer=organizer, remind_hours_before=24)
    reservation = _reserve(world)
    OutboxMessage.objects.all().delete()
    assert services.remind_due(now=reservation.deadline - datetime.timedelta(hours=30)) == 0
    soon = reservation.deadline - datetime.timedelta(hours=20)
    assert services.remind_due(now=soon) == 1
    assert services.remind_due(now=soon) == 0
    assert OutboxMessage.objects.filter(to=[SCHOOL.email]).count() == 1
    record = DomainEventRecord.objects.get(name="reservation.near_deadline")
    assert record.payload["contact_id"] == reservation.order.contact_id


def test_a_phone_reservation_is_the_buyers_in_the_personal_space(world):
    from rideau.accounts.services import open_account

    reservation = _reserve(world, point_of_sale=world.phone)
    account = open_account(reservation.order.contact)
    assert list(queries.buyer_reservations(account)) == [reservation]
    from rideau.accounts import sections

    items = [i for i in sections.awaiting_action(account) if i.section == "reservations"]
    assert [i.deadline for i in items] == [reservation.deadline]
    # not listed twice: the orders section leaves reservations to theirs
    assert not [i for i in sections.awaiting_action(account) if i.section == "orders"]


def test_staff_cannot_extend_into_the_past_nor_another_organisers(world, other_organizer):
    reservation = _reserve(world)
    staff = Actor(user=member(world.organizer))
    with pytest.raises(ReservationError) as caught:
        services.extend(
            reservation, deadline=timezone.now() - datetime.timedelta(hours=1), actor=staff
        )
    assert caught.value.field == "deadline"
    from rideau.core.errors import PermissionDenied

    with pytest.raises((PermissionDenied, Exception)):
        services.extend(
            reservation,
            deadline=timezone.now() + datetime.timedelta(days=1),
            actor=Actor(user=member(other_organizer)),
        )
    reservation.refresh_from_db()
    assert reservation.extensions == 0


def test_staff_cannot_extend_past_the_performance(world):
    reservation = _reserve(world)
    staff = Actor(user=member(world.organizer))
    with pytest.raises(ReservationError) as caught:
        services.extend(
            reservation, deadline=world.date.start + datetime.timedelta(hours=1), actor=staff
        )
    assert (caught.value.code, caught.value.field) == ("after_the_show", "deadline")


def test_the_confirmation_reaches_the_buyer_through_real_smtp(world, smtp_server, organizer):
    """In the buyer's language (French) and the organiser's zone, with the link to the
    reservation in the personal space; the reminder the same way."""
    from rideau.messaging.delivery import deliver_due_messages

    ReleasePolicy.objects.create(organizer=organizer, remind_hours_before=24 * 30)
    reservation = _reserve(world)
    assert services.remind_due() == 1
    assert deliver_due_messages().sent == 2
    reminder, confirmation = sorted(
        smtp_server.wait_for(2), key=lambda m: str(m.message["Subject"]).strip()
    )
    zone = zoneinfo.ZoneInfo(organizer.timezone)
    local = reservation.deadline.astimezone(zone)
    subject = f"Votre réservation {reservation.code} : à payer avant l'échéance"
    assert str(confirmation.message["Subject"]).strip() == subject
    assert str(reminder.message["Subject"]).strip().startswith("Rappel : votre réservation")
    for mail in (confirmation, reminder):
        body = mail.message.get_content()
        assert mail.rcpt_tos == [SCHOOL.email]
        assert f"{local.day} " in body and "23:59" in body
        assert f"/{organizer.slug}/account/reservations/{reservation.code}/" in body


def test_the_deadline_in_the_e_mail_is_the_organisers_local_time_across_a_dst_change(organizer):
    """Los Angeles leaves daylight-saving time on 1 November 2026: booked on 30 October,
    due three days later, the deadline is 2 November, 23:59 PST (07:59 UTC the next day)."""
    from tests.factories import EventDateFactory

    from .conftest import make_world

    organizer.timezone = "America/Los_Angeles"
    organizer.save()
    world = make_world(organizer)
    la = zoneinfo.ZoneInfo("America/Los_Angeles")
    world.date.delete()
    world.date = EventDateFactory(
        event=world.event, start=datetime.datetime(2026, 11, 12, 19, 30, tzinfo=la)
    )
    world.quota.date = world.date
    world.quota.save()
    world.rule.days_after_booking, world.rule.days_before_date = 3, 2
    world.rule.save()
    booked = datetime.datetime(2026, 10, 30, 10, 0, tzinfo=la)
    reservation = _reserve(
        world, quantity=1, now=booked, buyer=Buyer(email="ms.lee@school.example", locale="en")
    )
    assert reservation.deadline == datetime.datetime(2026, 11, 3, 7, 59, 59, tzinfo=datetime.UTC)
    body = OutboxMessage.objects.get(to=["ms.lee@school.example"]).body_text
    assert "2 November 2026, 23:59" in body, body  # day first, 24-hour clock (ADR 0033)


def test_a_reservation_follows_its_order_paid_or_cancelled_elsewhere(world):
    """The handlers of OrderPaid / OrderCanceled (domain events, run by the worker)."""
    from rideau.core.domain_events import process_events
    from rideau.orders.services import cancel_order

    paid, dropped = _reserve(world, quantity=1), _reserve(world, quantity=1)
    mark_paid(paid.order, provider="cash", amount=paid.order.total)
    cancel_order(dropped.order, reason="staff")
    process_events()
    paid.refresh_from_db()
    dropped.refresh_from_db()
    assert (paid.status, dropped.status) == ("paid", "cancelled")
